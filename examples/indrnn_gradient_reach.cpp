// How far back a gradient reaches: a tanh rnn against IndRNN (Li et al. 2018, user_defined.hpp),
// a cell whose recurrent weight is a per-unit vector u (a param), written as one equation.
//
// Through a tanh rnn, ∂L/∂h_t is multiplied at every step by W_hhᵀ·diag(1 − h²), so over a long
// sequence it shrinks geometrically. Through IndRNN each unit's gradient is multiplied by its
// own u·relu′: a unit active at every step passes on u^(T−1) of it over T steps, whatever W is.
// The program measures ‖∂L/∂h_t‖ at a first training step on the adding problem
// (adding_problem.hpp, whose answer depends on two values marked early in the sequence; the
// layer records the norms for the gradient-health monitor) for a tanh rnn and for IndRNN with u
// set to 1 and to 0.9, and checks IndRNN's against u^(T−1).
//
// usage: indrnn_gradient_reach [T, default 100]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <ctnn/ctnn.hpp>
#include <ctnn/layers/rnn.hpp>

#include "adding_problem.hpp"
#include "user_defined.hpp"

namespace {
constexpr std::size_t hidden = 32;

/// ‖∂L/∂h_t‖ / ‖∂L/∂h_{T−1}‖ for t = 0 … T−1, at one Adam step on the batch.
template <class Net>
std::vector<double> gradient_reach(Net& net, const examples::adding_problem<double>& batch) {
    ctnn::trainer trainer{net, ctnn::optim::adam{.lr = 0.001}};
    trainer.train_step(batch.x, batch.y);
    const auto norms = net.template layer<0>().time_gradient_norms();
    std::vector<double> reach(norms.begin(), norms.end());
    for (double& r : reach) r /= norms.back();
    return reach;
}
}  // namespace

int main(int argc, char** argv) {
    const std::size_t steps = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100;
    if (steps < 2) {
        std::fprintf(stderr, "usage: indrnn_gradient_reach [T >= 2]\n");
        return 2;
    }
    const examples::adding_problem<double> batch(64, steps, 1);

    ctnn::basic_network<double, ctnn::sequence<2>, ctnn::rnn<hidden, ctnn::tanh>, ctnn::dense<1>> rnn(7);
    const auto plain = gradient_reach(rnn, batch);
    const auto indrnn_with = [&](double u) {
        // [indrnn-init]
        ctnn::basic_network<double, ctnn::sequence<2>, ctnn::recurrent_cell<user::indrnn<hidden>>, ctnn::dense<1>> net(7);
        net.layer<0>().param<"u">().value.fill(u);  // every unit's own recurrent weight
        // [indrnn-init]
        return gradient_reach(net, batch);
    };
    const auto at_one = indrnn_with(1.0), at_nine_tenths = indrnn_with(0.9);

    std::printf("adding problem, T = %zu, 64 sequences: ‖∂L/∂h_t‖ relative to t = T−1, at the first step\n", steps);
    std::printf("%6s %12s %14s %16s\n", "t", "tanh rnn", "indrnn u = 1", "indrnn u = 0.9");
    const std::size_t stride = steps >= 5 ? steps / 5 : 1;
    for (std::size_t t = steps; t-- > 0;)
        if (t + 1 == steps || t % stride == 0)
            std::printf("%6zu %12.3e %14.3e %16.3e\n", t, plain[t], at_one[t], at_nine_tenths[t]);
    // A unit active at every step carries u^(T−1) of its gradient back to t = 0; units that are
    // not lose theirs, alike for both u (W and the data are the same): the ratio of the two
    // reaches is 0.9^(T−1) up to how the active units' share moves with u.
    const double expected_ratio = std::pow(0.9, double(steps - 1));
    const double ratio = at_nine_tenths.front() / at_one.front();
    std::printf("reach at u = 0.9 over reach at u = 1: %.3e; 0.9^(T−1) = %.3e\n", ratio, expected_ratio);
    std::printf("result: steps=%zu rnn_reach=%.3e indrnn_reach=%.3e indrnn_09_reach=%.3e ratio_over_power=%.3f\n",
                steps, plain.front(), at_one.front(), at_nine_tenths.front(), ratio / expected_ratio);
    const bool reaches = at_one.front() > 0.1 && at_one.front() > 1e6 * plain.front();
    const bool follows_u = ratio > expected_ratio / 2 && ratio < expected_ratio * 2;
    return reaches && follows_u ? 0 : 1;
}
