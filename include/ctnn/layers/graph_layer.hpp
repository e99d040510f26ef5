// The layer that runs a graph of equations (expr/graph.hpp): forward in node order, backward in
// reverse with every derivative derived at compile time, and, for a graph with states, one
// back-propagation-through-time driver for any cell.
//
// Layout. Every variable is a (width, L) block of rows in one value arena and one gradient
// arena, with step t at columns [t·B, (t+1)·B): a whole-matrix expression over the arenas is
// evaluated on one step's block without copies (evaluate_block_into). For a graph with states
// L = (T+1)·B, and a state's rows hold h_{−1} … h_{T−1}: block t is the state read at step t,
// and its new value at step t is the same rows shifted by one block, so nothing is copied from
// one step to the next. Without states L = T·B (the columns) and there is one step.
//
// Products whose operand is x run once over every step (one matrix product), forward and
// backward; the others run per step. Weight gradients are one product each over all steps.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/core/parameter.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/core/time_reach.hpp"
#include "ctnn/detail/activation_stage.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/message.hpp"
#include "ctnn/detail/norms.hpp"
#include "ctnn/detail/recurrent_product.hpp"
#include "ctnn/detail/sequence_layout.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/expr/derivative.hpp"
#include "ctnn/expr/evaluate.hpp"
#include "ctnn/expr/graph.hpp"
#include "ctnn/init/fans.hpp"

namespace ctnn {

namespace detail {
inline constexpr std::string_view weight_suffix = ".weight";
inline constexpr std::string_view bias_suffix = ".bias";
/// A graph layer's RecurrentInit when it has none of its own: its `initializer` draws every
/// weight, the products of a state's too.
struct same_initializer {};
/// A graph layer's parameter names: `f.weight` and `f.bias` for a term linear<"f", ...>.
struct dotted_parameter_names {
    template <const std::string_view& Name>
    static constexpr std::string_view weight = expr::join<Name, weight_suffix>::value;
    template <const std::string_view& Name>
    static constexpr std::string_view bias = expr::join<Name, bias_suffix>::value;
};
}  // namespace detail

/// A graph of equations as a layer inside a network. `Definition` holds `equations` and `name`;
/// a graph with states is run along the time axis (Recurrent), returning every step's output
/// or the last one's. `RecurrentInit` draws the weights of the products of a state (W_hh),
/// `Init` every other weight and every bias (all of them without a RecurrentInit).
/// `Names` names the parameters in saved models.
template <class T, std::size_t In, class Definition, class Init, bool ReturnsSequence, bool InputGradient,
          class RecurrentInit = detail::same_initializer, class Names = detail::dotted_parameter_names>
class graph_layer {
    using graph = expr::compiled_graph<std::remove_cvref_t<decltype(Definition::equations)>, In>;
    static_assert(graph::checked);
    using nodes = typename graph::nodes;
    using states = typename graph::states;
    using output_variable = typename graph::output;
    template <class... X>
    using list = expr::type_list<X...>;

    template <class N>
    static constexpr bool is_product = expr::detail_graph::is_product<N>::value;
    template <class N>
    static constexpr bool is_chunk = expr::detail_graph::is_chunk<N>::value;
    template <class N>
    static constexpr bool product_with_bias = [] {
        if constexpr (is_product<N>)
            return N::has_bias;
        else
            return false;
    }();
    template <class V>
    static constexpr bool is_updated = !std::is_void_v<typename expr::detail_graph::updated_state<V>::type>;
    template <class V>
    static constexpr std::size_t width = graph::template width<V>();
    using input_variable = expr::var<expr::input_tag>;

public:
    using scalar = T;
    static constexpr std::string_view kind = Definition::name;
    static constexpr std::size_t input_width = In;
    static constexpr std::size_t output_width = width<output_variable>;
    static constexpr bool recurrent = graph::recurrent;
    static constexpr bool returns_sequence = ReturnsSequence;
    static constexpr bool computes_input_gradient = InputGradient;

private:
    template <class F>
    static constexpr void for_each_node(F&& f) {
        [&]<class... N>(list<N...>) { (f(std::type_identity<N>{}), ...); }(nodes{});
    }
    template <class F>
    static constexpr void for_each_node_reversed(F&& f) {
        [&]<class... N>(list<N...>) {
            using in_order = std::tuple<N...>;
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (f(std::type_identity<std::tuple_element_t<sizeof...(N) - 1 - I, in_order>>{}), ...);
            }(std::index_sequence_for<N...>{});
        }(nodes{});
    }
    template <class F>
    static constexpr void for_each_state(F&& f) {
        [&]<class... S>(list<S...>) { (f(std::type_identity<S>{}), ...); }(states{});
    }
    using param_variables = typename graph::params;
    template <class F>
    static constexpr void for_each_param(F&& f) {
        [&]<class... P>(list<P...>) { (f(std::type_identity<P>{}), ...); }(param_variables{});
    }
    template <class P>
    static constexpr bool is_param = expr::detail_graph::is_param<P>::value;
    /// X's position in the type list.
    template <class X, class... L>
    static constexpr std::size_t position_in(list<L...>) {
        std::size_t k = 0;
        bool found = false;
        ((found = found || std::is_same_v<L, X>, k += found ? 0 : 1), ...);
        return k;
    }
    /// The widths of the variables before X in the type list (states and params: their rows).
    template <class X, class... L>
    static constexpr std::size_t rows_before(list<L...>) {
        std::size_t rows = 0;
        bool found = false;
        ((found = found || std::is_same_v<L, X>, rows += found ? 0 : L::tag_type::width), ...);
        return rows;
    }
    template <class P>
    static constexpr std::size_t param_index() {
        return position_in<P>(param_variables{});
    }
    static constexpr std::size_t param_count = [] {
        std::size_t k = 0;
        for_each_param([&]<class P>(std::type_identity<P>) {
            if constexpr (!std::is_same_v<typename P::tag_type::init, expr::layer_init>)
                static_assert(diagnostics::check_initializer<typename P::tag_type::init>());
            ++k;
        });
        return k;
    }();
    template <class S>
    static constexpr std::size_t state_index() {
        return position_in<S>(states{});
    }
    template <class N>
    static constexpr bool product_of_state = [] {
        if constexpr (is_product<N>)
            return expr::detail_graph::is_state<typename N::operand>::value;
        else
            return false;
    }();

    /// Whether any element-wise node reads x: then x is copied into the arena, as wide as L.
    static constexpr bool copies_input = [] {
        bool reads = false;
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (is_chunk<N>)
                reads = reads || std::is_same_v<typename N::operand, input_variable>;  // rows of x
            else if constexpr (!is_product<N>)
                reads = reads || expr::contains_v<input_variable, typename N::expression>;
        });
        return reads;
    }();
    /// x's rows in the arenas: its values when an element-wise node reads them, dL/dx when the
    /// layer sends it down; otherwise none.
    static constexpr std::size_t x_rows = copies_input || InputGradient ? In : 0;

    template <class V>
    using fused_into = typename graph::template fused_into<V>;
    template <class N>
    static constexpr bool is_fused_product = [] {
        if constexpr (is_product<N>)
            return !std::is_void_v<fused_into<typename N::variable>>;
        else
            return false;
    }();
    template <class N>
    static constexpr bool is_fused_sum = [] {
        if constexpr (!is_product<N> && !is_chunk<N>)
            return graph::template is_fused_sum<typename N::variable>();
        else
            return false;
    }();
    /// A fused product's first operand fills the sum's storage, the second adds to it.
    template <class N>
    static constexpr bool fills_storage = [] {
        if constexpr (is_fused_product<N>)
            return std::is_same_v<typename N::variable,
                                  typename expr::detail_graph::sum_operands<typename graph::template node_of<
                                      fused_into<typename N::variable>>::expression>::first>;
        else
            return true;
    }();
    /// The product node that fills a fused product's storage.
    template <class V>
    using first_of_sum = typename graph::template node_of<typename expr::detail_graph::sum_operands<
        typename graph::template node_of<fused_into<V>>::expression>::first>;

    template <class N>
    static constexpr bool shares_first_bias_gradient = [] {
        if constexpr (!fills_storage<N>)
            return product_with_bias<first_of_sum<typename N::variable>>;
        else
            return false;
    }();

    /// Whether dL/dU is written by one node, once per step (then `=`, and nothing to zero first):
    /// a node (not x, a state, a chunk, a fused product or the output, which receives the
    /// gradient from above) read by one product, or by one element-wise node whose derivative in
    /// U is not identically 0 (sign(u), a comparison: such a reader writes nothing).
    template <class U>
    static constexpr bool assigned = [] {
        if constexpr (std::is_same_v<U, input_variable> || expr::detail_graph::is_state<U>::value || is_updated<U>
                      || is_param<U> || std::is_same_v<U, output_variable>) {
            return false;
        } else {
            using N = typename graph::template node_of<U>;
            if constexpr (is_chunk<N> || is_fused_product<N> || graph::template readers<U>() != 1) {
                return false;
            } else {
                bool writes = false;
                for_each_node([&]<class M>(std::type_identity<M>) {
                    if constexpr (is_product<M>)
                        writes = writes || std::is_same_v<typename M::operand, U>;
                    else if constexpr (!is_chunk<M>)
                        writes = writes || !expr::is_zero_v<expr::derivative_t<typename M::expression, U>>;
                });
                return writes;
            }
        }
    }();

    template <class N>
    static constexpr bool owns_rows =
        (is_product<N> && !is_fused_product<N>) || (!is_product<N> && !is_chunk<N> && !is_updated<typename N::variable>);

    static constexpr std::size_t state_rows = [] {
        std::size_t rows = 0;
        for_each_state([&]<class S>(std::type_identity<S>) { rows += S::tag_type::width; });
        return rows;
    }();
    /// Each param's value repeated along its rows (what the equations read, as they read a
    /// bias-filled block), and its per-column gradient, summed after the steps.
    static constexpr std::size_t param_rows = [] {
        std::size_t rows = 0;
        for_each_param([&]<class P>(std::type_identity<P>) { rows += P::tag_type::width; });
        return rows;
    }();

    /// First row of V in the arenas; `shifted`: the rows are read one block (B columns) on.
    struct location {
        std::size_t row;
        bool shifted;
    };
    template <class V>
    static constexpr location locate() {
        if constexpr (std::is_same_v<V, input_variable>) {
            return {0, false};
        } else if constexpr (expr::detail_graph::is_state<V>::value) {
            return {x_rows + rows_before<V>(states{}), false};
        } else if constexpr (is_param<V>) {
            return {x_rows + state_rows + rows_before<V>(param_variables{}), false};
        } else if constexpr (is_updated<V>) {
            return {locate<typename expr::detail_graph::updated_state<V>::type>().row, true};
        } else {
            using N = typename graph::template node_of<V>;
            if constexpr (is_fused_product<N>) {
                return locate<fused_into<V>>();
            } else if constexpr (is_chunk<N>) {
                constexpr location of = locate<typename N::operand>();
                return {of.row + N::index * (width<typename N::operand> / N::count), of.shifted};
            } else {
                std::size_t row = x_rows + state_rows + param_rows;
                bool found = false;
                for_each_node([&]<class M>(std::type_identity<M>) {
                    found = found || std::is_same_v<typename M::variable, V>;
                    if constexpr (owns_rows<M>)
                        if (!found) row += width<typename M::variable>;
                });
                return {row, false};
            }
        }
    }
    static constexpr std::size_t arena_rows = [] {
        std::size_t rows = x_rows + state_rows + param_rows;
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (owns_rows<N>) rows += width<typename N::variable>;
        });
        return rows;
    }();

    /// The products in order, each with its parameters' position.
    template <class V>
    static constexpr std::size_t product_index() {
        std::size_t k = 0;
        bool found = false;
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (is_product<N>) {
                found = found || std::is_same_v<typename N::variable, V>;
                if (!found) ++k;
            }
        });
        return k;
    }
    static constexpr std::size_t product_count = [] {
        std::size_t k = 0;
        for_each_node([&]<class N>(std::type_identity<N>) { k += is_product<N> ? 1 : 0; });
        return k;
    }();
    template <expr::fixed_string Name>
    static constexpr std::size_t product_named() {
        constexpr std::size_t k = product_index<expr::var<expr::product_tag<Name>>>();
        static_assert(k < product_count || diagnostics::no_linear_term_named<diagnostics::name<Name>>::value,
                      "ctnn: weight<Name>() or bias<Name>(): the equations have no linear<Name, ...> term of this name");
        return k;
    }
    template <expr::fixed_string Name>
    static constexpr std::size_t param_named() {
        constexpr std::size_t k = [] {
            std::size_t at = 0;
            bool found = false;
            for_each_param([&]<class P>(std::type_identity<P>) {
                found = found || P::tag_type::symbol == Name.view();
                if (!found) ++at;
            });
            return at;
        }();
        static_assert(k < param_count || diagnostics::no_param_named<diagnostics::name<Name>>::value,
                      "ctnn: param<Name>(): the equations read no param<Name, W>");
        return k;
    }

    /// The variables bound while the equations are evaluated: x if read element-wise, every
    /// state, every param and every node.
    template <class States, class Params, class Nodes>
    struct bound_variables;
    template <class... S, class... P, class... N>
    struct bound_variables<list<S...>, list<P...>, list<N...>> {
        using type = std::conditional_t<copies_input, list<input_variable, S..., P..., typename N::variable...>,
                                        list<S..., P..., typename N::variable...>>;
    };
    using variables = typename bound_variables<states, param_variables, nodes>::type;

public:
    static constexpr std::size_t parameter_count = [] {
        std::size_t count = 0;
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (is_product<N>)
                count += N::width * width<typename N::operand> + (N::has_bias ? N::width : 0);
        });
        return count + param_rows;
    }();

    /// The products' weights (width, operand width) and biases (width; empty without bias), in
    /// the order the equations name them.
    std::array<parameter<T, 2>, product_count> weights;
    std::array<parameter<T, 1>, product_count> biases;
    /// Each param<"u", W>'s vector (W), in the order the equations first read them.
    std::array<parameter<T, 1>, param_count> params;
    Init initializer{};
    /// Draws the weights of the products of a state, when the layer was given a RecurrentInit.
    [[no_unique_address]] RecurrentInit recurrent_initializer{};
    /// Each state's value before the first step (h_{−1}, c_{−1}), in the order the equations
    /// name the states; the same for every sequence of a batch; zeros unless set; not trained.
    std::array<tensor<T, 1>, graph::state_count> initial_states;
    /// 0: full back-propagation through time; k > 0: no gradient flows from step t into step
    /// t − 1 where t is a multiple of k (PyTorch: detaching every state every k steps).
    std::size_t bptt_steps = 0;

    graph_layer() {
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (is_product<N>) {
                constexpr std::size_t k = product_index<typename N::variable>();
                weights[k].reshape(std::array<std::size_t, 2>{N::width, width<typename N::operand>});
                if constexpr (N::has_bias) biases[k].reshape(std::array<std::size_t, 1>{N::width});
            }
        });
        for_each_param([&]<class P>(std::type_identity<P>) {
            params[param_index<P>()].reshape(std::array<std::size_t, 1>{P::tag_type::width});
        });
        for_each_state([&]<class S>(std::type_identity<S>) {
            auto& initial = initial_states[state_index<S>()];
            initial = tensor<T, 1>::from_shape({S::tag_type::width});
            initial.fill(T(0));
        });
    }

    /// The weight and the bias of the term linear<Name, ...>: `layer.weight<"ih">()`.
    template <expr::fixed_string Name>
    parameter<T, 2>& weight() {
        return weights[product_named<Name>()];
    }
    template <expr::fixed_string Name>
    const parameter<T, 2>& weight() const {
        return weights[product_named<Name>()];
    }
    template <expr::fixed_string Name>
    parameter<T, 1>& bias() {
        return biases[product_named<Name>()];
    }
    template <expr::fixed_string Name>
    const parameter<T, 1>& bias() const {
        return biases[product_named<Name>()];
    }

    /// The vector of the term param<Name, W>: `layer.param<"u">()`.
    template <expr::fixed_string Name>
    parameter<T, 1>& param() {
        return params[param_named<Name>()];
    }
    template <expr::fixed_string Name>
    const parameter<T, 1>& param() const {
        return params[param_named<Name>()];
    }

    /// State S's value before the first step: `layer.initial(cell::h)`.
    template <class S>
        requires expr::detail_graph::is_state<S>::value
    tensor<T, 1>& initial(S) {
        return initial_states[state_index<S>()];
    }
    template <class S>
        requires expr::detail_graph::is_state<S>::value
    const tensor<T, 1>& initial(S) const {
        return initial_states[state_index<S>()];
    }

    /// Weights first, then biases, each in the equations' order (PyTorch's order for nn.RNN,
    /// nn.LSTM and nn.GRU), then params; fans are the tensor's own, with the layer's output
    /// width as hidden. A param is drawn as the bias of a product with one input per unit, by
    /// its own init policy if it names one.
    void initialize(rng stream) {
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (is_product<N>)
                initializer_of<N>().weight(weights[product_index<typename N::variable>()].value, fans_of<N>(), stream);
        });
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (product_with_bias<N>)
                initializer.bias(biases[product_index<typename N::variable>()].value, fans_of<N>(), stream);
        });
        for_each_param([&]<class P>(std::type_identity<P>) {
            using own_init = typename P::tag_type::init;
            const init::fans fans{1, 1, recurrent ? output_width : 0};
            if constexpr (std::is_same_v<own_init, expr::layer_init>)
                initializer.bias(params[param_index<P>()].value, fans, stream);
            else
                own_init{}.bias(params[param_index<P>()].value, fans, stream);
        });
    }

    template <class F>
    void for_each_parameter(F&& f) {
        visit_parameters(*this, [&](std::string_view, auto& p) { f(p); });
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        visit_parameters(*this, [&](std::string_view, const auto& p) { f(p); });
    }
    /// The same visit with each parameter's name (`Names`: `f.weight` and `f.bias` for each
    /// linear<"f", ...> term by default).
    template <class F>
    void for_each_named_parameter(F&& f) {
        visit_parameters(*this, f);
    }
    template <class F>
    void for_each_named_parameter(F&& f) const {
        visit_parameters(*this, f);
    }

    /// Sizes the buffers for up to `batch` sequences of up to `steps` steps (only grows).
    void reserve(std::size_t batch, std::size_t steps = 1) {
        if constexpr (!recurrent) steps = 1;
        const std::size_t ld = leading(batch, steps), n = batch * steps;
        detail::ensure_capacity(values_, arena_rows * ld + batch);
        detail::ensure_capacity(gradients_, arena_rows * ld + batch);
        if constexpr (recurrent) {
            detail::ensure_capacity(output_, output_width * (returns_sequence ? n : batch));
            if constexpr (computes_input_gradient) detail::ensure_capacity(input_gradient_, In * n);
            if (time_gradient_norms_.size() < steps) time_gradient_norms_.resize(steps);
        }
        capacity_ = std::max(capacity_, batch);
    }
    std::size_t capacity() const noexcept { return capacity_; }

    // xᵀ (In, columns; ld) -> (output_width, columns), for a graph without states.
    const T* forward(const T* in_t, std::size_t ld, std::size_t columns) requires(!recurrent) {
        run_forward(in_t, ld, columns, 1);
        return pointer<output_variable>(values_.data());
    }
    // xᵀ (In, T·B; ld) -> (output_width, B) at the last step, or (output_width, T·B) every step.
    // `lengths` (B lengths, or empty: all T steps) ends each sequence early: every state is
    // carried through its padding, the output there is 0, and the last step's output is the
    // one at the sequence's own last step. The input and the lengths must stay alive until
    // backward.
    const T* forward(const T* in_t, std::size_t ld, std::size_t batch, std::size_t steps,
                     std::span<const std::size_t> lengths = {}) requires recurrent {
        detail::check_lengths(lengths, batch, steps, kind);
        check_initial_states();  // before anything of the last pass is overwritten
        lengths_ = lengths;
        run_forward(in_t, ld, batch, steps);
        const std::size_t n = batch * steps, l = leading(batch, steps);
        const T* out = pointer<output_variable>(values_.data());
        if constexpr (returns_sequence) {
            detail::copy_block(out, l, output_.data(), n, output_width, n);
            detail::zero_padding(output_.data(), n, output_width, batch, steps, lengths);
        } else {
            detail::copy_block(out + (steps - 1) * batch, l, output_.data(), batch, output_width, batch);
            for (std::size_t b = 0; b < lengths.size(); ++b)  // each sequence's own last step
                for (std::size_t r = 0; r < output_width; ++r)
                    output_[r * batch + b] = out[r * l + (lengths[b] - 1) * batch + b];
        }
        return output_.data();
    }

    // dL/d(output) (output_width, columns), or for a recurrent graph (output_width, B) at the last
    // step or (output_width, T·B) -> every parameter's grad; returns dxᵀ (In, columns) packed, or
    // nullptr for the first layer.
    T* backward(T* d_output) {
        if constexpr (recurrent) detail::refuse_truncation_with_lengths(lengths_, bptt_steps, kind);
        const std::size_t batch = batch_, steps = steps_, n = batch * steps, l = leading(batch, steps);
        T* g = gradients_.data();
        zero_accumulated_gradients(g, l);
        if constexpr (recurrent) {
            backward_steps_ = steps;
            backward_full_length_ =
                std::all_of(lengths_.begin(), lengths_.end(), [&](std::size_t length) { return length == steps; });
        }
        T* d_out = pointer<output_variable>(g);
        if constexpr (!recurrent) detail::copy_block(static_cast<const T*>(d_output), n, d_out, l, output_width, n);
        // the output is 0 at padded steps: nothing comes back from there
        if constexpr (recurrent && returns_sequence) detail::zero_padding(d_output, n, output_width, batch, steps, lengths_);
        with_environment(values_.data(), [&](const auto& env) {
            with_environment(static_cast<const T*>(g), [&](const auto& d_env) {
                for (std::size_t t = steps; t-- > 0;) {
                    if constexpr (recurrent) {
                        if (returns_sequence || t + 1 == steps || !lengths_.empty()) {
                            const T* above = returns_sequence ? d_output + t * batch : d_output;
                            const std::size_t above_ld = returns_sequence ? n : batch;
                            T* here = d_out + t * batch;
                            // the last state's gradient enters at each sequence's own last step
                            const auto enters = [&](std::size_t c) {
                                return returns_sequence || (lengths_.empty() ? t + 1 == steps : t + 1 == lengths_[c]);
                            };
                            for (std::size_t r = 0; r < output_width; ++r)
                                for (std::size_t c = 0; c < batch; ++c)
                                    if (enters(c)) here[r * l + c] += above[r * above_ld + c];
                        }
                        time_gradient_norms_[t] =
                            std::sqrt(detail::block_sum_of_squares(d_out + t * batch, l, output_width, batch));
                        // a padded step passed every state on unchanged: so does its gradient,
                        // and nothing of the step's own nodes takes part
                        if (detail::any_padding_at(lengths_, t))
                            for_each_state([&]<class S>(std::type_identity<S>) {
                                T* read = pointer<S>(g) + t * batch;
                                T* written = read + batch;
                                detail::add_padding_at(static_cast<const T*>(written), l, read, l, S::tag_type::width,
                                                       lengths_, t);
                                detail::zero_padding_at(written, l, S::tag_type::width, lengths_, t);
                            });
                    }
                    backward_step(t, env, d_env);
                    if (recurrent && bptt_steps != 0 && t % bptt_steps == 0) zero_state_blocks(g, t);
                }
            });
        });
        // Every product's weight and bias gradients, and dx through the products of x, each over
        // all steps at once.
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (is_product<N>) {
                using U = typename N::operand;
                constexpr std::size_t k = product_index<typename N::variable>(), m = N::width, w = width<U>;
                const T* d_node = pointer<typename N::variable>(g);
                // a zero initial state's columns (step 0's) add nothing to W's gradient
                const std::size_t skipped = reads_zero_initial_state<U>(0) ? batch : 0;
                if (skipped == n)
                    std::fill(weights[k].grad.begin(), weights[k].grad.end(), T(0));
                else
                    detail::affine_weight_gradient<w, m>(d_node + skipped, l, operand_pointer<U>() + skipped,
                                                         operand_ld<U>(), weights[k].grad.data(), n - skipped);
                if constexpr (N::has_bias) {
                    // the second product of a fused sum has the first's gradient: copy its bias's
                    if constexpr (shares_first_bias_gradient<N>)
                        biases[k].grad = biases[product_index<typename first_of_sum<typename N::variable>::variable>()].grad;
                    else
                        for (std::size_t r = 0; r < m; ++r) biases[k].grad(r) = detail::sum(d_node + r * l, n);
                }
                if constexpr (std::is_same_v<U, input_variable> && computes_input_gradient) {
                    T* dx = pointer<input_variable>(g);  // dx += Wᵀ·d_node, every step at once
                    detail::step_product<In, m, 1, In>(weights[k].value.data(), d_node, l, dx, l, dx, n, l);
                }
            }
        });
        // a param's gradient: its per-column contributions, summed over every step
        for_each_param([&]<class P>(std::type_identity<P>) {
            const T* d_rows = pointer<P>(static_cast<const T*>(g));
            auto& grad = params[param_index<P>()].grad;
            for (std::size_t r = 0; r < P::tag_type::width; ++r) grad(r) = detail::sum(d_rows + r * l, n);
        });
        if constexpr (!computes_input_gradient) {
            return nullptr;
        } else if constexpr (recurrent) {
            detail::copy_block(static_cast<const T*>(pointer<input_variable>(g)), l, input_gradient_.data(), n, In, n);
            return input_gradient_.data();
        } else {
            return pointer<input_variable>(g);
        }
    }

    /// ‖∂L/∂output_t‖ (over the batch) for each step of the last backward pass (a forward pass
    /// alone, evaluate's or predict's, leaves them).
    std::span<const double> time_gradient_norms() const noexcept requires recurrent {
        return {time_gradient_norms_.data(), backward_steps_};
    }
    /// How much of the gradient entering at the last step reached back how far (time_reach), in
    /// the last backward pass: measured for a layer that returns its last state, of sequences
    /// all T steps long (with shorter ones the gradient enters at other steps too).
    time_reach time_gradient_reach() const noexcept requires recurrent {
        if (returns_sequence || !backward_full_length_) return {};
        return time_reach::of(time_gradient_norms(), bptt_steps);
    }
    /// The last forward pass's output, feature-major: (output_width, columns), or for a recurrent
    /// graph (output_width, B) or (output_width, T·B).
    auto output() const {
        if constexpr (recurrent)
            return detail::matrix_view(static_cast<const T*>(output_.data()), output_width, rows());
        else
            return detail::matrix_view(static_cast<const T*>(pointer<output_variable>(values_.data())), output_width,
                                       batch_);
    }
    /// Node V's values at every step of the last forward pass: (width, L), step t at columns
    /// [t·B, (t+1)·B); L = (T+1)·B with states, else the columns.
    template <class V>
    auto values(V) const {
        return detail::matrix_view(static_cast<const T*>(pointer<V>(values_.data())), width<V>,
                                   leading(batch_, steps_));
    }
    /// V's value at each step of the last forward pass, time-major (T, width, B): a state's
    /// new value (h_t), a node's value. A view of the layer's storage, valid until the next pass.
    template <class V>
    auto time_major(V) const {
        return time_major_rows<V>(width<V>);
    }
    std::size_t batch() const noexcept { return batch_; }
    std::size_t steps() const noexcept { return steps_; }
    std::size_t rows() const noexcept { return returns_sequence || !recurrent ? batch_ * steps_ : batch_; }

protected:
    /// `rows` rows from V's first, time-major (T, rows, B).
    template <class V>
    auto time_major_rows(std::size_t rows) const {
        const T* first = pointer<V>(values_.data()) + (expr::detail_graph::is_state<V>::value ? batch_ : 0);
        const std::size_t l = leading(batch_, steps_);
        // the adaptor's size is its shape's (its strides step over the other rows)
        return xt::adapt(first, steps_ * rows * batch_, xt::no_ownership(),
                         std::array<std::size_t, 3>{steps_, rows, batch_},
                         std::array<std::ptrdiff_t, 3>{std::ptrdiff_t(batch_), std::ptrdiff_t(l), 1});
    }
    /// How many rows there are from node First's first through node Last's last.
    template <class First, class Last>
    static constexpr std::size_t rows_through() {
        constexpr location first = locate<First>(), last = locate<Last>();
        static_assert(!first.shifted && !last.shifted && last.row >= first.row);
        return last.row + width<Last> - first.row;
    }
    /// Those rows, time-major (T, rows, B).
    template <class First, class Last>
    auto time_major_through() const {
        return time_major_rows<First>(rows_through<First, Last>());
    }

private:
    static std::size_t leading(std::size_t batch, std::size_t steps) noexcept {
        return recurrent ? batch * (steps + 1) : batch * steps;
    }

    /// Whether U, read at step t, is a state still at its initial value and that value is zero
    /// (the default): a product of it adds nothing.
    template <class U>
    bool reads_zero_initial_state(std::size_t t) const noexcept {
        if constexpr (expr::detail_graph::is_state<U>::value)
            return t == 0 && zero_initial_[state_index<U>()];
        else
            return false;
    }

    /// Zeroes every state's block t of the gradient arena: a cut of truncated back-propagation.
    void zero_state_blocks(T* arena, std::size_t t) const {
        const std::size_t l = leading(batch_, steps_);
        for_each_state([&]<class S>(std::type_identity<S>) {
            T* block = pointer<S>(arena) + t * batch_;
            for (std::size_t r = 0; r < S::tag_type::width; ++r) std::fill_n(block + r * l, batch_, T(0));
        });
    }

    /// Zeroes the gradient rows that are accumulated into: x's, the states', and every node's
    /// that more than one node writes.
    void zero_accumulated_gradients(T* g, std::size_t l) const {
        const auto zero_rows = [&](std::size_t first_row, std::size_t rows) {
            std::fill_n(g + first_row * l, rows * l, T(0));
        };
        if constexpr (computes_input_gradient) zero_rows(0, In);
        zero_rows(x_rows, state_rows + param_rows);
        for_each_node([&]<class N>(std::type_identity<N>) {
            using V = typename N::variable;
            if constexpr (owns_rows<N> && !assigned<V> && !is_updated<V>) zero_rows(locate<V>().row, width<V>);
        });
        std::fill_n(g + arena_rows * l, batch_, T(0));  // the slack a shifted state's view reaches
    }

    /// The init policy that draws product N's weight: recurrent_initializer for a product of a
    /// state when the layer has one, else initializer.
    template <class N>
    const auto& initializer_of() const {
        if constexpr (product_of_state<N> && !std::is_same_v<RecurrentInit, detail::same_initializer>)
            return recurrent_initializer;
        else
            return initializer;
    }

    template <class N>
    static init::fans fans_of() {
        return {width<typename N::operand>, N::width, recurrent ? output_width : 0};
    }

    template <class Self, class F>
    static void visit_parameters(Self& self, F&& f) {
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (is_product<N>)
                f(Names::template weight<N::name>, self.weights[product_index<typename N::variable>()]);
        });
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (product_with_bias<N>)
                f(Names::template bias<N::name>, self.biases[product_index<typename N::variable>()]);
        });
        for_each_param([&]<class P>(std::type_identity<P>) {
            f(P::tag_type::symbol, self.params[param_index<P>()]);
        });
    }

    /// V's (width, L) block in an arena, for the last forward pass's batch and steps.
    template <class V, class P>
    P* pointer(P* arena) const noexcept {
        constexpr location at = locate<V>();
        return arena + at.row * leading(batch_, steps_) + (at.shifted ? batch_ : 0);
    }
    /// A product's operand over all steps: x where the layer was given it, else its arena rows.
    template <class U>
    const T* operand_pointer() const noexcept {
        if constexpr (std::is_same_v<U, input_variable>)
            return input_t_;
        else
            return pointer<U>(static_cast<const T*>(values_.data()));
    }
    template <class U>
    std::size_t operand_ld() const noexcept {
        return std::is_same_v<U, input_variable> ? input_ld_ : leading(batch_, steps_);
    }

    /// Calls f(environment) with every bound variable as a (width, L) view of `arena`.
    template <class F>
    void with_environment(const T* arena, F&& f) const {
        [&]<class... V>(list<V...>) {
            const std::size_t l = leading(batch_, steps_);
            const auto views = std::make_tuple(detail::matrix_view(pointer<V>(arena), width<V>, l)...);
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                f(expr::make_environment<void>(nullptr, expr::bind(V{}, std::get<I>(views))...));
            }(std::index_sequence_for<V...>{});
        }(variables{});
    }

    /// Refuses an initial state of another width than its state's.
    void check_initial_states() const {
        for_each_state([&]<class S>(std::type_identity<S>) {
            const std::size_t size = initial_states[state_index<S>()].size();
            if (size != S::tag_type::width)
                throw shape_error(detail::format_message("ctnn: %.*s: the initial value of state %.*s has %zu elements, "
                                                         "expected %zu (its width)",
                                                         int(kind.size()), kind.data(),
                                                         int(S::tag_type::symbol.size()), S::tag_type::symbol.data(),
                                                         size, S::tag_type::width)
                                      .c_str());
        });
    }

    void run_forward(const T* in_t, std::size_t ld, std::size_t batch, std::size_t steps) {
        input_t_ = in_t;
        input_ld_ = ld;
        batch_ = batch;
        steps_ = steps;
        const std::size_t n = batch * steps, l = leading(batch, steps);
        T* v = values_.data();
        if constexpr (copies_input) detail::copy_block(in_t, ld, pointer<input_variable>(v), l, In, n);
        for_each_state([&]<class S>(std::type_identity<S>) {
            const auto& initial = initial_states[state_index<S>()];
            T* block = pointer<S>(v);
            for (std::size_t r = 0; r < S::tag_type::width; ++r) std::fill_n(block + r * l, batch, initial(r));
            zero_initial_[state_index<S>()] = std::all_of(initial.begin(), initial.end(), [](T e) { return e == T(0); });
        });
        for_each_param([&]<class P>(std::type_identity<P>) {
            const auto& u = params[param_index<P>()].value;
            T* rows = pointer<P>(v);
            for (std::size_t r = 0; r < P::tag_type::width; ++r) std::fill_n(rows + r * l, n, u(r));
        });
        // Biases into every step's block (a fused sum's second product adds its own), then the
        // products of x over all steps at once.
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (is_product<N> && fills_storage<N>) {
                const T* b = N::has_bias ? biases[product_index<typename N::variable>()].value.data() : nullptr;
                T* out = pointer<typename N::variable>(v);
                for (std::size_t r = 0; r < N::width; ++r) std::fill_n(out + r * l, n, b ? b[r] : T(0));
            }
        });
        for_each_node([&]<class N>(std::type_identity<N>) {
            if constexpr (is_product<N>) {
                constexpr std::size_t k = product_index<typename N::variable>();
                T* out = pointer<typename N::variable>(v);
                if constexpr (!fills_storage<N> && N::has_bias)
                    for (std::size_t r = 0; r < N::width; ++r) {
                        const T b = biases[k].value(r);
                        for (std::size_t c = 0; c < n; ++c) out[r * l + c] += b;
                    }
                if constexpr (std::is_same_v<typename N::operand, input_variable>)  // out += W·x, every step
                    detail::step_product<N::width, In, In, 1>(weights[k].value.data(), in_t, ld, out, l, out, n, l);
            }
        });
        with_environment(v, [&](const auto& env) {
            for (std::size_t t = 0; t < steps; ++t) {
                forward_step(t, env);
                if constexpr (recurrent)  // a padded step keeps every state
                    for_each_state([&]<class S>(std::type_identity<S>) {
                        T* read = pointer<S>(v) + t * batch;
                        detail::carry_padding_at(static_cast<const T*>(read), l, read + batch, l, S::tag_type::width,
                                                 lengths_, t);
                    });
            }
        });
    }

    /// What a node costs per step: nothing for a chunk (a view), a fused sum, or a product of
    /// x (run once for all steps).
    template <class N>
    static constexpr bool steps_nothing = [] {
        if constexpr (is_product<N>)
            return std::is_same_v<typename N::operand, input_variable>;
        else
            return is_chunk<N> || is_fused_sum<N>;
    }();

    // One pass per node. Fusing consecutive element-wise nodes into one loop was measured and
    // left: past a few operands the loop runs out of registers and reloads every pointer.
    template <class Env>
    void forward_step(std::size_t t, const Env& env) {
        const std::size_t batch = batch_, l = leading(batch_, steps_), first = t * batch;
        T* v = values_.data();
        for_each_node([&]<class N>(std::type_identity<N>) {
            using V = typename N::variable;
            if constexpr (steps_nothing<N>) {
                return;
            } else if constexpr (is_product<N>) {
                using U = typename N::operand;
                if (reads_zero_initial_state<U>(t)) return;  // W·0 adds nothing
                T* out = pointer<V>(v) + first;
                detail::step_product<N::width, width<U>, width<U>, 1>(weights[product_index<V>()].value.data(),
                                                                      pointer<U>(static_cast<const T*>(v)) + first, l,
                                                                      out, l, out, batch, l);
            } else {
                detail::evaluate_block_into(pointer<V>(v) + first, l, expr::evaluate<T>(typename N::expression{}, env),
                                            first, l, width<V>, batch);
            }
        });
    }

    /// Every node's gradient at step t, last node first. `env` binds the values, `d_env` the
    /// gradients, each variable to a (width, L) view.
    template <class Env, class DEnv>
    void backward_step(std::size_t t, const Env& env, const DEnv& d_env) {
        const std::size_t batch = batch_, l = leading(batch_, steps_), first = t * batch;
        T* g = gradients_.data();
        for_each_node_reversed([&]<class N>(std::type_identity<N>) {
            using V = typename N::variable;
            if constexpr (steps_nothing<N>) {
                return;
            } else if constexpr (is_product<N>) {
                // dU += Wᵀ·dV (a product of x is done once over all steps, after); nothing
                // reads the gradient of a state's value before the first step
                using U = typename N::operand;
                if (expr::detail_graph::is_state<U>::value && t == 0) return;
                T* d_operand = pointer<U>(g) + first;
                detail::step_product<width<U>, N::width, 1, width<U>>(
                    weights[product_index<V>()].value.data(), pointer<V>(static_cast<const T*>(g)) + first, l,
                    assigned<U> ? nullptr : d_operand, l, d_operand, batch, l);
            } else {
                // every dU += dV ⊙ ∂E/∂U of the node in one pass
                detail::evaluate_blocks_into<T>(width<V>, batch, first, l, gradient_items(N{}, first, env, d_env));
            }
        });
    }
    template <class V, class E, class Env, class DEnv>
    auto gradient_items(expr::value_node<V, E>, std::size_t first, const Env& env, const DEnv& d_env) const {
        return [&]<class... U>(list<U...>) {
            return std::tuple_cat(gradient_item<U, V, E>(first, env, d_env)...);
        }(expr::variables_of_t<E>{});
    }

    // dU += dV ⊙ ∂E/∂U, where V = E, as (where, what) for one position of a block; nothing for
    // a zero derivative or x's gradient in the first layer. The derivative reads V wherever it
    // contains E itself (tanh′ = 1 − tanh² reads the stored tanh, not a second evaluation); dU
    // written by V alone is assigned, not accumulated.
    template <class U, class V, class E, class Env, class DEnv>
    auto gradient_item(std::size_t first, const Env& env, const DEnv& d_env) const {
        using D = expr::substitute_t<expr::derivative_t<E, U>, E, V>;
        if constexpr ((std::is_same_v<U, input_variable> && !computes_input_gradient) || expr::is_zero_v<D>) {
            return std::tuple<>{};
        } else {
            T* d_operand = pointer<U>(const_cast<T*>(gradients_.data())) + first;
            const auto& d_view = expr::lookup<typename U::tag_type>(d_env);
            const auto& d_node = expr::lookup<typename V::tag_type>(d_env);
            if constexpr (assigned<U> && expr::is_one_v<D>)
                return std::make_tuple(std::pair(d_operand, d_node + T(0)));
            else if constexpr (assigned<U>)
                return std::make_tuple(std::pair(d_operand, d_node * expr::evaluate<T>(D{}, env)));
            else if constexpr (expr::is_one_v<D>)
                return std::make_tuple(std::pair(d_operand, d_view + d_node));
            else
                return std::make_tuple(std::pair(d_operand, d_view + d_node * expr::evaluate<T>(D{}, env)));
        }
    }

    detail::buffer<T> values_;          // every variable, (arena_rows, L)
    detail::buffer<T> gradients_;       // dL/d every variable, laid out as values_
    detail::buffer<T> output_;          // a recurrent graph's output, packed
    detail::buffer<T> input_gradient_;  // a recurrent graph's dxᵀ, packed (In, T·B)
    std::vector<double> time_gradient_norms_;
    std::size_t backward_steps_ = 0;  // the steps of the last backward pass, time_gradient_norms_'s
    bool backward_full_length_ = true;  // every sequence of the last backward pass was T steps long
    std::array<bool, graph::state_count> zero_initial_{};  // each initial state, at the last forward pass
    std::span<const std::size_t> lengths_;  // a recurrent graph's, of the last forward pass
    const T* input_t_ = nullptr;
    std::size_t input_ld_ = 0;
    std::size_t batch_ = 0;
    std::size_t steps_ = 1;
    std::size_t capacity_ = 0;
};

}  // namespace ctnn
