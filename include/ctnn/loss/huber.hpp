// Huber loss, PyTorch's HuberLoss(reduction='mean', delta=1.0): quadratic for errors below delta,
// linear (slope delta) beyond, so an outlier's gradient is bounded by delta.
#pragma once

#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/expr/rules.hpp"

namespace ctnn::loss {

struct huber {
    static constexpr std::string_view name = "huber";

    /// Where the quadratic part meets the linear one; > 0.
    double delta = 1.0;

    void validate() const {
        if (!(delta > 0.0))
            throw invalid_argument("ctnn: huber needs delta > 0, got " + detail::number_string(delta));
    }

    // d = ŷ − y: l = δ(|d| − ½δ) beyond ±δ, else ½d²; dl/dŷ = −δ, δ or d, branch for branch as
    // torch's huber_loss_backward (a NaN d falls through to d)
    static constexpr auto d = expr::prediction - expr::target;
    static constexpr auto delta_setting = expr::setting<"δ", &huber::delta>{};
    static constexpr auto formula =
        expr::select(d < -delta_setting, delta_setting * (-d - expr::rational<1, 2>{} * delta_setting),
                     expr::select(d > delta_setting, delta_setting * (d - expr::rational<1, 2>{} * delta_setting),
                                  expr::rational<1, 2>{} * expr::pow<2>(d)));
};

}  // namespace ctnn::loss
