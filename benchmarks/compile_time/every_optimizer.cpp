// W5: the seed network trained once with each optimizer that keeps per-element state besides
// Adam (RMSprop centered with momentum, NAdam, Adagrad, Adadelta, AdamW); what trying them costs
// to compile.
#include <cstdio>

#include <ctnn/core.hpp>

int main() {
    using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>;
    ctnn::rng data(42);
    const auto x = data.normal_tensor<float>(100, 10);
    const auto y = data.normal_tensor<float>(100, 1);
    net a(0), b(0), c(0), d(0), e(0);
    ctnn::trainer rmsprop{a, ctnn::loss::mse{}, ctnn::optim::rmsprop{.lr = 0.01, .momentum = 0.9, .centered = true}};
    ctnn::trainer nadam{b, ctnn::loss::mse{}, ctnn::optim::nadam{}};
    ctnn::trainer adagrad{c, ctnn::loss::mse{}, ctnn::optim::adagrad{}};
    ctnn::trainer adadelta{d, ctnn::loss::mse{}, ctnn::optim::adadelta{}};
    ctnn::trainer adamw{e, ctnn::loss::mse{}, ctnn::optim::adamw{}};
    std::printf("result: rmsprop=%.6f nadam=%.6f adagrad=%.6f adadelta=%.6f adamw=%.6f\n",
                rmsprop.train_step(x, y).loss, nadam.train_step(x, y).loss, adagrad.train_step(x, y).loss,
                adadelta.train_step(x, y).loss, adamw.train_step(x, y).loss);
}
