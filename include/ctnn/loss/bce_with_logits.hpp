// Binary cross-entropy on logits, PyTorch's BCEWithLogitsLoss(reduction='mean'): a sigmoid and
// the binary cross-entropy in one stable expression, so a logit of ±50 neither overflows nor
// loses the gradient, which sigmoid followed by log would.
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn::loss {

struct bce_with_logits {
    static constexpr std::string_view name = "bce_with_logits";
    // ŷ logits, y targets in [0, 1] (soft labels allowed; not checked, as in torch):
    // l = softplus(ŷ) − ŷ·y, softplus(x) = max(x, 0) + log(1 + e^−|x|); dl/dŷ = σ(ŷ) − y, with
    // σ = 1/(1 + e^−ŷ) exactly 0 where e^−ŷ overflows
    static constexpr auto formula = expr::softplus(expr::prediction) - expr::prediction * expr::target;
};

}  // namespace ctnn::loss
