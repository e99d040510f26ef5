// A node defined by constants alone (let(n, 2_c)) has no width to take from a variable: one
// diagnostic names it, and none follows about the width of the equation that reads it.
#include <ctnn/core.hpp>

using namespace ctnn::expr;

struct scaled {
    static constexpr std::string_view name = "scaled";
    static constexpr auto n = node<"n">;
#ifdef CTNN_MUST_FAIL
    static constexpr auto equations = ctnn::expr::equations(let(n, 2_c), output(tanh(linear<"a", 4>(x)) * n));
#else
    static constexpr auto equations = ctnn::expr::equations(let(n, 2_c * x), output(tanh(linear<"a", 4>(n))));
#endif
};
using net = ctnn::network<ctnn::input<3>, ctnn::expression_layer<scaled>, ctnn::dense<1>>;
int main() { return int(net::output_width); }
