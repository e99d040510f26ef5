// The bound form of rnn, lstm and gru: a graph_layer running the layer's cell (cells/), so their
// forward and backward passes are derived from the cell's equations like any user cell's, with
// PyTorch's names for the parameters (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0: an
// nn.RNN/nn.LSTM/nn.GRU state_dict of one layer) and accessors for what a study of the layer
// reads: its states, cells and gates at every step, and its initial state.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "ctnn/core/parameter.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/layers/graph_layer.hpp"

namespace ctnn {

namespace detail {
/// `activation_type` for a layer whose spec names one (rnn's), nothing otherwise.
template <class Spec>
struct activation_of {};
template <class Spec>
    requires requires { typename Spec::activation_type; }
struct activation_of<Spec> {
    using activation_type = typename Spec::activation_type;
};

inline constexpr std::string_view torch_weight_prefix = "weight_";
inline constexpr std::string_view torch_bias_prefix = "bias_";
inline constexpr std::string_view torch_first_layer_suffix = "_l0";
/// PyTorch's state_dict names for a one-layer nn.RNN/LSTM/GRU: weight_ih_l0, bias_hh_l0, ...
struct torch_recurrent_parameter_names {
    template <const std::string_view& Name>
    static constexpr std::string_view weight = expr::join<torch_weight_prefix, Name, torch_first_layer_suffix>::value;
    template <const std::string_view& Name>
    static constexpr std::string_view bias = expr::join<torch_bias_prefix, Name, torch_first_layer_suffix>::value;
};
/// The spec's cell under the spec's name: rnn runs cells::elman as "rnn".
template <class Spec>
struct named_cell : Spec::cell {
    static constexpr std::string_view name = Spec::name;
};
}  // namespace detail

template <class T, std::size_t In, class Spec, bool InputGradient>
class torch_recurrent_layer;

/// What rnn<...>, lstm<...> and gru<...> (`Spec`) share as entries of a network's type list:
/// their cell, their policies and their binding to torch_recurrent_layer.
template <class Spec, class Cell, std::size_t Hidden, class Returns, class Init, class RecurrentInit, bool Bias>
struct torch_recurrent_spec {
    using cell = Cell;
    using initializer_type = Init;
    using recurrent_initializer_type = RecurrentInit;
    static constexpr bool has_bias = Bias;
    static constexpr std::size_t output_width = Hidden;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Returns::returns_sequence;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_layer_width<Spec, Index, Hidden>());
        static_assert(diagnostics::check_initializer<Init>());
        static_assert(diagnostics::check_initializer<RecurrentInit>());
        using type = torch_recurrent_layer<T, InputShape.size(), Spec, diagnostics::computes_input_gradient(Index)>;
    };
};

/// `Spec` is rnn<...>, lstm<...> or gru<...>: it gives the cell, the policies and the name.
template <class T, std::size_t In, class Spec, bool InputGradient>
class torch_recurrent_layer
    : public graph_layer<T, In, detail::named_cell<Spec>, typename Spec::initializer_type, Spec::returns_sequence,
                         InputGradient, typename Spec::recurrent_initializer_type,
                         detail::torch_recurrent_parameter_names>,
      public detail::activation_of<Spec> {
    using cell = typename Spec::cell;

public:
    using initializer_type = typename Spec::initializer_type;

    /// W_ih (gates·Hidden, In) and W_hh (gates·Hidden, Hidden), rows in PyTorch's gate order;
    /// b_ih and b_hh (gates·Hidden), empty without bias.
    parameter<T, 2>& weight_ih() { return this->template weight<"ih">(); }
    const parameter<T, 2>& weight_ih() const { return this->template weight<"ih">(); }
    parameter<T, 2>& weight_hh() { return this->template weight<"hh">(); }
    const parameter<T, 2>& weight_hh() const { return this->template weight<"hh">(); }
    parameter<T, 1>& bias_ih() { return this->template bias<"ih">(); }
    const parameter<T, 1>& bias_ih() const { return this->template bias<"ih">(); }
    parameter<T, 1>& bias_hh() { return this->template bias<"hh">(); }
    const parameter<T, 1>& bias_hh() const { return this->template bias<"hh">(); }

    /// h_{−1} (Hidden), the same for every sequence of the batch; zeros unless set; not trained.
    tensor<T, 1>& initial_state() { return this->initial(cell::h); }
    const tensor<T, 1>& initial_state() const { return this->initial(cell::h); }
    /// c_{−1} of an lstm (Hidden).
    tensor<T, 1>& initial_cell()
        requires requires { cell::c; }
    {
        return this->initial(cell::c);
    }
    const tensor<T, 1>& initial_cell() const
        requires requires { cell::c; }
    {
        return this->initial(cell::c);
    }

    /// Every state h_t of the last forward pass, time-major: (T, Hidden, B).
    auto states() const { return this->time_major(cell::h); }
    /// Every cell c_t of an lstm's last forward pass, time-major: (T, Hidden, B).
    auto cells() const
        requires requires { cell::c; }
    {
        return this->time_major(cell::c);
    }
    /// The gate activations of the last forward pass, time-major: (T, 4·Hidden, B) for an lstm
    /// (rows i, f, g, o: σ, σ, tanh, σ), (T, 3·Hidden, B) for a gru (r, z, n). A gate near 0 or
    /// 1 at every step is saturated.
    auto gates() const
        requires requires { cell::first_gate; }
    {
        using first = std::remove_cvref_t<decltype(cell::first_gate)>;
        using last = std::remove_cvref_t<decltype(cell::last_gate)>;
        static_assert(torch_recurrent_layer::template rows_through<first, last>() == cell::gate_rows,
                      "ctnn: the cell's gate nodes are not stored one after another");
        return this->template time_major_through<first, last>();
    }
};

}  // namespace ctnn
