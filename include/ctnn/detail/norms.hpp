// Norms over a parameter set's gradients, with a non-finite probe in the same pass.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace ctnn::detail {

struct norm_accumulator {
    double sum_of_squares = 0.0;
    double max_abs = 0.0;
    /// Sum of g·0: stays 0 while every g is finite and turns NaN at the first NaN or ±inf.
    double non_finite_probe = 0.0;

    bool finite() const { return non_finite_probe == 0.0; }
    double l2() const { return std::sqrt(sum_of_squares); }
};

template <class T>
norm_accumulator& accumulate(norm_accumulator& acc, const T* g, std::size_t n) {
    double squares = 0.0, probe = 0.0, max_abs = acc.max_abs;
    for (std::size_t i = 0; i < n; ++i) {
        const double v = double(g[i]);
        squares += v * v;
        probe += v * 0.0;
        max_abs = std::max(max_abs, std::abs(v));
    }
    acc.sum_of_squares += squares;
    acc.non_finite_probe += probe;
    acc.max_abs = max_abs;
    return acc;
}

/// 2-norm, ∞-norm and finiteness of one parameter's gradient.
template <class Parameter>
norm_accumulator gradient_norms(const Parameter& p) {
    norm_accumulator acc;
    return accumulate(acc, p.grad.data(), p.grad.size());
}

/// Same over every parameter of a set.
template <class ParameterSet>
norm_accumulator gradient_norms_of_set(ParameterSet& params) {
    norm_accumulator acc;
    params.for_each_parameter([&](auto& p) { accumulate(acc, p.grad.data(), p.grad.size()); });
    return acc;
}

}  // namespace ctnn::detail
