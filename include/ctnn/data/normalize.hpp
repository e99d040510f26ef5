// Scaling features to [0, 1] by dividing by their largest possible (or largest seen) value:
// 8-bit pixels divide by 255. Use the training split's divisor for every split.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::data {

/// Divides every value of `x` by `max_value` in place: values in [0, max_value] land in [0, 1]
/// (pixels 0..255 with max_value = 255). Returns max_value. invalid_argument unless it is
/// finite and > 0. Without `max_value`, divides by x's own largest value (x must hold a
/// positive finite one) and returns it, so that the other splits can be divided by the same.
template <class X>
double scale_to_unit(X& x, double max_value) {
    if (!(max_value > 0.0 && std::isfinite(max_value)))
        throw invalid_argument("ctnn: scale_to_unit needs a finite max_value > 0, got "
                               + std::to_string(max_value));
    using value_type = typename X::value_type;
    x /= static_cast<value_type>(max_value);
    return max_value;
}

template <class X>
double scale_to_unit(X& x) {
    double largest = -std::numeric_limits<double>::infinity();
    for (const auto& v : x) largest = std::max(largest, double(v));
    if (!(largest > 0.0 && std::isfinite(largest)))
        throw invalid_argument("ctnn: scale_to_unit by the largest value needs data whose largest "
                               "value is finite and > 0, got "
                               + std::to_string(largest));
    return scale_to_unit(x, largest);
}

}  // namespace ctnn::data
