// What a network's last layer outputs, as predict_proba reads it: logits (the default),
// probabilities (softmax, a sigmoid dense layer) or log-probabilities (log_softmax).
#pragma once

#include <cmath>
#include <cstddef>

#include "ctnn/detail/log_softmax_row.hpp"

namespace ctnn::detail {

enum class score_kind { logits, probabilities, log_probabilities };

/// A layer says `static constexpr detail::score_kind scores` when its output is not logits.
template <class Layer>
constexpr score_kind scores_of() {
    if constexpr (requires { Layer::scores; })
        return Layer::scores;
    else
        return score_kind::logits;
}

/// `rows` rows of `Width` scores of the kind `Kind`, in place, to probabilities: logits through
/// a softmax per row (one logit: a sigmoid, the probability of class 1), log-probabilities
/// through exp; probabilities stay.
template <score_kind Kind, std::size_t Width, class T>
void scores_to_probabilities(T* y, std::size_t rows) {
    if constexpr (Kind == score_kind::log_probabilities) {
        for (std::size_t i = 0; i < rows * Width; ++i) y[i] = std::exp(y[i]);
    } else if constexpr (Kind == score_kind::logits && Width == 1) {
        for (std::size_t i = 0; i < rows; ++i) y[i] = T(1) / (T(1) + std::exp(-y[i]));
    } else if constexpr (Kind == score_kind::logits) {
        for (std::size_t i = 0; i < rows; ++i, y += Width) {
            const log_softmax_row row(y, Width);  // shifted by the row's maximum, in double
            for (std::size_t k = 0; k < Width; ++k) y[k] = T(std::exp(row.at(y[k])));
        }
    }
}

}  // namespace ctnn::detail
