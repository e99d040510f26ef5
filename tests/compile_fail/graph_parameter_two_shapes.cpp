// One parameter name used for two products of different widths: the graph defines each product
// once, and refuses the second, naming it.
#include <ctnn/core.hpp>
#include <ctnn/layers/expression_layer.hpp>

namespace {
using namespace ctnn::expr;
struct gated {
    static constexpr std::string_view name = "gated";
#ifdef CTNN_MUST_FAIL
    static constexpr auto equations = ctnn::expr::equations(
        output(sigmoid(linear<"w", 4>(x)) * linear<"w", 4>(tanh(linear<"w", 4>(x)))));
#else
    static constexpr auto equations = ctnn::expr::equations(
        output(sigmoid(linear<"w", 4>(x)) * linear<"v", 4>(tanh(linear<"w", 4>(x)))));
#endif
};
}  // namespace

using net = ctnn::network<ctnn::input<3>, ctnn::expression_layer<gated>, ctnn::dense<1>>;
int main() {
    net n;
    return net::depth == 2 ? 0 : 1;
}
