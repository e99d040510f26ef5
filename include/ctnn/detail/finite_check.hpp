// Whether a parameter set is finite after an update: one SIMD read of every value and every
// optimizer moment, cheap beside the update that wrote them. A finite gradient can still make a
// non-finite update (a large lr, float's range, a state that overflows): the trainer refuses such
// an update and puts back what was there before it, and the cold path below names the parameter.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>

#include <xsimd/xsimd.hpp>

#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/network_visit.hpp"

namespace ctnn::detail {

/// Σ (v − v) over v[0..n): 0 while every v is finite, NaN from the first NaN or ±inf on.
template <class T>
T non_finite_probe(const T* v, std::size_t n) noexcept {
    using V = xsimd::batch<T>;
    constexpr std::size_t L = V::size;
    T probe = T(0);
    std::size_t i = 0;
    if (n >= 2 * L) {  // small tensors (a bias) skip the vector set-up and its horizontal add
        V probe0(T(0)), probe1(T(0));
        for (; i + 2 * L <= n; i += 2 * L) {
            const V a = V::load_unaligned(v + i), b = V::load_unaligned(v + i + L);
            probe0 += a - a;
            probe1 += b - b;
        }
        probe = xsimd::hadd(probe0 + probe1);
    }
    for (; i < n; ++i) probe += v[i] - v[i];
    return probe;
}

/// Every value and optimizer moment of every parameter finite.
template <class ParameterSet>
bool parameters_finite(const ParameterSet& params) noexcept {
    double probe = 0.0;
    params.for_each_parameter([&](const auto& p) {
        probe += double(non_finite_probe(p.value.data(), p.value.size()));
        for (const auto& m : p.moments) probe += double(non_finite_probe(m.data(), m.size()));
    });
    return probe == 0.0;
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
