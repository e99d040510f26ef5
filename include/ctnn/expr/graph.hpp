// A layer or a recurrent cell written as equations over tensors, from which ctnn derives the
// forward and backward passes at compile time:
//
//   static constexpr auto equations = expr::equations(
//       let(f, sigmoid(linear<"f", H>(x) + linear<"fh", H>(h))),
//       next(h, (1_c - f) * h + f * tanh(linear<"c", H>(x) + linear<"ch", H>(f * h))));
//
// The terms, beyond the element-wise language of rules.hpp:
//   x                       the layer's input (In, B)
//   state<"h", W>           a recurrent state, its value at the previous step (W, B)
//   updated(h)              the same state's new value, once a `next` has defined it
//   node<"f">               a named intermediate value, defined by `let`
//   param<"u", W>           a learned vector of W values, one per unit, the same for every
//                           column: IndRNN's u ⊙ h, a peephole's p ⊙ c, a per-unit gain;
//                           param<"u", W, Init> drawn by its own init policy
//   linear<"f", W>(e)       W_f·e + b_f: a product with its own parameters (weight (W, width of
//                           e), bias (W)); `linear<"f", W, false>` has no bias
//   chunk<k, n>(e)          rows [k·w/n, (k+1)·w/n) of e: one gate of a stacked product
//   apply<Activation>(e)    an activation's formula with z replaced by e
//
// `compiled_graph<Equations, In>` flattens them into a list of nodes, each an element-wise
// expression over earlier nodes, a product, or a chunk (a view of rows), and checks every width;
// a node whose operands differ in width, a name used for two products, a param name used with
// two widths or two init policies, a chunk that does not divide its operand or a variable read before it is defined
// is a compile error naming them
// (diagnostics.hpp). It also decides what the backward pass keeps (a transcendental subterm a
// derivative would evaluate again becomes a node of its own) and which sums of two products
// are one buffer (fused_into). The layer that runs the nodes is layers/graph_layer.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/expr/derivative.hpp"
#include "ctnn/expr/rules.hpp"
#include "ctnn/expr/term.hpp"
#include "ctnn/expr/to_string.hpp"

namespace ctnn::expr {

// --- joining names at compile time ------------------------------------------------------------
/// The concatenation of string_views with static storage, as one: "f" ".weight" -> "f.weight".
template <const std::string_view&... Parts>
struct join {
    static constexpr auto storage = [] {
        std::array<char, (Parts.size() + ... + 0) + 1> text{};
        std::size_t at = 0;
        ((std::copy(Parts.begin(), Parts.end(), text.begin() + at), at += Parts.size()), ...);
        return text;
    }();
    static constexpr std::string_view value{storage.data(), storage.size() - 1};
};

// --- the variables of a graph ---------------------------------------------------------------
struct input_tag {
    static constexpr std::string_view symbol = "x";
};
/// The layer's input.
inline constexpr var<input_tag> x{};

template <fixed_string Name>
struct node_tag {
    static constexpr std::string_view symbol = Name.view();
};
/// A named intermediate value: `let(node<"f">, ...)` defines it.
template <fixed_string Name>
inline constexpr var<node_tag<Name>> node{};

template <fixed_string Name, std::size_t Width>
struct state_tag {
    static constexpr std::string_view symbol = Name.view();
    static constexpr std::size_t width = Width;
};
/// A recurrent state of `Width` units, read as its value at the previous step (zeros before
/// the first); `next(state, e)` gives its new value.
template <fixed_string Name, std::size_t Width>
inline constexpr var<state_tag<Name, Width>> state{};

/// A param's Init when it names none: the layer's init policy draws it.
struct layer_init {};
template <fixed_string Name, std::size_t Width, class Init>
struct param_tag {
    static constexpr std::string_view symbol = Name.view();
    static constexpr std::size_t width = Width;
    using init = Init;
};
/// A learned vector of `Width` values, one per unit, applied alike to every column (every
/// sequence and step): `param<"u", H> * h` is IndRNN's recurrence u ⊙ h. Saved as `u`; drawn
/// as the bias of a product with one input per unit (fans 1, 1), by `Init` (an init policy,
/// default constructed: `param<"u", H, init::uniform>` is U(0, 1)) or else by the layer's.
template <fixed_string Name, std::size_t Width, class Init = layer_init>
inline constexpr var<param_tag<Name, Width, Init>> param{};

namespace detail_graph {
inline constexpr std::string_view prime = "′";
}
/// A state's new value, as `next` defined it: what an LSTM's h reads of its new c.
template <class State>
struct updated_tag {
    static constexpr std::string_view symbol = join<State::symbol, detail_graph::prime>::value;
};
template <fixed_string Name, std::size_t Width>
constexpr var<updated_tag<state_tag<Name, Width>>> updated(var<state_tag<Name, Width>>) {
    return {};
}

/// A product's result, named by its parameters.
template <fixed_string Name>
struct product_tag {
    static constexpr std::string_view symbol = Name.view();
};
/// A subexpression that a product or a chunk reads, given a node of its own.
template <class Expr>
struct operand_tag {
    static constexpr std::string_view symbol = "·";
};
/// A subterm kept as a node of its own because the backward pass reads it (σ(f) in an LSTM's
/// c = σ(f)⊙c + ...): computed once forward, read back, not recomputed.
template <class Expr>
struct kept_tag {
    static constexpr std::string_view symbol = "·";
};
template <std::size_t K, std::size_t N, class Of>
struct chunk_tag {
    static constexpr std::string_view symbol = Of::symbol;
};
/// The value of output(e), where e is not already a node.
struct result_tag {
    static constexpr std::string_view symbol = "y";
};

// --- the tensor terms -----------------------------------------------------------------------
template <fixed_string Name, std::size_t Width, bool Bias, class Operand>
struct linear_term : term_base {};
/// W·e + b, W of shape (Width, width of e): `linear<"f", 8>(x)`.
template <fixed_string Name, std::size_t Width, bool Bias = true, term E>
constexpr linear_term<Name, Width, Bias, E> linear(E) {
    static_assert(Width > 0, "ctnn: a linear term needs at least one output");
    return {};
}

template <std::size_t K, std::size_t N, class Operand>
struct chunk_term : term_base {};
/// Chunk k of n equal row blocks of e (PyTorch's e.chunk(n)[k] along the features).
template <std::size_t K, std::size_t N, term E>
constexpr chunk_term<K, N, E> chunk(E) {
    static_assert(K < N, "ctnn: chunk<k, n> takes k < n");
    return {};
}

/// An activation's formula applied to e: `apply<ctnn::relu>(linear<"h", 8>(x))`.
template <class Activation, term E>
constexpr auto apply(E) {
    return substitute_t<std::remove_cvref_t<decltype(Activation::formula)>, var<preactivation_tag>, E>{};
}

// to_string: a product as W_name·e + b_name, a chunk as chunk<k/n>(e)
namespace detail_print {
template <fixed_string Name, std::size_t Width, bool Bias, class Operand>
struct term_printer<linear_term<Name, Width, Bias, Operand>> {
    static printed print() {
        const std::string name(Name.view());
        std::string text = "W_" + name + "·" + wrap(detail_print::print(Operand{}), precedence::power);
        if constexpr (Bias) text += " + b_" + name;
        return {text, Bias ? precedence::sum : precedence::product};
    }
};
template <std::size_t K, std::size_t N, class Operand>
struct term_printer<chunk_term<K, N, Operand>> {
    static printed print() {
        const std::string operand = detail_print::print(Operand{}).text;
        return {"chunk<" + std::to_string(K) + "/" + std::to_string(N) + ">(" + operand + ")", precedence::atom};
    }
};
}  // namespace detail_print

// products and chunks stand for values that vary: never folded as constants
template <fixed_string Name, std::size_t Width, bool Bias, class Operand>
struct has_variable<linear_term<Name, Width, Bias, Operand>> : std::true_type {};
template <std::size_t K, std::size_t N, class Operand>
struct has_variable<chunk_term<K, N, Operand>> : std::true_type {};

// --- the equations --------------------------------------------------------------------------
template <class Var, class Expr>
struct let_equation {};
template <class State, class Expr>
struct next_equation {};
template <class Expr>
struct output_equation {};

/// Defines node<"f"> as e.
template <fixed_string Name, term E>
constexpr let_equation<var<node_tag<Name>>, E> let(var<node_tag<Name>>, E) {
    return {};
}
/// The state's value at this step, e (the cell's output is its first state, unless output()).
template <fixed_string Name, std::size_t Width, term E>
constexpr next_equation<var<state_tag<Name, Width>>, E> next(var<state_tag<Name, Width>>, E) {
    return {};
}
/// The layer's output (a layer without state) or the cell's output at each step.
template <term E>
constexpr output_equation<E> output(E) {
    return {};
}

template <class... Equations>
struct equations_t {};
template <class... Equations>
constexpr equations_t<Equations...> equations(Equations...) {
    return {};
}

// --- nodes ----------------------------------------------------------------------------------
template <class... T>
struct type_list {};

/// V = Expr, element-wise, Expr reading only earlier variables.
template <class V, class Expr>
struct value_node {
    using variable = V;
    using expression = Expr;
};
/// V = W·Operand + b.
template <class V, fixed_string Name, std::size_t Width, bool Bias, class Operand>
struct product_node {
    using variable = V;
    using operand = Operand;
    static constexpr std::size_t width = Width;
    static constexpr bool has_bias = Bias;
    static constexpr std::string_view name = product_tag<Name>::symbol;
};
/// V = rows [K·w/N, (K+1)·w/N) of Operand: a view, no storage of its own.
template <class V, std::size_t K, std::size_t N, class Operand>
struct chunk_node {
    using variable = V;
    using operand = Operand;
    static constexpr std::size_t index = K;
    static constexpr std::size_t count = N;
};

namespace detail_graph {
template <class List, class N>
struct append;
template <class... Ns, class N>
struct append<type_list<Ns...>, N> {
    using type = std::conditional_t<(std::is_same_v<Ns, N> || ...), type_list<Ns...>, type_list<Ns..., N>>;
};
template <class List, class N>
using append_t = typename append<List, N>::type;

template <class E>
struct is_var : std::false_type {};
template <class Tag>
struct is_var<var<Tag>> : std::true_type {};

template <class Fn, class Args>
struct rebuild;
template <class Fn, class... A>
struct rebuild<Fn, type_list<A...>> {
    using type = call<Fn, A...>;
};

template <class E, class Nodes>
struct flatten {  // a variable or a constant
    using nodes = Nodes;
    using type = E;
};

template <class Nodes, class Done, class... Rest>
struct flatten_arguments {
    using nodes = Nodes;
    using type = Done;
};
template <class Nodes, class... Done, class A0, class... Rest>
struct flatten_arguments<Nodes, type_list<Done...>, A0, Rest...> {
    using first = flatten<A0, Nodes>;
    using rest = flatten_arguments<typename first::nodes, type_list<Done..., typename first::type>, Rest...>;
    using nodes = typename rest::nodes;
    using type = typename rest::type;
};
/// P₁ + P₂ of two different products.
template <class E>
struct sum_operands {
    static constexpr bool is_sum = false;
};
template <fixed_string A, fixed_string B>
struct sum_operands<call<add_fn, var<product_tag<A>>, var<product_tag<B>>>> {
    static constexpr bool is_sum = !std::is_same_v<product_tag<A>, product_tag<B>>;
    using first = var<product_tag<A>>;
    using second = var<product_tag<B>>;
};

template <class Fn, class... A, class Nodes>
struct flatten<call<Fn, A...>, Nodes> {
    using arguments = flatten_arguments<Nodes, type_list<>, A...>;
    using rebuilt = typename rebuild<Fn, typename arguments::type>::type;
    // W₁·a + b₁ + W₂·b + b₂: a node of its own, which both products then accumulate into
    // (compiled_graph::fused_into), as a hand-written rnn adds W_hh·h into W_ih·x + b
    static constexpr bool sum_of_products = sum_operands<rebuilt>::is_sum;
    using nodes = std::conditional_t<sum_of_products,
                                     append_t<typename arguments::nodes, value_node<var<operand_tag<rebuilt>>, rebuilt>>,
                                     typename arguments::nodes>;
    using type = std::conditional_t<sum_of_products, var<operand_tag<rebuilt>>, rebuilt>;
};

/// E as an equation's right-hand side: as flatten, except that a sum of products at the top is
/// the equation's own node rather than one more.
template <class E, class Nodes>
struct flatten_top : flatten<E, Nodes> {};
template <class Fn, class... A, class Nodes>
struct flatten_top<call<Fn, A...>, Nodes> {
    using arguments = flatten_arguments<Nodes, type_list<>, A...>;
    using nodes = typename arguments::nodes;
    using type = typename rebuild<Fn, typename arguments::type>::type;
};

/// E as a variable: itself, or a node of its own holding it.
template <class E, class Nodes>
struct as_variable {
    using nodes = Nodes;
    using type = E;
};
template <class E, class Nodes>
    requires(!is_var<E>::value)
struct as_variable<E, Nodes> {
    using type = var<operand_tag<E>>;
    using nodes = append_t<Nodes, value_node<type, E>>;
};

template <fixed_string Name, std::size_t Width, bool Bias, class Operand, class Nodes>
struct flatten<linear_term<Name, Width, Bias, Operand>, Nodes> {
    using inner = flatten<Operand, Nodes>;
    using operand = as_variable<typename inner::type, typename inner::nodes>;
    using type = var<product_tag<Name>>;
    using nodes = append_t<typename operand::nodes, product_node<type, Name, Width, Bias, typename operand::type>>;
};
template <std::size_t K, std::size_t N, class Operand, class Nodes>
struct flatten<chunk_term<K, N, Operand>, Nodes> {
    using inner = flatten<Operand, Nodes>;
    using operand = as_variable<typename inner::type, typename inner::nodes>;
    using type = var<chunk_tag<K, N, typename operand::type>>;
    using nodes = append_t<typename operand::nodes, chunk_node<type, K, N, typename operand::type>>;
};

/// Nodes, the states in the order their `next` equations come, and the output variable.
template <class Nodes, class States, class Output>
struct flat {
    using nodes = Nodes;
    using states = States;
    using output = Output;
};

template <class Flat, class Equation>
struct add_equation;
template <class Nodes, class States, class Output, class V, class E>
struct add_equation<flat<Nodes, States, Output>, let_equation<V, E>> {
    using body = flatten_top<E, Nodes>;
    using type = flat<typename append<typename body::nodes, value_node<V, typename body::type>>::type, States, Output>;
};
template <class Nodes, class... States, class Output, class S, class E>
struct add_equation<flat<Nodes, type_list<States...>, Output>, next_equation<S, E>> {
    using body = flatten_top<E, Nodes>;
    using updated = var<updated_tag<typename S::tag_type>>;
    using type = flat<typename append<typename body::nodes, value_node<updated, typename body::type>>::type,
                      type_list<States..., S>, Output>;
};
template <class Nodes, class States, class Output, class E>
struct add_equation<flat<Nodes, States, Output>, output_equation<E>> {
    using body = flatten_top<E, Nodes>;
    using result = std::conditional_t<is_var<typename body::type>::value, void, var<result_tag>>;
    using nodes = std::conditional_t<std::is_void_v<result>, typename body::nodes,
                                     append_t<typename body::nodes, value_node<var<result_tag>, typename body::type>>>;
    using type = flat<nodes, States,
                      std::conditional_t<std::is_void_v<result>, typename body::type, var<result_tag>>>;
};

template <class Flat, class... Equations>
struct add_equations {
    using type = Flat;
};
template <class Flat, class E0, class... Rest>
struct add_equations<Flat, E0, Rest...> {
    using type = typename add_equations<typename add_equation<Flat, E0>::type, Rest...>::type;
};

template <class Equations>
struct flatten_equations;
template <class... E>
struct flatten_equations<equations_t<E...>> {
    using type = typename add_equations<flat<type_list<>, type_list<>, void>, E...>::type;
};

// --- the variables an expression reads, each once ---------------------------------------------
template <class E, class Found>
struct variables_of {
    using type = Found;
};
template <class Tag, class Found>
struct variables_of<var<Tag>, Found> {
    using type = append_t<Found, var<Tag>>;
};
template <class Found, class... A>
struct variables_of_all {
    using type = Found;
};
template <class Found, class A0, class... A>
struct variables_of_all<Found, A0, A...> {
    using type = typename variables_of_all<typename variables_of<A0, Found>::type, A...>::type;
};
template <class Fn, class... A, class Found>
struct variables_of<call<Fn, A...>, Found> {
    using type = typename variables_of_all<Found, A...>::type;
};
}  // namespace detail_graph

template <class E>
using variables_of_t = typename detail_graph::variables_of<E, type_list<>>::type;

// --- what the backward pass keeps -------------------------------------------------------------
namespace detail_graph {
/// Primitives worth keeping rather than computing again: transcendental ones.
template <class Fn>
inline constexpr bool expensive = std::is_same_v<Fn, exp_fn> || std::is_same_v<Fn, expm1_fn>
                                  || std::is_same_v<Fn, log_fn> || std::is_same_v<Fn, log1p_fn>
                                  || std::is_same_v<Fn, sqrt_fn> || std::is_same_v<Fn, tanh_fn>
                                  || std::is_same_v<Fn, sigmoid_fn> || std::is_same_v<Fn, softplus_fn>
                                  || std::is_same_v<Fn, erf_fn> || std::is_same_v<Fn, erfc_fn>;

/// The calls inside E, outermost first (E itself excluded).
template <class E, class Found>
struct inner_calls {
    using type = Found;
};
template <class Found, class... A>
struct inner_calls_of_all {
    using type = Found;
};
template <class Found, class A0, class... A>
struct inner_calls_of_all<Found, A0, A...> {
    using with_first = typename inner_calls<A0, std::conditional_t<is_call<A0>::value, append_t<Found, A0>, Found>>::type;
    using type = typename inner_calls_of_all<with_first, A...>::type;
};
template <class Fn, class... A, class Found>
struct inner_calls<call<Fn, A...>, Found> {
    using type = typename inner_calls_of_all<Found, A...>::type;
};

/// Whether S occurs in dE/dU for some variable U of E (with E read back as V).
template <class S, class V, class E, class Variables>
struct read_by_backward;
template <class S, class V, class E, class... U>
struct read_by_backward<S, V, E, type_list<U...>>
    : std::bool_constant<(contains_v<S, substitute_t<derivative_t<E, U>, E, V>> || ...)> {};

/// The first expensive call inside E that the backward pass reads, or void.
template <class V, class E, class Candidates>
struct first_to_keep {
    using type = void;
};
template <class V, class E, class S0, class... S>
struct first_to_keep<V, E, type_list<S0, S...>> {
    static constexpr bool keep = [] {
        if constexpr (is_call<S0>::value && !is_constant_v<S0>)
            return []<class Fn, class... A>(call<Fn, A...>) {
                return expensive<Fn> && read_by_backward<S0, V, E, typename variables_of<E, type_list<>>::type>::value;
            }(S0{});
        else
            return false;
    }();
    using type = std::conditional_t<keep, S0, typename first_to_keep<V, E, type_list<S...>>::type>;
};

/// Nodes with every such subterm kept as a node of its own, placed before its first reader.
template <class Done, class Rest>
struct keep_subterms {
    using type = Done;
};
template <class Done, class N, class... Rest>
struct keep_one;
template <class... Done, class N0, class... Rest>
struct keep_subterms<type_list<Done...>, type_list<N0, Rest...>> {
    using type = typename keep_one<type_list<Done...>, N0, Rest...>::type;
};
template <class Done, class N, class... Rest>
struct keep_one {  // products and chunks
    using type = typename keep_subterms<append_t<Done, N>, type_list<Rest...>>::type;
};
template <class Done, class V, class E, class... Rest>
struct keep_one<Done, value_node<V, E>, Rest...> {
    using kept = typename first_to_keep<V, E, typename inner_calls<E, type_list<>>::type>::type;
    template <class S>
    struct split {
        using kept_variable = var<kept_tag<S>>;
        // the kept subterm first (it may keep subterms of its own), then V reading it
        using type = typename keep_subterms<Done, type_list<value_node<kept_variable, S>,
                                                            value_node<V, substitute_t<E, S, kept_variable>>, Rest...>>::type;
    };
    using type = typename std::conditional_t<std::is_void_v<kept>,
                                             keep_subterms<append_t<Done, value_node<V, E>>, type_list<Rest...>>,
                                             split<kept>>::type;
};
}  // namespace detail_graph

// --- widths and checks ----------------------------------------------------------------------
namespace detail_graph {
template <class V, class... Nodes>
struct defining_node {
    using type = void;
};
template <class V, class N0, class... Nodes>
struct defining_node<V, N0, Nodes...> {
    using type = std::conditional_t<std::is_same_v<typename N0::variable, V>, N0,
                                    typename defining_node<V, Nodes...>::type>;
};

template <class V, class Nodes>
struct defining_node_in;
template <class V, class... Nodes>
struct defining_node_in<V, type_list<Nodes...>> : defining_node<V, Nodes...> {};

template <class Output, class States>
struct output_of {
    using type = Output;
};
template <class S0, class... S>
struct output_of<void, type_list<S0, S...>> {
    using type = var<updated_tag<typename S0::tag_type>>;
};

template <class N>
struct expression_of {
    using type = void;
};
template <class V, class E>
struct expression_of<value_node<V, E>> {
    using type = E;
};


template <class V>
struct updated_state {
    using type = void;
};
template <class S>
struct updated_state<var<updated_tag<S>>> {
    using type = var<S>;
};

template <class V>
struct is_state : std::false_type {};
template <fixed_string Name, std::size_t Width>
struct is_state<var<state_tag<Name, Width>>> : std::true_type {};

template <class V>
struct is_param : std::false_type {};
template <fixed_string Name, std::size_t Width, class Init>
struct is_param<var<param_tag<Name, Width, Init>>> : std::true_type {
    static constexpr auto name = Name;
};

/// The params the nodes read, each once, in the order the equations first read them.
template <class Found, class Nodes>
struct params_of_nodes {
    using type = Found;
};
template <class Found, class U>
using append_if_param = std::conditional_t<is_param<U>::value, append_t<Found, U>, Found>;
template <class Found, class... U>
struct append_params {
    using type = Found;
};
template <class Found, class U0, class... U>
struct append_params<Found, U0, U...> : append_params<append_if_param<Found, U0>, U...> {};
template <class Found, class Vars>
struct append_params_of;
template <class Found, class... U>
struct append_params_of<Found, type_list<U...>> : append_params<Found, U...> {};
template <class N>
struct read_variables {  // products and chunks read their operand
    using type = type_list<typename N::operand>;
};
template <class V, class E>
struct read_variables<value_node<V, E>> {
    using type = typename variables_of<E, type_list<>>::type;
};
template <class Found, class N0, class... N>
struct params_of_nodes<Found, type_list<N0, N...>>
    : params_of_nodes<typename append_params_of<Found, typename read_variables<N0>::type>::type, type_list<N...>> {};

template <class N>
struct is_product : std::false_type {};
template <class V, fixed_string Name, std::size_t W, bool B, class O>
struct is_product<product_node<V, Name, W, B, O>> : std::true_type {};
template <class N>
struct is_chunk : std::false_type {};
template <class V, std::size_t K, std::size_t C, class O>
struct is_chunk<chunk_node<V, K, C, O>> : std::true_type {};
/// Two chunks of one operand into as many blocks: if one does not divide, neither does the other.
template <class A, class B>
struct splits_alike : std::false_type {};
template <class VA, std::size_t KA, class VB, std::size_t KB, std::size_t C, class O>
struct splits_alike<chunk_node<VA, KA, C, O>, chunk_node<VB, KB, C, O>> : std::true_type {};
}  // namespace detail_graph

/// A graph's nodes in order, each node's width, and where each variable is stored, for a layer
/// whose input is `In` wide. Instantiating it runs every check.
template <class Equations, std::size_t In>
struct compiled_graph;

template <class Equations, std::size_t In>
struct compiled_graph {
    using flat = typename detail_graph::flatten_equations<Equations>::type;
    using states = typename flat::states;
    using nodes = typename detail_graph::keep_subterms<type_list<>, typename flat::nodes>::type;

private:
    template <class... N>
    static constexpr std::size_t count_of(type_list<N...>) {
        return sizeof...(N);
    }

public:
    /// The params the equations read (param<"u", W>), in the order they first appear.
    using params = typename detail_graph::params_of_nodes<type_list<>, nodes>::type;
    static constexpr std::size_t state_count = count_of(states{});
    static constexpr bool recurrent = state_count > 0;
    /// The output: output(e) if given, else the first state's new value.
    using output = typename detail_graph::output_of<typename flat::output, states>::type;

    /// The node that defines V (void for x and the states).
    template <class V>
    using node_of = typename detail_graph::defining_node_in<V, nodes>::type;

    /// How many nodes read V (as an operand or in their expression), plus one if V is the output.
    template <class V>
    static constexpr std::size_t readers() {
        return []<class... N>(type_list<N...>) {
            return (reads<N, V>() + ... + std::size_t(std::is_same_v<V, output>));
        }(nodes{});
    }
    /// Whether node V is W₁·a + b₁ + W₂·b + b₂ of two products that nothing else reads: both
    /// then accumulate into V's storage (as a hand-written rnn adds W_hh·h into W_ih·x + b), and
    /// V costs nothing forward or backward (dP₁ = dP₂ = dV).
    template <class V>
    static constexpr bool is_fused_sum() {
        using N = node_of<V>;
        if constexpr (std::is_void_v<N>) {
            return false;
        } else {
            using operands = detail_graph::sum_operands<typename detail_graph::expression_of<N>::type>;
            if constexpr (operands::is_sum)
                return readers<typename operands::first>() == 1 && readers<typename operands::second>() == 1;
            else
                return false;
        }
    }

    // (public: clang checks access where fused_into is used)
    template <class N, class V>
    static constexpr std::size_t reads() {
        if constexpr (detail_graph::is_product<N>::value || detail_graph::is_chunk<N>::value)
            return std::is_same_v<typename N::operand, V> ? 1 : 0;
        else
            return contains_v<V, typename N::expression> ? 1 : 0;
    }
    template <class P, class N>
    static constexpr bool sums_into() {
        using operands = detail_graph::sum_operands<typename detail_graph::expression_of<N>::type>;
        if constexpr (operands::is_sum) {
            if constexpr (std::is_same_v<P, typename operands::first> || std::is_same_v<P, typename operands::second>)
                return is_fused_sum<typename N::variable>();
            else
                return false;
        } else {
            return false;
        }
    }
    template <class P>
    static constexpr auto find_fused_sum(type_list<>) {
        return std::type_identity<void>{};
    }
    template <class P, class N0, class... N>
    static constexpr auto find_fused_sum(type_list<N0, N...>) {
        if constexpr (sums_into<P, N0>())
            return std::type_identity<typename N0::variable>{};
        else
            return find_fused_sum<P>(type_list<N...>{});
    }

    /// The fused sum a product accumulates into, or void.
    template <class P>
    using fused_into = typename decltype(find_fused_sum<P>(nodes{}))::type;

    /// V's width: In for x, a state's or a param's own, a product's declared width, 1/n of a
    /// chunk's operand, an element-wise node's operands' (0 if V is defined nowhere).
    template <class V>
    static constexpr std::size_t width() {
        if constexpr (std::is_same_v<V, var<input_tag>>)
            return In;
        else if constexpr (detail_graph::is_state<V>::value || detail_graph::is_param<V>::value)
            return V::tag_type::width;
        else {
            using N = node_of<V>;
            if constexpr (std::is_void_v<N>)
                return 0;
            else if constexpr (detail_graph::is_product<N>::value)
                return N::width;
            else if constexpr (detail_graph::is_chunk<N>::value)
                return width<typename N::operand>() / N::count;
            else
                return []<class... U>(type_list<U...>) {
                    std::size_t w = 0;
                    ((w = w == 0 ? width<U>() : w), ...);
                    return w;
                }(variables_of_t<typename N::expression>{});
        }
    }

private:
    // Every node reads only x, the states and nodes before it; an element-wise node's operands
    // share one width; a chunk divides its operand; no variable is defined twice.
    template <class Node, class Before>
    static constexpr bool defined_before() {
        return []<class... B>(type_list<B...>) { return (std::is_same_v<typename B::variable, Node> || ...); }(Before{});
    }
    template <class S>
    static constexpr bool is_listed_state() {
        return []<class... L>(type_list<L...>) { return (std::is_same_v<L, S> || ...); }(states{});
    }
    template <class U, class Before>
    static constexpr bool readable() {
        return std::is_same_v<U, var<input_tag>> || (detail_graph::is_state<U>::value && is_listed_state<U>())
               || detail_graph::is_param<U>::value || defined_before<U, Before>();
    }
    template <class N, class Before>
    static constexpr bool split_before() {
        return []<class... B>(type_list<B...>) { return (detail_graph::splits_alike<B, N>::value || ...); }(Before{});
    }
    template <class N, class Before>
    static constexpr bool check_node() {
        using V = typename N::variable;
        static_assert(!defined_before<V, Before>()
                          || diagnostics::graph_variable_defined_twice<diagnostics::in_node<V>>::value,
                      "ctnn: a graph defines each node once (two linear terms share a name, or two lets "
                      "define one node)");
        if constexpr (detail_graph::is_product<N>::value || detail_graph::is_chunk<N>::value) {
            using U = typename N::operand;
            static_assert(readable<U, Before>()
                              || diagnostics::graph_reads_undefined_variable<diagnostics::in_node<V>,
                                                                             diagnostics::variable<U>>::value,
                          "ctnn: a graph's node reads a variable no earlier equation defines");
            // one diagnostic for every chunk of U into as many blocks, at the first
            if constexpr (detail_graph::is_chunk<N>::value && !split_before<N, Before>())
                static_assert(width<U>() % N::count == 0
                                  || diagnostics::graph_chunk_does_not_divide<diagnostics::in_node<V>,
                                                                              diagnostics::operand_width<width<U>()>,
                                                                              diagnostics::chunks<N::count>>::value,
                              "ctnn: chunk<k, n> splits its operand into n equal row blocks");
        } else {
            using E = typename N::expression;
            []<class... U>(type_list<U...>) {
                static_assert(sizeof...(U) > 0
                                  || diagnostics::graph_node_reads_no_variable<diagnostics::in_node<V>>::value,
                              "ctnn: a graph's element-wise node must read at least one variable");
                (check_operand<V, U, Before>(), ...);
            }(variables_of_t<E>{});
            using S = typename detail_graph::updated_state<V>::type;
            // (an operand no equation defines has no width: named above, not a second time here)
            if constexpr (!std::is_void_v<S>)
                static_assert(width<V>() == S::tag_type::width || !node_reads_defined<N, Before>()
                                  || diagnostics::graph_operand_widths_differ<diagnostics::in_node<V>, diagnostics::variable<S>,
                                                                               diagnostics::operand_width<S::tag_type::width>,
                                                                               diagnostics::node_width<width<V>()>>::value,
                              "ctnn: next(state, e) needs e as wide as the state");
        }
        return true;
    }
    template <class V, class U, class Before>
    static constexpr bool check_operand() {
        static_assert(readable<U, Before>()
                          || diagnostics::graph_reads_undefined_variable<diagnostics::in_node<V>,
                                                                         diagnostics::variable<U>>::value,
                      "ctnn: a graph's node reads a variable no earlier equation defines (a state needs a "
                      "next(state, ...) equation)");
        // an undefined U has no width, nor has a node of no variable (width 0): one error for
        // each, not a second one about widths
        static_assert(!readable<U, Before>() || width<U>() == 0 || width<U>() == width<V>()
                          || diagnostics::graph_operand_widths_differ<diagnostics::in_node<V>, diagnostics::variable<U>,
                                                                       diagnostics::operand_width<width<U>()>,
                                                                       diagnostics::node_width<width<V>()>>::value,
                      "ctnn: the operands of an element-wise expression must all have one width");
        return true;
    }
    template <class Before, class... Rest>
    static constexpr bool check_nodes(Before, type_list<Rest...>) {
        return true;
    }
    template <class... Before, class N0, class... Rest>
    static constexpr bool check_nodes(type_list<Before...>, type_list<N0, Rest...>) {
        return check_node<N0, type_list<Before...>>() && check_nodes(type_list<Before..., N0>{}, type_list<Rest...>{});
    }

    template <class... S>
    static constexpr bool check_states(type_list<S...>) {
        []<std::size_t... I>(std::index_sequence<I...>) {
            (check_state_once<std::tuple_element_t<I, std::tuple<S...>>, I, S...>(), ...);
        }(std::index_sequence_for<S...>{});
        return true;
    }
    template <class S, std::size_t I, class... All>
    static constexpr bool check_state_once() {
        constexpr std::size_t earlier = []<std::size_t... J>(std::index_sequence<J...>) {
            return ((J < I && std::is_same_v<std::tuple_element_t<J, std::tuple<All...>>, S>) + ... + 0);
        }(std::index_sequence_for<All...>{});
        static_assert(earlier == 0
                          || diagnostics::graph_variable_defined_twice<diagnostics::in_node<var<updated_tag<typename S::tag_type>>>>::value,
                      "ctnn: a graph gives each state one next(state, ...)");
        return true;
    }

    // One name, one param: param<"u", 4> and param<"u", 8> in one graph would be two vectors
    // saved under one name, and two init policies two ways to draw one vector.
    template <class P, class Q>
    static constexpr bool check_param_pair() {
        using p = typename P::tag_type;
        using q = typename Q::tag_type;
        if constexpr (p::symbol == q::symbol) {
            if constexpr (p::width != q::width)
                static_assert(diagnostics::graph_param_widths_differ<diagnostics::name<detail_graph::is_param<P>::name>,
                                                                     diagnostics::operand_width<p::width>,
                                                                     diagnostics::operand_width<q::width>>::value,
                              "ctnn: a param name is one vector: every param<Name, W> of a graph gives it one width");
            else if constexpr (p::width == q::width && !std::is_same_v<typename p::init, typename q::init>)
                static_assert(diagnostics::graph_param_inits_differ<diagnostics::name<detail_graph::is_param<P>::name>,
                                                                    diagnostics::policy<typename p::init>,
                                                                    diagnostics::policy<typename q::init>>::value,
                              "ctnn: a param name is one vector: every param<Name, W, Init> of a graph gives it one "
                              "init policy (or all none)");
        }
        return true;
    }
    // A param's name is its saved name: a dot would let it pass for a product's ("f.bias"),
    // or for a block's inner layer's, and an empty one would save as the layer's own prefix.
    template <class P>
    static constexpr bool check_param_name() {
        constexpr std::string_view name = P::tag_type::symbol;
        static_assert((!name.empty() && name.find('.') == std::string_view::npos)
                          || diagnostics::graph_param_name_invalid<diagnostics::name<detail_graph::is_param<P>::name>>::value,
                      "ctnn: a param's name is its saved name: not empty, and without a '.' (which separates a "
                      "product's name from .weight and .bias)");
        return true;
    }
    // every pair of params once, the earlier one first
    template <class... P>
    static constexpr bool check_params(type_list<P...>) {
        (check_param_name<P>(), ...);
        using all = std::tuple<P...>;
        return []<std::size_t... I>(std::index_sequence<I...>) {
            return ([]<std::size_t J>(std::integral_constant<std::size_t, J>) {
                return []<std::size_t... K>(std::index_sequence<K...>) {
                    return (check_param_pair<std::tuple_element_t<J, all>, std::tuple_element_t<J + 1 + K, all>>() && ...);
                }(std::make_index_sequence<sizeof...(P) - 1 - J>{});
            }(std::integral_constant<std::size_t, I>{}) && ...);
        }(std::index_sequence_for<P...>{});
    }

    // whether every node reads only variables defined before it (check_node's first test, as
    // a value: no diagnostic)
    template <class N, class Before>
    static constexpr bool node_reads_defined() {
        if constexpr (detail_graph::is_product<N>::value || detail_graph::is_chunk<N>::value)
            return readable<typename N::operand, Before>();
        else
            return []<class... U>(type_list<U...>) {
                return (readable<U, Before>() && ...);
            }(variables_of_t<typename N::expression>{});
    }
    template <class Before, class... Rest>
    static constexpr bool reads_defined(Before, type_list<Rest...>) {
        return true;
    }
    template <class... Before, class N0, class... Rest>
    static constexpr bool reads_defined(type_list<Before...>, type_list<N0, Rest...>) {
        return node_reads_defined<N0, type_list<Before...>>()
               && reads_defined(type_list<Before..., N0>{}, type_list<Rest...>{});
    }

public:
    static constexpr bool checked =
        check_states(states{}) && check_params(params{}) && check_nodes(type_list<>{}, nodes{});
    /// Every node reads only x, the states, the params and nodes before it: false for a name
    /// mistyped in a node<"..."> (which `checked` then names).
    static constexpr bool every_read_defined = reads_defined(type_list<>{}, nodes{});
};

}  // namespace ctnn::expr
