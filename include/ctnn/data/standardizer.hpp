// Standardization, (x − mean) / std per feature, with the statistics of the training split only:
// fit on train, apply to train, validation and test alike, so no information leaks from them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::data {

/// Per-column mean and standard deviation (population, ddof = 0, as sklearn's StandardScaler)
/// of x (N, F), kept in double. A constant column gets std 1, so it becomes 0 rather than NaN.
class standardizer {
public:
    /// Learns the statistics of x (N, F), N ≥ 1, row-major; returns *this.
    template <class X>
    standardizer& fit(const X& x) {
        if (x.dimension() != 2 || x.shape()[0] == 0)
            throw shape_error("ctnn: standardizer::fit needs x of shape (rows >= 1, features), got "
                              + detail::shape_string(x.shape()));
        const std::size_t f = x.shape()[1];
        const std::size_t rows = detail::check_matrix(x, f, "standardizer::fit", "x");
        const auto* p = x.data();
        // a NaN or an infinity would make its column's statistics NaN, and every split after
        if (const auto* bad = std::find_if(p, p + rows * f, [](auto v) { return !std::isfinite(double(v)); });
            bad != p + rows * f) {
            const auto at = std::size_t(bad - p);
            throw non_finite_error("ctnn: standardizer::fit: x is " + detail::number_string(double(*bad)) + " at row "
                                   + std::to_string(at / f) + ", column " + std::to_string(at % f)
                                   + "; the statistics need finite values (nothing was changed)");
        }
        mean_.assign(f, 0.0);
        stddev_.assign(f, 0.0);
        std::vector<char> constant(f, 1);
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < f; ++j) {
                mean_[j] += double(p[i * f + j]);
                constant[j] = char(constant[j] && p[i * f + j] == p[j]);
            }
        for (auto& m : mean_) m /= double(rows);
        // Two passes: the sum of squared deviations, not E[x²] − E[x]², which cancels badly.
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < f; ++j) {
                const double d = double(p[i * f + j]) - mean_[j];
                stddev_[j] += d * d;
            }
        for (std::size_t j = 0; j < f; ++j) {
            stddev_[j] = std::sqrt(stddev_[j] / double(rows));
            // A constant column's mean, summed, can miss its value by a rounding (0.1 ten times
            // is not 1): its std would then be a rounding too, and (x − mean)/std ±1 or ±10¹⁵.
            // Its value is its mean, exactly, and std 1 maps it to 0.
            // (A std of exactly 0 means every value equal: constant too.)
            if (constant[j]) {
                mean_[j] = double(p[j]);
                stddev_[j] = 1.0;
            }
        }
        fitted_ = true;
        return *this;
    }

    /// x ← (x − mean) / std in place, column by column; x must have the fitted width.
    template <class X>
    void apply(X& x) const {
        if (!fitted()) throw invalid_argument("ctnn: standardizer::apply before fit");
        const std::size_t rows = detail::check_matrix(x, mean_.size(), "standardizer::apply", "x");
        const std::size_t f = mean_.size();
        auto* p = x.data();
        using value_type = typename X::value_type;
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < f; ++j)
                p[i * f + j] = value_type((double(p[i * f + j]) - mean_[j]) / stddev_[j]);
    }

    bool fitted() const noexcept { return fitted_; }
    const std::vector<double>& mean() const noexcept { return mean_; }
    /// The divisor per column: the standard deviation, or 1 for a constant column.
    const std::vector<double>& stddev() const noexcept { return stddev_; }

private:
    std::vector<double> mean_;
    std::vector<double> stddev_;
    bool fitted_ = false;
};

}  // namespace ctnn::data
