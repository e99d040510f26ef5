// silu (swish): a = z·σ(z); da/dz = σ(z) + z·σ(z)(1 − σ(z)), which needs z (σ(z) cannot be
// recovered from a at z = 0). For z << 0, σ(z) = 0 and both are 0, never NaN.
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

struct silu {
    static constexpr std::string_view name = "silu";
    static constexpr auto formula = expr::z * expr::sigmoid(expr::z);
};

}  // namespace ctnn
