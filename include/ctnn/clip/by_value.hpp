// clip::by_value: clamp every gradient element to [-limit, limit] (torch clip_grad_value_).
// Changes the gradient's direction, unlike the norm clips.
#pragma once

#include <string_view>

#include "ctnn/clip/clip_result.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/detail/message.hpp"
#include "ctnn/detail/norms.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::clip {

struct by_value {
    static constexpr std::string_view name = "by_value";
    double limit = 1.0;

    void validate() const {
        if (!(limit > 0.0))
            throw invalid_argument(detail::format_message("ctnn: clip::by_value needs limit > 0, got %g",
                                                          detail::message_number(limit))
                                       .c_str());
    }

    template <class ParameterSet>
    clip_result apply(ParameterSet& params) const {
        const auto acc = detail::gradient_norms_of_set(params);
        if (!acc.finite()) return {acc.l2(), false};
        const double total = detail::gradient_l2_of_set(params, acc);  // before clamping
        params.for_each_parameter([&](auto& p) {
            using T = typename std::decay_t<decltype(p)>::scalar;
            xt::noalias(p.grad) = xt::clip(p.grad, T(-limit), T(limit));
        });
        return {total, true, acc.max_abs};  // clamping shrinks |g|
    }
};

}  // namespace ctnn::clip
