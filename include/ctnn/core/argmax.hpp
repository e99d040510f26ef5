// argmax: the predicted class of each row of scores, by torch.argmax's rule (the first largest
// on ties, the first NaN if any), so ctnn and PyTorch name the same class for every row.
#pragma once

#include <cstddef>
#include <string>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/row_argmax.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// Scores (B, C) -> classes (B); scores (B, T, C) -> (B, T): the index of each row's largest
/// score, logits, probabilities or log-probabilities alike (`argmax(net.predict(x))`).
/// shape_error for fewer than two classes: one score per row is thresholded, not argmaxed.
template <class T, std::size_t Rank>
tensor<std::size_t, Rank - 1> argmax(const tensor<T, Rank>& scores) requires(Rank >= 2) {
    const std::size_t classes = scores.shape()[Rank - 1];
    if (classes < 2)
        throw shape_error("ctnn: argmax: the scores have shape " + detail::shape_string(scores.shape())
                          + ", expected at least 2 classes in the last axis; one score per row is a "
                            "binary classifier's: threshold it (a logit > 0, a probability > 0.5)");
    typename tensor<std::size_t, Rank - 1>::shape_type shape;
    for (std::size_t d = 0; d + 1 < Rank; ++d) shape[d] = scores.shape()[d];
    auto classes_of = tensor<std::size_t, Rank - 1>::from_shape(shape);
    for (std::size_t i = 0; i < classes_of.size(); ++i)
        classes_of.data()[i] = detail::row_argmax(scores.data() + i * classes, classes);
    return classes_of;
}

}  // namespace ctnn
