// Smooth L1 loss, PyTorch's SmoothL1Loss(reduction='mean', beta=1.0): Huber divided by beta, so
// its linear part has slope 1 whatever beta is; beta = 0 is the L1 loss.
#pragma once

#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/expr/rules.hpp"

namespace ctnn::loss {

struct smooth_l1 {
    static constexpr std::string_view name = "smooth_l1";

    /// Where the quadratic part meets the linear one; >= 0.
    double beta = 1.0;

    void validate() const {
        if (!(beta >= 0.0))
            throw invalid_argument("ctnn: smooth_l1 needs beta >= 0, got " + detail::number_string(beta));
    }

    // d = ŷ − y: l = |d| − ½β beyond ±β, else ½d²/β; dl/dŷ = −1, 1 or d/β, branch for branch as
    // torch's smooth_l1_loss_backward. With β = 0 the quadratic branch is never taken (no
    // division by zero), and d = 0 gives −1 (0 ≤ −0), which torch's autograd returns too.
    static constexpr auto d = expr::prediction - expr::target;
    static constexpr auto beta_setting = expr::setting<"β", &smooth_l1::beta>{};
    static constexpr auto formula =
        expr::select(d <= -beta_setting, -d - expr::rational<1, 2>{} * beta_setting,
                     expr::select(d >= beta_setting, d - expr::rational<1, 2>{} * beta_setting,
                                  expr::rational<1, 2>{} * expr::pow<2>(d) / beta_setting));
};

}  // namespace ctnn::loss
