// selu: a = λz for z > 0, λα(e^z − 1) otherwise, with PyTorch's (and Klambauer et al.'s)
// self-normalising constants α ≈ 1.6733, λ ≈ 1.0507; da/dz = λ or λαe^z.
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

struct selu {
    struct alpha_constant {
        static constexpr double value = 1.6732632423543772848170429916717;
        static constexpr std::string_view symbol = "α";
    };
    struct scale_constant {
        static constexpr double value = 1.0507009873554804934193349852946;
        static constexpr std::string_view symbol = "λ";
    };
    static constexpr double alpha = alpha_constant::value;
    static constexpr double scale = scale_constant::value;
    static constexpr std::string_view name = "selu";
    static constexpr auto formula =
        expr::select(expr::z > expr::rational<0>{}, expr::constant<scale_constant>{} * expr::z,
                     expr::constant<scale_constant>{} * expr::constant<alpha_constant>{} * expr::expm1(expr::z));
};

}  // namespace ctnn
