// distribute::load(comm, path, net [, trainer]): load for data-parallel training. Rank 0 reads
// the file and sends its bytes; every rank loads the same bytes, so every rank ends with the same
// weights (and optimizer state), or every rank refuses the file with rank 0's reason.
#pragma once

#include <cstdint>
#include <exception>
#include <filesystem>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctnn/detail/atomic_file.hpp"
#include "ctnn/detail/model_file.hpp"
#include "ctnn/distribute/communicator.hpp"
#include "ctnn/fwd.hpp"
#include "ctnn/optim/parameter_state.hpp"

namespace ctnn::distribute {

/// Collective. A missing, corrupt or mismatched file throws distributed_error on every rank,
/// naming the reason (ctnn::load's), and leaves every rank's network (and trainer) as it was.
template <class Network, class... Trainer>
void load(const communicator& comm, const std::filesystem::path& path, Network& net, Trainer&... trainer) {
    static_assert(sizeof...(Trainer) <= 1, "ctnn: distribute::load takes the network and at most one trainer");
    std::size_t state_buffers = ctnn::detail::model_file::max_state_buffers;
    ((state_buffers = optim::state_buffer_count<typename Trainer::optimizer_type>), ...);
    if (((&trainer.network() != &net) || ...))  // the same on every rank
        throw invalid_argument("ctnn: distribute::load '" + path.string() + "': the trainer trains another network object");
    std::vector<std::uint8_t> bytes;
    std::exception_ptr failure;
    const std::string where = "distribute::load '" + path.string() + "'";
    if (comm.is_root()) {
        try {
            bytes = ctnn::detail::read_whole_file(path, "load",
                                                  ctnn::detail::model_file::largest_file(std::as_const(net), state_buffers));
        } catch (...) {
            failure = std::current_exception();
        }
    }
    comm.agree(failure, where);
    std::uint64_t size = bytes.size();
    comm.broadcast(&size, sizeof size);
    bytes.resize(size);
    comm.broadcast(bytes.data(), size);
    try {
        if constexpr (sizeof...(Trainer) == 0)
            ctnn::detail::model_file::load(bytes, "ctnn: load '" + path.string() + "'", net, static_cast<void*>(nullptr));
        else
            (ctnn::detail::model_file::load(bytes, "ctnn: load '" + path.string() + "'", net, &trainer), ...);
    } catch (...) {
        failure = std::current_exception();
    }
    comm.agree(failure, where);
}

}  // namespace ctnn::distribute
