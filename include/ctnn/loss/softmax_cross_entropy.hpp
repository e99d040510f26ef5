// Softmax cross-entropy on logits, PyTorch's CrossEntropyLoss(reduction='mean') with class-index
// targets: log_softmax and the negative log-likelihood in one formula, l = logsumexp(ŷ) − ŷ[y],
// whose log-sum-exp is shifted by each row's maximum so that logits of ±50 (or ±1000) neither
// overflow nor lose the gradient. The gradient, softmax minus the one-hot label, is derived
// (detail/row_loss.hpp). With class weights (CrossEntropyLoss's `weight`) the mean is weighted:
// Σ w_label·lᵢ / Σ w_label.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "ctnn/detail/class_weights.hpp"
#include "ctnn/expr/row.hpp"

namespace ctnn::loss {

struct softmax_cross_entropy {
    static constexpr std::string_view name = "softmax_cross_entropy";
    /// The target is one column of class labels 0..C−1 (in the network's scalar type).
    template <std::size_t OutputWidth>
    static constexpr std::size_t target_width = 1;
    /// A softmax over one output is constantly 1: at least two classes.
    template <std::size_t OutputWidth>
    static constexpr bool fits_output = OutputWidth >= 2;

    // z (B, C) logits, labels (B, 1) in 0..C−1 -> lᵢ = logsumexp(zᵢ) − zᵢ,label;
    // dl/dzⱼ = e^(zⱼ − logsumexp(z)) − [j = label], the softmax minus the one-hot label
    static constexpr auto row_formula = expr::log_sum_exp(expr::prediction) - expr::at_label(expr::prediction);

    /// One weight per class (empty: all 1), e.g. the inverse class frequencies of an
    /// imbalanced data set. A batch whose classes all weigh 0 has loss NaN, as in PyTorch.
    std::vector<double> class_weights{};

    void validate() const { detail::check_class_weights(class_weights, name); }
    void validate(std::size_t classes) const {
        validate();
        detail::check_class_weight_count(class_weights, classes, name);
    }
};

}  // namespace ctnn::loss
