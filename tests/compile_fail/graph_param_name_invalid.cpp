// A param named like a product's saved parameter ("f.bias"): its saved name would be that
// parameter's too, so a param's name has no '.'. The diagnostic names it.
#include <ctnn/core.hpp>

using namespace ctnn::expr;

struct shifted {
    static constexpr std::string_view name = "shifted";
#ifdef CTNN_MUST_FAIL
    static constexpr auto equations = ctnn::expr::equations(output(tanh(linear<"f", 4>(x)) * param<"f.bias", 4>));
#else
    static constexpr auto equations = ctnn::expr::equations(output(tanh(linear<"f", 4>(x)) * param<"f_gain", 4>));
#endif
};
using net = ctnn::network<ctnn::input<3>, ctnn::expression_layer<shifted>, ctnn::dense<1>>;

int main() {
    net n(1);
    return net::depth == 2 ? 0 : 1;
}
