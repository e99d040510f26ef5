// What a gradient-clip policy must provide.
#pragma once

#include <concepts>
#include <string_view>

#include "ctnn/clip/clip_result.hpp"
#include "ctnn/core/parameter.hpp"

namespace ctnn {

namespace detail {
/// The smallest thing a clip policy may be applied to: something that visits parameters.
struct parameter_set_archetype {
    parameter<double, 2> w;
    parameter<double, 1> b;
    template <class F>
    void for_each_parameter(F&& f) {
        f(w);
        f(b);
    }
};
}  // namespace detail

/// Rescales the gradients of a parameter set in place and reports the total norm it measured
/// before clipping and whether every gradient was finite. A non-finite set is left untouched.
template <class C>
concept clip_policy = requires(const C& c, detail::parameter_set_archetype& params) {
    { c.apply(params) } -> std::same_as<clip_result>;
    { C::name } -> std::convertible_to<std::string_view>;
};

}  // namespace ctnn
