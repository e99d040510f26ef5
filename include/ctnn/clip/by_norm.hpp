// clip::by_norm: each gradient tensor g separately becomes g·min(1, max_norm/‖g‖₂)
// (Keras' clipnorm). Unlike by_global_norm, tensors are rescaled by different factors.
#pragma once

#include <string_view>

#include "ctnn/clip/clip_result.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/detail/message.hpp"
#include "ctnn/detail/norms.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::clip {

struct by_norm {
    static constexpr std::string_view name = "by_norm";
    double max_norm = 1.0;

    void validate() const {
        if (!(max_norm > 0.0))
            throw invalid_argument(detail::format_message("ctnn: clip::by_norm needs max_norm > 0, got %g",
                                                          detail::message_number(max_norm))
                                       .c_str());
    }

    template <class ParameterSet>
    clip_result apply(ParameterSet& params) const {
        const auto acc = detail::gradient_norms_of_set(params);
        if (!acc.finite()) return {acc.l2(), false};
        const double total = detail::gradient_l2_of_set(params, acc);  // before any is clipped
        params.for_each_parameter([&](auto& p) {
            using T = typename std::decay_t<decltype(p)>::scalar;
            const double norm = detail::gradient_l2(p, detail::gradient_norms(p));
            if (norm > max_norm) xt::noalias(p.grad) *= T(max_norm / norm);
        });
        return {total, true, acc.max_abs};  // each factor < 1 shrinks |g|
    }
};

}  // namespace ctnn::clip
