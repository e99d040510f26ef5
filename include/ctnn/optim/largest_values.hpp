// What an optimizer's update_stays_finite knows of a parameter and its state (optim::
// largest_values, beside parameter_state): their largest magnitudes as the trainer reads them
// just before the update, or as the last update's own loop recorded them (each rank a share, when
// distributed, and the ranks' maxima combined), so the bound itself is arithmetic.
#pragma once

#include <array>
#include <cstddef>
#include <limits>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/norms.hpp"
#include "ctnn/optim/parameter_state.hpp"

namespace ctnn::detail {

/// The most an update bound lets any term of a step in T reach: T's largest over 8, the margin
/// covering T's rounding of each term the bound computes exactly.
template <class T>
inline constexpr double update_bound_limit = double(std::numeric_limits<T>::max()) / 8;

/// The largest values of p and of the buffers of s over elements [begin, end) of each (a
/// rank's share; [0, p.size()) for all). A buffer that does not hold p's state counts as empty.
template <class T, std::size_t R, std::size_t K>
optim::largest_values<K> read_largest_values(const parameter<T, R>& p, const optim::parameter_state<T, K>& s,
                                             std::size_t begin, std::size_t end) noexcept {
    optim::largest_values<K> largest;
    largest.value = max_magnitude(p.value.data() + begin, end - begin);
    for (std::size_t k = 0; k < K; ++k) {
        largest.buffers[k] = 0.0;
        largest.non_negative[k] = true;
        if (s.buffers[k].size() != p.size()) continue;
        const auto read = largest_and_sign(s.buffers[k].data() + begin, end - begin);
        largest.buffers[k] = read.largest;
        largest.non_negative[k] = read.non_negative;
    }
    return largest;
}

}  // namespace ctnn::detail
