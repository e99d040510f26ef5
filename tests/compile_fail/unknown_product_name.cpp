// weight<"name">() of an expression layer whose equations have no linear<"name", ...> term: the
// diagnostic names the name asked for.
#include <ctnn/core.hpp>

using namespace ctnn::expr;

template <std::size_t Width>
struct gated {
    static constexpr std::string_view name = "gated";
    static constexpr auto g = node<"g">;
    static constexpr auto equations = ctnn::expr::equations(
        let(g, sigmoid(linear<"gate", Width>(x))), output(g * tanh(linear<"transform", Width>(x))));
};
using net = ctnn::network<ctnn::input<4>, ctnn::expression_layer<gated<4>>, ctnn::dense<1>>;

int main() {
    net n(1);
#ifdef CTNN_MUST_FAIL
    return n.layer<0>().weight<"gat">().value.size() == 16 ? 0 : 1;
#else
    return n.layer<0>().weight<"gate">().value.size() == 16 ? 0 : 1;
#endif
}
