// A user-written activation whose formula reads a run-time setting<>: a layer holds no
// activation object to read it from (a loss's formula may).
#include <ctnn/ctnn.hpp>

using namespace ctnn::expr;

struct scaled {
    static constexpr std::string_view name = "scaled";
    double k = 2.0;
#ifdef CTNN_MUST_FAIL
    static constexpr auto formula = setting<"k", &scaled::k>{} * tanh(z);
#else
    static constexpr auto formula = 2_c * tanh(z);
#endif
};
using net = ctnn::network<ctnn::input<4>, ctnn::dense<3, scaled>, ctnn::dense<1>>;
int main() {
    net n;  // the whole network: the refusal is its only error
    return int(net::parameter_count) == 19 ? 0 : 1;
}
