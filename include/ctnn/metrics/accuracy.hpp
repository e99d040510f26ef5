// Classification accuracy from scores: a row is right when its largest score (logit or
// probability, the same argmax) sits at its class label.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/detail/row_argmax.hpp"
#include "ctnn/detail/sequence_layout.hpp"

namespace ctnn::detail {
// scores (B, T, C) of a network that returns every step, labels (B, T) or (B, T, 1); only the
// steps before each sequence's length count (all T without lengths), and only their labels are
// read, so a padded step may hold a placeholder such as −100.
template <class P, class Y>
double accuracy_per_step(const P& scores, const Y& labels, std::span<const std::size_t> lengths) {
    const std::size_t sequences = scores.shape()[0], steps = scores.shape()[1], classes = scores.shape()[2];
    if (sequences == 0 || steps == 0 || classes < 2)
        throw shape_error("ctnn: accuracy: the scores have shape " + shape_string(scores.shape())
                          + ", expected (B >= 1, T >= 1, classes >= 2)");
    const bool one_per_step = (labels.dimension() == 2 || (labels.dimension() == 3 && labels.shape()[2] == 1))
                              && labels.shape()[0] == sequences && labels.shape()[1] == steps;
    if (!one_per_step)
        throw shape_error("ctnn: accuracy: the target has shape " + shape_string(labels.shape()) + ", expected ("
                          + std::to_string(sequences) + ", " + std::to_string(steps)
                          + "): one class label per step");
    check_lengths(lengths, sequences, steps, "accuracy");
    std::size_t right = 0, counted = 0;
    for (std::size_t b = 0; b < sequences; ++b) {
        const std::size_t length = lengths.empty() ? steps : lengths[b];
        for (std::size_t t = 0; t < length; ++t) {
            const std::size_t i = b * steps + t;
            const double label = double(labels.data()[i]);
            if (!is_class_label(label, classes))
                throw invalid_argument("ctnn: accuracy: the target of sequence " + std::to_string(b) + ", step "
                                       + std::to_string(t) + " is " + number_string(label)
                                       + ", not a class label: expected an integer in [0, " + std::to_string(classes)
                                       + ")");
            if (row_argmax(scores.data() + i * classes, classes) == std::size_t(label)) ++right;
            ++counted;
        }
    }
    return double(right) / double(counted);
}
}  // namespace ctnn::detail

namespace ctnn::metrics {

/// The fraction of rows of scores (B, C), C ≥ 2, whose argmax equals the label in labels
/// (B, 1) of 0..C−1 (the column the class losses read). shape_error for other shapes or no
/// rows, invalid_argument for a label that is not a class. For one output per row (a binary
/// classifier) use binary_accuracy.
/// Per step: scores (B, T, C) of a network that returns every step, against labels (B, T), over
/// every step, or with `lengths` (padded_sequences::lengths()) over each sequence's real steps.
template <class P, class Y>
double accuracy(const P& scores, const Y& labels, std::span<const std::size_t> lengths = {}) {
    if (scores.dimension() == 3) return detail::accuracy_per_step(scores, labels, lengths);
    if (!lengths.empty())
        throw shape_error("ctnn: accuracy: lengths are for scores per step (B, T, classes), and the scores have "
                          "shape " + detail::shape_string(scores.shape()));
    if (scores.dimension() != 2 || scores.shape()[1] < 2 || scores.shape()[0] == 0)
        throw shape_error("ctnn: accuracy: the scores have shape "
                          + detail::shape_string(scores.shape())
                          + ", expected (rows >= 1, classes >= 2), or (B, T, classes) per step; for one output "
                            "per row use binary_accuracy");
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
