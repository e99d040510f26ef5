// W1, the seed workload: 10→5 ReLU→1, MSE, SGD lr 0.01, full batch of 100, 1000 epochs.
// Writes its data and initial weights (--dump FILE) so the PyTorch side trains the very same
// problem, then times whole 1000-epoch trainings from those weights (--repeats N).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <ctnn/ctnn.hpp>

namespace {
using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>;

void dump(std::FILE* out, const char* name, const auto& t) {
    std::fprintf(out, "%s %zu", name, t.dimension());
    for (auto d : t.shape()) std::fprintf(out, " %zu", d);
    std::fprintf(out, "\n");
    for (std::size_t i = 0; i < t.size(); ++i) std::fprintf(out, i ? " %.9g" : "%.9g", double(t.flat(i)));
    std::fprintf(out, "\n");
}
}  // namespace

int main(int argc, char** argv) {
    int repeats = 5;
    std::string dump_path;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--repeats" && i + 1 < argc) repeats = std::atoi(argv[++i]);
        else if (arg == "--dump" && i + 1 < argc) dump_path = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--repeats N] [--dump FILE]\n", argv[0]);
            return 2;
        }
    }
    ctnn::rng data(42);
    const auto x = data.normal_tensor<float>(100, 10);
    const auto y = data.normal_tensor<float>(100, 1);
    const net initial(0);
    if (!dump_path.empty()) {
        std::FILE* out = std::fopen(dump_path.c_str(), "w");
        if (!out) return 1;
        dump(out, "x", x);
        dump(out, "y", y);
        dump(out, "w0", initial.layer<0>().weight.value);
        dump(out, "b0", initial.layer<0>().bias.value);
        dump(out, "w1", initial.layer<1>().weight.value);
        dump(out, "b1", initial.layer<1>().bias.value);
        std::fclose(out);
    }
    // One untimed warm-up run (page faults, caches, lazy symbol binding), then the timed ones.
    for (int r = -1; r < repeats; ++r) {
        net model = initial;
        ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01}};
        const auto start = std::chrono::steady_clock::now();
        const auto result = trainer.fit(x, y, {.epochs = 1000, .batch_size = 0, .shuffle = false});
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (r >= 0) std::printf("bench workload=seed system=ctnn ms=%.4f final_loss=%.6f\n", ms, result.epoch_losses.back());
    }
}
