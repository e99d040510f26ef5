// A copy of every parameter's value and optimizer state (moments, steps, product), restored bit
// for bit: what the trainer puts back when an update turns out non-finite, and its last good
// state for non_finite_action::rollback. Storage is reused, so
// after the first captures a capture allocates nothing.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "ctnn/core/parameter.hpp"

namespace ctnn::detail {

template <class T>
class parameter_snapshot {
public:
    // Taken before every update (the trainer undoes one that turns out non-finite): a memmove
    // per value and moment into storage kept from the last capture.
    template <class ParameterSet>
    void capture(ParameterSet& params) {
        std::size_t elements = 0, count = 0;
        params.for_each_parameter([&](const auto& p) {
            elements += p.value.size();
            for (const auto& m : p.moments) elements += m.size();
            ++count;
        });
        values_.resize(elements);  // the same size step after step: no allocation, no fill
        states_.resize(count);
        T* to = values_.data();
        state* s = states_.data();
        params.for_each_parameter([&](const auto& p) {
            s->steps = p.steps;
            s->product = p.product;
            to = std::copy_n(p.value.data(), p.value.size(), to);
            for (std::size_t m = 0; m < p.moments.size(); ++m) {
                s->moment_sizes[m] = p.moments[m].size();
                to = std::copy_n(p.moments[m].data(), p.moments[m].size(), to);
            }
            ++s;
        });
        valid_ = true;
    }

    /// Puts every captured value and state back. Optimizer state that did not exist at the
    /// capture is released again, so the optimizer starts it afresh as it did then.
    template <class ParameterSet>
    [[gnu::cold]] void restore(ParameterSet& params) const {
        const T* from = values_.data();
        std::size_t i = 0;
        params.for_each_parameter([&](auto& p) {
            const state& s = states_[i++];
            std::copy_n(from, p.value.size(), p.value.data());
            from += p.value.size();
            for (std::size_t m = 0; m < p.moments.size(); ++m)
                from = restore_moment(p.moments[m], s.moment_sizes[m], p.value, from);
            p.steps = s.steps;
            p.product = s.product;
        });
    }

    bool valid() const noexcept { return valid_; }
    /// Forgets the snapshot (an update was applied without taking one): nothing stale is restored.
    void invalidate() noexcept { valid_ = false; }

private:
    // One moment back to `size` elements from `from` (none: released); returns the next source.
    // Out of line: inlined, the three moments' tensor assignments were most of restore's code.
    template <class Tensor>
    [[gnu::noinline, gnu::cold]] static const T* restore_moment(Tensor& moment, std::size_t size, const Tensor& value, const T* from) {
        if (size == 0) {
            moment = Tensor{};
            return from;
        }
        if (moment.size() != size) moment = Tensor::from_shape(value.shape());
        std::copy_n(from, size, moment.data());
        return from + size;
    }

    struct state {
        std::array<std::size_t, parameter<T, 1>::max_moments> moment_sizes{};
        std::int64_t steps = 0;
        double product = 1.0;
    };
    std::vector<T> values_;
    std::vector<state> states_;
    bool valid_ = false;
};

}  // namespace ctnn::detail
