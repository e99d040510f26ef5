// param<"name">() of a layer whose equations read no param<"name", W>: the diagnostic names the
// name asked for.
#include <ctnn/core.hpp>

using namespace ctnn::expr;

struct gain {
    static constexpr std::string_view name = "gain";
    static constexpr auto equations = ctnn::expr::equations(output(param<"gain", 4> * tanh(linear<"f", 4>(x))));
};
using net = ctnn::network<ctnn::input<3>, ctnn::expression_layer<gain>, ctnn::dense<1>>;

int main() {
    net n(1);
#ifdef CTNN_MUST_FAIL
    return n.layer<0>().param<"gian">().value.size() == 4 ? 0 : 1;
#else
    return n.layer<0>().param<"gain">().value.size() == 4 ? 0 : 1;
#endif
}
