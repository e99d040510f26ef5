// What a regularizer (penalty) policy must provide.
#pragma once

#include <concepts>
#include <string_view>

namespace ctnn {

namespace detail {
/// The smallest network a penalty may be applied to: layers that visit their parameters.
struct regularizer_network_archetype {
    template <class F>
    void for_each_layer(F&&) {}
};
}  // namespace detail

/// Adds its penalty's gradient to the selected parameters' grads after backward and returns the
/// penalty, which the trainer adds to the reported loss.
template <class R>
concept regularizer_policy = std::copy_constructible<R>
                             && requires(const R& r, detail::regularizer_network_archetype& net) {
                                    { R::name } -> std::convertible_to<std::string_view>;
                                    { r.apply(net) } -> std::convertible_to<double>;
                                };

}  // namespace ctnn
