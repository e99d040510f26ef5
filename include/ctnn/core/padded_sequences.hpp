// padded_sequences: a batch of sequences of different lengths, padded to one length T, with
// each sequence's own length: PyTorch's pack_padded_sequence(x, lengths, batch_first=True,
// enforce_sorted=False). Given to fit, train_step, evaluate or predict in place of x.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "ctnn/core/errors.hpp"

namespace ctnn {

/// x (B, T, F) row-major, sequence b's steps 0 … lengths[b] − 1 real and the rest padding,
/// whatever it holds (it is never read). Recurrent layers stop at each sequence's end: the
/// last state is the one after step lengths[b] − 1, a bidirectional layer's reverse direction
/// starts there, and a whole-sequence output is 0 at padded steps. Per-step targets at padded
/// steps are ignored: the loss, the accuracy and the label checks see only real steps.
///
/// Holds a reference to x (which must outlive it) and its own copy of the lengths, so any
/// contiguous range of integers will do (std::vector<int>, an xtensor of int64, …).
template <class X>
class padded_sequences {
public:
    template <class Lengths>
        requires requires(const Lengths& l) {
            { *l.data() } -> std::convertible_to<long long>;
            { l.size() } -> std::convertible_to<std::size_t>;
        }
    padded_sequences(const X& x, const Lengths& lengths) : x_(x) {
        using value_type = std::remove_cvref_t<decltype(*lengths.data())>;
        static_assert(std::is_integral_v<value_type>, "ctnn: padded_sequences takes integer lengths");
        const auto* first = lengths.data();
        const std::size_t count = lengths.size();
        lengths_.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            if constexpr (std::is_signed_v<value_type>)
                if (first[i] < 0)
                    throw invalid_argument("ctnn: padded_sequences: lengths[" + std::to_string(i) + "] is "
                                           + std::to_string(first[i]) + "; a length counts steps, from 1");
            lengths_.push_back(static_cast<std::size_t>(first[i]));
        }
    }
    /// x would dangle: keep the data in a variable first.
    template <class Lengths>
    padded_sequences(const X&& x, const Lengths& lengths) = delete;

    const X& values() const noexcept { return x_; }
    std::span<const std::size_t> lengths() const noexcept { return lengths_; }

private:
    const X& x_;
    std::vector<std::size_t> lengths_;
};

template <class X, class Lengths>
padded_sequences(const X&, const Lengths&) -> padded_sequences<X>;

namespace detail {
template <class X>
struct padded_traits {
    static constexpr bool padded = false;
    using data_type = X;
};
template <class X>
struct padded_traits<padded_sequences<X>> {
    static constexpr bool padded = true;
    using data_type = X;
};
template <class X>
inline constexpr bool is_padded = padded_traits<X>::padded;
/// The tensor a data argument holds: x itself, or a padded_sequences' values.
template <class X>
using data_type_of = typename padded_traits<X>::data_type;

template <class X>
const data_type_of<X>& values_of(const X& x) noexcept {
    if constexpr (is_padded<X>)
        return x.values();
    else
        return x;
}
/// Each sequence's length, or nothing: every sequence is as long as x.
template <class X>
std::span<const std::size_t> lengths_of(const X& x) noexcept {
    if constexpr (is_padded<X>)
        return x.lengths();
    else
        return {};
}
}  // namespace detail

}  // namespace ctnn
