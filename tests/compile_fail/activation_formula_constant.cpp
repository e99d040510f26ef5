// A user-written activation whose formula does not read z (it folds to a constant).
#include <ctnn/ctnn.hpp>

using namespace ctnn::expr;

struct flat {
    static constexpr std::string_view name = "flat";
#ifdef CTNN_MUST_FAIL
    static constexpr auto formula = 0_c * z + 1_c;
#else
    static constexpr auto formula = 0.5_c * z + 1_c;
#endif
};
using net = ctnn::network<ctnn::input<4>, ctnn::dense<3, flat>, ctnn::dense<1>>;
int main() {
    net n;  // the whole network: the refusal is its only error
    return int(net::parameter_count) == 19 ? 0 : 1;
}
