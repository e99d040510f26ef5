// load(path, net [, trainer]): reads a file written by save. The file must come from a network of
// the same signature; anything else is a format_error naming the first difference, and a failed
// load leaves the network (and trainer) exactly as they were.
#pragma once

#include <filesystem>
#include <type_traits>
#include <utility>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/atomic_file.hpp"
#include "ctnn/detail/model_file.hpp"
#include "ctnn/fwd.hpp"

namespace ctnn {

/// Loads the parameters and buffers saved in `path` into `net` and clears the optimizer state
/// its parameters hold (training then starts a fresh optimizer history). A file saved with a
/// trainer loads too; its training state is checked and ignored.
template <class T, class Input, class... Layers>
void load(const std::filesystem::path& path, basic_network<T, Input, Layers...>& net) {
    const auto bytes = detail::read_whole_file(path, "load", detail::model_file::largest_file(std::as_const(net)));
    detail::model_file::load(bytes, "ctnn: load '" + path.string() + "'", net, static_cast<void*>(nullptr));
}

/// Also restores the training state saved with `save(path, net, trainer)`: the optimizer's state
/// for every parameter (trainer::optimizer_state()), its learning rate, and the trainer's epoch
/// and step clocks (a schedule goes on from them). The file must hold the state of the same
/// optimizer.
template <class Network, class... Policies>
void load(const std::filesystem::path& path, Network& net,
          trainer<Network, Policies...>& trainer) {
    if (&trainer.network() != &net)
        throw invalid_argument("ctnn: load '" + path.string() + "': the trainer trains another network object");
    constexpr std::size_t buffers =
        optim::state_buffer_count<typename std::remove_cvref_t<decltype(trainer)>::optimizer_type>;
    const auto bytes =
        detail::read_whole_file(path, "load", detail::model_file::largest_file(std::as_const(net), buffers));
    detail::model_file::load(bytes, "ctnn: load '" + path.string() + "'", net, &trainer);
}

}  // namespace ctnn
