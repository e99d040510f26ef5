// data/dataset.hpp, data/normalize.hpp, data/standardizer.hpp: batches, shuffles and splits keep
// rows paired and reproducible; scaling and standardization with the training split's numbers.
// The last test case runs the code docs/data.md shows (its `// [NAME]` regions).
#include <ctnn/core/network.hpp>
#include <ctnn/data/csv.hpp>
#include <ctnn/data/dataset.hpp>
#include <ctnn/data/idx.hpp>
#include <ctnn/data/normalize.hpp>
#include <ctnn/data/standardizer.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/metrics/accuracy.hpp>
#include <ctnn/metrics/confusion_matrix.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace {
using Catch::Matchers::Contains;
using Catch::Matchers::Message;
using matrix = ctnn::tensor<double, 2>;

/// n samples: x row i = (i, 100 + i, 200 + i), y row i = (−i): every row says which it is.
ctnn::data::dataset<double> numbered(std::size_t n) {
    auto x = matrix::from_shape({n, 3});
    auto y = matrix::from_shape({n, 1});
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < 3; ++j) x(i, j) = double(100 * j + i);
        y(i, 0) = -double(i);
    }
    return {std::move(x), std::move(y)};
}

/// The sample ids of a dataset built by `numbered`, in row order; checks x and y still agree.
std::vector<std::size_t> ids(const ctnn::data::dataset<double>& d) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < d.size(); ++i) {
        const double id = d.x()(i, 0);
        CHECK(d.x()(i, 1) == id + 100);
        CHECK(d.x()(i, 2) == id + 200);
        CHECK(d.y()(i, 0) == -id);
        out.push_back(std::size_t(id));
    }
    return out;
}

std::vector<std::size_t> iota(std::size_t n) {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), std::size_t(0));
    return v;
}
}  // namespace

TEST_CASE("dataset: x and y need as many rows", "[data][dataset]") {
    CHECK_THROWS_MATCHES(ctnn::data::dataset<double>(matrix::from_shape({4, 2}),
                                                     matrix::from_shape({3, 1})),
                         ctnn::shape_error,
                         Message("ctnn: dataset: y has 3 rows but x has 4; every sample needs a "
                                 "target"));
    const auto d = numbered(5);
    CHECK(d.size() == 5);
    CHECK(d.features() == 3);
    CHECK(d.targets() == 1);
    const ctnn::data::dataset<float> empty;
    CHECK(empty.size() == 0);
    CHECK(empty.batches(4).size() == 0);
}

TEST_CASE("dataset: mini-batches view consecutive rows, the last one partial", "[data][dataset]") {
    const auto d = numbered(10);
    using view = ctnn::data::dataset<double>::matrix_view;
    STATIC_REQUIRE(ctnn::matrix_of<view, double>);  // a batch goes to predict/evaluate as it is

    for (const std::size_t size : {1u, 3u, 4u, 5u, 10u, 11u}) {
        INFO("batch size " << size);
        const auto batches = d.batches(size);
        CHECK(batches.size() == (10 + size - 1) / size);
        std::size_t expected_first = 0, count = 0;
        for (const auto& b : batches) {
            const std::size_t rows = std::min(size, 10 - expected_first);
            CHECK(b.first == expected_first);
            REQUIRE(b.x.shape()[0] == rows);
            REQUIRE(b.x.shape()[1] == 3);
            REQUIRE(b.y.shape()[0] == rows);
            REQUIRE(b.y.shape()[1] == 1);
            CHECK(b.x.data() == d.x().data() + 3 * expected_first);  // a view, not a copy
            for (std::size_t i = 0; i < rows; ++i) {
                CHECK(b.x(i, 2) == d.x()(expected_first + i, 2));
                CHECK(b.y(i, 0) == d.y()(expected_first + i, 0));
            }
            expected_first += rows;
            ++count;
        }
        CHECK(expected_first == 10);
        CHECK(count == batches.size());

        std::size_t kept = 0;
        for (const auto& b : d.batches(size, true)) {
            CHECK(b.x.shape()[0] == size);
            kept += b.x.shape()[0];
        }
        CHECK(kept == 10 / size * size);
    }
    CHECK_THROWS_MATCHES(d.batches(0), ctnn::invalid_argument,
                         Message("ctnn: dataset::batches needs batch_size > 0, got 0"));

    const auto part = d.take(8, 5);
    CHECK((ids(part) == std::vector<std::size_t>{8, 9}));
}

TEST_CASE("dataset: shuffling applies the seed's permutation to x and y together",
          "[data][dataset]") {
    const std::size_t n = 257;
    for (const std::uint64_t seed : {0u, 1u, 42u}) {
        INFO("seed " << seed);
        auto d = numbered(n);
        d.shuffle(seed);
        // the same permutation as rng(seed) draws over 0..n−1
        auto expected = iota(n);
        ctnn::rng r(seed);
        r.shuffle(expected.begin(), expected.end());
        const auto got = ids(d);
        CHECK(got == expected);
        CHECK(got != iota(n));

        auto again = numbered(n);
        again.shuffle(seed);
        CHECK(ids(again) == got);
        auto other = numbered(n);
        other.shuffle(seed + 1000);
        CHECK(ids(other) != got);
    }
    // One generator across epochs: a new order each time, reproducible from its seed.
    auto a = numbered(50), b = numbered(50);
    ctnn::rng ra(7), rb(7);
    a.shuffle(ra);
    const auto first_epoch = ids(a);
    a.shuffle(ra);
    CHECK(ids(a) != first_epoch);
    b.shuffle(rb);
    b.shuffle(rb);
    CHECK(ids(b) == ids(a));
}

TEST_CASE("dataset: a seeded train/validation split", "[data][dataset]") {
    const auto d = numbered(20);
    const auto [train, validation] = d.split(0.25, 3);
    CHECK(train.size() == 15);
    CHECK(validation.size() == 5);
    std::vector<std::size_t> all = ids(train);
    const auto v = ids(validation);
    all.insert(all.end(), v.begin(), v.end());
    CHECK(std::set<std::size_t>(all.begin(), all.end()).size() == 20);  // disjoint, complete

    const auto again = d.split(0.25, 3);
    CHECK(ids(again.validation) == v);
    const auto other = d.split(0.25, 4);
    CHECK(ids(other.validation) != v);

    CHECK(d.split(0.33, 1).validation.size() == 7);  // round(6.6)
    CHECK(d.split(0.0, 1).validation.size() == 0);
    CHECK(d.split(1.0, 1).train.size() == 0);
    // a fraction between 0 and 1 that would leave a side empty is a mistake, not a split
    const auto five = numbered(5);
    CHECK_THROWS_WITH(five.split(0.9, 1), "ctnn: dataset::split(0.9) of 5 rows leaves no row to train on "
                                          "(round(4.5) rows go to validation); choose another fraction, or 0 or "
                                          "1 for one side alone");
    CHECK_THROWS_WITH(five.split(0.05, 1), Contains("leaves no validation row (round(0.25) rows"));
    CHECK(five.split(0.8, 1).train.size() == 1);
    for (const double bad : {-0.1, 1.5, std::nan("")}) {
        CHECK_THROWS_AS(d.split(bad, 1), ctnn::invalid_argument);
        CHECK_THROWS_WITH(d.split(bad, 1),
                          Contains("ctnn: dataset::split needs validation_fraction in [0, 1]"));
    }
}

TEST_CASE("normalize: scale_to_unit divides by 255 or by the largest value", "[data][normalize]") {
    ctnn::tensor<float, 2> pixels = {{0, 51, 255}, {102, 204, 0}};
    CHECK(ctnn::data::scale_to_unit(pixels, 255.0) == 255.0);
    CHECK(pixels(0, 1) == 0.2f);
    CHECK(pixels(0, 2) == 1.0f);
    CHECK(pixels(1, 1) == 0.8f);

    matrix train = {{1, 4}, {2, 8}}, test = {{16, 0}};
    const double largest = ctnn::data::scale_to_unit(train);
    CHECK(largest == 8.0);
    ctnn::data::scale_to_unit(test, largest);
    CHECK(train(0, 0) == 0.125);
    CHECK(train(1, 1) == 1.0);
    CHECK(test(0, 0) == 2.0);  // the training split's divisor, whatever the test data holds

    CHECK_THROWS_AS(ctnn::data::scale_to_unit(train, 0.0), ctnn::invalid_argument);
    CHECK_THROWS_WITH(ctnn::data::scale_to_unit(train, 0.0),
                      Contains("ctnn: scale_to_unit needs a finite max_value > 0"));
    matrix nonpositive = {{-1, 0}};
    CHECK_THROWS_AS(ctnn::data::scale_to_unit(nonpositive), ctnn::invalid_argument);
}

TEST_CASE("standardizer: statistics of the training split, applied to every split",
          "[data][normalize]") {
    // columns: 1..4 (mean 2.5, population std √1.25), a constant 7, and 0, 0, 0, 8 (mean 2, std √12)
    matrix train = {{1, 7, 0}, {2, 7, 0}, {3, 7, 0}, {4, 7, 8}};
    matrix validation = {{5, 6, 2}};
    ctnn::data::standardizer s;
    CHECK_FALSE(s.fitted());
    CHECK_THROWS_MATCHES(s.apply(validation), ctnn::invalid_argument,
                         Message("ctnn: standardizer::apply before fit"));
    s.fit(train);
    CHECK(s.fitted());
    CHECK((s.mean() == std::vector<double>{2.5, 7.0, 2.0}));
    CHECK(s.stddev()[0] == Approx(std::sqrt(1.25)).epsilon(1e-15));
    CHECK(s.stddev()[1] == 1.0);  // constant: divided by 1, so it becomes 0 and not NaN
    CHECK(s.stddev()[2] == Approx(std::sqrt(12.0)).epsilon(1e-15));

    s.apply(train);
    s.apply(validation);
    for (std::size_t j = 0; j < 3; ++j) {
        double mean = 0, square = 0;
        for (std::size_t i = 0; i < 4; ++i) mean += train(i, j) / 4;
        for (std::size_t i = 0; i < 4; ++i) square += train(i, j) * train(i, j) / 4;
        CHECK(std::abs(mean) < 1e-15);
        CHECK(square == Approx(j == 1 ? 0.0 : 1.0).margin(1e-15));
    }
    CHECK(train(3, 1) == 0.0);
    // validation with the training numbers, not its own (which would make every value 0)
    CHECK(validation(0, 0) == Approx(2.5 / std::sqrt(1.25)).epsilon(1e-15));
    CHECK(validation(0, 1) == -1.0);
    CHECK(validation(0, 2) == 0.0);

    ctnn::tensor<float, 2> wrong = ctnn::tensor<float, 2>::from_shape({2, 4});
    CHECK_THROWS_MATCHES(s.apply(wrong), ctnn::shape_error,
                         Message("ctnn: standardizer::apply: x has shape (2, 4), expected (rows, 3)"));
    CHECK_THROWS_AS(s.fit(matrix::from_shape({0, 3})), ctnn::shape_error);

    // a non-finite value is refused, named, and the statistics fitted before are kept
    matrix with_nan = {{1, 2, 3}, {4, std::numeric_limits<double>::quiet_NaN(), 6}};
    CHECK_THROWS_MATCHES(s.fit(with_nan), ctnn::non_finite_error,
                         Message("ctnn: standardizer::fit: x is nan at row 1, column 1; the statistics need finite "
                                 "values (nothing was changed)"));
    matrix with_inf = {{1, 2, -std::numeric_limits<double>::infinity()}};
    CHECK_THROWS_WITH(s.fit(with_inf), Catch::Contains("x is -inf at row 0, column 2"));
    CHECK((s.mean() == std::vector<double>{2.5, 7.0, 2.0}));
}

TEST_CASE("standardizer: a constant column becomes 0 exactly, whatever its mean's rounding", "[data][normalize]") {
    // 0.1 summed 3, 7 or 10 times and divided is not 0.1: the column's mean was a rounding off
    // its value, its std a rounding, and the column came out as ±1
    for (const std::size_t rows : {3u, 7u, 10u}) {
        INFO(rows << " rows");
        auto x = ctnn::tensor<double, 2>::from_shape({rows, 2});
        for (std::size_t i = 0; i < rows; ++i) {
            x(i, 0) = 0.1;
            x(i, 1) = double(i);
        }
        ctnn::data::standardizer s;
        s.fit(x);
        CHECK(s.mean()[0] == 0.1);
        CHECK(s.stddev()[0] == 1.0);
        s.apply(x);
        for (std::size_t i = 0; i < rows; ++i) CHECK(x(i, 0) == 0.0);
        ctnn::tensor<double, 2> other{{0.2, 0.0}};
        s.apply(other);
        CHECK(other(0, 0) == Approx(0.1).epsilon(1e-15));  // a new value: its distance, not 7e15
    }
}

TEST_CASE("data.md: the CSV tour", "[data][docs]") {
    ctnn_test::temp_dir dir;
    std::string text = "sepal_length,sepal_width,species,petal_length\n";
    ctnn::rng r(5);
    for (int i = 0; i < 50; ++i)
        text += std::to_string(4 + r.uniform01() * 3) + "," + std::to_string(2 + r.uniform01())
                + "," + std::to_string(i % 3) + "," + std::to_string(1 + 5 * r.uniform01()) + "\n";
    const auto path = dir.write("iris.csv", text);

    // [csv]
    namespace data = ctnn::data;
    auto iris = data::read_csv(path, "species");  // or by index: read_csv(path, 2)
    // iris.x (50, 3): the other columns in file order, named in iris.feature_names
    // iris.y (50, 1): the label column, 0, 1 or 2
    data::dataset<float> samples(std::move(iris.x), std::move(iris.y));
    auto [train, validation] = samples.split(/*validation_fraction=*/0.2, /*seed=*/42);

    data::standardizer standardize;
    standardize.fit(train.x());  // mean and std of the training split only
    standardize.apply(train.x());
    standardize.apply(validation.x());  // the same numbers: nothing leaks from validation
    // [csv]

    CHECK(train.size() == 40);
    CHECK(validation.size() == 10);
    CHECK((iris.feature_names == std::vector<std::string>{"sepal_length", "sepal_width", "petal_length"}));
    CHECK(standardize.mean().size() == 3);
    double mean = 0;
    for (std::size_t i = 0; i < train.size(); ++i) mean += train.x()(i, 0) / double(train.size());
    CHECK(std::abs(mean) < 1e-6);
}

TEST_CASE("data.md: the Fashion-MNIST tour", "[data][docs]") {
    if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
        WARN("dataset-fashion-mnist is not installed: nothing to check");
        return;
    }
    // [fashion]
    namespace data = ctnn::data;
    const std::filesystem::path dir = "/usr/share/datasets/fashion-mnist";
    data::dataset<float> train(data::read_idx_matrix(dir / "train-images-idx3-ubyte.gz"),  // (60000, 784)
                               data::read_idx_labels(dir / "train-labels-idx1-ubyte.gz"));  // (60000, 1)
    data::dataset<float> test(data::read_idx_matrix(dir / "t10k-images-idx3-ubyte.gz"),  // (10000, 784)
                              data::read_idx_labels(dir / "t10k-labels-idx1-ubyte.gz"));  // (10000, 1)
    data::scale_to_unit(train.x(), 255.0);  // pixels 0..255 -> [0, 1]
    data::scale_to_unit(test.x(), 255.0);
    auto [fit_part, validation] = train.split(/*validation_fraction=*/0.1, /*seed=*/1);
    // [fashion]

    // [batches]
    fit_part.shuffle(/*seed=*/7);  // or shuffle(rng) with one ctnn::rng: a new order each epoch
    std::size_t seen = 0, last = 0;
    for (const auto& batch : fit_part.batches(256)) {
        // batch.x (256, 784) and batch.y (256, 1) view rows batch.first.. of fit_part, no copy;
        // the last batch holds the 54000 % 256 = 240 rows left (batches(256, true) drops it)
        seen += batch.x.shape()[0];
        last = batch.x.shape()[0];
    }
    // [batches]
    CHECK(fit_part.size() == 54000);
    CHECK(validation.size() == 6000);
    CHECK(seen == 54000);
    CHECK(last == 240);
    CHECK(fit_part.batches(256).size() == 211);

    // [metrics]
    using net = ctnn::network<ctnn::input<784>, ctnn::dense<10>>;
    net model(/*seed=*/0);  // untrained here
    const auto scores = model.predict(test.x());  // (10000, 10) logits
    const double accuracy = ctnn::metrics::accuracy(scores, test.y());
    ctnn::metrics::confusion_matrix confusion(
        10, {"T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
             "Bag", "Boot"});
    confusion.add(scores, test.y());  // std::cout << confusion prints the table
    // [metrics]
    CHECK(confusion.total() == 10000);
    CHECK(confusion.accuracy() == accuracy);
    CHECK(confusion.table().starts_with("true \\ predicted   T-shirt   Trouser  Pullover"));
}
