// The built-in rnn, lstm and gru against the same cells written as equations (cells/,
// recurrent_cell<...>): one training step each (Adam, global-norm clipping at 1, MSE), the two
// networks timed in alternation, the median of each and of their ratio printed. ctnn only: this
// is an A/B of two ways of computing the same numbers, not a comparison with PyTorch.
// usage: bench_cells [--repeats N] (rounds of alternation, default 41)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <ctnn/cells/elman.hpp>
#include <ctnn/cells/gru.hpp>
#include <ctnn/cells/lstm.hpp>
#include <ctnn/ctnn.hpp>

namespace {
template <class Net>
struct timed_training {
    Net net{1};
    ctnn::tensor<float, 3> x;
    ctnn::tensor<float, 2> y;
    ctnn::trainer<Net, ctnn::loss::mse, ctnn::optim::adam, ctnn::clip::by_global_norm> trainer{
        net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 1e-3}, ctnn::clip::by_global_norm{.max_norm = 1.0}};

    timed_training(std::size_t batch, std::size_t steps) {
        ctnn::rng r(3);
        x = ctnn::tensor<float, 3>::from_shape({batch, steps, Net::input_width});
        y = ctnn::tensor<float, 2>::from_shape({batch, 1});
        for (auto& v : x) v = float(r.normal());
        for (auto& v : y) v = float(r.normal());
    }
    /// Microseconds per training step, over `count` steps.
    double step_us(int count) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < count; ++i) trainer.train_step(x, y);
        return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / count;
    }
};

double median(std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
    return v[v.size() / 2];
}

template <class HandWritten, class Cells>
void compare(const char* name, std::size_t batch, std::size_t steps, int rounds) {
    timed_training<HandWritten> hand(batch, steps);
    timed_training<Cells> cells(batch, steps);
    std::vector<double> hand_us, cells_us, ratio;
    for (int r = 0; r < rounds; ++r) {
        hand_us.push_back(hand.step_us(4));
        cells_us.push_back(cells.step_us(4));
        ratio.push_back(cells_us.back() / hand_us.back());
    }
    std::printf("bench workload=cells_%s hand_written_us=%.1f equations_us=%.1f ratio=%.3f\n", name, median(hand_us),
                median(cells_us), median(ratio));
}
}  // namespace

int main(int argc, char** argv) {
    int rounds = 41;
    if (argc == 3 && std::strcmp(argv[1], "--repeats") == 0) rounds = std::max(1, std::atoi(argv[2]));
    ctnn::set_blas_threads(1);
    using namespace ctnn;
    // W3's shape: 32 sequences of 50 steps, 8 features, hidden 64
    compare<network<sequence<8>, rnn<64>, dense<1>>, network<sequence<8>, recurrent_cell<cells::elman<64>>, dense<1>>>(
        "rnn64", 32, 50, rounds);
    compare<network<sequence<8>, lstm<64>, dense<1>>, network<sequence<8>, recurrent_cell<cells::lstm<64>>, dense<1>>>(
        "lstm64", 32, 50, rounds);
    compare<network<sequence<8>, gru<64>, dense<1>>, network<sequence<8>, recurrent_cell<cells::gru<64>>, dense<1>>>(
        "gru64", 32, 50, rounds);
    compare<network<sequence<4>, lstm<16>, dense<1>>, network<sequence<4>, recurrent_cell<cells::lstm<16>>, dense<1>>>(
        "lstm16", 32, 20, rounds);
}
