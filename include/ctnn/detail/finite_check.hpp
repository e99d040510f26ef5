// Whether a parameter set is finite after an update: one read of every value and every
// optimizer moment, cheap beside the update that wrote them. A finite gradient can still make a
// non-finite update (a large lr, float's range, a state that overflows): the trainer refuses such
// an update and puts back what was there before it, and the cold path below names the parameter.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

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

/// "layer 1 (dense) weight, element 3, would be inf" for the first non-finite value or moment
/// of `net` (layer order, weight before bias); empty if there is none.
template <class Net>
[[gnu::cold]] std::string first_non_finite_parameter(const Net& net) {
    std::string found;
    net.for_each_layer_indexed([&](const auto& layer, auto index) {
        using L = std::remove_cvref_t<decltype(layer)>;
        for_each_named_parameter_of(layer, [&](std::string_view name, const auto& p) {
            const auto describe = [&](const auto& t, const std::string& what) {
                if (!found.empty()) return;
                for (std::size_t i = 0; i < t.size(); ++i) {
                    if (std::isfinite(t.data()[i])) continue;
                    found = "layer " + std::to_string(std::size_t(index)) + " (" + std::string(layer_kind<L>()) + ") "
                            + std::string(name) + what + ", element " + std::to_string(i) + ", would be "
                            + number_string(double(t.data()[i]));
                    return;
                }
            };
            describe(p.value, "");
            for (std::size_t m = 0; m < p.moments.size(); ++m)
                describe(p.moments[m], "'s optimizer state (moment " + std::to_string(m) + ")");
        });
    });
    return found;
}

}  // namespace ctnn::detail
