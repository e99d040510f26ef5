// The predicted class of one row of scores: the index of its largest value, the first on ties
// and the first NaN if any (torch.argmax's rule), so ctnn and PyTorch agree on every row.
#pragma once

#include <cmath>
#include <cstddef>

namespace ctnn::detail {

template <class T>
std::size_t row_argmax(const T* row, std::size_t columns) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < columns; ++c) {
        if (std::isnan(row[best])) break;
        if (row[c] > row[best] || std::isnan(row[c])) best = c;
    }
    return best;
}

}  // namespace ctnn::detail
