// clip::off: gradients are left as computed and no norm is measured (last_step().gradient_norm
// is NaN); a step whose gradients are not all finite is still refused. With plain SGD over
// dense layers, and no regularizer or monitor, the trainer then folds each layer's update into
// its weight-gradient product: no gradient is written, read again or measured (W2, W4).
#pragma once

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
        bool finite = true;
        params.for_each_parameter([&](auto& p) {
            finite = finite && detail::block_max_abs(p.grad.data(), p.grad.size(), 1, p.grad.size())
                                   < std::numeric_limits<typename std::remove_cvref_t<decltype(p)>::scalar>::infinity();
        });
        return {std::numeric_limits<double>::quiet_NaN(), finite};
    }
};

}  // namespace ctnn::clip
