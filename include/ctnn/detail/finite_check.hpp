// Whether a parameter set is finite after an update: one read of every value and every
// optimizer moment, cheap beside the update that wrote them. A finite gradient can still make a
// non-finite update (a large lr, float's range, a state that overflows): the trainer refuses such
// an update and puts back what was there before it, and the cold path below names the parameter.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/detail/norms.hpp"

namespace ctnn::detail {

/// Every value and optimizer moment of every parameter finite (norms.hpp's max_magnitude is
/// +inf exactly when a value is NaN or ±inf).
template <class ParameterSet>
bool parameters_finite(const ParameterSet& params) noexcept {
    double largest = 0.0;
    params.for_each_parameter([&](const auto& p) {
        largest = std::max(largest, max_magnitude(p.value.data(), p.value.size()));
        for (const auto& m : p.moments) largest = std::max(largest, max_magnitude(m.data(), m.size()));
    });
    return std::isfinite(largest);
}

/// "layer 1 (dense) weight, element 3, would be inf" (moment < 0: the value; else that optimizer
/// moment). One function for every network: the templated search below only finds the element.
[[gnu::cold, gnu::noinline]] inline std::string describe_non_finite(std::size_t layer, std::string_view kind,
                                                                    std::string_view name, int moment,
                                                                    std::size_t element, double value) {
    std::string text = "layer " + std::to_string(layer) + " (" + std::string(kind) + ") " + std::string(name);
    if (moment >= 0) text += "'s optimizer state (moment " + std::to_string(moment) + ")";
    return text + ", element " + std::to_string(element) + ", would be " + number_string(value);
}

/// describe_non_finite of the first non-finite value or moment of `net` (layer order, weight
/// before bias); empty if there is none.
template <class Net>
[[gnu::cold]] std::string first_non_finite_parameter(const Net& net) {
    std::string found;
    net.for_each_layer_indexed([&](const auto& layer, auto index) {
        using L = std::remove_cvref_t<decltype(layer)>;
        for_each_named_parameter_of(layer, [&](std::string_view name, const auto& p) {
            const auto search = [&](const auto& t, int moment) {
                if (!found.empty()) return;
                const auto* first = t.data();
                const auto* bad = std::find_if(first, first + t.size(), [](auto v) { return !std::isfinite(v); });
                if (bad != first + t.size())
                    found = describe_non_finite(index, layer_kind<L>(), name, moment, std::size_t(bad - first),
                                                double(*bad));
            };
            search(p.value, -1);
            for (std::size_t m = 0; m < p.moments.size(); ++m) search(p.moments[m], int(m));
        });
    });
    return found;
}

}  // namespace ctnn::detail
