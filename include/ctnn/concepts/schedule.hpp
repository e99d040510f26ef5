// What a learning-rate schedule policy must provide.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

namespace ctnn {

/// Sets the optimizer's learning rate epoch by epoch, as a PyTorch scheduler stepped once per
/// epoch: `initial(base_lr)` gives epoch 0's rate; after each epoch, `next(base_lr, lr,
/// epochs_done, epoch_loss)` gives the next epoch's (a schedule may keep state, e.g.
/// reduce-on-plateau, so `next` is non-const). A schedule with `steps_per_batch` true
/// (schedule::per_step<S>) is stepped after every training step instead, with the steps done
/// and the batch's loss.
template <class S>
concept schedule_policy = std::copy_constructible<S> && requires(S& s, const S& cs, double lr, std::size_t e) {
    { S::name } -> std::convertible_to<std::string_view>;
    { cs.initial(lr) } -> std::convertible_to<double>;
    { s.next(lr, lr, e, lr) } -> std::convertible_to<double>;
};

namespace detail {
/// Whether the trainer steps schedule S after every batch (true) or every epoch.
template <class S>
constexpr bool schedule_steps_per_batch() {
    if constexpr (requires { S::steps_per_batch; })
        return S::steps_per_batch;
    else
        return false;
}
}  // namespace detail

}  // namespace ctnn
