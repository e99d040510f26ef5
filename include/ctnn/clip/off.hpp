// clip::off: gradients are left as computed and no norm is measured (last_step().gradient_norm
// is NaN); a step whose gradients are not all finite is still refused. With plain SGD over
// dense layers, and no regularizer or monitor, the trainer then folds each layer's update into
// its weight-gradient product: no gradient is written, read again or measured (W2, W4).
#pragma once

#include <algorithm>
#include <limits>
#include <string_view>
#include <type_traits>

#include "ctnn/clip/clip_result.hpp"
#include "ctnn/detail/norms.hpp"

namespace ctnn::clip {

struct off {
    static constexpr std::string_view name = "off";

    template <class ParameterSet>
    clip_result apply(ParameterSet& params) const {
        double largest = 0.0;  // +inf once a value is NaN or ±inf
        params.for_each_parameter([&](auto& p) {
            if (largest < std::numeric_limits<double>::infinity())
                largest = std::max(largest, double(detail::block_max_abs(p.grad.data(), p.grad.size(), 1, p.grad.size())));
        });
        const bool finite = largest < std::numeric_limits<double>::infinity();
        return {std::numeric_limits<double>::quiet_NaN(), finite, largest};
    }
};

}  // namespace ctnn::clip
