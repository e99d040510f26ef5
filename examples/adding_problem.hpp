// The adding problem (Hochreiter & Schmidhuber 1997), the classic test of long-range memory:
// each step carries a value in [−1, 1] and a marker; two steps are marked, one in the first ten
// steps and one in the first half, and the target is 0.5 + (X₁ + X₂)/4, in [0, 1]. An answer
// more than 0.04 off counts as wrong. Shared by the recurrent experiments.
#pragma once

#include <cmath>
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <ctnn/ctnn.hpp>

namespace examples {

template <class T>
struct adding_problem {
    ctnn::tensor<T, 3> x;  // (sequences, steps, 2): value, marker
    ctnn::tensor<T, 2> y;  // (sequences, 1)

    adding_problem(std::size_t sequences, std::size_t steps, std::uint64_t seed)
        : x(ctnn::tensor<T, 3>::from_shape({sequences, steps, 2})),
          y(ctnn::tensor<T, 2>::from_shape({sequences, 1})) {
        ctnn::rng r(seed);
        x.fill(T(0));
        const std::size_t early = std::min<std::size_t>(10, steps);
        const std::size_t half = std::max<std::size_t>(steps / 2, 2);
        for (std::size_t s = 0; s < sequences; ++s) {
            for (std::size_t t = 0; t < steps; ++t) x(s, t, 0) = T(r.uniform(-1.0, 1.0));
            const std::size_t first = std::size_t(r.below(early));
            std::size_t second = std::size_t(r.below(half));
            while (second == first) second = std::size_t(r.below(half));
            x(s, first, 1) = T(1);
            x(s, second, 1) = T(1);
            y(s, 0) = T(0.5 + (x(s, first, 0) + x(s, second, 0)) / 4.0);
        }
    }

    template <class Prediction>
    double mean_absolute_error(const Prediction& prediction) const {
        double sum = 0.0;
        for (std::size_t s = 0; s < y.shape()[0]; ++s) sum += std::abs(double(prediction(s, 0) - y(s, 0)));
        return sum / double(y.shape()[0]);
    }

    /// Fraction of sequences whose prediction is more than 0.04 off.
    template <class Prediction>
    double error_rate(const Prediction& prediction) const {
        std::size_t wrong = 0;
        for (std::size_t s = 0; s < y.shape()[0]; ++s) wrong += std::abs(double(prediction(s, 0) - y(s, 0))) > 0.04;
        return double(wrong) / double(y.shape()[0]);
    }
};

}  // namespace examples
