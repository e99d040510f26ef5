// named_affine_layer: the affine back end (affine_layer.hpp) for an expression layer whose one
// product is named, f(linear<"f", N>(x)), with graph_layer's accessors for that product's
// parameters, `weight<"f">()` and `bias<"f">()`. Which back end a layer's equations select is
// the library's choice, not the user's, so code that reads a layer's parameters by name works on
// either. (dense's product is unnamed: it stays affine_layer, with nn.Linear's `weight` and
// `bias` members.)
#pragma once

#include <cstddef>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/expr/term.hpp"
#include "ctnn/layers/affine_layer.hpp"

namespace ctnn {

/// `Names::product` is the product's name; the parameters stay the base's `weight` and `bias`
/// members, which these accessors hide, as graph_layer has no such members either.
template <class T, std::size_t In, std::size_t Out, class Activation, class Init, bool InputGradient, class Names>
class named_affine_layer : public affine_layer<T, In, Out, Activation, Init, InputGradient, Names> {
    using base = affine_layer<T, In, Out, Activation, Init, InputGradient, Names>;

    template <expr::fixed_string Name>
    static constexpr void check_name() {
        static_assert(Name.view() == Names::product || diagnostics::no_linear_term_named<diagnostics::name<Name>>::value,
                      "ctnn: weight<Name>() or bias<Name>(): the equations have no linear<Name, ...> term of this name");
    }

public:
    /// The weight and the bias of the term linear<Name, ...>: `layer.weight<"f">()`.
    template <expr::fixed_string Name>
    parameter<T, 2>& weight() {
        check_name<Name>();
        return base::weight;
    }
    template <expr::fixed_string Name>
    const parameter<T, 2>& weight() const {
        check_name<Name>();
        return base::weight;
    }
    template <expr::fixed_string Name>
    parameter<T, 1>& bias() {
        check_name<Name>();
        return base::bias;
    }
    template <expr::fixed_string Name>
    const parameter<T, 1>& bias() const {
        check_name<Name>();
        return base::bias;
    }
};

}  // namespace ctnn
