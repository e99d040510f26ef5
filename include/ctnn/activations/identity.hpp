// identity: a = z, da/dz = 1. The default activation of a dense layer (a linear output).
#pragma once

#include <string_view>

#include "ctnn/expr/term.hpp"

namespace ctnn {

struct identity {
    static constexpr std::string_view name = "identity";
    static constexpr auto formula = expr::z;
};

}  // namespace ctnn
