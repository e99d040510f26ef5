// What every optimizer does the same way: allocate a state buffer once, refuse a setting outside
// its domain with a message that names the optimizer, the condition and the value given.
#pragma once

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/optim/parameter_state.hpp"

namespace ctnn::detail {

// Out of line: a tensor's construction, move and release, inlined into every layer's parameter
// visit, were much of the seed example's generated code (compile time; docs/benchmarks.md).
template <class T>
[[gnu::noinline]] void reshape_state(tensor<T, 1>& slot, std::size_t size, T initial) {
    slot = tensor<T, 1>::from_shape({size});
    slot.fill(initial);
}

/// Gives buffer k of an optimizer's state `size` elements filled with `initial`, the first time
/// only: a buffer of that size already holds the state of earlier steps and is kept.
template <class T, std::size_t Buffers>
void allocate_state(optim::parameter_state<T, Buffers>& state, std::size_t k, std::size_t size, T initial) {
    if (state.buffers[k].size() != size) reshape_state(state.buffers[k], size, initial);
}

/// Buffer k made (zeros, `size` elements) if the state holds none yet; true when made now: the
/// step at which torch finds its buffer None (SGD's first step with momentum, b = d).
template <class T, std::size_t Buffers>
bool start_state(optim::parameter_state<T, Buffers>& state, std::size_t k, std::size_t size) {
    if (state.holds(k, size)) return false;
    allocate_state(state, k, size, T(0));
    return true;
}

/// x is a finite number >= 0: an infinite rate, decay or momentum turns every weight it
/// touches into ±inf or NaN at the first step.
inline bool finite_non_negative(double x) noexcept { return std::isfinite(x) && x >= 0.0; }

/// Throws invalid_argument "ctnn: <optimizer> needs <condition>, got <value>" unless `ok`.
inline void require_setting(bool ok, std::string_view optimizer, std::string_view condition,
                            double got) {
    if (ok) return;
    std::ostringstream message;
    message << "ctnn: " << optimizer << " needs " << condition << ", got " << got;
    throw invalid_argument(message.str());
}

}  // namespace ctnn::detail
