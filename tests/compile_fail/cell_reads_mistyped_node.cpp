// A cell whose next(h, ...) reads a node name no equation defines (a typo of "gates"): the one
// error names the state's update and the mistyped node, not the widths the missing node lacks
// (the cell's output width, the state's).
#include <ctnn/core.hpp>
#include <ctnn/layers/recurrent_cell.hpp>

namespace {
using namespace ctnn::expr;
template <std::size_t H>
struct elman_cell {
    static constexpr std::string_view name = "elman_cell";
    static constexpr auto h = state<"h", H>;
#ifdef CTNN_MUST_FAIL
    static constexpr auto equations = ctnn::expr::equations(
        let(node<"gates">, linear<"ih", H>(x) + linear<"hh", H, false>(h)), next(h, tanh(node<"gtaes">)));
#else
    static constexpr auto equations = ctnn::expr::equations(
        let(node<"gates">, linear<"ih", H>(x) + linear<"hh", H, false>(h)), next(h, tanh(node<"gates">)));
#endif
};
}  // namespace

using net = ctnn::network<ctnn::sequence<2>, ctnn::recurrent_cell<elman_cell<4>>, ctnn::dense<1>>;
int main() {
    net n;
    return net::depth == 2 ? 0 : 1;
}
