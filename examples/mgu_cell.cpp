// A recurrent cell written as equations: the minimal gated unit (Zhou et al. 2016,
// user_defined.hpp), one gate f that both forgets and writes. ctnn supplies back-propagation
// through time. On the adding problem (adding_problem.hpp), where the answer depends on two
// values marked early in the sequence, the gated cell carries them across the sequence and
// learns; a tanh rnn of the same width, given the same data and training, does not.
//
// usage: mgu_cell [T, default 40] [epochs, default 30]
#include <cstdio>
#include <cstdlib>

#include <ctnn/ctnn.hpp>
#include <ctnn/layers/rnn.hpp>

#include "adding_problem.hpp"
#include "user_defined.hpp"

namespace {
constexpr std::size_t hidden = 24;

// [mgu-network]
using mgu_net = ctnn::network<ctnn::sequence<2>, ctnn::recurrent_cell<user::mgu<hidden>>, ctnn::dense<1>>;
// [mgu-network]
using rnn_net = ctnn::network<ctnn::sequence<2>, ctnn::rnn<hidden, ctnn::tanh>, ctnn::dense<1>>;

template <class Net>
double train_and_test(const examples::adding_problem<float>& train, const examples::adding_problem<float>& test,
                      std::size_t epochs) {
    Net net(/*seed=*/7);
    ctnn::trainer trainer{net, ctnn::optim::adam{.lr = 0.003}, ctnn::clip::by_global_norm{.max_norm = 1.0}};
    trainer.fit(train.x, train.y, {.epochs = epochs, .batch_size = 32, .seed = 1});
    return test.error_rate(net.predict(test.x));
}
}  // namespace

int main(int argc, char** argv) {
    const std::size_t steps = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 40;
    const std::size_t epochs = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 30;
    const examples::adding_problem<float> train(4000, steps, 1), test(500, steps, 2);
    const double mgu_error = train_and_test<mgu_net>(train, test, epochs);
    const double rnn_error = train_and_test<rnn_net>(train, test, epochs);
    std::printf("adding problem, T = %zu, %zu epochs: held-out answers more than 0.04 off\n", steps, epochs);
    std::printf("  mgu (written as equations)  %5.1f%%\n  tanh rnn                    %5.1f%%\n", 100 * mgu_error,
                100 * rnn_error);
    std::printf("result: steps=%zu mgu_error=%.3f rnn_error=%.3f\n", steps, mgu_error, rnn_error);
    return mgu_error < rnn_error ? 0 : 1;
}
