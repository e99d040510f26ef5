// Every built-in optimizer with per-element state on W6's problem (784→256 relu→128 relu→10,
// softmax cross-entropy, batches of 128 in order), over the first 12,800 Fashion-MNIST training
// images: the step's cost beyond the products is the optimizer's. ctnn only (no PyTorch side):
// scripts/ab_bench.py times it against an older commit.
#include "bench_support.hpp"

#include <ctnn/optim/adadelta.hpp>
#include <ctnn/optim/adagrad.hpp>
#include <ctnn/optim/nadam.hpp>
#include <ctnn/optim/rmsprop.hpp>

namespace {
using net = bench::fashion_mlp;
}  // namespace

int main(int argc, char** argv) {
    constexpr std::size_t batch = 128;
    const bench::options options = bench::parse(argc, argv);
    const auto train = bench::fashion_training_set("bench_optimizers", options.rows == 0 ? 12800 : options.rows);
    if (!train) return 1;
    const auto& x = train->x();
    const auto& y = train->y();
    const net initial(0);
    const auto workload = [&](const char* name, auto optimizer) {
        bench::run(name, options, bench::mlp_flops_per_step(net::parameter_count, batch), initial, [&](net& model) {
            ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{}, optimizer};
            return trainer.fit(x, y, {.epochs = 1, .batch_size = batch, .shuffle = false});
        });
    };
    workload("adam", ctnn::optim::adam{.lr = 1e-3});
    workload("nadam", ctnn::optim::nadam{});
    workload("rmsprop", ctnn::optim::rmsprop{.lr = 1e-3});
    workload("rmsprop_momentum", ctnn::optim::rmsprop{.lr = 1e-3, .momentum = 0.9});
    workload("rmsprop_centered", ctnn::optim::rmsprop{.lr = 1e-3, .centered = true});
    workload("adagrad", ctnn::optim::adagrad{.lr = 1e-2});
    workload("adadelta", ctnn::optim::adadelta{});
}
