// sigmoid: a = 1 / (1 + e^−z); da/dz = a(1 − a) ≤ 1/4, which is why deep sigmoid nets vanish.
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

struct sigmoid {
    static constexpr std::string_view name = "sigmoid";
    static constexpr auto formula = expr::sigmoid(expr::z);
};

}  // namespace ctnn
