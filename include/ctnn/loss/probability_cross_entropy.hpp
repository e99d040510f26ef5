// Softmax cross-entropy on logits against class-probability targets (one-hot rows included),
// PyTorch's CrossEntropyLoss(reduction='mean') given a (B, C) floating-point target:
// L = −(1/B)·Σᵢ Σⱼ wⱼ·yᵢⱼ·log softmax(zᵢ)ⱼ. Soft labels (label smoothing done in the data,
// distillation from a teacher's probabilities) train with it.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "ctnn/detail/class_weights.hpp"
#include "ctnn/expr/row.hpp"

namespace ctnn::loss {

struct probability_cross_entropy {
    static constexpr std::string_view name = "probability_cross_entropy";
    /// A softmax over one output is constantly 1: at least two classes.
    template <std::size_t OutputWidth>
    static constexpr bool fits_output = OutputWidth >= 2;
    /// What a target of the wrong shape is told.
    static constexpr std::string_view target_hint =
        "one probability per class and row (for class indices use loss::softmax_cross_entropy)";

    // z (B, C) logits, y (B, C) probabilities -> lᵢ = −Σⱼ wⱼyⱼ·log softmax(z)ⱼ
    //   = logsumexp(z)·Σⱼ wⱼyⱼ − Σⱼ wⱼyⱼzⱼ  (each reduction of an element formula);
    // dl/dzⱼ = e^(zⱼ − logsumexp(z))·Σₖ wₖyₖ − wⱼyⱼ
    static constexpr auto row_formula =
        expr::log_sum_exp(expr::prediction) * expr::row_sum(expr::class_weight * expr::target)
        - expr::row_sum(expr::class_weight * expr::target * expr::prediction);

    /// One weight per class (empty: all 1). Unlike class-index targets, the mean stays over
    /// rows (PyTorch's rule for probability targets).
    std::vector<double> class_weights{};

    void validate() const { detail::check_class_weights(class_weights, name); }
    void validate(std::size_t classes) const {
        validate();
        detail::check_class_weight_count(class_weights, classes, name);
    }
};

}  // namespace ctnn::loss
