// W6's problem (784→256 relu→128 relu→10, softmax cross-entropy, Adam lr 1e-3, batches of 128
// in order) over the first 12,800 Fashion-MNIST training images, with each clip, penalty and the
// gradient-health monitor in turn, and with dropout(0.2), layer_norm or batch_norm after each
// hidden layer: what each adds to a step. ctnn only (no PyTorch side): scripts/ab_bench.py times
// it against an older commit.
#include "bench_support.hpp"

#include <ctnn/ctnn.hpp>

namespace {
using net = bench::fashion_mlp;
using dropout_net = ctnn::network<ctnn::input<784>, ctnn::dense<256, ctnn::relu>, ctnn::dropout<std::ratio<1, 5>>,
                                  ctnn::dense<128, ctnn::relu>, ctnn::dropout<std::ratio<1, 5>>, ctnn::dense<10>>;
template <template <class> class Norm>
using normalized_net = ctnn::network<ctnn::input<784>, ctnn::dense<256>, Norm<ctnn::relu>, ctnn::dense<128>,
                                     Norm<ctnn::relu>, ctnn::dense<10>>;
}  // namespace

int main(int argc, char** argv) {
    constexpr std::size_t batch = 128;
    const bench::options options = bench::parse(argc, argv);
    const auto train = bench::fashion_training_set("bench_policies", options.rows == 0 ? 12800 : options.rows);
    if (!train) return 1;
    const auto& x = train->x();
    const auto& y = train->y();
    const net initial(0);
    const auto workload = [&](const char* name, auto... policies) {
        bench::run(name, options, bench::mlp_flops_per_step(net::parameter_count, batch), initial, [&](net& model) {
            ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 1e-3},
                                  policies...};
            return trainer.fit(x, y, {.epochs = 1, .batch_size = batch, .shuffle = false});
        });
    };
    workload("plain");
    workload("clip_global_norm", ctnn::clip::by_global_norm{.max_norm = 1.0});
    workload("clip_by_value", ctnn::clip::by_value{.limit = 1.0});
    workload("l1", ctnn::regularize::l1{.lambda = 1e-5});
    workload("l2", ctnn::regularize::l2{.lambda = 1e-4});
    workload("gradient_health", ctnn::monitor::gradient_health{});
    const auto network_workload = [&]<class Net>(const char* name, const Net& initial_net) {
        bench::run(name, options, bench::mlp_flops_per_step(net::parameter_count, batch), initial_net, [&](Net& model) {
            ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 1e-3}};
            return trainer.fit(x, y, {.epochs = 1, .batch_size = batch, .shuffle = false});
        });
    };
    network_workload("dropout", dropout_net(0));
    network_workload("layer_norm", normalized_net<ctnn::layer_norm>(0));
    network_workload("batch_norm", normalized_net<ctnn::batch_norm>(0));
}
