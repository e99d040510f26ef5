// A user-written optimizer that does not say what it keeps per parameter: the trainer holds
// that state (one optim::parameter_state per parameter), so it needs the buffers' names.
#include <ctnn/ctnn.hpp>

struct momentum_sgd {
    static constexpr std::string_view name = "momentum_sgd";
#ifndef CTNN_MUST_FAIL
    static constexpr std::array<std::string_view, 1> state_names{"momentum_buffer"};
#endif
    double lr = 0.1;
    void validate() const {}
    template <class P, class S>
    void prepare(const P& p, S& s) const {
        if (s.buffers[0].size() != p.size()) s.buffers[0] = xt::zeros<typename P::scalar>({p.size()});
    }
    template <class P, class S>
    void update(P& p, S& s) const {
        auto b = xt::adapt(s.buffers[0].data(), p.size(), xt::no_ownership(), std::array<std::size_t, 1>{p.size()});
        auto g = xt::adapt(p.grad.data(), p.size(), xt::no_ownership(), std::array<std::size_t, 1>{p.size()});
        auto w = xt::adapt(p.value.data(), p.size(), xt::no_ownership(), std::array<std::size_t, 1>{p.size()});
        b = 0.9 * b + g;
        w -= lr * b;
    }
};
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer<net, ctnn::loss::mse, momentum_sgd> trainer{model};
    return int(trainer.steps());
}
