// One param name read with two widths: a param is one vector, so the graph refuses it, naming
// the param and both widths.
#include <ctnn/core.hpp>

using namespace ctnn::expr;

struct scaled_pair {
    static constexpr std::string_view name = "scaled_pair";
    static constexpr auto a = node<"a">;
    static constexpr auto b = node<"b">;
#ifdef CTNN_MUST_FAIL
    static constexpr auto equations = ctnn::expr::equations(
        let(a, param<"g", 4> * tanh(linear<"f", 4>(x))), let(b, param<"g", 8> * tanh(linear<"k", 8>(x))),
        output(a + linear<"out", 4>(b)));
#else
    static constexpr auto equations = ctnn::expr::equations(
        let(a, param<"g", 4> * tanh(linear<"f", 4>(x))), let(b, param<"h", 8> * tanh(linear<"k", 8>(x))),
        output(a + linear<"out", 4>(b)));
#endif
};
using net = ctnn::network<ctnn::input<3>, ctnn::expression_layer<scaled_pair>, ctnn::dense<1>>;

int main() {
    net n(1);
    return net::depth == 2 ? 0 : 1;
}
