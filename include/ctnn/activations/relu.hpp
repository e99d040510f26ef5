// relu: a = max(z, 0); da/dz = [a > 0], read off the output, 0 at z = 0 (PyTorch's choice).
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

struct relu {
    static constexpr std::string_view name = "relu";
    static constexpr auto formula = expr::max(expr::z, expr::rational<0>{});  // NaN propagates
};

}  // namespace ctnn
