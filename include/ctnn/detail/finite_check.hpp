// Whether a parameter set is finite after an update: one read of every value and of every
// buffer of the optimizer's state, cheap beside the update that wrote them. A finite gradient
// can still make a non-finite update (a large lr, float's range, a state that overflows): the trainer refuses such
// an update and puts back what was there before it, and the cold path below names the parameter.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/detail/norms.hpp"

namespace ctnn::detail {

/// Every value of every parameter and every buffer of the optimizer's state finite (norms.hpp's
/// max_magnitude is +inf exactly when a value is NaN or ±inf).
template <class ParameterSet, class States>
bool parameters_finite(const ParameterSet& params, const States& states) noexcept {
    double largest = 0.0;
    params.for_each_parameter(
        [&](const auto& p) { largest = std::max(largest, max_magnitude(p.value.data(), p.value.size())); });
    for (const auto& s : states)
        for (const auto& b : s.buffers) largest = std::max(largest, max_magnitude(b.data(), b.size()));
    return std::isfinite(largest);
}

/// "layer 1 (dense) weight, element 3, would be inf", or with `buffer` (an optimizer's state
/// name) "layer 1 (dense) weight's optimizer state exp_avg_sq, element 3, would be inf". One
/// function for every network: the templated search below only finds the element.
[[gnu::cold, gnu::noinline]] inline std::string describe_non_finite(std::size_t layer, std::string_view kind,
                                                                    std::string_view name, std::string_view buffer,
                                                                    std::size_t element, double value) {
    std::string text = "layer " + std::to_string(layer) + " (" + std::string(kind) + ") " + std::string(name);
    if (!buffer.empty()) text += "'s optimizer state " + std::string(buffer);
    return text + ", element " + std::to_string(element) + ", would be " + number_string(value);
}

/// describe_non_finite of the first non-finite value or optimizer state buffer of `net` (layer
/// order, weight before bias, a parameter's value before its state); empty if there is none.
/// `states[i]` is the i-th parameter's state, its buffers named by `buffer_names`.
template <class Net, class States, std::size_t Buffers>
[[gnu::cold]] std::string first_non_finite_parameter(const Net& net, const States& states,
                                                     const std::array<std::string_view, Buffers>& buffer_names) {
    std::string found;
    std::size_t i = 0;
    net.for_each_layer_indexed([&](const auto& layer, auto index) {
        using L = std::remove_cvref_t<decltype(layer)>;
        for_each_named_parameter_of(layer, [&](std::string_view name, const auto& p) {
            const auto search = [&](const auto& t, std::string_view buffer) {
                if (!found.empty()) return;
                const auto* first = t.data();
                const auto* bad = std::find_if(first, first + t.size(), [](auto v) { return !std::isfinite(v); });
                if (bad != first + t.size())
                    found = describe_non_finite(index, layer_kind<L>(), name, buffer, std::size_t(bad - first),
                                                double(*bad));
            };
            search(p.value, {});
            if (i < states.size())
                for (std::size_t k = 0; k < Buffers; ++k) search(states[i].buffers[k], buffer_names[k]);
            ++i;
        });
    });
    return found;
}

}  // namespace ctnn::detail
