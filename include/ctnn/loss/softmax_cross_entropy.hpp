// Softmax cross-entropy on logits, PyTorch's CrossEntropyLoss(reduction='mean') with class-index
// targets: log_softmax and the negative log-likelihood in one pass, shifted by each row's
// maximum so that logits of ±50 (or ±1000) neither overflow nor lose the gradient.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "ctnn/detail/class_labels.hpp"

namespace ctnn::loss {

struct softmax_cross_entropy {
    static constexpr std::string_view name = "softmax_cross_entropy";
    /// The target is one column of class labels 0..C−1 (in the network's scalar type).
    template <std::size_t OutputWidth>
    static constexpr std::size_t target_width = 1;
    /// A softmax over one output is constantly 1: at least two classes.
    template <std::size_t OutputWidth>
    static constexpr bool fits_output = OutputWidth >= 2;

    // z (B, C) logits, labels (B, 1) in 0..C−1 -> L = mean over rows of log Σ e^(z_j) − z_label
    template <class P, class Y>
    double value(const P& prediction, const Y& labels) const {
        detail::check_class_labels(prediction, labels, name);
        const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
        const auto* z = prediction.data();
        double sum = 0.0;
        for (std::size_t i = 0; i < rows; ++i, z += classes) {
            const double m = row_max(z, classes);
            const double log_sum = std::log(shifted_exp_sum(z, classes, m));
            sum -= log_softmax(z[detail::class_label(labels, i)], m, log_sum);
        }
        return sum / double(rows);
    }

    // z (B, C), labels (B, 1) -> L, and dL/dz = (softmax(z) − onehot(label))/B into grad (B, C)
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& labels, G& grad) const {
        using T = typename G::value_type;
        detail::check_class_labels(prediction, labels, name);
        const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
        const auto* z = prediction.data();
        auto* g = grad.data();
        const double norm = 1.0 / double(rows);
        double sum = 0.0;
        for (std::size_t i = 0; i < rows; ++i, z += classes, g += classes) {
            const double m = row_max(z, classes);
            const double log_sum = std::log(shifted_exp_sum(z, classes, m));
            const std::size_t label = detail::class_label(labels, i);
            // softmax as e^(log_softmax), the way torch's log_softmax backward forms it
            for (std::size_t j = 0; j < classes; ++j) {
                const double softmax = std::exp(log_softmax(z[j], m, log_sum));
                g[j] = T(softmax * norm - (j == label ? norm : 0.0));
            }
            sum -= log_softmax(z[label], m, log_sum);
        }
        return sum / double(rows);
    }

private:
    template <class S>
    static double row_max(const S* z, std::size_t classes) {
        // a NaN logit the comparisons skip still makes the sum below, and so the loss, NaN
        double m = double(z[0]);
        for (std::size_t j = 1; j < classes; ++j) m = std::max(m, double(z[j]));
        return m;
    }
    template <class S>
    static double shifted_exp_sum(const S* z, std::size_t classes, double m) {
        double s = 0.0;
        for (std::size_t j = 0; j < classes; ++j) s += std::exp(double(z[j]) - m);
        return s;
    }
    static double log_softmax(double z, double m, double log_sum) { return z - m - log_sum; }
};

}  // namespace ctnn::loss
