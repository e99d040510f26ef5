// A downstream program: uses ctnn through its CMake package exactly as a user would.
#include <cstdio>

#include <ctnn/ctnn.hpp>

// at namespace scope, as the docs write it: ctnn's headers name no parameter `net`, which
// -Wshadow (the add_subdirectory consumer builds with it and -Werror) would report
using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>;

int main() {
    static_assert(net::parameter_count == 61);
    ctnn::rng data(1);
    const auto x = data.normal_tensor<float>(20, 10);
    const auto y = data.normal_tensor<float>(20, 1);
    net model;
    std::fputs(ctnn::summary<net>().c_str(), stdout);
    ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.05}, ctnn::monitor::gradient_health{}};
    const auto result = trainer.fit(x, y, {.epochs = 50, .batch_size = 10});
    const bool improved = result.epoch_losses.back() < result.epoch_losses.front();
#ifdef __AVX2__
    const int avx2 = 1;
#else
    const int avx2 = 0;
#endif
    std::printf("result: consumer_ok=%d avx2=%d final_loss=%.6f\n", int(improved), avx2, result.epoch_losses.back());
    return improved ? 0 : 1;
}
