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
