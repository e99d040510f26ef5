// An optimizer's update_stays_finite (ctnn::optimizer_bounds_its_update), given the largest
// values as the trainer reads them, against the update it bounds: on float parameters whose values, states, gradients and settings span float's range,
// every update the bound calls finite must write only finite values (the trainer keeps no copy
// to undo it), and ordinary values must be called finite (else the bound saves nothing). What
// an update records of the values it wrote (parameter_state::largest_written) must be what
// reading them gives.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <random>
#include <type_traits>

#include <ctnn/core/parameter.hpp>
#include <ctnn/optim/largest_values.hpp>
#include <ctnn/optim/parameter_state.hpp>

#include <catch2/catch.hpp>

namespace ctnn_test {

struct update_bound_counts {
    int trials = 0;
    int called_finite = 0;
    int recorded = 0;           // updates that recorded the largest values they wrote
    int finite_unrecorded = 0;  // finite updates that did not (sgd's own loop; an unused buffer holding state)
};

/// `make_optimizer(random)` draws an optimizer's settings; `fill_state(state, random)` writes
/// the state an update may meet (prepare has allocated it). 37 elements: SIMD lanes and a tail.
template <class MakeOptimizer, class FillState>
update_bound_counts check_update_bound(MakeOptimizer make_optimizer, FillState fill_state, int trials,
                                       unsigned seed) {
    std::mt19937_64 random(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    // ± 10^[lo, hi): magnitudes from tiny to past float's largest (inf when past it)
    const auto signed_power = [&](double lo, double hi) {
        const double v = std::pow(10.0, lo + (hi - lo) * unit(random));
        return float(unit(random) < 0.5 ? -v : v);
    };
    update_bound_counts counts;
    for (int trial = 0; trial < trials; ++trial) {
        const auto optimizer = make_optimizer(random);
        ctnn::parameter<float, 1> p(std::array<std::size_t, 1>{37});
        const double theta_scale = unit(random) * 42 - 3, g_scale = unit(random) * 42 - 3;
        double largest_g = 0.0;
        for (std::size_t i = 0; i < 37; ++i) {
            p.value(i) = signed_power(theta_scale - 2, theta_scale);
            p.grad(i) = signed_power(g_scale - 2, g_scale);
            if (!std::isfinite(p.value(i))) p.value(i) = 1.0f;
            if (!std::isfinite(p.grad(i))) p.grad(i) = -1.0f;
            largest_g = std::max(largest_g, double(std::abs(p.grad(i))));
        }
        ctnn::optim::state_of<std::remove_cvref_t<decltype(optimizer)>, float> state;
        optimizer.prepare(p, state);
        fill_state(state, random, signed_power);
        const bool finite = optimizer.update_stays_finite(p, state, ctnn::detail::read_largest_values(p, state, 0, 37),
                                                          largest_g);
        optimizer.update(p, state);
        bool written_finite = true;
        for (const float v : p.value) written_finite = written_finite && std::isfinite(v);
        for (const auto& b : state.buffers)
            for (const float v : b) written_finite = written_finite && std::isfinite(v);
        INFO("trial " << trial << ": θ ~ 1e" << theta_scale << ", g ~ 1e" << g_scale);
        if (finite) CHECK(written_finite);
        // What an update records of what it wrote (the next bound's input, in place of reading
        // it) is exactly what reading it gives; an update that wrote a non-finite value, or
        // left a buffer holding state unseen, records nothing.
        if (state.largest_known) {
            CHECK(written_finite);
            const auto read = ctnn::detail::read_largest_values(p, state, 0, 37);
            CHECK(state.largest_written.value == read.value);
            CHECK(state.largest_written.buffers == read.buffers);
            CHECK(state.largest_written.non_negative == read.non_negative);
            ++counts.recorded;
        } else if (written_finite) {
            ++counts.finite_unrecorded;
        }
        ++counts.trials;
        counts.called_finite += finite ? 1 : 0;
    }
    return counts;
}

}  // namespace ctnn_test
