// What an optimizer policy must provide.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "ctnn/core/parameter.hpp"
#include "ctnn/optim/largest_values.hpp"
#include "ctnn/optim/parameter_state.hpp"

namespace ctnn {

namespace detail {
template <class T>
inline constexpr bool is_name_array = false;
template <std::size_t N>
inline constexpr bool is_name_array<std::array<std::string_view, N>> = true;
}  // namespace detail

/// The names of the buffers the optimizer keeps per parameter, PyTorch's state keys
/// (`static constexpr std::array<std::string_view, K> state_names`; K may be 0).
template <class O>
concept optimizer_has_state_names = requires {
    requires detail::is_name_array<std::remove_cv_t<decltype(O::state_names)>>;
};

template <class O>
concept optimizer_has_update =
    optimizer_has_state_names<O>
    && requires(const O& o, parameter<double, 2>& w, parameter<float, 1>& b, optim::state_of<O, double>& ws,
                optim::state_of<O, float>& bs) {
           o.prepare(w, ws);
           o.update(w, ws);
           o.prepare(b, bs);
           o.update(b, bs);
       };

template <class O>
concept optimizer_has_learning_rate = requires(O& o) {
    { o.lr } -> std::convertible_to<double>;
    o.lr = 0.1;
};

template <class O>
concept optimizer_has_traits = std::copy_constructible<O> && requires(const O& o) {
    { O::name } -> std::convertible_to<std::string_view>;
    o.validate();
};

/// Optional: `update_stays_finite(p, state, largest, gradient_bound)` is true only if
/// `update(p, state)` certainly writes finite values to p and to every buffer of its state, given
/// the largest magnitudes of p's values and of the buffers as they are now (`largest`, read by the
/// trainer) and every |g| at most `gradient_bound` (clip_result::gradient_bound). The trainer
/// then keeps no copy of the weights and state to undo the update with: the copy is otherwise
/// taken before every update (a finite gradient can still overflow a step). False whenever in
/// doubt. An optimizer whose settings rule the bound out whatever the values may also say so in
/// `bool can_bound_update() const`: the trainer then does not read the largest values.
template <class O>
concept optimizer_bounds_its_update =
    requires(const O& o, const parameter<double, 2>& w, const parameter<float, 1>& b,
             const optim::state_of<O, double>& ws, const optim::state_of<O, float>& bs,
             const optim::largest_values<optim::state_buffer_count<O>>& largest, double bound) {
        { o.update_stays_finite(w, ws, largest, bound) } -> std::same_as<bool>;
        { o.update_stays_finite(b, bs, largest, bound) } -> std::same_as<bool>;
    };

/// Updates one parameter from its gradient (`update(p, state)`), after `prepare(p, state)`
/// allocated the buffers its settings use in that parameter's optim::parameter_state (the
/// trainer keeps one per parameter); `lr` is a public member so schedules and users can change
/// it between steps; `validate()` throws ctnn::invalid_argument for hyper-parameters outside
/// their domain.
template <class O>
concept optimizer_policy =
    optimizer_has_update<O> && optimizer_has_learning_rate<O> && optimizer_has_traits<O>;

}  // namespace ctnn
