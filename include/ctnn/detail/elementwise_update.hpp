// The loop every optimizer with per-element state runs: over a parameter's flat storage, SIMD
// batches first, then the last elements one at a time, with the optimizer's element step
// written once for both (V = xsimd::batch<T>, then V = T).
//
// Why not xtensor assignments: each one is instantiated per tensor rank, per gradient expression
// (with or without weight decay) and per option branch, and an optimizer's step written that way
// was most of a small network's compile time (docs/benchmarks.md, "Optimizer steps as one loop").
// This loop is instantiated once per optimizer and scalar type, and reads and writes each element
// once.
#pragma once

#include <array>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "ctnn/core/parameter.hpp"
#include "ctnn/optim/parameter_state.hpp"

namespace ctnn::detail {

/// max(a, b) as a select, for an element or a SIMD batch.
template <class T>
T larger(T a, T b) {
    return a > b ? a : b;
}
template <class T>
xsimd::batch<T> larger(const xsimd::batch<T>& a, const xsimd::batch<T>& b) {
    return xsimd::select(a > b, a, b);
}

/// For i in [0, n): d = sign·g + decay·θ (decay·θ left out when decay = 0, as torch does), then
/// `step(θ, d, s)` with s the elements of `state` (a null slot reads 0 and is not written).
/// Step is a functor with `template <class V> void operator()(V& theta, V d, std::array<V, S>& s)`.
/// Returns whether every value written is finite: v − v is 0 for a finite v and NaN otherwise,
/// summed in registers as the values are stored, so the trainer need not read them again.
template <std::size_t States, class T, class Step>
bool update_elements(const Step& step, T* theta, const T* g, const std::array<T*, States>& state, std::size_t n,
                     T sign, T decay) {
    const auto one = [&]<class V>(std::size_t i, auto load, auto store, V& unfinite) {
        V t = load(theta + i);
        V d = V(sign) * load(g + i);
        if (decay != T(0)) d = d + V(decay) * t;
        std::array<V, States> s;
        for (std::size_t k = 0; k < States; ++k) s[k] = state[k] ? load(state[k] + i) : V(T(0));
        step(t, d, s);
        store(t, theta + i);
        unfinite = unfinite + (t - t);
        for (std::size_t k = 0; k < States; ++k)
            if (state[k]) {
                store(s[k], state[k] + i);
                unfinite = unfinite + (s[k] - s[k]);
            }
    };
    using batch = xsimd::batch<T>;
    batch unfinite_lanes(T(0));
    T unfinite = T(0);
    std::size_t i = 0;
    for (; i + batch::size <= n; i += batch::size)
        one.template operator()<batch>(
            i, [](const T* at) { return batch::load_unaligned(at); }, [](const batch& v, T* at) { v.store_unaligned(at); },
            unfinite_lanes);
    for (; i < n; ++i)
        one.template operator()<T>(i, [](const T* at) { return *at; }, [](T v, T* at) { *at = v; }, unfinite);
    return xsimd::all(unfinite_lanes == batch(T(0))) && unfinite == T(0);
}

/// update_elements over a parameter and its optimizer state: the value, the gradient and the
/// state buffers `used` names (buffer k is passed when used[k], else null). Records in the state
/// whether what it wrote is finite (parameter_state::last_update).
template <std::size_t States, class T, std::size_t R, class Step>
void update_parameter(const Step& step, parameter<T, R>& p, optim::parameter_state<T, States>& s,
                      const std::array<bool, States>& used, T sign, T decay) {
    using written = typename optim::parameter_state<T, States>::written;
    std::array<T*, States> state{};
    for (std::size_t k = 0; k < States; ++k) state[k] = used[k] ? s.buffers[k].data() : nullptr;
    const bool finite = update_elements<States>(step, p.value.data(), p.grad.data(), state, p.value.size(), sign, decay);
    s.last_update = finite ? written::finite : written::non_finite;
}

}  // namespace ctnn::detail
