// tanh: a = tanh z; da/dz = 1 − a². Saturates for |z| >> 1: a cause of vanishing gradients.
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

struct tanh {
    static constexpr std::string_view name = "tanh";
    static constexpr auto formula = expr::tanh(expr::z);  // float: the rational form, a few ulps
};

}  // namespace ctnn
