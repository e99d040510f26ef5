// The area under the ROC curve, scikit-learn's roc_auc_score: the probability that a random
// positive row scores above a random negative one, ties counting half (the Mann–Whitney U over
// P·N, from average ranks). Binary: any scores that order the rows the same give the same area,
// a logit or a probability alike. Several classes: each column is ranked against the rest on
// its own, so the columns must be probabilities (net.predict_proba), as scikit-learn requires;
// raw logits give another number.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/data_check.hpp"

namespace ctnn::metrics {

namespace detail_auc {
// scores[i·stride] for rows i, positive[i] -> the area (both kinds present, checked by the caller)
template <class S>
double area(const S* scores, std::size_t stride, const std::vector<char>& positive, std::size_t rows) {
    std::vector<std::size_t> order(rows);
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return scores[a * stride] < scores[b * stride]; });
    double positive_ranks = 0.0;
    std::size_t positives = 0;
    for (std::size_t first = 0; first < rows;) {
        std::size_t last = first + 1;  // a run of equal scores shares the average of its ranks
        while (last < rows && scores[order[last] * stride] == scores[order[first] * stride]) ++last;
        const double rank = (double(first + 1) + double(last)) / 2.0;
        for (std::size_t k = first; k < last; ++k)
            if (positive[order[k]]) {
                positive_ranks += rank;
                ++positives;
            }
        first = last;
    }
    const double p = double(positives), n = double(rows - positives);
    return (positive_ranks - p * (p + 1.0) / 2.0) / (p * n);
}
}  // namespace detail_auc

/// Scores (B, 1) against labels (B, 1) of 0 and 1: the binary area. Scores (B, C), C ≥ 2,
/// against class labels (B, 1) in 0..C−1: the mean over classes of each class's area against
/// the rest (scikit-learn's multi_class='ovr', average='macro'). invalid_argument if a label is
/// not a class, a score is NaN, or a class (binary: either) has no row, where the area is not
/// defined; shape_error for other shapes.
template <class P, class Y>
double roc_auc(const P& scores, const Y& labels) {
    if (scores.dimension() != 2 || scores.shape()[0] == 0)
        throw shape_error("ctnn: roc_auc: the scores have shape " + detail::shape_string(scores.shape())
                          + ", expected (rows >= 1, 1) or (rows >= 1, classes >= 2)");
    const std::size_t rows = scores.shape()[0], columns = scores.shape()[1];
    const std::size_t classes = std::max<std::size_t>(columns, 2);
    // labels: one column of 0/1 (binary) or 0..C−1, each checked with its row
    struct rows_by_classes {  // all check_class_labels reads of a prediction: its shape
        std::array<std::size_t, 2> dims;
        const std::array<std::size_t, 2>& shape() const noexcept { return dims; }
    };
    detail::check_class_labels(rows_by_classes{{rows, classes}}, labels, "roc_auc");
    for (std::size_t i = 0; i < rows * columns; ++i)
        if (std::isnan(double(scores.data()[i])))
            throw invalid_argument("ctnn: roc_auc: the score of row " + std::to_string(i / columns) + " is NaN");
    std::vector<char> positive(rows);
    double sum = 0.0;
    for (std::size_t c = columns == 1 ? 1 : 0; c < classes; ++c) {
        std::size_t count = 0;
        for (std::size_t i = 0; i < rows; ++i) {
            positive[i] = detail::class_label(labels, i) == c;
            if (positive[i]) ++count;
        }
        if (count == 0 || count == rows)
            throw invalid_argument("ctnn: roc_auc: " + std::string(count == 0 ? "no" : "every") + " row is of class "
                                   + std::to_string(c) + "; the area is defined only when each class has rows and "
                                   + (columns == 1 ? "so has the other" : "so has the rest"));
        sum += detail_auc::area(scores.data() + (columns == 1 ? 0 : c), columns, positive, rows);
    }
    return columns == 1 ? sum : sum / double(classes);
}

}  // namespace ctnn::metrics
