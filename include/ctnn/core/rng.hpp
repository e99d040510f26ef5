// ctnn's random stream: deterministic across compilers and standard libraries, so a seed gives
// the same weights, data and shuffles everywhere (std::normal_distribution and std::shuffle do
// not promise that).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numbers>
#include <utility>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// xoshiro256** seeded through splitmix64. `stream(k)` derives an independent generator, which
/// is how every layer gets its own reproducible stream from one network seed.
class rng {
    __extension__ typedef unsigned __int128 uint128;  // GCC/clang; the Lemire product

public:
    using result_type = std::uint64_t;

    explicit rng(std::uint64_t seed = 0) noexcept { reseed(seed); }

    /// The same seed and position: the same draws from here on.
    friend bool operator==(const rng&, const rng&) = default;

    void reseed(std::uint64_t seed) noexcept {
        seed_ = seed;
        std::uint64_t s = seed;
        for (auto& word : state_) word = splitmix64(s);
        has_spare_normal_ = false;
    }

    /// An independent generator for sub-stream `k` of this generator's seed.
    rng stream(std::uint64_t k) const noexcept {
        std::uint64_t s = seed_ ^ (0x9E3779B97F4A7C15ull * (k + 1));
        return rng{splitmix64(s)};
    }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return ~result_type(0); }

    result_type operator()() noexcept {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform in [0, 1) with 53 random bits.
    double uniform01() noexcept { return double((*this)() >> 11) * 0x1.0p-53; }

    double uniform(double low, double high) noexcept { return low + (high - low) * uniform01(); }

    /// Standard normal by Box-Muller (both values of a pair are used).
    double normal() noexcept {
        if (has_spare_normal_) {
            has_spare_normal_ = false;
            return spare_normal_;
        }
        double u1 = 0.0;
        while (u1 <= 0.0) u1 = uniform01();
        const double u2 = uniform01();
        const double radius = std::sqrt(-2.0 * std::log(u1));
        const double angle = 2.0 * std::numbers::pi * u2;
        spare_normal_ = radius * std::sin(angle);
        has_spare_normal_ = true;
        return radius * std::cos(angle);
    }

    double normal(double mean, double stddev) noexcept { return mean + stddev * normal(); }

    /// Uniform integer in [0, n), unbiased (Lemire's method with rejection).
    std::uint64_t below(std::uint64_t n) noexcept {
        uint128 m = uint128((*this)()) * n;
        auto low = std::uint64_t(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = uint128((*this)()) * n;
                low = std::uint64_t(m);
            }
        }
        return std::uint64_t(m >> 64);
    }

    /// Fisher-Yates over [first, last).
    template <class It>
    void shuffle(It first, It last) noexcept {
        using difference = typename std::iterator_traits<It>::difference_type;
        const auto n = std::uint64_t(last - first);
        for (std::uint64_t i = n; i > 1; --i) std::swap(first[difference(i - 1)], first[difference(below(i))]);
    }

    /// A (rows, cols) tensor of N(mean, stddev) draws, row-major order.
    template <class T = float>
    tensor<T, 2> normal_tensor(std::size_t rows, std::size_t cols, double mean = 0.0,
                               double stddev = 1.0) {
        auto t = tensor<T, 2>::from_shape({rows, cols});
        for (auto& v : t) v = T(normal(mean, stddev));
        return t;
    }

    /// A (rows, cols) tensor of U[low, high) draws, row-major order.
    template <class T = float>
    tensor<T, 2> uniform_tensor(std::size_t rows, std::size_t cols, double low = 0.0,
                                double high = 1.0) {
        auto t = tensor<T, 2>::from_shape({rows, cols});
        for (auto& v : t) v = T(uniform(low, high));
        return t;
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    static constexpr std::uint64_t splitmix64(std::uint64_t& s) noexcept {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    std::uint64_t seed_ = 0;
    std::uint64_t state_[4] = {};
    double spare_normal_ = 0.0;
    bool has_spare_normal_ = false;
};

}  // namespace ctnn
