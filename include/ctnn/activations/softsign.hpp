// softsign: a = z/(1 + |z|); da/dz = 1/(1 + |z|)². Saturates polynomially, not exponentially.
// A primitive of the expression language: the quotient rule's form cancels for large |z|.
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

struct softsign {
    static constexpr std::string_view name = "softsign";
    static constexpr auto formula = expr::softsign(expr::z);
};

}  // namespace ctnn
