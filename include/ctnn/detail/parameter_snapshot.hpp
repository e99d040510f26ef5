// A copy of every parameter's value and of the optimizer's state for each (buffers, steps,
// product), restored bit for bit: what the trainer puts back when an update turns out
// non-finite, and its last good state for non_finite_action::rollback. Storage is reused, so
// after the first captures a capture allocates nothing.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ctnn/optim/parameter_state.hpp"

namespace ctnn::detail {

template <class T, std::size_t Buffers>
class parameter_snapshot {
public:
    using state_type = optim::parameter_state<T, Buffers>;

    // Taken before every update (the trainer undoes one that turns out non-finite): a memmove
    // per value and buffer into storage kept from the last capture. `states[i]` belongs to the
    // i-th parameter of for_each_parameter.
    template <class ParameterSet>
    void capture(ParameterSet& params, std::span<const state_type> states) {
        std::size_t elements = 0;
        params.for_each_parameter([&](const auto& p) { elements += p.value.size(); });
        for (const state_type& s : states)
            for (const auto& b : s.buffers) elements += b.size();
        values_.resize(elements);  // the same size step after step: no allocation, no fill
        saved_.resize(states.size());
        T* to = values_.data();
        params.for_each_parameter([&](const auto& p) { to = std::copy_n(p.value.data(), p.value.size(), to); });
        for (std::size_t i = 0; i < states.size(); ++i) {
            saved_[i].steps = states[i].steps;
            saved_[i].product = states[i].product;
            for (std::size_t k = 0; k < Buffers; ++k) {
                saved_[i].sizes[k] = states[i].buffers[k].size();
                to = std::copy_n(states[i].buffers[k].data(), states[i].buffers[k].size(), to);
            }
        }
        valid_ = true;
    }

    /// Puts every captured value and state back. A buffer that did not exist at the capture is
    /// released again, so the optimizer starts it afresh as it did then.
    template <class ParameterSet>
    [[gnu::cold]] void restore(ParameterSet& params, std::span<state_type> states) const {
        const T* from = values_.data();
        params.for_each_parameter([&](auto& p) {
            std::copy_n(from, p.value.size(), p.value.data());
            from += p.value.size();
        });
        for (std::size_t i = 0; i < states.size(); ++i) {
            states[i].steps = saved_[i].steps;
            states[i].product = saved_[i].product;
            for (std::size_t k = 0; k < Buffers; ++k) from = restore_buffer(states[i].buffers[k], saved_[i].sizes[k], from);
        }
    }

    bool valid() const noexcept { return valid_; }
    /// Forgets the snapshot (an update was applied without taking one): nothing stale is restored.
    void invalidate() noexcept { valid_ = false; }

private:
    // One buffer back to `size` elements from `from` (none: released); returns the next source.
    // Out of line: inlined, the buffers' tensor assignments were most of restore's code.
    template <class Tensor>
    [[gnu::noinline, gnu::cold]] static const T* restore_buffer(Tensor& buffer, std::size_t size, const T* from) {
        if (size == 0) {
            buffer = Tensor{};
            return from;
        }
        if (buffer.size() != size) buffer = Tensor::from_shape({size});
        std::copy_n(from, size, buffer.data());
        return from + size;
    }

    struct saved_state {
        std::array<std::size_t, Buffers> sizes{};
        std::int64_t steps = 0;
        double product = 1.0;
    };
    std::vector<T> values_;
    std::vector<saved_state> saved_;
    bool valid_ = false;
};

}  // namespace ctnn::detail
