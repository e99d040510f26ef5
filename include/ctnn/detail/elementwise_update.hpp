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

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/norms.hpp"
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

/// |v| and the bits of a and b or-ed (whose sign bit is set when either's is), for an element
/// or a SIMD batch: what update_elements records of the values it writes.
template <class T>
T magnitude(T v) {
    return std::abs(v);
}
template <class T>
xsimd::batch<T> magnitude(const xsimd::batch<T>& v) {
    return xsimd::abs(v);
}
template <class T>
T or_bits(T a, T b) {
    using U = float_bits<T>;
    return std::bit_cast<T>(U(std::bit_cast<U>(a) | std::bit_cast<U>(b)));
}
template <class T>
xsimd::batch<T> or_bits(const xsimd::batch<T>& a, const xsimd::batch<T>& b) {
    return a | b;
}

/// For i in [0, n): d = sign·g + decay·θ (decay·θ left out when decay = 0, as torch does), then
/// `step(θ, d, s)` with s the elements of `state` (a null slot reads 0 and is not written).
/// Step is a functor with `template <class V> void operator()(V& theta, V d, std::array<V, S>& s)`.
/// Returns whether every value written is finite: v − v is 0 for a finite v and NaN otherwise,
/// summed in registers as the values are stored, so the trainer need not read them again. When
/// they are, `written` holds the largest |θ| and |s_k| written and whether every s_k is +0 or
/// positive (a null slot: 0, and true), which the next update's bound would otherwise read
/// again: in registers too, for a loop bound by memory.
template <std::size_t States, class T, class Step>
bool update_elements(const Step& step, T* theta, const T* g, const std::array<T*, States>& state, std::size_t n,
                     T sign, T decay, optim::largest_values<States>& written) {
    // unfinite: Σ (v − v); largest[0] max |θ|, largest[1 + k] max |s_k|; signs[k] s_k's bits or-ed
    const auto one = [&]<class V>(std::size_t i, auto load, auto store, V& unfinite, std::array<V, States + 1>& largest,
                                  std::array<V, States>& signs) {
        V t = load(theta + i);
        V d = V(sign) * load(g + i);
        if (decay != T(0)) d = d + V(decay) * t;
        std::array<V, States> s;
        for (std::size_t k = 0; k < States; ++k) s[k] = state[k] ? load(state[k] + i) : V(T(0));
        step(t, d, s);
        store(t, theta + i);
        unfinite = unfinite + (t - t);
        largest[0] = larger(largest[0], magnitude(t));
        for (std::size_t k = 0; k < States; ++k)
            if (state[k]) {
                store(s[k], state[k] + i);
                unfinite = unfinite + (s[k] - s[k]);
                largest[1 + k] = larger(largest[1 + k], magnitude(s[k]));
                signs[k] = or_bits(signs[k], s[k]);
            }
    };
    using batch = xsimd::batch<T>;
    batch unfinite_lanes(T(0));
    std::array<batch, States + 1> largest_lanes;
    largest_lanes.fill(batch(T(0)));
    std::array<batch, States> sign_lanes;
    sign_lanes.fill(batch(T(0)));
    T unfinite = T(0);
    std::array<T, States + 1> largest{};
    std::array<T, States> signs{};
    std::size_t i = 0;
    for (; i + batch::size <= n; i += batch::size)
        one.template operator()<batch>(
            i, [](const T* at) { return batch::load_unaligned(at); }, [](const batch& v, T* at) { v.store_unaligned(at); },
            unfinite_lanes, largest_lanes, sign_lanes);
    for (; i < n; ++i)
        one.template operator()<T>(i, [](const T* at) { return *at; }, [](T v, T* at) { *at = v; }, unfinite, largest,
                                   signs);
    const bool finite = xsimd::all(unfinite_lanes == batch(T(0))) && unfinite == T(0);
    if (finite) {
        alignas(64) T lanes[batch::size];
        const auto largest_of = [&](const batch& lane_values, T tail) {
            lane_values.store_aligned(lanes);
            for (const T lane : lanes) tail = std::max(tail, lane);
            return double(tail);
        };
        written.value = largest_of(largest_lanes[0], largest[0]);
        for (std::size_t k = 0; k < States; ++k) {
            written.buffers[k] = largest_of(largest_lanes[1 + k], largest[1 + k]);
            sign_lanes[k].store_aligned(lanes);
            bool negative = std::signbit(signs[k]);
            for (const T lane : lanes) negative = negative || std::signbit(lane);
            written.non_negative[k] = !negative;
        }
    }
    return finite;
}

/// update_elements over a parameter and its optimizer state: the value, the gradient and the
/// state buffers `used` names (buffer k is passed when used[k], else null). Records in the state
/// whether what it wrote is finite (parameter_state::last_update), and its largest values
/// (parameter_state::largest_written) unless a buffer it did not pass holds state, which the
/// loop did not see.
template <std::size_t States, class T, std::size_t R, class Step>
void update_parameter(const Step& step, parameter<T, R>& p, optim::parameter_state<T, States>& s,
                      const std::array<bool, States>& used, T sign, T decay) {
    using written = typename optim::parameter_state<T, States>::written;
    std::array<T*, States> state{};
    for (std::size_t k = 0; k < States; ++k) state[k] = used[k] ? s.buffers[k].data() : nullptr;
    const bool finite = update_elements<States>(step, p.value.data(), p.grad.data(), state, p.value.size(), sign,
                                                decay, s.largest_written);
    s.last_update = finite ? written::finite : written::non_finite;
    bool every_buffer_seen = true;
    for (std::size_t k = 0; k < States; ++k)
        every_buffer_seen = every_buffer_seen && (used[k] || !s.holds(k, p.size()));
    s.largest_known = finite && every_buffer_seen;
}

}  // namespace ctnn::detail
