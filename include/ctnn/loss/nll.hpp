// Negative log-likelihood, PyTorch's NLLLoss(reduction='mean') with class-index targets: the
// loss for a network that ends in log-probabilities (a log_softmax); with logits, use
// softmax_cross_entropy, which is this loss after a log_softmax.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "ctnn/detail/class_labels.hpp"

namespace ctnn::loss {

struct nll {
    static constexpr std::string_view name = "nll";
    /// The target is one column of class labels 0..C−1 (in the network's scalar type).
    template <std::size_t OutputWidth>
    static constexpr std::size_t target_width = 1;
    /// One output holds the log-probability of a single class: at least two classes.
    template <std::size_t OutputWidth>
    static constexpr bool fits_output = OutputWidth >= 2;

    // log p (B, C), labels (B, 1) in 0..C−1 -> L = −mean over rows of log p_label
    template <class P, class Y>
    double value(const P& prediction, const Y& labels) const {
        detail::check_class_labels(prediction, labels, name);
        const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
        const auto* lp = prediction.data();
        double sum = 0.0;
        for (std::size_t i = 0; i < rows; ++i)
            sum -= double(lp[i * classes + detail::class_label(labels, i)]);
        return sum / double(rows);
    }

    // log p (B, C), labels (B, 1) -> L, and dL/dlog p = −onehot(label)/B into grad (B, C)
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& labels, G& grad) const {
        using T = typename G::value_type;
        detail::check_class_labels(prediction, labels, name);
        const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
        const auto* lp = prediction.data();
        auto* g = grad.data();
        const T minus_norm = T(-1.0 / double(rows));
        double sum = 0.0;
        for (std::size_t i = 0; i < rows; ++i) {
            const std::size_t at = i * classes + detail::class_label(labels, i);
            std::fill(g + i * classes, g + (i + 1) * classes, T(0));
            g[at] = minus_norm;
            sum -= double(lp[at]);
        }
        return sum / double(rows);
    }
};

}  // namespace ctnn::loss
