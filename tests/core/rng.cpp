#include <ctnn/core/rng.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

TEST_CASE("rng: a seed gives one stream, streams differ", "[rng]") {
    ctnn::rng a(11), b(11), c(12);
    for (int i = 0; i < 100; ++i) {
        const auto x = a();
        CHECK(x == b());
        CHECK(x != c());
    }
    ctnn::rng root(5);
    auto s0 = root.stream(0), s0_again = root.stream(0), s1 = root.stream(1);
    CHECK(s0() == s0_again());
    CHECK(s0() != s1());
}

TEST_CASE("rng: uniform and normal draws have the right moments", "[rng]") {
    ctnn::rng r(3);
    const int n = 200000;
    double sum = 0, sq = 0, lo = 1, hi = 0;
    for (int i = 0; i < n; ++i) {
        const double u = r.uniform01();
        sum += u;
        sq += u * u;
        lo = std::min(lo, u);
        hi = std::max(hi, u);
    }
    CHECK(lo >= 0.0);
    CHECK(hi < 1.0);
    CHECK(std::abs(sum / n - 0.5) < 0.005);
    CHECK(std::abs(sq / n - sum * sum / n / n - 1.0 / 12) < 0.002);
    sum = sq = 0;
    for (int i = 0; i < n; ++i) {
        const double z = r.normal(2.0, 3.0);
        sum += z;
        sq += z * z;
    }
    const double mean = sum / n, var = sq / n - mean * mean;
    CHECK(std::abs(mean - 2.0) < 0.03);
    CHECK(std::abs(std::sqrt(var) - 3.0) < 0.03);
}

TEST_CASE("rng: below is unbiased and shuffle is a reproducible permutation", "[rng]") {
    ctnn::rng r(9);
    std::vector<int> counts(7, 0);
    for (int i = 0; i < 70000; ++i) ++counts[r.below(7)];
    for (int c : counts) CHECK(std::abs(c - 10000) < 500);

    std::vector<int> v(50), w(50);
    std::iota(v.begin(), v.end(), 0);
    std::iota(w.begin(), w.end(), 0);
    ctnn::rng s1(4), s2(4);
    s1.shuffle(v.begin(), v.end());
    s2.shuffle(w.begin(), w.end());
    CHECK(v == w);
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> iota(50);
    std::iota(iota.begin(), iota.end(), 0);
    CHECK(sorted == iota);
    CHECK(v != iota);
}
