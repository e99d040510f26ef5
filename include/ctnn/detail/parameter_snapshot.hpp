// A copy of every parameter's value and optimizer state (moments, steps, product), restored bit
// for bit: the trainer's last good state for non_finite_action::rollback. Storage is reused, so
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
    // Cold, like restore: only non_finite_action::rollback takes snapshots, and GCC then
    // optimizes for size (copies are memmove calls either way), less code in every training unit.
    template <class ParameterSet>
    [[gnu::cold]] void capture(ParameterSet& params) {
        values_.clear();
        states_.clear();
        params.for_each_parameter([&](auto& p) {
            state s{.steps = p.steps, .product = p.product};
            values_.insert(values_.end(), p.value.data(), p.value.data() + p.value.size());
            for (std::size_t m = 0; m < p.moments.size(); ++m) {
                s.moment_sizes[m] = p.moments[m].size();
                values_.insert(values_.end(), p.moments[m].data(), p.moments[m].data() + p.moments[m].size());
            }
            states_.push_back(s);
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
