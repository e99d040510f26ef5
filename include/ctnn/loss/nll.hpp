// Negative log-likelihood, PyTorch's NLLLoss(reduction='mean') with class-index targets: the
// loss for a network that ends in log-probabilities (a log_softmax layer); with logits, use
// softmax_cross_entropy, which is this loss after a log_softmax. With class weights (NLLLoss's
// `weight`) the mean is weighted: Σ w_label·lᵢ / Σ w_label.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/class_weights.hpp"

namespace ctnn::loss {

struct nll {
    static constexpr std::string_view name = "nll";
    /// The target is one column of class labels 0..C−1 (in the network's scalar type).
    template <std::size_t OutputWidth>
    static constexpr std::size_t target_width = 1;
    /// One output holds the log-probability of a single class: at least two classes.
    template <std::size_t OutputWidth>
    static constexpr bool fits_output = OutputWidth >= 2;

    /// One weight per class (empty: all 1). A batch whose classes all weigh 0 has loss NaN.
    std::vector<double> class_weights{};

    void validate() const { detail::check_class_weights(class_weights, name); }
    void validate(std::size_t classes) const {
        validate();
        detail::check_class_weight_count(class_weights, classes, name);
    }

    // log p (B, C), labels (B, 1) in 0..C−1 -> L = −Σᵢ wᵢ·log pᵢ,label / Σᵢ wᵢ
    template <class P, class Y>
    double value(const P& prediction, const Y& labels) const {
        detail::check_class_labels(prediction, labels, name);
        const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
        detail::check_class_weight_count(class_weights, classes, name);
        const auto* lp = prediction.data();
        double sum = 0.0, weights = 0.0;
        for (std::size_t i = 0; i < rows; ++i) {
            const std::size_t label = detail::class_label(labels, i);
            const double w = detail::class_weight(class_weights, label);
            sum -= w * double(lp[i * classes + label]);
            weights += w;
        }
        return sum / weights;
    }

    // log p (B, C), labels (B, 1) -> L, and dL/dlog p = −wᵢ·onehot(label)/Σw into grad (B, C)
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& labels, G& grad) const {
        using T = typename G::value_type;
        const double value_of_batch = value(prediction, labels);
        const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
        const double weights = detail::label_weight_sum(class_weights, labels, rows);
        auto* g = grad.data();
        std::fill(g, g + rows * classes, T(0));
        for (std::size_t i = 0; i < rows; ++i) {
            const std::size_t label = detail::class_label(labels, i);
            g[i * classes + label] = T(-detail::class_weight(class_weights, label) / weights);
        }
        return value_of_batch;
    }
};

}  // namespace ctnn::loss
