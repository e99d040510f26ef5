// shuffled_order(rows, seed, epoch): the order in which trainer::fit visits the rows in an
// epoch, so a run can be replayed elsewhere (another program, PyTorch) batch for batch. fit
// draws it from detail::epoch_order, as this does: one ctnn::rng seeded with
// fit_options::seed shuffles the previous epoch's order again each epoch; ctnn::rng gives the
// same numbers on every platform. `epoch` is the trainer's epoch clock (trainer::epochs(): the
// epochs fit completed before, over every call, restored by a load), so a run split over
// several fit calls, or resumed from a checkpoint, visits the rows as one uninterrupted run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "ctnn/core/rng.hpp"

namespace ctnn {

namespace detail {
/// fit's row order: 0 … rows−1, shuffled again by one rng seeded with `seed` at every epoch.
class epoch_order {
public:
    epoch_order(std::size_t rows, std::uint64_t seed) : order_(rows), shuffler_(seed), seed_(seed) {
        std::iota(order_.begin(), order_.end(), std::size_t(0));
    }
    /// The next epoch's order.
    const std::vector<std::size_t>& next() noexcept {
        shuffler_.shuffle(order_.begin(), order_.end());
        ++epochs_;
        return order_;
    }
    /// Passes over `epochs` epochs' orders, to start where a run of that many epochs left off.
    void skip(std::size_t epochs) noexcept {
        for (std::size_t e = 0; e < epochs; ++e) next();
    }
    /// Whether this is fit's order for `rows` rows from `seed` with `epochs` epochs drawn: the
    /// next fit goes on with it instead of drawing them all again.
    bool continues(std::size_t rows, std::uint64_t seed, std::size_t epochs) const noexcept {
        return order_.size() == rows && seed_ == seed && epochs_ == epochs;
    }
    std::size_t operator[](std::size_t i) const noexcept { return order_[i]; }

private:
    std::vector<std::size_t> order_;
    rng shuffler_;
    std::uint64_t seed_;
    std::size_t epochs_ = 0;  // orders drawn
};
}  // namespace detail

/// Epoch `epoch` of fit with `shuffle` on, `seed`, over `rows` rows, counted as the trainer's
/// epoch clock counts (from 0 at a new trainer, over every fit call): batch k holds rows
/// order[k·batch_size ...]. Without shuffling (or with one batch of every row, which fit does
/// not shuffle) the order is 0, 1, 2, ...
inline std::vector<std::size_t> shuffled_order(std::size_t rows, std::uint64_t seed, std::size_t epoch) {
    detail::epoch_order order(rows, seed);
    order.skip(epoch);
    return order.next();
}

}  // namespace ctnn
