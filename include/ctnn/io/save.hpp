// save(path, net [, trainer]): the network's weights and running statistics, and optionally the
// optimizer state, to a versioned, checksummed binary file (docs/saving.md), written atomically.
#pragma once

#include <filesystem>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/atomic_file.hpp"
#include "ctnn/detail/model_file.hpp"
#include "ctnn/fwd.hpp"

namespace ctnn {

namespace detail {
template <class Net, class Trainer>
void refuse_to_save_non_finite(const std::filesystem::path& path, const Net& net, Trainer* trainer) {
    if (const std::string found = model_file::first_non_finite_to_save(net, trainer); !found.empty())
        throw non_finite_error("ctnn: save '" + path.string() + "': " + found
                               + "; nothing was written (load refuses a file with a non-finite value)");
}
/// A parameter given a value of another shape would be written, and load would refuse the file.
template <class Net>
void refuse_to_save_misshaped(const std::filesystem::path& path, const Net& net) {
    try {
        net.check_parameter_shapes();
    } catch (const shape_error& e) {
        const std::string what = e.what();
        throw shape_error("ctnn: save '" + path.string() + "': " + what.substr(what.find(' ') + 1)
                          + "; nothing was written");
    }
}
}  // namespace detail

/// Writes `net` to `path`: its signature (scalar, widths, each layer's kind, activation and
/// tensor shapes) and its parameters and buffers. The file is replaced atomically: on failure
/// (io_error) the previous file is unchanged. A NaN or infinite value (non_finite_error), or a
/// parameter given a value of another shape (shape_error), is refused, naming it, and nothing is
/// written: load would refuse the file.
template <class T, class Input, class... Layers>
void save(const std::filesystem::path& path, const basic_network<T, Input, Layers...>& net) {
    detail::refuse_to_save_misshaped(path, net);
    detail::refuse_to_save_non_finite(path, net, static_cast<void*>(nullptr));
    const auto bytes = detail::model_file::serialize(net, static_cast<void*>(nullptr));
    detail::write_file_atomically(path, bytes, "save");
}

/// Also writes the training state, so that `load(path, net, trainer)` resumes training where it
/// stopped: the optimizer's state for every parameter (its buffers, step count and running
/// product, trainer::optimizer_state()), the optimizer's learning rate, the trainer's epoch and step counts, and the names of its policies.
template <class Network, class... Policies>
void save(const std::filesystem::path& path, const Network& net,
          trainer<Network, Policies...>& trainer) {
    if (&trainer.network() != &net)
        throw invalid_argument("ctnn: save '" + path.string() + "': the trainer trains another network object");
    detail::refuse_to_save_misshaped(path, net);
    detail::refuse_to_save_non_finite(path, net, &trainer);
    const auto bytes = detail::model_file::serialize(net, &trainer);
    detail::write_file_atomically(path, bytes, "save");
}

}  // namespace ctnn
