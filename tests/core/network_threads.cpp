// core/network.hpp from several threads, under ThreadSanitizer (its own executable,
// ctnn_thread_tests): what docs/threads.md says is safe. A network's forward pass writes its own
// work buffers, so one network serves one thread at a time; copies are independent objects, and
// threads that each own one predict and train concurrently with results equal, bit for bit, to
// the same work done one after another.
#include <ctnn/ctnn.hpp>

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace {

constexpr int thread_count = 4;

template <class Work>
void on_threads(Work work) {
    std::vector<std::thread> threads;
    for (int k = 0; k < thread_count; ++k) threads.emplace_back([&work, k] { work(k); });
    for (auto& t : threads) t.join();
}

ctnn::tensor<float, 2> class_labels(std::size_t rows) {
    ctnn::tensor<float, 2> y = ctnn::tensor<float, 2>::from_shape({rows, 1});
    for (std::size_t i = 0; i < rows; ++i) y(i, 0) = float(i % 3);
    return y;
}

// batch_norm and dropout: a copy must carry their running statistics and streams, not share them
using mlp = ctnn::network<ctnn::input<8>, ctnn::dense<32, ctnn::relu>, ctnn::batch_norm<>, ctnn::dropout<>,
                          ctnn::residual<ctnn::dense<32, ctnn::tanh>>, ctnn::dense<3>>;
using recurrent = ctnn::network<ctnn::sequence<4>, ctnn::lstm<16>, ctnn::dense<2>>;

}  // namespace

TEST_CASE("threads: each thread predicting with its own copy of a trained network gets the original's output",
          "[threads]") {
    ctnn::rng r(1);
    const auto x = r.normal_tensor<float>(64, 8);
    mlp net(2);
    ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{}};
    trainer.fit(x, class_labels(64), {.epochs = 2, .batch_size = 16});
    const auto expected = net.predict(x);

    std::vector<mlp> copies(thread_count, net);
    std::vector<int> equal(thread_count, 0);
    on_threads([&](int k) {
        for (int i = 0; i < 20; ++i) equal[k] += copies[k].predict(x) == expected;
    });
    for (int k = 0; k < thread_count; ++k) CHECK(equal[k] == 20);
    CHECK((net.predict(x) == expected));  // the original is untouched by its copies' passes

    const auto flat = r.normal_tensor<float>(8, 5 * 4);
    auto sequences = ctnn::tensor<float, 3>::from_shape({8, 5, 4});
    std::copy(flat.begin(), flat.end(), sequences.begin());
    recurrent rnn(3);
    const auto expected_rnn = rnn.predict(sequences);
    std::vector<recurrent> rnn_copies(thread_count, rnn);
    std::vector<int> rnn_equal(thread_count, 0);
    on_threads([&](int k) {
        for (int i = 0; i < 20; ++i) rnn_equal[k] += rnn_copies[k].predict(sequences) == expected_rnn;
    });
    for (int k = 0; k < thread_count; ++k) CHECK(rnn_equal[k] == 20);
}

TEST_CASE("threads: networks trained at once on their own threads end as if trained one after another",
          "[threads]") {
    ctnn::rng r(4);
    const auto x = r.normal_tensor<float>(96, 8);
    const auto y = class_labels(96);
    const auto train = [&](mlp& net, int k) {
        ctnn::trainer trainer{net, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9}};
        return trainer.fit(x, y, {.epochs = 3, .batch_size = 32, .seed = std::uint64_t(k)}).epoch_losses;
    };
    std::vector<mlp> alone, together;
    for (int k = 0; k < thread_count; ++k) {
        alone.emplace_back(10 + k);
        together.emplace_back(10 + k);
    }
    std::vector<std::vector<double>> losses_alone(thread_count), losses_together(thread_count);
    for (int k = 0; k < thread_count; ++k) losses_alone[k] = train(alone[k], k);
    on_threads([&](int k) { losses_together[k] = train(together[k], k); });
    for (int k = 0; k < thread_count; ++k) {
        CHECK(losses_together[k] == losses_alone[k]);
        CHECK((together[k].predict(x) == alone[k].predict(x)));
    }
}
