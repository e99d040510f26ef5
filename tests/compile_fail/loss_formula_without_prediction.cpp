// A user-written loss whose formula never reads ŷ: its gradient would be 0 and nothing would
// train, so it is refused as activations without z are.
#include <ctnn/ctnn.hpp>

using namespace ctnn::expr;

struct target_energy {
    static constexpr std::string_view name = "target_energy";
#ifdef CTNN_MUST_FAIL
    static constexpr auto formula = pow<2>(target);
#else
    static constexpr auto formula = pow<2>(prediction) * pow<2>(target);
#endif
};
using net = ctnn::network<ctnn::input<3>, ctnn::dense<1>>;
int main() {
    net model;
    ctnn::trainer trainer{model, ctnn::optim::sgd{.lr = 0.1}, target_energy{}};
    return int(trainer.steps());
}
