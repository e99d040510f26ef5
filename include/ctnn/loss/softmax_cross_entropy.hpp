// Softmax cross-entropy on logits, PyTorch's CrossEntropyLoss(reduction='mean') with class-index
// targets: log_softmax and the negative log-likelihood in one pass, shifted by each row's
// maximum so that logits of ±50 (or ±1000) neither overflow nor lose the gradient. With class
// weights (CrossEntropyLoss's `weight`) the mean is weighted: Σ w_label·lᵢ / Σ w_label.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/class_weights.hpp"
#include "ctnn/detail/log_softmax_row.hpp"

namespace ctnn::loss {

struct softmax_cross_entropy {
    static constexpr std::string_view name = "softmax_cross_entropy";
    /// The target is one column of class labels 0..C−1 (in the network's scalar type).
    template <std::size_t OutputWidth>
    static constexpr std::size_t target_width = 1;
    /// A softmax over one output is constantly 1: at least two classes.
    template <std::size_t OutputWidth>
    static constexpr bool fits_output = OutputWidth >= 2;

    /// One weight per class (empty: all 1), e.g. the inverse class frequencies of an
    /// imbalanced data set. A batch whose classes all weigh 0 has loss NaN, as in PyTorch.
    std::vector<double> class_weights{};

    void validate() const { detail::check_class_weights(class_weights, name); }
    void validate(std::size_t classes) const {
        validate();
        detail::check_class_weight_count(class_weights, classes, name);
    }

    // z (B, C) logits, labels (B, 1) in 0..C−1 -> L = Σᵢ wᵢ·(log Σⱼ e^(zᵢⱼ) − zᵢ,label) / Σᵢ wᵢ,
    // wᵢ the weight of row i's class (1 without weights: the mean over rows)
    template <class P, class Y>
    double value(const P& prediction, const Y& labels) const {
        detail::check_class_labels(prediction, labels, name);
        const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
        detail::check_class_weight_count(class_weights, classes, name);
        const auto* z = prediction.data();
        double sum = 0.0, weights = 0.0;
        for (std::size_t i = 0; i < rows; ++i, z += classes) {
            const detail::log_softmax_row row(z, classes);
            const std::size_t label = detail::class_label(labels, i);
            const double w = detail::class_weight(class_weights, label);
            sum -= w * row.at(z[label]);
            weights += w;
        }
        return sum / weights;
    }

    // z (B, C), labels (B, 1) -> L, and dL/dz = wᵢ·(softmax(z) − onehot(label))/Σw into grad (B, C)
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& labels, G& grad) const {
        using T = typename G::value_type;
        detail::check_class_labels(prediction, labels, name);
        const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
        detail::check_class_weight_count(class_weights, classes, name);
        const double weights = detail::label_weight_sum(class_weights, labels, rows);
        const auto* z = prediction.data();
        auto* g = grad.data();
        double sum = 0.0;
        for (std::size_t i = 0; i < rows; ++i, z += classes, g += classes) {
            const detail::log_softmax_row row(z, classes);
            const std::size_t label = detail::class_label(labels, i);
            const double norm = detail::class_weight(class_weights, label) / weights;
            // softmax as e^(log_softmax), the way torch's log_softmax backward forms it
            for (std::size_t j = 0; j < classes; ++j) {
                const double softmax = std::exp(row.at(z[j]));
                g[j] = T(softmax * norm - (j == label ? norm : 0.0));
            }
            sum -= detail::class_weight(class_weights, label) * row.at(z[label]);
        }
        return sum / weights;
    }
};

}  // namespace ctnn::loss
