// mse: PyTorch's mean semantics and a finite-difference check of its gradient.
#include <ctnn/ctnn.hpp>

#include <catch2/catch.hpp>

#include "support/gradient_check.hpp"

TEST_CASE("mse: value is the mean over every element, gradient 2(ŷ − y)/N", "[loss][mse]") {
    const ctnn::tensor<double, 2> p = {{1.0, 2.0}, {3.0, 5.0}};
    const ctnn::tensor<double, 2> y = {{0.0, 2.0}, {1.0, 1.0}};
    ctnn::tensor<double, 2> g = ctnn::tensor<double, 2>::from_shape({2, 2});
    const ctnn::loss::mse mse;
    CHECK(ctnn::loss::value(mse, p, y) == Approx((1.0 + 0.0 + 4.0 + 16.0) / 4.0));
    CHECK(ctnn::loss::value_and_gradient(mse, p, y, g) == Approx(21.0 / 4.0));
    const ctnn::tensor<double, 2> expected = {{0.5, 0.0}, {1.0, 2.0}};
    CHECK((g == expected));
}

TEST_CASE("mse: finite-difference gradient (double)", "[loss][mse][gradient]") {
    ctnn::rng r(8);
    auto p = r.normal_tensor<double>(6, 3);
    const auto y = r.normal_tensor<double>(6, 3);
    auto g = ctnn::tensor<double, 2>::from_shape({6, 3});
    const ctnn::loss::mse mse;
    ctnn::loss::value_and_gradient(mse, p, y, g);
    ctnn_test::check_gradient(p, g, [&] { return ctnn::loss::value(mse, p, y); });
}

TEST_CASE("mse: float gradients written in the network's scalar type", "[loss][mse]") {
    const ctnn::tensor<float, 2> p = {{1.0f}, {-1.0f}};
    const ctnn::tensor<float, 2> y = {{0.0f}, {0.0f}};
    auto g = ctnn::tensor<float, 2>::from_shape({2, 1});
    CHECK(ctnn::loss::value_and_gradient(ctnn::loss::mse{}, p, y, g) == Approx(1.0));
    CHECK(g(0, 0) == 1.0f);
    CHECK(g(1, 0) == -1.0f);
}

TEST_CASE("mse: evaluated on SIMD lanes, equal to the formula element by element (every tail length)",
          "[loss][mse][expr]") {
    // mse's formula and derivative are arithmetic, so its loop runs on batches of doubles; huber's
    // (a select, |x|) are not, and keep the scalar loop.
    STATIC_REQUIRE(ctnn::loss::loss_has_lane_formula<ctnn::loss::mse>);
    STATIC_REQUIRE_FALSE(ctnn::loss::loss_has_lane_formula<ctnn::loss::huber>);
    const ctnn::loss::mse mse;
    for (std::size_t rows : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 33u, 100u}) {
        INFO("rows " << rows);
        ctnn::rng r(rows);
        const auto p = r.normal_tensor<float>(rows, 1);
        const auto y = r.normal_tensor<float>(rows, 1);
        auto g = ctnn::tensor<float, 2>::from_shape({rows, 1});
        const double loss = ctnn::loss::value_and_gradient(mse, p, y, g);
        double sum = 0.0;
        for (std::size_t i = 0; i < rows; ++i) {
            const double pi = p(i, 0), yi = y(i, 0);
            sum += ctnn::loss::element(mse, pi, yi);
            // the same operations on each lane as on one double: equal to the bit
            CHECK(g(i, 0) == float(ctnn::loss::element_gradient(mse, pi, yi) * (1.0 / double(rows))));
        }
        CHECK(loss == Approx(sum / double(rows)).epsilon(1e-15));
        CHECK(ctnn::loss::value(mse, p, y) == loss);
    }
}
