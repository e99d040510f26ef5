// shuffled_order(rows, seed, epoch): the order in which trainer::fit visits the rows in an
// epoch, so a run can be replayed elsewhere (another program, PyTorch) batch for batch. fit
// draws it from one ctnn::rng seeded with fit_options::seed, shuffling the previous epoch's
// order again each epoch; ctnn::rng gives the same numbers on every platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "ctnn/core/rng.hpp"

namespace ctnn {

/// Epoch `epoch` (from 0, within one fit call) of fit with `shuffle` on, `seed`, over `rows`
/// rows: batch k holds rows order[k·batch_size ...]. Without shuffling (or with one batch of
/// every row, which fit does not shuffle) the order is 0, 1, 2, ...
inline std::vector<std::size_t> shuffled_order(std::size_t rows, std::uint64_t seed, std::size_t epoch) {
    std::vector<std::size_t> order(rows);
    std::iota(order.begin(), order.end(), std::size_t(0));
    rng shuffler(seed);
    for (std::size_t e = 0; e <= epoch; ++e) shuffler.shuffle(order.begin(), order.end());
    return order;
}

}  // namespace ctnn
