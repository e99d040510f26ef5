// Samples x (N, F) and their targets y (N, K) kept together: seeded shuffling, mini-batches and a
// train/validation split. Batches are views of consecutive rows, not copies.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::data {

/// Row i of x is sample i and row i of y its target (a class label column (N, 1) for the class
/// losses). Shuffling and splitting move rows of both together; `x()` and `y()` feed
/// `network::fit` and `evaluate` directly.
template <class T = float>
class dataset {
public:
    using scalar = T;
    /// A (rows, width) view of consecutive rows; it reads the dataset's memory in place.
    using matrix_view = detail::matrix_view_t<const T>;

    /// Rows [first, first + x.shape()[0]) of the dataset.
    struct batch {
        matrix_view x;
        matrix_view y;
        std::size_t first;
    };

    /// Batches of `size` rows in order; the last holds the rest (fewer rows) unless dropped.
    class batch_range {
    public:
        class iterator {
        public:
            using value_type = batch;
            using difference_type = std::ptrdiff_t;
            iterator() = default;
            iterator(const dataset* d, std::size_t size, std::size_t index)
                : data_(d), size_(size), index_(index) {}
            batch operator*() const { return data_->rows(index_ * size_, size_); }
            iterator& operator++() {
                ++index_;
                return *this;
            }
            iterator operator++(int) {
                iterator old = *this;
                ++index_;
                return old;
            }
            bool operator==(const iterator& other) const { return index_ == other.index_; }

        private:
            const dataset* data_ = nullptr;
            std::size_t size_ = 0;
            std::size_t index_ = 0;
        };

        batch_range(const dataset& d, std::size_t size, bool drop_partial)
            : data_(&d), size_(size),
              count_(drop_partial ? d.size() / size : (d.size() + size - 1) / size) {}
        iterator begin() const { return {data_, size_, 0}; }
        iterator end() const { return {data_, size_, count_}; }
        std::size_t size() const noexcept { return count_; }

    private:
        const dataset* data_;
        std::size_t size_;
        std::size_t count_;
    };

    /// The two parts of `split`, each a dataset of its own.
    struct split_result {
        dataset train;
        dataset validation;
    };

    dataset() = default;

    /// Takes x (N, F) and y (N, K); shape_error unless they have the same number of rows.
    dataset(tensor<T, 2> x, tensor<T, 2> y) : x_(std::move(x)), y_(std::move(y)) {
        detail::check_rows(y_, x_.shape()[0], "dataset", "y");
    }

    std::size_t size() const noexcept { return x_.shape()[0]; }
    std::size_t features() const noexcept { return x_.shape()[1]; }
    std::size_t targets() const noexcept { return y_.shape()[1]; }

    const tensor<T, 2>& x() const noexcept { return x_; }
    const tensor<T, 2>& y() const noexcept { return y_; }
    /// For normalizing in place: change values, not shapes.
    tensor<T, 2>& x() noexcept { return x_; }
    tensor<T, 2>& y() noexcept { return y_; }

    /// Puts the rows in the order of a permutation drawn from `seed`, x and y alike, in place
    /// (one row of scratch beside the order). The same seed gives the same order on every platform.
    void shuffle(std::uint64_t seed) {
        rng r(seed);
        shuffle(r);
    }

    /// The same with the caller's generator, which advances: one generator, a new order each
    /// epoch.
    void shuffle(rng& r) {
        std::vector<std::size_t> order(size());
        std::iota(order.begin(), order.end(), std::size_t(0));
        r.shuffle(order.begin(), order.end());
        permute(order);
    }

    /// Rows [first, first + count) as a view; count is cut at the end of the data.
    batch rows(std::size_t first, std::size_t count) const {
        first = std::min(first, size());
        count = std::min(count, size() - first);
        return {detail::matrix_view(x_.data() + first * features(), count, features()),
                detail::matrix_view(y_.data() + first * targets(), count, targets()), first};
    }

    /// Mini-batches of `batch_size` consecutive rows; the last one has the remaining
    /// size() % batch_size rows, or is left out with `drop_partial`.
    batch_range batches(std::size_t batch_size, bool drop_partial = false) const {
        if (batch_size == 0) throw invalid_argument("ctnn: dataset::batches needs batch_size > 0, got 0");
        return batch_range(*this, batch_size, drop_partial);
    }

    /// A copy of rows [first, first + count) (cut at the end), e.g. a quick subset.
    dataset take(std::size_t first, std::size_t count) const {
        const batch b = rows(first, count);
        return dataset(tensor<T, 2>(b.x), tensor<T, 2>(b.y));
    }

    /// Splits the rows at random (from `seed`): round(validation_fraction · N) rows go to
    /// validation, the others to train, each in the drawn order. The fraction must lie in [0, 1];
    /// a fraction strictly between them that leaves either side without a row (0.9 of 5 rows) is
    /// refused, as scikit-learn's train_test_split refuses it.
    split_result split(double validation_fraction, std::uint64_t seed) const {
        if (!(validation_fraction >= 0.0 && validation_fraction <= 1.0))
            throw invalid_argument("ctnn: dataset::split needs validation_fraction in [0, 1], got "
                                   + std::to_string(validation_fraction));
        std::vector<std::size_t> order(size());
        std::iota(order.begin(), order.end(), std::size_t(0));
        rng r(seed);
        r.shuffle(order.begin(), order.end());
        const auto n_validation = std::min(
            size(), std::size_t(std::llround(validation_fraction * double(size()))));
        if (validation_fraction > 0.0 && validation_fraction < 1.0 && (n_validation == 0 || n_validation == size()))
            throw invalid_argument("ctnn: dataset::split(" + detail::number_string(validation_fraction) + ") of "
                                   + std::to_string(size()) + " rows leaves "
                                   + (n_validation == 0 ? "no validation row" : "no row to train on")
                                   + " (round(" + detail::number_string(validation_fraction * double(size()))
                                   + ") rows go to validation); choose another fraction, or 0 or 1 for one side alone");
        const auto cut = order.begin() + std::ptrdiff_t(size() - n_validation);
        return {gather(order.begin(), cut), gather(cut, order.end())};
    }

private:
    using iterator_type = std::vector<std::size_t>::const_iterator;

    dataset gather(iterator_type first, iterator_type last) const {
        const auto n = std::size_t(last - first);
        auto x = tensor<T, 2>::from_shape({n, features()});
        auto y = tensor<T, 2>::from_shape({n, targets()});
        for (std::size_t i = 0; first != last; ++first, ++i) {
            std::copy_n(x_.data() + *first * features(), features(), x.data() + i * features());
            std::copy_n(y_.data() + *first * targets(), targets(), y.data() + i * targets());
        }
        return dataset(std::move(x), std::move(y));
    }

    /// Row i becomes old row order[i], following the permutation's cycles.
    void permute(const std::vector<std::size_t>& order) {
        const std::size_t f = features(), k = targets();
        std::vector<T> x_row(f), y_row(k);
        std::vector<bool> placed(order.size(), false);
        T* x = x_.data();
        T* y = y_.data();
        for (std::size_t start = 0; start < order.size(); ++start) {
            if (placed[start] || order[start] == start) continue;
            std::copy_n(x + start * f, f, x_row.data());
            std::copy_n(y + start * k, k, y_row.data());
            std::size_t hole = start;
            for (;;) {
                placed[hole] = true;
                const std::size_t source = order[hole];
                if (source == start) {
                    std::copy_n(x_row.data(), f, x + hole * f);
                    std::copy_n(y_row.data(), k, y + hole * k);
                    break;
                }
                std::copy_n(x + source * f, f, x + hole * f);
                std::copy_n(y + source * k, k, y + hole * k);
                hole = source;
            }
        }
    }

    tensor<T, 2> x_ = tensor<T, 2>::from_shape({0, 0});
    tensor<T, 2> y_ = tensor<T, 2>::from_shape({0, 1});
};

}  // namespace ctnn::data
