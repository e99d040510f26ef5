// clip::by_global_norm, exactly torch.nn.utils.clip_grad_norm_: total = p-norm of all gradients
// (p = 2 or ∞), coef = min(1, max_norm / (total + 1e-6)) multiplied into every gradient, the
// pre-clip total returned. Pascanu et al. 2013's cure for exploding gradients: direction kept.
// One difference: finite gradients whose squares overflow (double, past ~1e154) have their true,
// finite norm here (torch's is inf, and clips them to 0); a norm past double's range refuses the
// step.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "ctnn/clip/clip_result.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/detail/message.hpp"
#include "ctnn/detail/norms.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::clip {

struct by_global_norm {
    static constexpr std::string_view name = "by_global_norm";
    static constexpr double infinity = std::numeric_limits<double>::infinity();

    double max_norm = 1.0;
    /// 2 or infinity (max |g|).
    double norm_type = 2.0;
    /// Throw ctnn::non_finite_error on a NaN/inf total instead of reporting it.
    bool error_if_nonfinite = false;

    void validate() const {
        if (!(max_norm > 0.0))
            throw invalid_argument(detail::format_message("ctnn: clip::by_global_norm needs max_norm > 0, got %g",
                                                          detail::message_number(max_norm))
                                       .c_str());
        if (norm_type != 2.0 && norm_type != infinity)
            throw invalid_argument("ctnn: clip::by_global_norm supports norm_type 2 or infinity, got "
                                   + detail::number_string(norm_type));
    }

    template <class ParameterSet>
    clip_result apply(ParameterSet& params) const {
        const auto acc = detail::gradient_norms_of_set(params);
        double total = norm_type == infinity ? acc.max_abs : detail::gradient_l2_of_set(params, acc);
        // A NaN never wins max_abs (as with std::max): the ∞-norm of gradients holding one is NaN,
        // as torch's max makes it, and inf with only infinities (their squares' sum tells which).
        if (norm_type == infinity && !acc.finite()) total = std::isnan(acc.sum_of_squares) ? std::nan("") : infinity;
        const bool finite = acc.finite() && std::isfinite(total);
        if (!finite) {
            if (error_if_nonfinite)
                throw non_finite_error(detail::format_message("ctnn: clip::by_global_norm: the total norm of order %g "
                                                              "of the gradients is %g; the gradients were left "
                                                              "unclipped",
                                                              norm_type, detail::message_number(total))
                                           .c_str());
            return {total, false};
        }
        const double coef = std::min(1.0, max_norm / (total + 1e-6));
        // PyTorch multiplies even when coef is 1; skipping that is bit-identical.
        if (coef < 1.0) {
            params.for_each_parameter([&](auto& p) {
                using T = typename std::decay_t<decltype(p)>::scalar;
                xt::noalias(p.grad) *= T(coef);
            });
        }
        return {total, true, acc.max_abs};  // coef ≤ 1 shrinks every |g|
    }
};

}  // namespace ctnn::clip
