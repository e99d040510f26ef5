// Sequences between PyTorch's (B, T, N) row-major and ctnn's feature-major (N, T·B), column
// t·B + b, for tests that drive a recurrent layer directly.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <ctnn/ctnn.hpp>

namespace ctnn_test {

/// a (B, T, N) -> (N, T·B), column t·B + b.
inline std::vector<double> feature_major(const ctnn::tensor<double, 3>& a) {
    const std::size_t rows = a.shape(0), steps = a.shape(1), n = a.shape(2);
    std::vector<double> out(n * steps * rows);
    for (std::size_t b = 0; b < rows; ++b)
        for (std::size_t t = 0; t < steps; ++t)
            for (std::size_t k = 0; k < n; ++k) out[k * steps * rows + t * rows + b] = a(b, t, k);
    return out;
}

/// a (B, N) -> (N, B).
inline std::vector<double> feature_major(const ctnn::tensor<double, 2>& a) {
    std::vector<double> out(a.size());
    for (std::size_t b = 0; b < a.shape(0); ++b)
        for (std::size_t k = 0; k < a.shape(1); ++k) out[k * a.shape(0) + b] = a(b, k);
    return out;
}

/// `rows` × `cols` values at p as a matrix, to compare with CTNN_REQUIRE_CLOSE.
inline ctnn::tensor<double, 2> columns(const double* p, std::size_t rows, std::size_t cols) {
    auto m = ctnn::tensor<double, 2>::from_shape({rows, cols});
    std::copy_n(p, rows * cols, m.data());
    return m;
}

}  // namespace ctnn_test
