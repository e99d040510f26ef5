// Mean absolute error as a metric: Σ|ŷ − y| / n over every element, in the targets' units, which
// makes it easier to read than a squared loss.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/data_check.hpp"

namespace ctnn::metrics {

/// Mean over all elements of |prediction − target|, accumulated in double; both (B, K) of the
/// same non-empty shape, else shape_error.
template <class P, class Y>
double mean_absolute_error(const P& prediction, const Y& target) {
    const bool same_shape = prediction.dimension() == target.dimension()
                            && std::equal(prediction.shape().begin(), prediction.shape().end(),
                                          target.shape().begin());
    if (!same_shape || prediction.size() == 0)
        throw shape_error("ctnn: mean_absolute_error: the prediction has shape "
                          + detail::shape_string(prediction.shape()) + " and the target "
                          + detail::shape_string(target.shape())
                          + ", expected the same non-empty shape");
    double sum = 0.0;
    auto t = target.begin();
    for (auto p = prediction.begin(); p != prediction.end(); ++p, ++t)
        sum += std::abs(double(*p) - double(*t));
    return sum / double(prediction.size());
}

}  // namespace ctnn::metrics
