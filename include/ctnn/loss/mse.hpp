// Mean squared error, PyTorch's MSELoss(reduction='mean'): the mean over every element (not the
// half-MSE some libraries use, whose gradient is half of this one).
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn::loss {

struct mse {
    static constexpr std::string_view name = "mse";
    // l = (ŷ − y)²; dl/dŷ = 2(ŷ − y)
    static constexpr auto formula = expr::pow<2>(expr::prediction - expr::target);
};

}  // namespace ctnn::loss
