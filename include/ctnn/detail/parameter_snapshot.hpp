// A copy of every parameter's value and of the optimizer's state for each (buffers, steps,
// product), restored bit for bit: what the trainer puts back when an update turns out
// non-finite, and its last good state for non_finite_action::rollback. Storage is reused, so
// after the first captures a capture allocates nothing.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>


namespace ctnn::detail {

template <class T>
class parameter_snapshot {
public:
    // Taken before every update (the trainer undoes one that turns out non-finite): a memmove
    // per value and buffer into storage kept from the last capture. `states[i]` belongs to the
    // i-th parameter of for_each_parameter. The values and the states are copied by separate
    // templates, so a network's copy is compiled once whatever the optimizers that train it.
    template <class ParameterSet, class States>
    void capture(ParameterSet& params, const States& states) {
        capture_values(params);
        capture_states(states);
        valid_ = true;
    }
    /// The values alone (early stopping's best weights).
    template <class ParameterSet>
    void capture(ParameterSet& params) {
        capture_values(params);
        state_values_.clear();
        sizes_.clear();
        counters_.clear();
        valid_ = true;
    }

    /// Puts every captured value and state back. A buffer that did not exist at the capture is
    /// released again, so the optimizer starts it afresh as it did then.
    template <class ParameterSet, class States>
    [[gnu::cold]] void restore(ParameterSet& params, States& states) const {
        restore_values(params);
        restore_states(states);
    }
    template <class ParameterSet>
    [[gnu::cold]] void restore(ParameterSet& params) const {
        restore_values(params);
    }

    bool valid() const noexcept { return valid_; }
    /// Forgets the snapshot (an update was applied without taking one): nothing stale is restored.
    void invalidate() noexcept { valid_ = false; }

private:
    template <class ParameterSet>
    void capture_values(ParameterSet& params) {
        std::size_t elements = 0;
        params.for_each_parameter([&](const auto& p) { elements += p.value.size(); });
        values_.resize(elements);  // the same size step after step: no allocation, no fill
        T* to = values_.data();
        params.for_each_parameter([&](const auto& p) { to = std::copy_n(p.value.data(), p.value.size(), to); });
    }
    template <class States>
    void capture_states(const States& states) {
        std::size_t elements = 0, buffers = 0;
        for (const auto& s : states)
            for (const auto& b : s.buffers) elements += b.size(), ++buffers;
        state_values_.resize(elements);
        sizes_.resize(buffers);
        counters_.resize(states.size());
        T* to = state_values_.data();
        std::size_t k = 0, i = 0;
        for (const auto& s : states) {
            counters_[i++] = {s.steps, s.product};
            for (const auto& b : s.buffers) {
                sizes_[k++] = b.size();
                to = std::copy_n(b.data(), b.size(), to);
            }
        }
    }
    template <class ParameterSet>
    [[gnu::cold]] void restore_values(ParameterSet& params) const {
        const T* from = values_.data();
        params.for_each_parameter([&](auto& p) {
            std::copy_n(from, p.value.size(), p.value.data());
            from += p.value.size();
        });
    }
    template <class States>
    [[gnu::cold]] void restore_states(States& states) const {
        const T* from = state_values_.data();
        std::size_t k = 0, i = 0;
        for (auto& s : states) {
            s.steps = counters_[i].steps;
            s.product = counters_[i++].product;
            for (auto& b : s.buffers) from = restore_buffer(b, sizes_[k++], from);
        }
    }

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

    struct counters {
        std::int64_t steps = 0;
        double product = 1.0;
    };
    std::vector<T> values_;
    std::vector<T> state_values_;
    std::vector<std::size_t> sizes_;
    std::vector<counters> counters_;
    bool valid_ = false;
};

}  // namespace ctnn::detail
