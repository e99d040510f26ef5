// The gated recurrent layers on W3's problem: an lstm and a gru (input 8, hidden 64) over
// sequences of 50 steps, and a small lstm (input 4, hidden 16, 20 steps), each read out to 1,
// MSE, Adam lr 1e-3, global-norm clipping at 1; batches of 32 in order, 4 epochs. ctnn only (no
// PyTorch side): scripts/ab_bench.py times it against an older commit.
#include "bench_support.hpp"

#include <ctnn/layers/gru.hpp>
#include <ctnn/layers/lstm.hpp>

namespace {
template <class Net>
void run_workload(const char* name, const bench::options& options, std::size_t sequences, std::size_t steps,
                  std::size_t hidden, std::size_t gates) {
    constexpr std::size_t batch = 32, epochs = 4;
    ctnn::rng data(42);
    auto x = ctnn::tensor<float, 3>::from_shape({sequences, steps, Net::input_width});
    for (auto& v : x) v = float(data.normal());
    const auto y = data.normal_tensor<float>(sequences, 1);
    const Net initial(0);
    // Per step: the input and recurrent products over T·B columns, forward and backward (three
    // products each), and the readout.
    const double flops = 6.0 * double((Net::input_width + hidden) * gates * hidden) * double(steps * batch)
                         + bench::mlp_flops_per_step(hidden + 1, batch);
    bench::run(name, options, flops, initial, [&](Net& model) {
        ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 1e-3},
                              ctnn::clip::by_global_norm{.max_norm = 1.0}};
        return trainer.fit(x, y, {.epochs = epochs, .batch_size = batch, .shuffle = false});
    });
}
}  // namespace

int main(int argc, char** argv) {
    const bench::options options = bench::parse(argc, argv);
    using namespace ctnn;
    run_workload<network<sequence<8>, lstm<64>, dense<1>>>("lstm64", options, 256, 50, 64, 4);
    run_workload<network<sequence<8>, gru<64>, dense<1>>>("gru64", options, 256, 50, 64, 3);
    run_workload<network<sequence<4>, lstm<16>, dense<1>>>("lstm16", options, 512, 20, 16, 4);
}
