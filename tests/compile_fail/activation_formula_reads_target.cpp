// A user-written activation whose formula reads a loss's target, which has no value in a layer.
#include <ctnn/ctnn.hpp>

using namespace ctnn::expr;

struct gated {
    static constexpr std::string_view name = "gated";
#ifdef CTNN_MUST_FAIL
    static constexpr auto formula = z * sigmoid(target);
#else
    static constexpr auto formula = z * sigmoid(z);
#endif
};
using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, gated>, ctnn::dense<1>>;
int main() {
    net n;  // the whole network: the refusal is its only error
    return int(net::parameter_count) == 61 ? 0 : 1;
}
