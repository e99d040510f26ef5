// What a learning-rate schedule policy must provide.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

namespace ctnn {

/// Sets the optimizer's learning rate epoch by epoch, as a PyTorch scheduler stepped once per
/// epoch: `initial(base_lr)` gives epoch 0's rate; after each epoch, `next(base_lr, lr,
/// epochs_done, epoch_loss)` gives the next epoch's (a schedule may keep state, e.g.
/// reduce-on-plateau, so `next` is non-const).
template <class S>
concept schedule_policy = std::copy_constructible<S> && requires(S& s, const S& cs, double lr, std::size_t e) {
    { S::name } -> std::convertible_to<std::string_view>;
    { cs.initial(lr) } -> std::convertible_to<double>;
    { s.next(lr, lr, e, lr) } -> std::convertible_to<double>;
};

}  // namespace ctnn
