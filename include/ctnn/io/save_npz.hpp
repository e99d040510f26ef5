// save_npz(path, net): every parameter and buffer of a network as an uncompressed NumPy .npz
// archive, keys "layer{i}.{name}" (layer0.weight, layer0.bias, layer1.running_mean...), so that
// numpy.load(path)["layer0.weight"] is PyTorch's state_dict()["0.weight"] of the same model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/detail/atomic_file.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/detail/npy.hpp"
#include "ctnn/detail/stored_zip.hpp"
#include "ctnn/fwd.hpp"

namespace ctnn {

/// Writes the archive atomically (io_error on failure, the previous file unchanged). Weights keep
/// ctnn's (and PyTorch's) layout: a dense layer's weight is (out, in).
template <class T, class Input, class... Layers>
void save_npz(const std::filesystem::path& path, const basic_network<T, Input, Layers...>& net) {
    detail::stored_zip zip;
    std::size_t index = 0;
    net.for_each_layer([&](const auto& layer) {
        const std::string prefix = "layer" + std::to_string(index++) + ".";
        const auto add = [&](std::string_view name, std::vector<std::uint64_t> shape, auto values) {
            using E = std::remove_const_t<typename decltype(values)::element_type>;
            zip.add(prefix + std::string(name) + ".npy",
                    detail::npy_file<E>(shape, std::span<const E>(values.data(), values.size())));
        };
        detail::for_each_named_parameter_of(layer, [&](std::string_view name, const auto& p) {
            add(name, detail::shape_of(p.value), std::span(p.value.data(), p.value.size()));
        });
        detail::for_each_buffer_of(layer, [&](std::string_view name, const auto& b) {
            add(name, detail::shape_of(b), detail::elements_of(b));
        });
    });
    const auto bytes = std::move(zip).finish();
    detail::write_file_atomically(path, bytes, "save_npz");
}

}  // namespace ctnn
