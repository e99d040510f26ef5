// orthogonal: W = gain·Q, Q with orthonormal rows or columns (torch.nn.init.orthogonal_, Saxe et
// al. 2014): every singular value of W is `gain`, so a linear recurrence through W neither
// explodes nor vanishes. Q comes from the QR decomposition of an N(0, 1) matrix (transposed when
// W has fewer rows than columns), its columns' signs fixed so that R's diagonal is positive —
// which makes Q unique, hence PyTorch's for the same draws. Bias 0.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/init/gain.hpp"

namespace ctnn::init {

template <class Gain = gain::linear>
struct orthogonal {
    static constexpr std::string_view name = "orthogonal";
    /// A further factor on every singular value, e.g. 1.5 for the recurrent matrix of an
    /// exploding-gradient experiment: W = scale·gain·Q.
    double scale = 1.0;

    // A (rows, cols) -> gain·Q (rows, cols), in place: Q from A (or Aᵀ when rows < cols) by
    // Householder QR in double, columns of Q multiplied by sign(diag R).
    template <class T>
    static void orthonormalize(tensor<T, 2>& a, double gain) {
        const std::size_t rows = a.shape()[0], cols = a.shape()[1];
        const bool transposed = rows < cols;
        const std::size_t m = transposed ? cols : rows, n = transposed ? rows : cols;  // m ≥ n
        // M (m, n), row-major, in double.
        std::vector<double> r(m * n), q(m * n, 0.0), v(m);
        std::vector<std::vector<double>> reflectors(n);
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) r[i * n + j] = double(transposed ? a(j, i) : a(i, j));
        std::vector<double> diagonal(n);
        for (std::size_t k = 0; k < n; ++k) {
            double norm = 0.0;
            for (std::size_t i = k; i < m; ++i) norm += r[i * n + k] * r[i * n + k];
            norm = std::sqrt(norm);
            const double alpha = r[k * n + k] > 0 ? -norm : norm;  // no cancellation in v₀
            auto& h = reflectors[k];
            h.assign(m - k, 0.0);
            for (std::size_t i = k; i < m; ++i) h[i - k] = r[i * n + k];
            h[0] -= alpha;
            double h_norm = 0.0;
            for (double x : h) h_norm += x * x;
            h_norm = std::sqrt(h_norm);
            if (h_norm > 0)
                for (double& x : h) x /= h_norm;
            // R[k:, k:] ← (I − 2hhᵀ)·R[k:, k:]
            for (std::size_t j = k; j < n; ++j) {
                double dot = 0.0;
                for (std::size_t i = k; i < m; ++i) dot += h[i - k] * r[i * n + j];
                for (std::size_t i = k; i < m; ++i) r[i * n + j] -= 2 * dot * h[i - k];
            }
            diagonal[k] = r[k * n + k];
        }
        // Q = H₀·H₁⋯H_{n−1}·I (m, n): apply the reflectors to the first n columns of I.
        for (std::size_t j = 0; j < n; ++j) q[j * n + j] = 1.0;
        for (std::size_t k = n; k-- > 0;) {
            const auto& h = reflectors[k];
            for (std::size_t j = 0; j < n; ++j) {
                double dot = 0.0;
                for (std::size_t i = k; i < m; ++i) dot += h[i - k] * q[i * n + j];
                for (std::size_t i = k; i < m; ++i) q[i * n + j] -= 2 * dot * h[i - k];
            }
        }
        for (std::size_t j = 0; j < n; ++j) {
            const double sign = diagonal[j] > 0 ? 1.0 : diagonal[j] < 0 ? -1.0 : 0.0;  // torch: d.sign()
            for (std::size_t i = 0; i < m; ++i) q[i * n + j] *= sign * gain;
        }
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) (transposed ? a(j, i) : a(i, j)) = T(q[i * n + j]);
    }

    // W (Out, In): N(0, 1) draws in row-major order, then orthonormalized.
    template <class T>
    void weight(tensor<T, 2>& w, fans, rng& r) const {
        for (auto& x : w) x = T(r.normal());
        orthonormalize(w, scale * Gain::value());
    }
    template <class T>
    void bias(tensor<T, 1>& b, fans, rng&) const {
        b.fill(T(0));
    }
};

}  // namespace ctnn::init
