// Classification accuracy from scores: a row is right when its largest score (logit or
// probability, the same argmax) sits at its class label.
#pragma once

#include <cstddef>
#include <string>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/row_argmax.hpp"

namespace ctnn::metrics {

/// The fraction of rows of scores (B, C), C ≥ 2, whose argmax equals the label in labels
/// (B, 1) of 0..C−1 (the column the class losses read). shape_error for other shapes or no
/// rows, invalid_argument for a label that is not a class. For one output per row (a binary
/// classifier) use binary_accuracy.
template <class P, class Y>
double accuracy(const P& scores, const Y& labels) {
    if (scores.dimension() != 2 || scores.shape()[1] < 2 || scores.shape()[0] == 0)
        throw shape_error("ctnn: accuracy: the scores have shape "
                          + detail::shape_string(scores.shape())
                          + ", expected (rows >= 1, classes >= 2); for one output per row use "
                            "binary_accuracy");
    const std::size_t classes = scores.shape()[1];
    const std::size_t rows = detail::check_matrix(scores, classes, "accuracy", "scores");
    detail::check_class_labels(scores, labels, "accuracy");
    std::size_t right = 0;
    for (std::size_t i = 0; i < rows; ++i)
        right += detail::row_argmax(scores.data() + i * classes, classes)
                 == detail::class_label(labels, i);
    return double(right) / double(rows);
}

}  // namespace ctnn::metrics
