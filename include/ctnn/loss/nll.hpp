// Negative log-likelihood, PyTorch's NLLLoss(reduction='mean') with class-index targets: the
// loss for a network that ends in log-probabilities (a log_softmax layer), l = −ŷ[y]; with
// logits, use softmax_cross_entropy, which is this loss after a log_softmax. With class weights
// (NLLLoss's `weight`) the mean is weighted: Σ w_label·lᵢ / Σ w_label.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "ctnn/detail/class_weights.hpp"
#include "ctnn/expr/row.hpp"

namespace ctnn::loss {

struct nll {
    static constexpr std::string_view name = "nll";
    /// The target is one column of class labels 0..C−1 (in the network's scalar type).
    template <std::size_t OutputWidth>
    static constexpr std::size_t target_width = 1;
    /// One output holds the log-probability of a single class: at least two classes.
    template <std::size_t OutputWidth>
    static constexpr bool fits_output = OutputWidth >= 2;

    // log p (B, C), labels (B, 1) in 0..C−1 -> lᵢ = −log pᵢ,label; dl/dlog pⱼ = −[j = label]
    static constexpr auto row_formula = -expr::at_label(expr::prediction);

    /// One weight per class (empty: all 1). A batch whose classes all weigh 0 has loss NaN.
    std::vector<double> class_weights{};

    void validate() const { detail::check_class_weights(class_weights, name); }
    void validate(std::size_t classes) const {
        validate();
        detail::check_class_weight_count(class_weights, classes, name);
    }
};

}  // namespace ctnn::loss
