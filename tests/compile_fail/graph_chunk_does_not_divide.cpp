// A gated linear unit of 7 rows: chunk<0, 2> and chunk<1, 2> split them into two halves, which
// 7 does not allow. The graph refuses it once, at the first chunk, naming the node, the
// operand's width and the number of blocks; the second chunk of the same split is not a second
// error.
#include <ctnn/core.hpp>
#include <ctnn/layers/expression_layer.hpp>

namespace {
using namespace ctnn::expr;
template <std::size_t Rows>
struct glu {
    static constexpr std::string_view name = "glu";
    static constexpr auto g = node<"g">;
    static constexpr auto equations =
        ctnn::expr::equations(let(g, linear<"both", Rows>(x)), output(chunk<0, 2>(g) * sigmoid(chunk<1, 2>(g))));
};
}  // namespace

#ifdef CTNN_MUST_FAIL
using block = ctnn::expression_layer<glu<7>>;
#else
using block = ctnn::expression_layer<glu<8>>;
#endif
using net = ctnn::network<ctnn::input<4>, block, ctnn::dense<1>>;
int main() {
    net n;
    return net::depth == 2 ? 0 : 1;
}
