// Counts of (true class, predicted class) pairs: where a classifier goes wrong, not only how
// often. Rows are true classes, columns predicted ones (sklearn's convention).
#pragma once

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/row_argmax.hpp"

namespace ctnn::metrics {

/// A C×C table of counts; `add` accumulates batches of scores (B, C) and labels (B, 1), the
/// predicted class being the argmax of a row. Printable: `std::cout << cm` or `cm.table()`.
class confusion_matrix {
public:
    /// `names` label the rows and columns of the table (empty: the class numbers).
    explicit confusion_matrix(std::size_t classes, std::vector<std::string> names = {})
        : classes_(classes), names_(std::move(names)), counts_(classes * classes, 0) {
        if (classes == 0) throw invalid_argument("ctnn: confusion_matrix needs at least 1 class");
        if (!names_.empty() && names_.size() != classes)
            throw invalid_argument("ctnn: confusion_matrix has " + std::to_string(classes)
                                   + " classes but " + std::to_string(names_.size())
                                   + " names; give one name per class or none");
    }

    /// Counts one sample.
    void add(std::size_t true_class, std::size_t predicted_class) {
        check_classes(true_class, predicted_class, "confusion_matrix::add");
        ++counts_[true_class * classes_ + predicted_class];
    }

    /// Counts every row of scores (B, C) against labels (B, 1). Checks everything first, so a
    /// bad label adds nothing.
    template <class P, class Y>
        requires(!std::is_arithmetic_v<P>)
    confusion_matrix& add(const P& scores, const Y& labels) {
        const std::size_t rows =
            detail::check_matrix(scores, classes_, "confusion_matrix::add", "scores");
        detail::check_class_labels(scores, labels, "confusion_matrix::add");
        for (std::size_t i = 0; i < rows; ++i)
            ++counts_[detail::class_label(labels, i) * classes_
                      + detail::row_argmax(scores.data() + i * classes_, classes_)];
        return *this;
    }

    /// How many samples of class `true_class` were predicted as `predicted_class`.
    std::size_t operator()(std::size_t true_class, std::size_t predicted_class) const {
        check_classes(true_class, predicted_class, "confusion_matrix");
        return counts_[true_class * classes_ + predicted_class];
    }

    std::size_t classes() const noexcept { return classes_; }

    std::size_t total() const noexcept {
        std::size_t n = 0;
        for (auto c : counts_) n += c;
        return n;
    }

    /// The diagonal over the total (0 when empty).
    double accuracy() const noexcept {
        std::size_t right = 0;
        for (std::size_t c = 0; c < classes_; ++c) right += counts_[c * classes_ + c];
        const std::size_t n = total();
        return n == 0 ? 0.0 : double(right) / double(n);
    }

    /// Of the rows predicted as class c, the share that is c: TP/(TP + FP); 0 when none was
    /// predicted as c (scikit-learn's zero_division=0).
    double precision(std::size_t c) const {
        check_class(c, "confusion_matrix::precision");
        std::size_t predicted = 0;
        for (std::size_t t = 0; t < classes_; ++t) predicted += counts_[t * classes_ + c];
        return share(counts_[c * classes_ + c], predicted);
    }
    /// Of the rows of class c, the share predicted as c: TP/(TP + FN); 0 when c never occurs.
    double recall(std::size_t c) const {
        check_class(c, "confusion_matrix::recall");
        std::size_t actual = 0;
        for (std::size_t p = 0; p < classes_; ++p) actual += counts_[c * classes_ + p];
        return share(counts_[c * classes_ + c], actual);
    }
    /// The harmonic mean of precision and recall, 2TP/(2TP + FP + FN); 0 when both are 0.
    double f1(std::size_t c) const {
        const double p = precision(c), r = recall(c);
        return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
    }
    /// Unweighted means over the classes (scikit-learn's average='macro').
    double macro_precision() const { return mean_over_classes(&confusion_matrix::precision); }
    double macro_recall() const { return mean_over_classes(&confusion_matrix::recall); }
    double macro_f1() const { return mean_over_classes(&confusion_matrix::f1); }

    void reset() noexcept { std::fill(counts_.begin(), counts_.end(), std::size_t(0)); }

    /// The table as text, one line per true class, right-aligned columns.
    std::string table() const {
        const std::string corner = "true \\ predicted";
        std::size_t label_width = corner.size(), cell = 1;
        for (std::size_t c = 0; c < classes_; ++c) {
            label_width = std::max(label_width, name(c).size());
            cell = std::max(cell, name(c).size());
        }
        for (auto n : counts_) cell = std::max(cell, std::to_string(n).size());
        auto pad = [](std::string s, std::size_t width) {
            return std::string(width - std::min(width, s.size()), ' ') + s;
        };
        std::string out = pad(corner, label_width);
        for (std::size_t c = 0; c < classes_; ++c) out += "  " + pad(name(c), cell);
        out += '\n';
        for (std::size_t t = 0; t < classes_; ++t) {
            out += pad(name(t), label_width);
            for (std::size_t p = 0; p < classes_; ++p)
                out += "  " + pad(std::to_string(counts_[t * classes_ + p]), cell);
            out += '\n';
        }
        return out;
    }

    friend std::ostream& operator<<(std::ostream& os, const confusion_matrix& m) {
        return os << m.table();
    }

private:
    void check_classes(std::size_t true_class, std::size_t predicted_class,
                       const char* where) const {
        if (true_class >= classes_ || predicted_class >= classes_)
            throw invalid_argument("ctnn: " + std::string(where) + ": classes are 0.."
                                   + std::to_string(classes_ - 1) + ", got true class "
                                   + std::to_string(true_class) + " and predicted class "
                                   + std::to_string(predicted_class));
    }

    void check_class(std::size_t c, const char* where) const {
        if (c >= classes_)
            throw invalid_argument("ctnn: " + std::string(where) + ": classes are 0.." + std::to_string(classes_ - 1)
                                   + ", got " + std::to_string(c));
    }
    static double share(std::size_t part, std::size_t whole) noexcept {
        return whole == 0 ? 0.0 : double(part) / double(whole);
    }
    double mean_over_classes(double (confusion_matrix::*per_class)(std::size_t) const) const {
        double sum = 0.0;
        for (std::size_t c = 0; c < classes_; ++c) sum += (this->*per_class)(c);
        return sum / double(classes_);
    }

    std::string name(std::size_t c) const {
        return names_.empty() ? std::to_string(c) : names_[c];
    }

    std::size_t classes_;
    std::vector<std::string> names_;
    std::vector<std::size_t> counts_;
};

}  // namespace ctnn::metrics
