// Vanishing gradients with depth (Glorot & Bengio 2010, He et al. 2015). Networks of 5 and 30
// dense layers of width 64, every layer with the same activation (sigmoid, tanh or ReLU) and the
// same initialisation: standard U(±1/√n) (PyTorch's nn.Linear default), Xavier (Glorot) uniform
// or Kaiming (He) uniform. At initialisation, one batch of 64 samples x ~ N(0, 1), targets
// y ~ N(0, 1), MSE. monitor::gradient_health measures, on one training step with lr 0 (so
// nothing changes), the ratio
//
//     ‖∂L/∂z_1‖ / ‖∂L/∂z_L‖
//
// of the gradient back-propagated into the first layer's pre-activations to that of the last
// layer (Frobenius norms over the batch): the "back-propagated gradient" of Glorot & Bengio and
// the Δx of He et al. Ratios are geometric means over seeds (they span 25 orders of magnitude).
//
// Prints the table, writes the depth-30 per-layer profile ‖∂L/∂z_l‖/‖∂L/∂z_L‖ as CSV
// (docs/plot_vanishing.gp turns it into docs/vanishing_depth.png), and fails if a number that
// REFERENCE.md gives is missed by more than a factor of 10.
//
// usage: vanishing_depth [CSV path, default vanishing_depth.csv] [seeds, default 5]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ctnn/ctnn.hpp>

namespace {
enum class scheme { standard, xavier, kaiming };
constexpr std::string_view scheme_name(scheme s) {
    return s == scheme::standard ? "standard" : s == scheme::xavier ? "xavier" : "kaiming";
}

// [chosen_init]
// An init policy chosen at run time among three of ctnn's: one network type per activation
// and depth serves all three initialisations.
struct chosen_init {
    static constexpr std::string_view name = "chosen_init";
    scheme which = scheme::standard;

    template <class T, std::size_t R>
    void weight(ctnn::tensor<T, R>& w, ctnn::init::fans f, ctnn::rng& r) const {
        switch (which) {
            case scheme::standard: ctnn::init::pytorch_default{}.weight(w, f, r); break;
            case scheme::xavier: ctnn::init::xavier_uniform<>{}.weight(w, f, r); break;
            case scheme::kaiming: ctnn::init::kaiming_uniform<>{}.weight(w, f, r); break;
        }
    }
    template <class T>
    void bias(ctnn::tensor<T, 1>& b, ctnn::init::fans f, ctnn::rng& r) const {
        switch (which) {
            case scheme::standard: ctnn::init::pytorch_default{}.bias(b, f, r); break;
            case scheme::xavier: ctnn::init::xavier_uniform<>{}.bias(b, f, r); break;
            case scheme::kaiming: ctnn::init::kaiming_uniform<>{}.bias(b, f, r); break;
        }
    }
};
// [chosen_init]

// [deep_net]
// Depth copies of one layer type in a network's type list.
template <std::size_t, class Layer>
using same_layer = Layer;
template <class Layer, std::size_t... I>
auto stack_of(std::index_sequence<I...>) -> ctnn::basic_network<double, ctnn::input<64>, same_layer<I, Layer>...>;
template <std::size_t Depth, class Activation>
using deep_net = decltype(stack_of<ctnn::dense<64, Activation, chosen_init>>(std::make_index_sequence<Depth>{}));
// [deep_net]

struct measurement {
    double backprop_ratio = 0.0;  // ‖∂L/∂z_1‖ / ‖∂L/∂z_L‖
    std::vector<double> profile;  // ‖∂L/∂z_l‖ / ‖∂L/∂z_L‖, l = 1 … L
};

// [measure]
template <std::size_t Depth, class Activation>
measurement measure(scheme which, std::uint64_t seed) {
    deep_net<Depth, Activation> net;
    net.for_each_layer([&](auto& layer) { layer.initializer.which = which; });
    net.initialize(seed);
    ctnn::rng data(1000 + seed);
    const auto x = data.normal_tensor<double>(64, 64);
    const auto y = data.normal_tensor<double>(64, 64);
    // lr 0: the step measures and changes nothing.
    ctnn::trainer trainer{net,
                          ctnn::loss::mse{},
                          ctnn::optim::sgd{.lr = 0.0},
                          ctnn::clip::none{},
                          ctnn::schedule::constant{},
                          ctnn::regularize::none{},
                          ctnn::monitor::gradient_health{.vanishing_ratio = 0.0, .measure_update_ratio = false}};
    trainer.train_step(x, y);
    const ctnn::monitor::step_health& step = trainer.monitor().last();
    measurement m{step.backprop_ratio, {}};
    for (const auto& layer : step.layers) m.profile.push_back(layer.backprop_norm / step.layers.back().backprop_norm);
    return m;
}
// [measure]

struct row {
    std::string activation;
    scheme init;
    std::size_t depth;
    double backprop_ratio;  // geometric mean over seeds
    std::vector<double> profile;
    double reference;  // REFERENCE.md's number, 0 if it gives none
};

double geometric_mean(const std::vector<double>& v) {
    double logs = 0.0;
    for (double x : v) logs += std::log(x);
    return std::exp(logs / double(v.size()));
}

template <std::size_t Depth, class Activation>
row run(const std::string& activation, scheme init, std::size_t seeds, double reference) {
    std::vector<double> backprop;
    std::vector<std::vector<double>> profile(Depth);
    for (std::size_t s = 0; s < seeds; ++s) {
        const measurement m = measure<Depth, Activation>(init, s + 1);
        backprop.push_back(m.backprop_ratio);
        for (std::size_t l = 0; l < Depth; ++l) profile[l].push_back(m.profile[l]);
    }
    row r{activation, init, Depth, geometric_mean(backprop), {}, reference};
    for (const auto& p : profile) r.profile.push_back(geometric_mean(p));
    return r;
}

template <class Activation>
void run_activation(std::vector<row>& rows, const std::string& name, std::size_t seeds,
                    const double (&reference5)[3], const double (&reference30)[3]) {
    for (scheme init : {scheme::standard, scheme::xavier, scheme::kaiming}) {
        rows.push_back(run<5, Activation>(name, init, seeds, reference5[int(init)]));
        rows.push_back(run<30, Activation>(name, init, seeds, reference30[int(init)]));
    }
}
}  // namespace

int main(int argc, char** argv) {
    const std::string csv_path = argc > 1 ? argv[1] : "vanishing_depth.csv";
    const std::size_t seeds = argc > 2 ? std::size_t(std::atoi(argv[2])) : 5;
    if (seeds == 0) {
        std::fprintf(stderr, "usage: vanishing_depth [CSV path] [seeds > 0]\n");
        return 2;
    }

    // REFERENCE.md's numbers, by init (standard, xavier, kaiming); 0 = none given.
    std::vector<row> rows;
    run_activation<ctnn::sigmoid>(rows, "sigmoid", seeds, {4e-4, 0, 0}, {0, 0, 0});
    run_activation<ctnn::tanh>(rows, "tanh", seeds, {0, 0, 0}, {1e-7, 0.1, 0});
    run_activation<ctnn::relu>(rows, "relu", seeds, {0, 0, 0}, {0, 1e-5, 0.3});

    std::printf("ratio = ||dL/dz_1|| / ||dL/dz_L|| at initialisation, width 64, batch 64, geometric mean of %zu seeds\n",
                seeds);
    std::printf("%-8s %-9s %5s %14s %14s\n", "act", "init", "depth", "ratio", "REFERENCE.md");
    bool all_reproduced = true;
    for (const row& r : rows) {
        std::string reference = "-";
        if (r.reference > 0.0) {
            const bool within = std::abs(std::log10(r.backprop_ratio / r.reference)) <= 1.0;
            all_reproduced = all_reproduced && within;
            char text[32];
            std::snprintf(text, sizeof text, "~%.0e %s", r.reference, within ? "ok" : "MISSED");
            reference = text;
        }
        std::printf("%-8s %-9s %5zu %14.2e %14s\n", r.activation.c_str(), std::string(scheme_name(r.init)).c_str(),
                    r.depth, r.backprop_ratio, reference.c_str());
    }

    std::FILE* csv = std::fopen(csv_path.c_str(), "w");
    if (!csv) {
        std::fprintf(stderr, "cannot write %s\n", csv_path.c_str());
        return 1;
    }
    std::fprintf(csv, "layer");
    for (const row& r : rows)
        if (r.depth == 30) std::fprintf(csv, ",%s_%s", r.activation.c_str(), std::string(scheme_name(r.init)).c_str());
    std::fprintf(csv, "\n");
    for (std::size_t l = 0; l < 30; ++l) {
        std::fprintf(csv, "%zu", l + 1);
        for (const row& r : rows)
            if (r.depth == 30) std::fprintf(csv, ",%.6g", r.profile[l]);
        std::fprintf(csv, "\n");
    }
    std::fclose(csv);
    std::printf("depth-30 profiles ||dL/dz_l|| / ||dL/dz_30|| written to %s\n", csv_path.c_str());

    auto find = [&](std::string_view activation, scheme init, std::size_t depth) {
        for (const row& r : rows)
            if (r.activation == activation && r.init == init && r.depth == depth) return r.backprop_ratio;
        return 0.0;
    };
    std::printf("result: relu30_xavier=%.2e relu30_kaiming=%.2e tanh30_standard=%.2e tanh30_xavier=%.2e "
                "sigmoid5_standard=%.2e reproduced=%s\n",
                find("relu", scheme::xavier, 30), find("relu", scheme::kaiming, 30), find("tanh", scheme::standard, 30),
                find("tanh", scheme::xavier, 30), find("sigmoid", scheme::standard, 5), all_reproduced ? "yes" : "no");
    return all_reproduced ? 0 : 1;
}
