// lstm<Hidden, Returns>: a long short-term memory layer, PyTorch's nn.LSTM:
//   [i; f; g; o] = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh   (gates stacked in that order, 4·Hidden rows)
//   i, f, o = σ(·),  g = tanh(·),  c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
// with h_{−1} = initial_state, c_{−1} = initial_cell (zeros). As in rnn: the input projections of
// every step are one matrix product, the weight gradients one product each over all steps; only
// W_hh·h_{t−1} runs step by step. Back-propagation through time is full, or truncated to chunks
// of `bptt_steps` steps (through both h and c).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "ctnn/activations/sigmoid.hpp"
#include "ctnn/activations/tanh.hpp"
#include "ctnn/core/parameter.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/core/sequence.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/recurrent_parameters.hpp"
#include "ctnn/detail/recurrent_product.hpp"
#include "ctnn/detail/sequence_layout.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/expr/activation.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/init/recurrent_default.hpp"

namespace ctnn {

/// The layer as it lives inside a network. Inside, a sequence is feature-major with time
/// outermost in each row, (width, T·B), column t·B + b; a step's gates are a (4·Hidden, B) block.
template <class T, std::size_t In, std::size_t Hidden, class Returns, class Init, class RecurrentInit, bool Bias,
          bool InputGradient>
class lstm_layer {
public:
    using scalar = T;
    using initializer_type = Init;
    static constexpr std::string_view kind = "lstm";
    static constexpr std::size_t input_width = In;
    static constexpr std::size_t output_width = Hidden;
    static constexpr std::size_t gate_rows = 4 * Hidden;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Returns::returns_sequence;
    static constexpr bool has_bias = Bias;
    static constexpr std::size_t parameter_count = gate_rows * In + gate_rows * Hidden + (Bias ? 2 * gate_rows : 0);
    static constexpr bool computes_input_gradient = InputGradient;

    parameter<T, 2> weight_ih;  // (4·Hidden, In), rows i, f, g, o
    parameter<T, 2> weight_hh;  // (4·Hidden, Hidden)
    parameter<T, 1> bias_ih;    // (4·Hidden), empty without bias
    parameter<T, 1> bias_hh;    // (4·Hidden), empty without bias
    /// Init policies for W_ih and the biases, and for W_hh; set their fields before `initialize`.
    Init initializer{};
    RecurrentInit recurrent_initializer{};
    /// h_{−1} and c_{−1}, the same for every sequence of the batch; not trained.
    tensor<T, 1> initial_state;
    tensor<T, 1> initial_cell;
    /// 0: full back-propagation through time. k > 0: the gradient does not flow from step t
    /// into step t − 1 (neither through h nor through c) when t is a multiple of k
    /// (PyTorch: detaching h and c every k steps).
    std::size_t bptt_steps = 0;

    lstm_layer() {
        weight_ih.reshape(std::array<std::size_t, 2>{gate_rows, In});
        weight_hh.reshape(std::array<std::size_t, 2>{gate_rows, Hidden});
        if constexpr (Bias) {
            bias_ih.reshape(std::array<std::size_t, 1>{gate_rows});
            bias_hh.reshape(std::array<std::size_t, 1>{gate_rows});
        }
        initial_state = tensor<T, 1>::from_shape({Hidden});
        initial_state.fill(T(0));
        initial_cell = tensor<T, 1>::from_shape({Hidden});
        initial_cell.fill(T(0));
        combined_bias_ = detail::buffer<T>(gate_rows);
        column_sums_ = detail::buffer<T>(gate_rows);
    }

    void initialize(rng stream) {
        initializer.weight(weight_ih.value, init::fans{In, gate_rows, Hidden}, stream);
        recurrent_initializer.weight(weight_hh.value, init::fans{Hidden, gate_rows, Hidden}, stream);
        if constexpr (Bias) {
            initializer.bias(bias_ih.value, init::fans{In, gate_rows, Hidden}, stream);
            initializer.bias(bias_hh.value, init::fans{Hidden, gate_rows, Hidden}, stream);
        }
    }

    /// Sizes the work buffers for up to `batch` sequences of up to `steps` steps (only grows).
    void reserve(std::size_t batch, std::size_t steps) {
        const std::size_t n = Hidden * batch * steps;
        detail::ensure_capacity(projection_, 4 * n);
        detail::ensure_capacity(gates_, 4 * n);
        detail::ensure_capacity(cells_, n);
        detail::ensure_capacity(cell_tanh_, n);
        detail::ensure_capacity(states_, n);
        detail::ensure_capacity(previous_states_, n);
        if constexpr (returns_sequence) detail::ensure_capacity(output_, n);
        detail::ensure_capacity(step_gradients_, 4 * n);
        detail::ensure_capacity(initial_block_, Hidden * batch);
        detail::ensure_capacity(initial_cell_block_, Hidden * batch);
        detail::ensure_capacity(state_gradient_, Hidden * batch);
        detail::ensure_capacity(cell_gradient_, Hidden * batch);
        detail::ensure_capacity(carried_state_gradient_, Hidden * batch);
        detail::ensure_capacity(carried_cell_gradient_, Hidden * batch);
        detail::ensure_capacity(step_gates_gradient_, gate_rows * batch);
        if constexpr (computes_input_gradient) detail::ensure_capacity(input_gradient_, In * batch * steps);
        detail::ensure_capacity(weight_gradient_scratch_,
                                detail::weight_gradient_scratch<Hidden, gate_rows>(batch * steps));
        if (time_gradient_norms_.size() < steps) time_gradient_norms_.resize(steps);
        capacity_ = std::max(capacity_, batch);
    }
    std::size_t capacity() const noexcept { return capacity_; }

    // xᵀ (In, T·B; ld) -> (Hidden, B) last state, or (Hidden, T·B) every state, packed.
    // `lengths` (B lengths, or empty: all T steps) ends each sequence early: its state is
    // carried through the padding and its output there is 0. The input and the lengths must
    // stay alive until backward.
    const T* forward(const T* in_t, std::size_t ld, std::size_t batch, std::size_t steps,
                     std::span<const std::size_t> lengths = {}) {
        detail::check_lengths(lengths, batch, steps, kind);
        lengths_ = lengths;
        input_t_ = in_t;
        input_ld_ = ld;
        batch_ = batch;
        steps_ = steps;
        const std::size_t n = batch * steps, block = Hidden * batch;
        for (std::size_t r = 0; r < gate_rows; ++r) combined_bias_[r] = Bias ? bias_ih.value(r) + bias_hh.value(r) : T(0);
        for (std::size_t h = 0; h < Hidden; ++h) {
            std::fill_n(initial_block_.data() + h * batch, batch, initial_state(h));
            std::fill_n(initial_cell_block_.data() + h * batch, batch, initial_cell(h));
        }
        // Every step's W_ih·x_t + b at once: (4·Hidden, T·B).
        detail::affine_forward<In, gate_rows>(weight_ih.value.data(), in_t, ld, combined_bias_.data(),
                                              projection_.data(), n);
        const T* previous = initial_block_.data();
        const T* previous_cell = initial_cell_block_.data();
        for (std::size_t t = 0; t < steps; ++t) {
            T* gates = gates_.data() + t * 4 * block;
            T* c = cells_.data() + t * block;
            T* tc = cell_tanh_.data() + t * block;
            T* h = states_.data() + t * block;
            detail::step_product<gate_rows, Hidden, Hidden, 1>(weight_hh.value.data(), previous, batch,
                                                               projection_.data() + t * batch, n, gates, batch);
            // Rows i and f are one contiguous (2·Hidden, B) block, as are g and o separately.
            auto if_gates = detail::matrix_view(gates, 2 * Hidden, batch);
            auto g = detail::matrix_view(gates + 2 * block, Hidden, batch);
            auto o = detail::matrix_view(gates + 3 * block, Hidden, batch);
            xt::noalias(if_gates) = expr::activation_traits<sigmoid>::forward(if_gates);
            xt::noalias(g) = expr::activation_traits<ctnn::tanh>::forward(g);
            xt::noalias(o) = expr::activation_traits<sigmoid>::forward(o);
            const auto i = detail::matrix_view(static_cast<const T*>(gates), Hidden, batch);
            const auto f = detail::matrix_view(static_cast<const T*>(gates + block), Hidden, batch);
            const auto c_prev = detail::matrix_view(previous_cell, Hidden, batch);
            auto c_view = detail::matrix_view(c, Hidden, batch);
            auto tc_view = detail::matrix_view(tc, Hidden, batch);
            auto h_view = detail::matrix_view(h, Hidden, batch);
            xt::noalias(c_view) = f * c_prev + i * g;
            xt::noalias(tc_view) = expr::activation_traits<ctnn::tanh>::forward(c_view);
            xt::noalias(h_view) = o * tc_view;
            // a padded step keeps the sequence's last state and cell
            detail::carry_padding_at(previous_cell, batch, c, batch, Hidden, lengths, t);
            detail::carry_padding_at(previous, batch, h, batch, Hidden, lengths, t);
            // h_{t−1} joins the (Hidden, T·B) matrix W_hh's gradient is one product over.
            detail::copy_block(previous, batch, previous_states_.data() + t * batch, n, Hidden, batch);
            if constexpr (returns_sequence) {
                detail::copy_block(static_cast<const T*>(h), batch, output_.data() + t * batch, n, Hidden, batch);
                detail::zero_padding_at(output_.data() + t * batch, n, Hidden, lengths, t);
            }
            previous = h;
            previous_cell = c;
        }
        if constexpr (returns_sequence)
            return output_.data();
        else
            return states_.data() + (steps - 1) * block;
    }

    // dL/dh: (Hidden, B) for the last state, or (Hidden, T·B) for every state -> dW_ih, dW_hh,
    // db_ih, db_hh into the grads; returns dxᵀ (In, T·B), or nullptr for the first layer.
    T* backward(T* da) {
        detail::refuse_truncation_with_lengths(lengths_, bptt_steps, kind);
        const std::size_t batch = batch_, steps = steps_, n = batch * steps, block = Hidden * batch;
        auto incoming = [&](std::size_t t) -> const T* {
            if constexpr (returns_sequence) return da + t * batch;
            else return t + 1 == steps ? da : nullptr;
        };
        const std::size_t incoming_ld = returns_sequence ? n : batch;
        // the output is 0 at padded steps: nothing comes back from there
        if constexpr (returns_sequence) detail::zero_padding(da, n, Hidden, batch, steps, lengths_);
        T* dh = state_gradient_.data();
        T* dc_data = cell_gradient_.data();
        T* d_gates = step_gates_gradient_.data();
        detail::copy_block(incoming(steps - 1), incoming_ld, dh, batch, Hidden, batch);
        std::fill_n(dc_data, block, T(0));
        auto dc = detail::matrix_view(dc_data, Hidden, batch);
        auto di = detail::matrix_view(d_gates, Hidden, batch);
        auto df = detail::matrix_view(d_gates + block, Hidden, batch);
        auto dg = detail::matrix_view(d_gates + 2 * block, Hidden, batch);
        auto d_o = detail::matrix_view(d_gates + 3 * block, Hidden, batch);
        const auto dh_view = detail::matrix_view(static_cast<const T*>(dh), Hidden, batch);
        for (std::size_t t = steps; t-- > 0;) {
            time_gradient_norms_[t] = std::sqrt(double(detail::dot(dh, dh, block)));
            // a padded step carried h and c: their gradients go on to step t − 1 unchanged
            const bool padded = detail::any_padding_at(lengths_, t);
            if (padded) {
                detail::carry_padding_at(static_cast<const T*>(dh), batch, carried_state_gradient_.data(), batch, Hidden,
                                         lengths_, t);
                detail::carry_padding_at(static_cast<const T*>(dc_data), batch, carried_cell_gradient_.data(), batch,
                                         Hidden, lengths_, t);
            }
            const T* gates = gates_.data() + t * 4 * block;
            const auto i = detail::matrix_view(gates, Hidden, batch);
            const auto f = detail::matrix_view(gates + block, Hidden, batch);
            const auto g = detail::matrix_view(gates + 2 * block, Hidden, batch);
            const auto o = detail::matrix_view(gates + 3 * block, Hidden, batch);
            const auto tc = detail::matrix_view(static_cast<const T*>(cell_tanh_.data() + t * block), Hidden, batch);
            const T* c_prev_data = t == 0 ? initial_cell_block_.data() : cells_.data() + (t - 1) * block;
            const auto c_prev = detail::matrix_view(c_prev_data, Hidden, batch);
            // dL/dc_t: through h_t = o ⊙ tanh(c_t), plus what c_{t+1} = f ⊙ c_t + … sends back.
            xt::noalias(d_o) = dh_view * tc * o * (T(1) - o);
            xt::noalias(dc) = dc + dh_view * o * (T(1) - tc * tc);
            xt::noalias(di) = dc * g * i * (T(1) - i);
            xt::noalias(df) = dc * c_prev * f * (T(1) - f);
            xt::noalias(dg) = dc * i * (T(1) - g * g);
            if (padded) detail::zero_padding_at(d_gates, batch, gate_rows, lengths_, t);
            detail::copy_block(static_cast<const T*>(d_gates), batch, step_gradients_.data() + t * batch, n,
                               gate_rows, batch);
            if (t == 0) break;
            const T* from_above = incoming(t - 1);
            if (bptt_steps != 0 && t % bptt_steps == 0) {
                if (from_above)
                    detail::copy_block(from_above, incoming_ld, dh, batch, Hidden, batch);
                else
                    std::fill_n(dh, block, T(0));
                std::fill_n(dc_data, block, T(0));
            } else {
                // dL/dh_{t−1} = from above + W_hhᵀ·d_gates_t;  dL/dc_{t−1} (so far) = dc_t ⊙ f
                detail::step_product<Hidden, gate_rows, 1, Hidden>(weight_hh.value.data(), d_gates, batch,
                                                                   from_above, incoming_ld, dh, batch);
                xt::noalias(dc) = dc * f;
                if (padded) {
                    detail::add_padding_at(static_cast<const T*>(carried_state_gradient_.data()), batch, dh, batch,
                                           Hidden, lengths_, t);
                    detail::carry_padding_at(static_cast<const T*>(carried_cell_gradient_.data()), batch, dc_data, batch,
                                             Hidden, lengths_, t);
                }
            }
        }
        T* db = Bias ? bias_ih.grad.data() : column_sums_.data();
        detail::affine_backward_parameters<In, gate_rows>(step_gradients_.data(), input_t_, input_ld_,
                                                          weight_ih.grad.data(), db, n);
        // The bias sums were just formed above: W_hh's product alone.
        T* const scratch = detail::weight_gradient_scratch_for<Hidden, gate_rows>(weight_gradient_scratch_, n);
        detail::affine_weight_gradient<Hidden, gate_rows>(static_cast<const T*>(step_gradients_.data()),
                                                          static_cast<const T*>(previous_states_.data()), n,
                                                          weight_hh.grad.data(), n, scratch);
        if constexpr (Bias) std::copy_n(bias_ih.grad.data(), gate_rows, bias_hh.grad.data());
        if constexpr (computes_input_gradient) {
            detail::affine_backward_input<In, gate_rows>(weight_ih.value.data(), step_gradients_.data(),
                                                         input_gradient_.data(), n);
            return input_gradient_.data();
        } else {
            return nullptr;
        }
    }

    /// ‖∂L/∂h_t‖ (over the batch) for t = 0 … T−1 of the last backward pass: the total gradient
    /// reaching h_t, from the layer above and from step t + 1.
    std::span<const double> time_gradient_norms() const noexcept {
        return {time_gradient_norms_.data(), steps_};
    }
    /// The last forward pass's output, feature-major: (Hidden, B) or (Hidden, T·B).
    auto output() const {
        if constexpr (returns_sequence)
            return detail::matrix_view(static_cast<const T*>(output_.data()), Hidden, batch_ * steps_);
        else
            return detail::matrix_view(static_cast<const T*>(states_.data() + (steps_ - 1) * Hidden * batch_),
                                       Hidden, batch_);
    }
    /// Every state h_t of the last forward pass, time-major: (T, Hidden, B).
    auto states() const { return time_major(states_, Hidden); }
    /// Every cell c_t of the last forward pass, time-major: (T, Hidden, B).
    auto cells() const { return time_major(cells_, Hidden); }
    /// The gate activations of the last forward pass, time-major: (T, 4·Hidden, B), rows
    /// i, f, g, o (σ, σ, tanh, σ): a gate near 0 or 1 for every step is saturated.
    auto gates() const { return time_major(gates_, gate_rows); }
    std::size_t batch() const noexcept { return batch_; }
    std::size_t steps() const noexcept { return steps_; }
    /// Columns of the output: B, or T·B for a whole sequence.
    std::size_t rows() const noexcept { return returns_sequence ? batch_ * steps_ : batch_; }

    template <class F>
    void for_each_parameter(F&& f) {
        detail::visit_recurrent_parameters<Bias>(*this, [&](std::string_view, auto& p) { f(p); });
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        detail::visit_recurrent_parameters<Bias>(*this, [&](std::string_view, const auto& p) { f(p); });
    }
    /// The same visit with PyTorch's state_dict names (weight_ih_l0, ...), for saving.
    template <class F>
    void for_each_named_parameter(F&& f) {
        detail::visit_recurrent_parameters<Bias>(*this, f);
    }
    template <class F>
    void for_each_named_parameter(F&& f) const {
        detail::visit_recurrent_parameters<Bias>(*this, f);
    }

private:
    auto time_major(const detail::buffer<T>& buffer, std::size_t rows) const {
        return xt::adapt(static_cast<const T*>(buffer.data()), steps_ * rows * batch_, xt::no_ownership(),
                         std::array<std::size_t, 3>{steps_, rows, batch_});
    }

    detail::buffer<T> combined_bias_;        // b_ih + b_hh (4·Hidden)
    detail::buffer<T> column_sums_;          // a bias gradient nobody keeps (4·Hidden)
    detail::buffer<T> projection_;           // W_ih·x + b for every step (4·Hidden, T·B)
    detail::buffer<T> gates_;                // i, f, g, o, time-major (T, 4·Hidden, B)
    detail::buffer<T> cells_;                // c_t, time-major (T, Hidden, B)
    detail::buffer<T> cell_tanh_;            // tanh(c_t), time-major (T, Hidden, B)
    detail::buffer<T> states_;               // h_t, time-major (T, Hidden, B)
    detail::buffer<T> previous_states_;      // h_{t−1} (Hidden, T·B)
    detail::buffer<T> output_;               // h_t (Hidden, T·B), for a whole-sequence output
    detail::buffer<T> step_gradients_;       // dL/d(gate pre-activations) (4·Hidden, T·B)
    detail::buffer<T> initial_block_;        // h_{−1} (Hidden, B)
    detail::buffer<T> initial_cell_block_;   // c_{−1} (Hidden, B)
    detail::buffer<T> state_gradient_;       // dL/dh_t (Hidden, B)
    detail::buffer<T> cell_gradient_;        // dL/dc_t (Hidden, B)
    detail::buffer<T> carried_state_gradient_;  // dL/dh_t of the sequences padded at step t (Hidden, B)
    detail::buffer<T> carried_cell_gradient_;   // dL/dc_t from step t + 1, the same sequences (Hidden, B)
    detail::buffer<T> step_gates_gradient_;  // dL/d(gate pre-activations) of one step (4·Hidden, B)
    detail::buffer<T> input_gradient_;       // dxᵀ (In, T·B)
    detail::buffer<T> weight_gradient_scratch_;  // the states (T·B, Hidden) when dW_hh runs faster on them

    std::vector<double> time_gradient_norms_;
    std::span<const std::size_t> lengths_;  // of the last forward pass; empty: every step real
    const T* input_t_ = nullptr;
    std::size_t input_ld_ = 0;
    std::size_t batch_ = 0;
    std::size_t steps_ = 0;
    std::size_t capacity_ = 0;
};

/// An LSTM layer of `Hidden` units as written in a network's type list: it reads a sequence and
/// returns its last state h_T (`last_state`) or every h_t (`whole_sequence`). `Bias = false`
/// drops b_ih and b_hh, as PyTorch's `bias=False`.
template <std::size_t Hidden, class Returns = last_state, class Init = init::recurrent_default,
          class RecurrentInit = Init, bool Bias = true>
struct lstm {
    /// The same layer without b_ih and b_hh (PyTorch's `bias=False`), its policies kept:
    /// `lstm<40, whole_sequence>::without_bias`.
    using without_bias = lstm<Hidden, Returns, Init, RecurrentInit, false>;
    static constexpr std::size_t output_width = Hidden;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Returns::returns_sequence;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_layer_width<lstm, Index, Hidden>());
        static_assert(diagnostics::check_initializer<Init>());
        static_assert(diagnostics::check_initializer<RecurrentInit>());
        using type = lstm_layer<T, InputShape.size(), Hidden, Returns, Init, RecurrentInit, Bias, (Index > 0)>;
    };
};

}  // namespace ctnn
