// Softmax cross-entropy on logits against class-probability targets (one-hot rows included),
// PyTorch's CrossEntropyLoss(reduction='mean') given a (B, C) floating-point target:
// L = −(1/B)·Σᵢ Σⱼ wⱼ·yᵢⱼ·log softmax(zᵢ)ⱼ. Soft labels (label smoothing done in the data,
// distillation from a teacher's probabilities) train with it.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/class_weights.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/log_softmax_row.hpp"

namespace ctnn::loss {

struct probability_cross_entropy {
    static constexpr std::string_view name = "probability_cross_entropy";
    /// A softmax over one output is constantly 1: at least two classes.
    template <std::size_t OutputWidth>
    static constexpr bool fits_output = OutputWidth >= 2;

    /// One weight per class (empty: all 1). Unlike class-index targets, the mean stays over
    /// rows (PyTorch's rule for probability targets).
    std::vector<double> class_weights{};

    void validate() const { detail::check_class_weights(class_weights, name); }
    void validate(std::size_t classes) const {
        validate();
        detail::check_class_weight_count(class_weights, classes, name);
    }

    // z (B, C) logits, y (B, C) probabilities -> L = −mean over rows of Σⱼ wⱼ·yⱼ·log softmax(z)ⱼ
    template <class P, class Y>
    double value(const P& prediction, const Y& target) const {
        const std::size_t rows = check(prediction, target), classes = prediction.shape()[1];
        const auto* z = prediction.data();
        const auto* y = target.data();
        double sum = 0.0;
        for (std::size_t i = 0; i < rows; ++i, z += classes, y += classes) {
            const detail::log_softmax_row row(z, classes);
            for (std::size_t j = 0; j < classes; ++j)
                sum -= detail::class_weight(class_weights, j) * double(y[j]) * row.at(z[j]);
        }
        return sum / double(rows);
    }

    // z (B, C), y (B, C) -> L, and dL/dz = ((Σⱼ wⱼyⱼ)·softmax(z) − w ⊙ y)/B into grad (B, C)
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& target, G& grad) const {
        using T = typename G::value_type;
        const std::size_t rows = check(prediction, target), classes = prediction.shape()[1];
        const auto* z = prediction.data();
        const auto* y = target.data();
        auto* g = grad.data();
        const double norm = 1.0 / double(rows);
        double sum = 0.0;
        for (std::size_t i = 0; i < rows; ++i, z += classes, y += classes, g += classes) {
            const detail::log_softmax_row row(z, classes);
            double mass = 0.0;  // Σⱼ wⱼyⱼ: 1 for a probability row without weights
            for (std::size_t j = 0; j < classes; ++j) {
                const double wy = detail::class_weight(class_weights, j) * double(y[j]);
                mass += wy;
                sum -= wy * row.at(z[j]);
            }
            for (std::size_t j = 0; j < classes; ++j)
                g[j] = T((mass * std::exp(row.at(z[j])) - detail::class_weight(class_weights, j) * double(y[j]))
                         * norm);
        }
        return sum / double(rows);
    }

private:
    // the target's shape is the prediction's; the weights, one per class
    template <class P, class Y>
    std::size_t check(const P& prediction, const Y& target) const {
        if (target.dimension() != 2 || target.shape()[0] != prediction.shape()[0]
            || target.shape()[1] != prediction.shape()[1])
            throw shape_error("ctnn: " + std::string(name) + ": the target has shape "
                              + detail::shape_string(target.shape()) + ", expected "
                              + detail::shape_string(prediction.shape())
                              + ": one probability per class and row (for class indices use "
                                "loss::softmax_cross_entropy)");
        detail::check_class_weight_count(class_weights, prediction.shape()[1], name);
        return prediction.shape()[0];
    }
};

}  // namespace ctnn::loss
