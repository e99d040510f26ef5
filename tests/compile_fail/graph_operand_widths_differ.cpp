// A gated skip connection of 6 units after a layer of 8: its output t⊙tanh(W·x) + (1 − t)⊙x
// adds a 6-wide gate to the 8-wide x, which the graph refuses, naming the node, x and both
// widths.
#include <ctnn/core.hpp>
#include <ctnn/layers/expression_layer.hpp>

namespace {
using namespace ctnn::expr;
template <std::size_t Width>
struct gated_skip {
    static constexpr std::string_view name = "gated_skip";
    static constexpr auto t = node<"t">;
    static constexpr auto equations = ctnn::expr::equations(
        let(t, sigmoid(linear<"gate", Width>(x))), output(t * tanh(linear<"transform", Width>(x)) + (1_c - t) * x));
};
}  // namespace

#ifdef CTNN_MUST_FAIL
using block = ctnn::expression_layer<gated_skip<6>>;
#else
using block = ctnn::expression_layer<gated_skip<8>>;
#endif
using net = ctnn::network<ctnn::input<4>, ctnn::dense<8, ctnn::tanh>, block, ctnn::dense<1>>;
int main() {
    net n;
    return net::depth == 3 ? 0 : 1;
}
