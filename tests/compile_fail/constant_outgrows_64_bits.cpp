// A user-written activation whose exact constants multiply past 64-bit integers.
#include <ctnn/ctnn.hpp>

using namespace ctnn::expr;

struct scaled_square {
    static constexpr std::string_view name = "scaled_square";
#ifdef CTNN_MUST_FAIL
    static constexpr auto formula = 0.123456789012345678_c * 0.123456789012345678_c * z * z;
#else
    static constexpr auto formula = 0.123456789_c * 0.123456789_c * z * z;
#endif
};
using net = ctnn::network<ctnn::input<4>, ctnn::dense<3, scaled_square>, ctnn::dense<1>>;
int main() { return int(net::parameter_count) == 19 ? 0 : 1; }
