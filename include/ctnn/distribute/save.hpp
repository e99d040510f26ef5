// distribute::save(comm, path, net [, trainer]): save from data-parallel training. The ranks hold
// the same weights, so rank 0 alone writes; every rank learns whether the write succeeded.
#pragma once

#include <exception>
#include <filesystem>

#include "ctnn/distribute/communicator.hpp"
#include "ctnn/io/save.hpp"

namespace ctnn::distribute {

/// Collective. Rank 0 writes `path` (atomically, as ctnn::save); a failed write throws
/// distributed_error with its reason on every rank, so none trains on without the others.
template <class Network, class... Trainer>
void save(const communicator& comm, const std::filesystem::path& path, const Network& net, Trainer&... trainer) {
    static_assert(sizeof...(Trainer) <= 1, "ctnn: distribute::save takes the network and at most one trainer");
    std::exception_ptr failure;
    if (comm.is_root()) {
        try {
            ctnn::save(path, net, trainer...);
        } catch (...) {
            failure = std::current_exception();
        }
    }
    comm.agree(failure, "distribute::save '" + path.string() + "'");
}

}  // namespace ctnn::distribute
