// load_npz(path, net [, options]): parameters and buffers from a NumPy .npz archive by
// state_dict names, so that a model trained in PyTorch runs in ctnn. The archive is what
//   numpy.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})
// writes (savez_compressed too), or what save_npz writes. Every array is found, parsed and
// checked against its parameter's shape before any weight changes: a missing, misshapen or
// corrupt array, or (strict) one the network has no place for, is refused with its name and
// the network is left exactly as it was.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/data/read_limits.hpp"
#include "ctnn/detail/atomic_file.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/detail/npy.hpp"
#include "ctnn/detail/regular_file.hpp"
#include "ctnn/detail/zip_reader.hpp"
#include "ctnn/fwd.hpp"

namespace ctnn {

struct npz_options {
    /// The state_dict prefix of each layer that holds parameters or buffers, in order: for
    /// nn.Sequential(nn.Linear, nn.ReLU, nn.Linear) {"0", "2"}; for a module with fc1 and fc2
    /// {"fc1", "fc2"}. Empty: ctnn's own names, layer{i}, as save_npz writes them. A stacked
    /// nn.LSTM (GRU, RNN) is one ctnn layer per torch layer, each named "module:k", its layer
    /// k: {"lstm:0", "lstm:1", "fc"} reads lstm.weight_ih_l0 … then lstm.weight_ih_l1 ….
    std::vector<std::string> modules{};
    /// Refuse arrays the network has no place for (load_state_dict's strict=True).
    bool strict = true;
    /// The archive is refused above this size, before it is read.
    data::read_limits limits{};
};

namespace detail {
inline constexpr const char* stacked_module_hint =
    "a stacked nn.LSTM, GRU or RNN: give ctnn one recurrent layer per torch layer and name them in "
    "npz_options::modules as \"lstm:0\", \"lstm:1\" ...";

/// load_npz on an archive already in memory; `context` starts every message.
template <class T, class Input, class... Layers>
void load_npz_archive(std::span<const std::uint8_t> bytes, const std::string& context,
                      basic_network<T, Input, Layers...>& net, const npz_options& options) {
    // the layers that hold something, by index, to pair with options.modules
    std::vector<std::size_t> holding;
    std::vector<std::string_view> kinds;
    net.for_each_layer_indexed([&](auto& layer, auto index) {
        std::size_t n = 0;
        detail::for_each_named_parameter_of(layer, [&](std::string_view, auto&) { ++n; });
        detail::for_each_buffer_of(layer, [&](std::string_view, auto&) { ++n; });
        if (n) holding.push_back(index);
        kinds.push_back(detail::layer_kind<std::remove_cvref_t<decltype(layer)>>());
    });
    if (!options.modules.empty() && options.modules.size() != holding.size()) {
        std::string layers;
        for (const std::size_t i : holding) layers += (layers.empty() ? "" : ", ") + std::to_string(i) + " (" + std::string(kinds[i]) + ")";
        throw invalid_argument(context + ": " + std::to_string(options.modules.size()) + " module names for "
                               + std::to_string(holding.size()) + " layers with parameters: layers " + layers);
    }

    const detail::zip_reader zip(bytes, context);
    std::map<std::string, const detail::zip_reader::entry*, std::less<>> arrays;  // "0.weight" -> its entry
    for (const auto& e : zip.entries()) {
        const std::string_view name = e.name;
        const std::string key(name.ends_with(".npy") ? name.substr(0, name.size() - 4) : name);
        if (!arrays.emplace(key, &e).second) zip.fail("the archive holds array '" + key + "' twice");
    }
    const auto some_names = [&] {
        std::string names;
        std::size_t k = 0;
        for (const auto& [key, e] : arrays) {
            if (k++ == 8) return names + ", ...";
            names += (names.empty() ? "'" : ", '") + key + "'";
        }
        return names.empty() ? std::string("none") : names;
    };

    // A stacked nn.LSTM's layers are one module's arrays ending in _l0, _l1 (_l1_reverse): the
    // layer's digit of a key, or 0. An archive with a layer 1 read under one module name gets a hint.
    const auto layer_of = [](std::string_view key) -> char {
        const auto at = key.rfind("_l");
        if (at == std::string_view::npos || at + 2 >= key.size()) return 0;
        return std::isdigit(static_cast<unsigned char>(key[at + 2])) ? key[at + 2] : char(0);
    };
    const bool archive_stacked =
        std::any_of(arrays.begin(), arrays.end(), [&](const auto& a) { return layer_of(a.first) == '1'; });

    std::set<std::string, std::less<>> used;
    std::vector<std::function<void()>> commits;
    net.for_each_layer_indexed([&](auto& layer, auto index) {
        // a layer without parameters or buffers stages nothing, so its prefix is never read
        const auto held = std::size_t(std::find(holding.begin(), holding.end(), index) - holding.begin());
        std::string prefix = options.modules.empty() ? "layer" + std::to_string(index)
                             : held < holding.size()  ? options.modules[held]
                                                      : std::string();
        // "lstm:1": layer 1 of a stacked torch module, whose names end in _l1, not _l0
        std::string stacked_layer;
        if (const auto colon = prefix.rfind(':'); colon != std::string::npos && !options.modules.empty()) {
            stacked_layer = prefix.substr(colon + 1);
            prefix.resize(colon);
            if (stacked_layer.empty()
                || stacked_layer.find_first_not_of("0123456789") != std::string::npos)
                throw invalid_argument(context + ": module '" + options.modules[held]
                                       + "' names no layer number after its ':' (\"lstm:1\" is layer 1 of lstm)");
            bool per_layer = false;
            detail::for_each_named_parameter_of(layer, [&](std::string_view name, auto&) {
                per_layer = per_layer || name.find("_l0") != std::string_view::npos;
            });
            if (!per_layer)
                throw invalid_argument(context + ": module '" + options.modules[held] + "' names a layer of a stacked "
                                       "module, but layer " + std::to_string(index) + " (" + std::string(kinds[index])
                                       + ") is no recurrent layer of torch's names (weight_ih_l0 ...)");
        }
        // `target` (a tensor or a counter) from array prefix.name, staged; committed below
        const auto stage = [&](std::string_view name, auto& target) {
            std::string key = prefix + "." + std::string(name);
            if (const auto at = key.rfind("_l0"); !stacked_layer.empty() && at != std::string::npos)
                key.replace(at, 3, "_l" + stacked_layer);
            const std::string what = "layer " + std::to_string(index) + " (" + std::string(kinds[index]) + ") " + std::string(name);
            const auto found = arrays.find(key);
            if (found == arrays.end())
                throw format_error(context + ": no array '" + key + "' for " + what + "; the archive holds " + some_names());
            const auto elements = detail::elements_of(target);
            using E = std::remove_const_t<typename decltype(elements)::element_type>;
            const auto expected = detail::shape_of(target);
            const auto raw = zip.extract(*found->second, 4096 + 8 * std::uint64_t(elements.size()));
            const auto array = detail::parse_npy(raw, context + ": array '" + key + "'");
            if (array.shape != expected) {
                // read as layer 0 of a stacked module: say how to name its layers
                const bool stacked = archive_stacked && stacked_layer.empty() && layer_of(key) == '0';
                throw format_error(context + ": array '" + key + "' has shape " + detail::shape_string(array.shape)
                                   + ", but " + what + " is " + detail::shape_string(expected)
                                   + (stacked ? std::string(" (") + stacked_module_hint + ")" : std::string()));
            }
            if constexpr (std::is_floating_point_v<E>) {
                if (array.descr == "<i8")
                    throw format_error(context + ": array '" + key + "' holds integers, but " + what + " is floating-point");
            } else {
                if (array.descr != "<i8")
                    throw format_error(context + ": array '" + key + "' holds floating-point values, but " + what
                                       + " is an integer counter (int64)");
            }
            auto values = array.template values<E>(context + ": array '" + key + "' for " + what);
            used.insert(key);
            commits.push_back([elements, values = std::move(values)] { std::copy(values.begin(), values.end(), elements.begin()); });
        };
        detail::for_each_named_parameter_of(layer, [&](std::string_view name, auto& p) { stage(name, p.value); });
        detail::for_each_buffer_of(layer, [&](std::string_view name, auto& b) { stage(name, b); });
    });
    if (options.strict && used.size() != arrays.size()) {
        bool stacked = false;  // a layer's array of a stacked module left over
        std::string unused;
        for (const auto& [key, e] : arrays) {
            if (used.contains(key)) continue;
            unused += (unused.empty() ? "'" : ", '") + key + "'";
            stacked = stacked || (archive_stacked && layer_of(key) != 0);
        }
        throw format_error(context + ": the network has no place for " + unused
                           + (stacked ? std::string(" (") + stacked_module_hint + ")"
                                      : " (npz_options::strict = false loads the rest; npz_options::modules names the "
                                        "state_dict prefix of each layer)"));
    }
    for (auto& commit : commits) commit();
    net.note_weights_replaced();  // a trainer of net starts its optimizer state afresh
}
}  // namespace detail

/// Loads every parameter and buffer of `net` from the archive (float32 or float64 arrays,
/// converted to the network's scalar type) and clears the optimizer state, as `load` does.
template <class T, class Input, class... Layers>
void load_npz(const std::filesystem::path& path, basic_network<T, Input, Layers...>& net, const npz_options& options = {}) {
    const std::string context = "ctnn: load_npz '" + path.string() + "'";
    const detail::regular_file file(path);
    if (file.ok() && file.size() > options.limits.max_bytes)
        throw format_error(context + ": the file is " + std::to_string(file.size()) + " bytes, more than the limit of "
                           + std::to_string(options.limits.max_bytes) + " (npz_options::limits)");
    const auto bytes = detail::read_whole_file(path, "load_npz", options.limits.max_bytes);
    detail::load_npz_archive(bytes, context, net, options);
}

}  // namespace ctnn
