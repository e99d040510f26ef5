// Regression test for the g++ / C++20 / xtensor 0.24.3 temporary-type bug (PLATFORM.md,
// xtensor #2833): without ctnn's compat header these abort or evaluate to a rank-4 tensor.
#include <ctnn/detail/xtensor.hpp>

#include <xtensor/xpad.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xmanipulation.hpp>

#include <catch2/catch.hpp>

TEST_CASE("xtensor compat: xarray expressions evaluate to xarray of the right rank",
          "[xtensor][regression]") {
    const xt::xarray<double> a = {{1.0, 2.0}, {3.0, 4.0}};
    auto sum = xt::eval(a + a);
    STATIC_REQUIRE(std::is_same_v<decltype(sum), xt::xarray<double>>);
    REQUIRE(sum.dimension() == 2);
    CHECK(sum(1, 1) == 8.0);

    const xt::xarray<double> padded = xt::pad(a, 1);
    CHECK(padded.shape() == std::vector<std::size_t>{4, 4});
    CHECK(padded(1, 1) == 1.0);

    const xt::xarray<double> tiled = xt::tile(a, {1, 2});
    CHECK(tiled.shape() == std::vector<std::size_t>{2, 4});

    const xt::xarray<double> column_sums = xt::sum(a, {0}, xt::evaluation_strategy::immediate);
    REQUIRE(column_sums.size() == 2);
    CHECK(column_sums(0) == 4.0);
    CHECK(column_sums(1) == 6.0);
}

TEST_CASE("xtensor compat: the work-around is active exactly where it is needed",
          "[xtensor][regression]") {
#if defined(__GNUC__) && !defined(__clang__) && __cplusplus > 201703L
    CHECK(CTNN_XTENSOR_CXX20_COMPAT == 1);
#else
    CHECK(CTNN_XTENSOR_CXX20_COMPAT == 0);
#endif
}
