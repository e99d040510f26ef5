// What every ctnn benchmark program shares: its command line (--repeats N, --dump FILE,
// --threads N, --rows N), the
// file it writes so the PyTorch side trains the very same problem (data and initial weights),
// and the timed loop that prints one machine-readable line per timed training.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <time.h>

#include <ctnn/ctnn.hpp>

namespace bench {

/// The fashion_mnist example's MLP, 784→256 relu→128 relu→10: W2's, W6's and W8's network.
using fashion_mlp = ctnn::network<ctnn::input<784>, ctnn::dense<256, ctnn::relu>, ctnn::dense<128, ctnn::relu>,
                                  ctnn::dense<10>>;

/// The 60,000 Fashion-MNIST training images (pixels / 255) and labels from Debian's
/// dataset-fashion-mnist, or its first `rows` (a smoke test); none, said on stderr, without it.
inline std::optional<ctnn::data::dataset<float>> fashion_training_set(const char* program, std::size_t rows = 0) {
    const std::filesystem::path dir = "/usr/share/datasets/fashion-mnist";
    if (!std::filesystem::exists(dir / "train-images-idx3-ubyte.gz")) {
        std::fprintf(stderr, "%s: %s not found (Debian's dataset-fashion-mnist)\n", program, dir.c_str());
        return std::nullopt;
    }
    ctnn::data::dataset<float> train(ctnn::data::read_idx_matrix(dir / "train-images-idx3-ubyte.gz"),
                                     ctnn::data::read_idx_labels(dir / "train-labels-idx1-ubyte.gz"));
    if (rows > 0 && rows < train.size()) train = train.take(0, rows);
    ctnn::data::scale_to_unit(train.x(), 255.0);
    return train;
}

struct options {
    int repeats = 5;
    std::string dump_path;
    int threads = 1;  // BLAS threads (ctnn::set_blas_threads); the comparisons use 1
    std::size_t rows = 0;  // a data set's first rows only (0: all), for a short smoke test
};

inline options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--repeats" && i + 1 < argc) {
            o.repeats = std::atoi(argv[++i]);
        } else if (arg == "--dump" && i + 1 < argc) {
            o.dump_path = argv[++i];
        } else if (arg == "--threads" && i + 1 < argc) {
            o.threads = std::atoi(argv[++i]);
        } else if (arg == "--rows" && i + 1 < argc) {
            o.rows = std::size_t(std::atoll(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: %s [--repeats N] [--dump FILE] [--threads N] [--rows N]\n", argv[0]);
            std::exit(2);
        }
    }
    ctnn::set_blas_threads(o.threads);
    return o;
}

/// One record in the fixtures' text format: `name rank dims...` then the values, %.9g (exact
/// for float).
template <class Tensor>
void dump(std::FILE* out, const std::string& name, const Tensor& t) {
    std::fprintf(out, "%s %zu", name.c_str(), t.dimension());
    for (auto d : t.shape()) std::fprintf(out, " %zu", d);
    std::fprintf(out, "\n");
    for (std::size_t i = 0; i < t.size(); ++i)
        std::fprintf(out, i ? " %.9g" : "%.9g", double(t.flat(i)));
    std::fprintf(out, "\n");
}

/// Every layer's weight and bias, for the layers that have them, as w0, b0, w1, b1... in order
/// (a pool or flatten has none and takes no number).
template <class Network>
void dump_parameters(std::FILE* out, const Network& net) {
    std::size_t k = 0;
    net.for_each_layer_indexed([&](const auto& layer, std::size_t) {
        if constexpr (requires { layer.weight; }) {
            dump(out, "w" + std::to_string(k), layer.weight.value);
            dump(out, "b" + std::to_string(k), layer.bias.value);
            ++k;
        }
    });
}

/// `path` opened for writing, or the program ends with the reason.
inline std::FILE* open_dump(const std::string& path) {
    std::FILE* out = std::fopen(path.c_str(), "w");
    if (!out) {
        std::perror(path.c_str());
        std::exit(1);
    }
    return out;
}

/// x, y and the network's weights and biases (dump_parameters).
template <class Network, class X, class Y>
void dump_problem(const std::string& path, const X& x, const Y& y, const Network& net) {
    std::FILE* out = open_dump(path);
    dump(out, "x", x);
    dump(out, "y", y);
    dump_parameters(out, net);
    std::fclose(out);
}

/// The network's weights and biases alone: the data is a file both sides read themselves.
template <class Network>
void dump_weights(const std::string& path, const Network& net) {
    std::FILE* out = open_dump(path);
    dump_parameters(out, net);
    std::fclose(out);
}

/// Multiply-adds of an MLP step, forward and backward: 2 FLOPs per multiply-add, three
/// products (forward, weight gradient, input gradient) per parameter and sample, i.e. the
/// usual 6·parameters·batch. Stated as the work of the step whatever a system skips (neither
/// ctnn nor PyTorch computes the first layer's input gradient).
inline double mlp_flops_per_step(std::size_t parameters, std::size_t batch) {
    return 6.0 * double(parameters) * double(batch);
}

/// CPU time of this process in ms: unlike wall time, it does not count the time other
/// processes on a shared machine hold the core.
inline double cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

/// One untimed warm-up training (page faults, caches, lazy binding), then `repeats` timed ones,
/// each from a fresh copy of `initial`. `fit(model)` trains it and returns its fit_result; the
/// time is fit's whole call, its one-off data transpose included.
template <class Network, class Fit>
void run(const char* workload, const options& o, double flops_per_step, const Network& initial, Fit&& fit) {
    for (int r = -1; r < o.repeats; ++r) {
        Network model = initial;
        const double cpu_start = cpu_ms();
        const auto start = std::chrono::steady_clock::now();
        const ctnn::fit_result result = fit(model);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        const double cpu = cpu_ms() - cpu_start;
        const double ms_per_step = ms / double(result.steps);
        if (r >= 0)
            std::printf("bench workload=%s system=ctnn ms_per_step=%.6f final_loss=%.7g gflops=%.3f "
                        "flops_per_step=%.0f steps=%zu cpu_ms_per_step=%.6f threads=%d\n",
                        workload, ms_per_step, result.epoch_losses.back(),
                        flops_per_step / ms_per_step * 1e-6, flops_per_step, result.steps,
                        cpu / double(result.steps), o.threads);
    }
}

}  // namespace bench
