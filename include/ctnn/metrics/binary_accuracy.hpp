// Accuracy of binary decisions: an output above the threshold says 1, otherwise 0. The
// threshold is explicit because it depends on what the network outputs: 0 for logits
// (bce_with_logits), 0.5 for probabilities (a sigmoid output).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/data_check.hpp"

namespace ctnn::metrics {

/// The fraction of elements of outputs (B, K) whose decision (output > threshold) equals the
/// target of the same shape, each 0 or 1 (K > 1: several independent labels per row).
/// shape_error for different shapes or no elements, invalid_argument for a target not 0 or 1.
template <class P, class Y>
double binary_accuracy(const P& outputs, const Y& targets, double threshold) {
    const bool same_shape = outputs.dimension() == targets.dimension()
                            && std::equal(outputs.shape().begin(), outputs.shape().end(),
                                          targets.shape().begin());
    if (!same_shape || outputs.size() == 0)
        throw shape_error("ctnn: binary_accuracy: the outputs have shape "
                          + detail::shape_string(outputs.shape()) + " and the targets "
                          + detail::shape_string(targets.shape())
                          + ", expected the same non-empty shape");
    std::size_t right = 0, i = 0;
    auto t = targets.begin();
    for (auto o = outputs.begin(); o != outputs.end(); ++o, ++t, ++i) {
        const double target = double(*t);
        if (target != 0.0 && target != 1.0)
            throw invalid_argument("ctnn: binary_accuracy: target element " + std::to_string(i)
                                   + " is " + detail::number_string(target)
                                   + ", expected 0 or 1");
        right += (double(*o) > threshold) == (target == 1.0);
    }
    return double(right) / double(outputs.size());
}

}  // namespace ctnn::metrics
