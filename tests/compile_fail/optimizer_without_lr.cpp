// A user-written optimizer without the public `lr` member schedules need.
#include <ctnn/ctnn.hpp>

struct optimizer_without_lr {
    static constexpr std::string_view name = "optimizer_without_lr";
    static constexpr std::array<std::string_view, 0> state_names{};
#ifndef CTNN_MUST_FAIL
    double lr = 0.1;
#endif
    void validate() const {}
    template <class P, class S>
    void prepare(const P&, S&) const {}
    template <class P, class S>
    void update(P& p, S&) const {
        xt::noalias(p.value) -= 0.1 * p.grad;
    }
};
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer<net, ctnn::loss::mse, optimizer_without_lr> trainer{model};
    return int(trainer.steps());
}
