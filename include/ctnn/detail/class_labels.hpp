// Class labels for the classification losses: one column of the network's scalar type holding
// 0..C−1, checked before a loss reads them, so a bad label throws before any gradient is written.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::detail {


/// v is an integer in [0, classes).
inline bool is_class_label(double v, std::size_t classes) noexcept {
    return v >= 0.0 && v < double(classes) && v == std::floor(v);
}

// Cold path, kept out of the loss loops.
[[noreturn]] inline void throw_invalid_label(std::string_view loss, std::size_t row, double label,
                                             std::size_t classes) {
    throw invalid_argument("ctnn: " + std::string(loss) + ": the target of row "
                           + std::to_string(row) + " is " + number_string(label)
                           + ", not a class label: expected an integer in [0, "
                           + std::to_string(classes) + "), i.e. 0.."
                           + std::to_string(classes - 1));
}

/// Throws shape_error unless `labels` holds one label per row of a (B, C) prediction, and
/// invalid_argument unless every label is an integer in [0, C).
template <class P, class Y>
void check_class_labels(const P& prediction, const Y& labels, std::string_view loss) {
    const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
    if (labels.dimension() != 2 || labels.shape()[0] != rows || labels.shape()[1] != 1)
        throw shape_error("ctnn: " + std::string(loss) + ": the target has shape "
                          + shape_string(labels.shape()) + ", expected (" + std::to_string(rows)
                          + ", 1): one class label per row");
    const auto* y = labels.data();
    for (std::size_t i = 0; i < rows; ++i) {
        const double v = double(y[i]);
        if (!is_class_label(v, classes)) throw_invalid_label(loss, i, v, classes);
    }
}

/// Row i's label, once check_class_labels has accepted the column.
template <class Y>
std::size_t class_label(const Y& labels, std::size_t i) {
    return static_cast<std::size_t>(labels.data()[i]);
}

}  // namespace ctnn::detail
