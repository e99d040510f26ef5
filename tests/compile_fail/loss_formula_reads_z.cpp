// A user-written loss whose formula reads z, a layer's pre-activation, which a loss has no value
// for (it reads ŷ and y), given to the trainer in any order.
#include <ctnn/ctnn.hpp>

using namespace ctnn::expr;

struct squared_error {
    static constexpr std::string_view name = "squared_error";
#ifdef CTNN_MUST_FAIL
    static constexpr auto formula = pow<2>(z - target);
#else
    static constexpr auto formula = pow<2>(prediction - target);
#endif
};
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer trainer{model, ctnn::optim::sgd{.lr = 0.1}, squared_error{}};
    return int(trainer.steps());
}
