// What an optimizer keeps for one parameter between steps. The optimizer decides what that is:
// it names its buffers (`state_names`, PyTorch's state keys), and the trainer holds one
// parameter_state per parameter of the network, beside the optimizer, not in the layers. So a
// layer knows nothing of optimizers, two trainers over one network keep separate state, and an
// optimizer with any number of buffers fits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn::optim {

/// What an optimizer's update_stays_finite knows of a parameter and its state: their largest
/// magnitudes just before the update.
template <std::size_t Buffers>
struct largest_values {
    /// max |θ|; +inf if a θ is NaN or ±inf.
    double value = 0.0;
    /// max |b_k| over buffer k (0 when it does not hold the parameter's state); +inf if an
    /// element is NaN or ±inf.
    std::array<double, Buffers> buffers{};
    /// Every element of buffer k is +0 or positive (−0 counts as negative).
    std::array<bool, Buffers> non_negative{};
};

template <class T, std::size_t Buffers>
struct parameter_state {
    using scalar = T;
    static constexpr std::size_t buffer_count = Buffers;

    /// The optimizer's buffers, buffers[k] named by its state_names[k]: flat, with as many
    /// elements as the parameter once the optimizer uses it; empty while it does not (AMSGrad's
    /// max_exp_avg_sq without amsgrad, a momentum buffer without momentum).
    std::array<tensor<T, 1>, Buffers> buffers{};
    /// Optimizer steps applied to the parameter (PyTorch's per-parameter `step`).
    std::int64_t steps = 0;
    /// A running product some optimizers keep (NAdam's `mu_product`); 1 for the others.
    double product = 1.0;
    /// Whether the last update wrote only finite values (to the parameter and to these buffers),
    /// as reported by the update's own loop (detail::update_parameter reports it; an optimizer
    /// that does not leaves it unknown, and the trainer reads what the update wrote instead).
    /// The trainer sets it to unknown before each update; not saved.
    enum class written : std::uint8_t { unknown, finite, non_finite };
    written last_update = written::unknown;
    /// The largest magnitudes the last update wrote, and its buffers' signs, as the update's own
    /// loop saw them (detail::update_parameter and dense's folded SGD step record them):
    /// what the next update's bound would otherwise read again. Valid only while nothing else
    /// has written the parameter or this state, which only the trainer knows (it trusts them
    /// between the steps of one epoch of `fit`); largest_known is false when the last writer did
    /// not record them or wrote a non-finite value. Not saved.
    largest_values<Buffers> largest_written{};
    bool largest_known = false;

    /// Whether buffer k holds state for a parameter of `size` elements.
    bool holds(std::size_t k, std::size_t size) const noexcept { return buffers[k].size() == size && size != 0; }

    parameter_state() = default;
    parameter_state(const parameter_state&) = default;
    parameter_state(parameter_state&&) noexcept = default;
    parameter_state& operator=(const parameter_state&) = default;
    parameter_state& operator=(parameter_state&&) noexcept = default;
    // Out of line, as parameter's: the buffers' releases inlined into every trainer's
    // destructor and reset were most of what the state added to a unit's compile time
    // (docs/benchmarks.md).
    [[gnu::noinline]] ~parameter_state() = default;
};

/// The number of buffers optimizer O names.
template <class O>
inline constexpr std::size_t state_buffer_count = std::tuple_size_v<std::remove_cv_t<decltype(O::state_names)>>;

/// What optimizer O keeps per parameter of scalar type T.
template <class O, class T>
using state_of = parameter_state<T, state_buffer_count<O>>;

}  // namespace ctnn::optim
