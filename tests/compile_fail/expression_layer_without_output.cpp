// A layer whose equations define nodes but no output(e): it would pass nothing on (it once
// passed uninitialised memory, its width silently the input's). Refused, naming the definition.
#include <ctnn/core.hpp>
#include <ctnn/layers/expression_layer.hpp>

namespace {
using namespace ctnn::expr;
struct squashed {
    static constexpr std::string_view name = "squashed";
    static constexpr auto t = node<"t">;
#ifdef CTNN_MUST_FAIL
    static constexpr auto equations = ctnn::expr::equations(let(t, tanh(linear<"a", 3>(x))));
#else
    static constexpr auto equations = ctnn::expr::equations(let(t, tanh(linear<"a", 3>(x))), output(t * t));
#endif
};
}  // namespace

using net = ctnn::network<ctnn::input<4>, ctnn::expression_layer<squashed>, ctnn::dense<1>>;
int main() {
    net n;
    return net::depth == 2 ? 0 : 1;
}
