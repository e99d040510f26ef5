// A user-written activation that forgot its derivative.
#include <ctnn/ctnn.hpp>

struct forward_only {
    static constexpr std::string_view name = "forward_only";
    static constexpr bool derivative_needs_preactivation = false;
    template <class E>
    static auto forward(const E& z) {
        return xt::abs(z);
    }
#ifndef CTNN_MUST_FAIL
    template <class Z, class A>
    static auto derivative(const Z& z, const A&) {
        using T = typename Z::value_type;
        return xt::where(z > T(0), T(1), T(-1));
    }
#endif
};
using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, forward_only>, ctnn::dense<1>>;
int main() { return int(net::parameter_count) == 61 ? 0 : 1; }
