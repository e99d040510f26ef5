// Mean absolute error, PyTorch's L1Loss(reduction='mean'): robust to outliers, its gradient has
// the same size for every error.
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn::loss {

struct mae {
    static constexpr std::string_view name = "mae";
    // l = |ŷ − y|; dl/dŷ = sign(ŷ − y): 0 where ŷ = y, as torch.sign gives; NaN stays NaN
    static constexpr auto formula = expr::abs(expr::prediction - expr::target);
};

}  // namespace ctnn::loss
