// Per-class weights of the cross-entropy losses (PyTorch's `weight` argument): empty for none,
// else one finite weight >= 0 per class, checked when the trainer is built and whenever a loss
// reads them, so a list of the wrong length is refused by name rather than read past its end.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/class_labels.hpp"

namespace ctnn::detail {

/// Every weight finite and >= 0.
inline void check_class_weights(const std::vector<double>& weights, std::string_view loss) {
    for (std::size_t c = 0; c < weights.size(); ++c)
        if (!(weights[c] >= 0.0) || !std::isfinite(weights[c]))
            throw invalid_argument("ctnn: " + std::string(loss) + ": class_weights[" + std::to_string(c) + "] is "
                                   + number_string(weights[c]) + "; a class weight is a finite number >= 0");
}

/// None, or one per class of a network with `classes` outputs.
inline void check_class_weight_count(const std::vector<double>& weights, std::size_t classes, std::string_view loss) {
    if (!weights.empty() && weights.size() != classes)
        throw invalid_argument("ctnn: " + std::string(loss) + ": class_weights has " + std::to_string(weights.size())
                               + " entries, but the prediction has " + std::to_string(classes)
                               + " classes; give one weight per class, or none");
}

/// Class c's weight (1 without weights).
inline double class_weight(const std::vector<double>& weights, std::size_t c) noexcept {
    return weights.empty() ? 1.0 : weights[c];
}

/// Σᵢ w_label(i) over the first `rows` labels: the weighted mean's denominator (rows without
/// weights).
template <class Y>
double label_weight_sum(const std::vector<double>& weights, const Y& labels, std::size_t rows) {
    if (weights.empty()) return double(rows);
    double sum = 0.0;
    for (std::size_t i = 0; i < rows; ++i) sum += weights[class_label(labels, i)];
    return sum;
}

}  // namespace ctnn::detail
