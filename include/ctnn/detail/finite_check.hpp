// Whether a parameter set is finite after an update: what the update's own loop saw as it wrote
// (detail::update_parameter, which every built-in optimizer with per-element state runs), else
// one read of every value and of every buffer of the optimizer's state. A finite gradient
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
/// (The values and the states are read by separate templates: a network's loop is compiled once
/// whatever the optimizers that train it.)
template <class ParameterSet>
bool values_finite(const ParameterSet& params) noexcept {
    double largest = 0.0;
    params.for_each_parameter(
        [&](const auto& p) { largest = std::max(largest, max_magnitude(p.value.data(), p.value.size())); });
    return std::isfinite(largest);
}
template <class States>
bool states_finite(const States& states) noexcept {
    double largest = 0.0;
    for (const auto& s : states)
        for (const auto& b : s.buffers) largest = std::max(largest, max_magnitude(b.data(), b.size()));
    return std::isfinite(largest);
}
template <class ParameterSet, class States>
bool parameters_finite(const ParameterSet& params, const States& states) noexcept {
    return values_finite(params) && states_finite(states);
}

/// Whether the update just made is finite as its own loops reported it (parameter_state's
/// last_update): false when one reported a non-finite value, else true when every one reported;
/// else (an optimizer whose loop does not report) what parameters_finite reads.
template <class ParameterSet, class States>
bool update_finite(const ParameterSet& params, const States& states) noexcept {
    using written = typename States::value_type::written;
    bool all_reported = true;
    for (const auto& s : states) {
        if (s.last_update == written::non_finite) return false;
        all_reported = all_reported && s.last_update == written::finite;
    }
    return all_reported || parameters_finite(params, states);
}

/// "layer 1 (dense) weight, element 3, would be inf", or with `buffer` (an optimizer's state
/// name) "layer 1 (dense) weight's optimizer state exp_avg_sq, element 3, would be inf"; `verb`
/// "is" for a value that is already there (a saved file's). One function for every network: the
/// templated search below only finds the element.
[[gnu::cold, gnu::noinline]] inline std::string describe_non_finite(std::size_t layer, std::string_view kind,
                                                                    std::string_view name, std::string_view buffer,
                                                                    std::size_t element, double value,
                                                                    std::string_view verb = "would be") {
    std::string text = "layer " + std::to_string(layer) + " (" + std::string(kind) + ") " + std::string(name);
    if (!buffer.empty()) text += "'s optimizer state " + std::string(buffer);
    return text + ", element " + std::to_string(element) + ", " + std::string(verb) + " " + number_string(value);
}

/// The first element of data[0, n) that is NaN or ±inf, or data + n.
template <class S>
const S* first_non_finite(const S* data, std::size_t n) {
    return std::find_if(data, data + n, [](S v) { return !std::isfinite(v); });
}

/// With `parameter` = −1: describe_non_finite of the first non-finite value of `net`, or empty.
/// Else: describe_non_finite of element `element` (value `value`) of the optimizer state
/// `buffer` of `net`'s parameter number `parameter` (for_each_parameter's order).
template <class Net>
[[gnu::cold]] std::string first_non_finite_in(const Net& net, std::size_t parameter, std::string_view buffer,
                                             std::size_t element, double value,
                                             std::string_view verb = "would be") {
    std::string found;
    std::size_t i = 0;
    net.for_each_layer_indexed([&](const auto& layer, auto index) {
        using L = std::remove_cvref_t<decltype(layer)>;
        for_each_named_parameter_of(layer, [&](std::string_view name, const auto& p) {
            if (found.empty() && parameter == i) {
                found = describe_non_finite(index, layer_kind<L>(), name, buffer, element, value, verb);
            } else if (found.empty() && parameter == std::size_t(-1)) {
                const auto* first = p.value.data();
                const auto* bad = first_non_finite(first, p.size());
                if (bad != first + p.size())
                    found = describe_non_finite(index, layer_kind<L>(), name, {}, std::size_t(bad - first),
                                                double(*bad), verb);
            }
            ++i;
        });
    });
    return found;
}

/// describe_non_finite of the first non-finite value of `net` (layer order, weight before bias),
/// or, with every value finite, of the first non-finite buffer of the optimizer's state:
/// `states[i]` is the i-th parameter's state, its buffers named by `buffer_names`. Empty if
/// there is none. (The network's search and the states' are separate templates: a network's is
/// compiled once whatever the optimizers that train it.)
template <class Net, class States, std::size_t Buffers>
[[gnu::cold]] std::string first_non_finite_parameter(const Net& net, const States& states,
                                                     const std::array<std::string_view, Buffers>& buffer_names,
                                                     std::string_view verb = "would be") {
    std::string found = first_non_finite_in(net, std::size_t(-1), {}, {}, 0, verb);
    if (!found.empty()) return found;
    for (std::size_t i = 0; i < states.size(); ++i)
        for (std::size_t k = 0; k < Buffers; ++k) {
            const auto& b = states[i].buffers[k];
            const auto* bad = first_non_finite(b.data(), b.size());
            if (bad != b.data() + b.size())
                return first_non_finite_in(net, i, buffer_names[k], std::size_t(bad - b.data()), double(*bad), verb);
        }
    return found;
}

}  // namespace ctnn::detail
