// Element-wise comparisons with a relative tolerance, reporting the worst element.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace ctnn_test {

/// max over elements of |a - b| / max(|b|, floor): relative where b is not tiny, absolute
/// below `floor`.
template <class A, class B>
double max_relative_error(const A& a, const B& b, double floor = 1e-12) {
    REQUIRE(a.size() == b.size());
    double worst = 0.0;
    auto ia = a.begin();
    auto ib = b.begin();
    for (; ia != a.end(); ++ia, ++ib) {
        const double x = double(*ia), y = double(*ib);
        worst = std::max(worst, std::abs(x - y) / std::max(std::abs(y), floor));
    }
    return worst;
}

}  // namespace ctnn_test

#define CTNN_REQUIRE_CLOSE(actual, expected, tolerance)                                            \
    do {                                                                                           \
        const double ctnn_err_ = ::ctnn_test::max_relative_error((actual), (expected));            \
        INFO(#actual " vs " #expected ": max relative error " << ctnn_err_);                       \
        REQUIRE(ctnn_err_ <= (tolerance));                                                         \
    } while (0)
