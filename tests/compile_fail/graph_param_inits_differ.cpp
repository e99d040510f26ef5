// One param name given two init policies: a param is one vector, drawn one way, so the graph
// refuses it, naming the param and both policies.
#include <ctnn/core.hpp>

using namespace ctnn::expr;

struct gained_pair {
    static constexpr std::string_view name = "gained_pair";
    static constexpr auto a = node<"a">;
#ifdef CTNN_MUST_FAIL
    static constexpr auto equations = ctnn::expr::equations(
        let(a, param<"g", 4, ctnn::init::uniform> * tanh(linear<"f", 4>(x))),
        output(a + param<"g", 4, ctnn::init::zeros> * linear<"k", 4>(x)));
#else
    static constexpr auto equations = ctnn::expr::equations(
        let(a, param<"g", 4, ctnn::init::uniform> * tanh(linear<"f", 4>(x))),
        output(a + param<"g", 4, ctnn::init::uniform> * linear<"k", 4>(x)));
#endif
};
using net = ctnn::network<ctnn::input<3>, ctnn::expression_layer<gained_pair>, ctnn::dense<1>>;

int main() {
    net n(1);
    return net::depth == 2 ? 0 : 1;
}
