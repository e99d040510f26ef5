// z (an activation's pre-activation) in a layer's equations: no equation defines it there. A
// layer of the affine form f(linear(x)) once took it silently for the product.
#include <ctnn/core.hpp>
#include <ctnn/layers/expression_layer.hpp>

namespace {
using namespace ctnn::expr;
struct squared {
    static constexpr std::string_view name = "squared";
#ifdef CTNN_MUST_FAIL
    static constexpr auto equations = ctnn::expr::equations(output(linear<"a", 3>(x) * z));
#else
    static constexpr auto equations = ctnn::expr::equations(output(pow<2>(linear<"a", 3>(x))));
#endif
};
}  // namespace

using net = ctnn::network<ctnn::input<4>, ctnn::expression_layer<squared>, ctnn::dense<1>>;
int main() {
    net n;
    return net::depth == 2 ? 0 : 1;
}
