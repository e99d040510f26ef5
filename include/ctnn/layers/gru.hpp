// gru<Hidden, Returns>: a gated recurrent unit layer, PyTorch's nn.GRU (gates stacked r, z, n):
//   r = σ(W_ir·x_t + b_ir + W_hr·h_{t−1} + b_hr),  z = σ(W_iz·x_t + b_iz + W_hz·h_{t−1} + b_hz)
//   n = tanh(W_in·x_t + b_in + r ⊙ (W_hn·h_{t−1} + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
// with h_{−1} = initial_state (zeros). b_hn stays inside r ⊙ (…), so it is not folded into the
// input projection as the r and z rows of b_hh are. As in rnn: the input projections of every
// step are one matrix product, the weight gradients one product each over all steps; only
// W_hh·h_{t−1} runs step by step. Back-propagation through time is full, or truncated to
// chunks of `bptt_steps` steps.
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
/// outermost in each row, (width, T·B), column t·B + b; a step's gates are (Hidden, B) blocks.
template <class T, std::size_t In, std::size_t Hidden, class Returns, class Init, class RecurrentInit, bool Bias,
          bool InputGradient>
class gru_layer {
public:
    using scalar = T;
    using initializer_type = Init;
    static constexpr std::string_view kind = "gru";
    static constexpr std::size_t input_width = In;
    static constexpr std::size_t output_width = Hidden;
    static constexpr std::size_t gate_rows = 3 * Hidden;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Returns::returns_sequence;
    static constexpr bool has_bias = Bias;
    static constexpr std::size_t parameter_count = gate_rows * In + gate_rows * Hidden + (Bias ? 2 * gate_rows : 0);
    static constexpr bool computes_input_gradient = InputGradient;

    parameter<T, 2> weight_ih;  // (3·Hidden, In), rows r, z, n
    parameter<T, 2> weight_hh;  // (3·Hidden, Hidden)
    parameter<T, 1> bias_ih;    // (3·Hidden), empty without bias
    parameter<T, 1> bias_hh;    // (3·Hidden), empty without bias
    /// Init policies for W_ih and the biases, and for W_hh; set their fields before `initialize`.
    Init initializer{};
    RecurrentInit recurrent_initializer{};
    /// h_{−1}, the same for every sequence of the batch; not trained.
    tensor<T, 1> initial_state;
    /// 0: full back-propagation through time. k > 0: the gradient does not flow from step t
    /// into step t − 1 when t is a multiple of k (PyTorch: detaching h every k steps).
    std::size_t bptt_steps = 0;

    gru_layer() {
        weight_ih.reshape(std::array<std::size_t, 2>{gate_rows, In});
        weight_hh.reshape(std::array<std::size_t, 2>{gate_rows, Hidden});
        if constexpr (Bias) {
            bias_ih.reshape(std::array<std::size_t, 1>{gate_rows});
            bias_hh.reshape(std::array<std::size_t, 1>{gate_rows});
        }
        initial_state = tensor<T, 1>::from_shape({Hidden});
        initial_state.fill(T(0));
        input_bias_ = detail::buffer<T>(gate_rows);
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
        detail::ensure_capacity(projection_, 3 * n);
        detail::ensure_capacity(gates_, 4 * n);
        detail::ensure_capacity(states_, n);
        detail::ensure_capacity(previous_states_, n);
        if constexpr (returns_sequence) detail::ensure_capacity(output_, n);
        detail::ensure_capacity(input_side_gradients_, 3 * n);
        detail::ensure_capacity(hidden_side_gradients_, 3 * n);
        detail::ensure_capacity(initial_block_, Hidden * batch);
        if constexpr (Bias) detail::ensure_capacity(hidden_bias_block_, Hidden * batch);
        detail::ensure_capacity(state_gradient_, Hidden * batch);
        detail::ensure_capacity(carried_gradient_, Hidden * batch);
        detail::ensure_capacity(step_gates_gradient_, 4 * Hidden * batch);
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
        // r and z take both biases from the input projection; n takes only b_in there.
        for (std::size_t r = 0; r < gate_rows; ++r)
            input_bias_[r] = Bias ? bias_ih.value(r) + (r < 2 * Hidden ? bias_hh.value(r) : T(0)) : T(0);
        for (std::size_t h = 0; h < Hidden; ++h) {
            std::fill_n(initial_block_.data() + h * batch, batch, initial_state(h));
            if constexpr (Bias) std::fill_n(hidden_bias_block_.data() + h * batch, batch, bias_hh.value(2 * Hidden + h));
        }
        // Every step's W_ih·x_t + b at once: (3·Hidden, T·B).
        detail::affine_forward<In, gate_rows>(weight_ih.value.data(), in_t, ld, input_bias_.data(),
                                              projection_.data(), n);
        const T* hn_init = Bias ? hidden_bias_block_.data() : nullptr;
        const T* previous = initial_block_.data();
        for (std::size_t t = 0; t < steps; ++t) {
            // The step's block: rows r, z, n (activated), then W_hn·h_{t−1} + b_hn.
            T* gates = gates_.data() + t * 4 * block;
            T* h = states_.data() + t * block;
            // W_hh·h_{t−1} in two row ranges: r and z start from the input projection, n from b_hn.
            detail::step_product<2 * Hidden, Hidden, Hidden, 1>(weight_hh.value.data(), previous, batch,
                                                                projection_.data() + t * batch, n, gates, batch);
            detail::step_product<Hidden, Hidden, Hidden, 1>(weight_hh.value.data() + 2 * Hidden * Hidden, previous,
                                                            batch, hn_init, batch, gates + 3 * block, batch);
            auto rz = detail::matrix_view(gates, 2 * Hidden, batch);
            xt::noalias(rz) = expr::activation_traits<sigmoid>::forward(rz);
            const auto r = detail::matrix_view(static_cast<const T*>(gates), Hidden, batch);
            const auto z = detail::matrix_view(static_cast<const T*>(gates + block), Hidden, batch);
            auto n_gate = detail::matrix_view(gates + 2 * block, Hidden, batch);
            const auto hn = detail::matrix_view(static_cast<const T*>(gates + 3 * block), Hidden, batch);
            // W_in·x_t + b_in, packed beside the other gates so the expression below vectorises.
            detail::copy_block(static_cast<const T*>(projection_.data() + 2 * Hidden * n + t * batch), n,
                               gates + 2 * block, batch, Hidden, batch);
            xt::noalias(n_gate) = expr::activation_traits<ctnn::tanh>::forward(n_gate + r * hn);
            const auto h_prev = detail::matrix_view(previous, Hidden, batch);
            auto h_view = detail::matrix_view(h, Hidden, batch);
            xt::noalias(h_view) = n_gate + z * (h_prev - n_gate);
            detail::carry_padding_at(previous, batch, h, batch, Hidden, lengths, t);  // a padded step keeps h
            // h_{t−1} joins the (Hidden, T·B) matrix W_hh's gradient is one product over.
            detail::copy_block(previous, batch, previous_states_.data() + t * batch, n, Hidden, batch);
            if constexpr (returns_sequence) {
                detail::copy_block(static_cast<const T*>(h), batch, output_.data() + t * batch, n, Hidden, batch);
                detail::zero_padding_at(output_.data() + t * batch, n, Hidden, lengths, t);
            }
            previous = h;
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
        T* carried = carried_gradient_.data();
        // One step's gradients: rows r, z, n (pre-activations) and W_hn·h_{t−1} + b_hn.
        T* d_gates = step_gates_gradient_.data();
        detail::copy_block(incoming(steps - 1), incoming_ld, dh, batch, Hidden, batch);
        auto dr = detail::matrix_view(d_gates, Hidden, batch);
        auto dz = detail::matrix_view(d_gates + block, Hidden, batch);
        auto dn = detail::matrix_view(d_gates + 2 * block, Hidden, batch);
        auto dhn = detail::matrix_view(d_gates + 3 * block, Hidden, batch);
        auto carried_view = detail::matrix_view(carried, Hidden, batch);
        const auto dh_view = detail::matrix_view(static_cast<const T*>(dh), Hidden, batch);
        for (std::size_t t = steps; t-- > 0;) {
            time_gradient_norms_[t] = std::sqrt(double(detail::dot(dh, dh, block)));
            const T* gates = gates_.data() + t * 4 * block;
            const auto r = detail::matrix_view(gates, Hidden, batch);
            const auto z = detail::matrix_view(gates + block, Hidden, batch);
            const auto n_gate = detail::matrix_view(gates + 2 * block, Hidden, batch);
            const auto hn = detail::matrix_view(gates + 3 * block, Hidden, batch);
            const T* h_prev_data = t == 0 ? initial_block_.data() : states_.data() + (t - 1) * block;
            const auto h_prev = detail::matrix_view(h_prev_data, Hidden, batch);
            xt::noalias(dn) = dh_view * (T(1) - z) * (T(1) - n_gate * n_gate);
            xt::noalias(dz) = dh_view * (h_prev - n_gate) * z * (T(1) - z);
            xt::noalias(dr) = dn * hn * r * (T(1) - r);
            xt::noalias(dhn) = dn * r;
            // a padded step carried h: no gate had a part in it
            detail::zero_padding_at(d_gates, batch, 4 * Hidden, lengths_, t);
            // The input side sees [dr; dz; dn], the hidden side [dr; dz; dhn].
            detail::copy_block(static_cast<const T*>(d_gates), batch, input_side_gradients_.data() + t * batch, n,
                               gate_rows, batch);
            detail::copy_block(static_cast<const T*>(d_gates), batch, hidden_side_gradients_.data() + t * batch, n,
                               2 * Hidden, batch);
            detail::copy_block(static_cast<const T*>(d_gates + 3 * block), batch,
                               hidden_side_gradients_.data() + 2 * Hidden * n + t * batch, n, Hidden, batch);
            if (t == 0) break;
            const T* from_above = incoming(t - 1);
            if (bptt_steps != 0 && t % bptt_steps == 0) {
                if (from_above)
                    detail::copy_block(from_above, incoming_ld, dh, batch, Hidden, batch);
                else
                    std::fill_n(dh, block, T(0));
            } else {
                // dL/dh_{t−1} = from above + dh_t ⊙ z + W_hhᵀ·[dr; dz; dhn]
                xt::noalias(carried_view) = dh_view * z;
                detail::carry_padding_at(static_cast<const T*>(dh), batch, carried, batch, Hidden, lengths_, t);
                if (from_above)
                    for (std::size_t u = 0; u < Hidden; ++u) {
                        T* row = carried + u * batch;
                        const T* above = from_above + u * incoming_ld;
                        for (std::size_t b = 0; b < batch; ++b) row[b] += above[b];
                    }
                detail::step_product<Hidden, gate_rows, 1, Hidden>(weight_hh.value.data(),
                                                                   hidden_side_gradients_.data() + t * batch, n,
                                                                   static_cast<const T*>(carried), batch, dh, batch);
            }
        }
        T* db_ih = Bias ? bias_ih.grad.data() : column_sums_.data();
        T* db_hh = Bias ? bias_hh.grad.data() : column_sums_.data();
        detail::affine_backward_parameters<In, gate_rows>(input_side_gradients_.data(), input_t_, input_ld_,
                                                          weight_ih.grad.data(), db_ih, n);
        T* const scratch = detail::weight_gradient_scratch_for<Hidden, gate_rows>(weight_gradient_scratch_, n);
        detail::affine_backward_parameters<Hidden, gate_rows>(hidden_side_gradients_.data(), previous_states_.data(),
                                                              n, weight_hh.grad.data(), db_hh, n, scratch);
        if constexpr (computes_input_gradient) {
            detail::affine_backward_input<In, gate_rows>(weight_ih.value.data(), input_side_gradients_.data(),
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
    /// Every state of the last forward pass, time-major: (T, Hidden, B).
    auto states() const {
        return xt::adapt(static_cast<const T*>(states_.data()), steps_ * Hidden * batch_, xt::no_ownership(),
                         std::array<std::size_t, 3>{steps_, Hidden, batch_});
    }
    /// The gate activations of the last forward pass, time-major: (T, 3·Hidden, B), rows
    /// r, z, n (σ, σ, tanh): a gate near its bounds for every step is saturated.
    auto gates() const {
        // Strided over the (T, 4·Hidden, B) buffer, skipping each step's W_hn·h + b_hn rows
        // (xtensor wants the element count of the shape as the adapted size).
        return xt::adapt(static_cast<const T*>(gates_.data()), steps_ * gate_rows * batch_, xt::no_ownership(),
                         std::array<std::size_t, 3>{steps_, gate_rows, batch_},
                         std::array<std::size_t, 3>{4 * Hidden * batch_, batch_, 1});
    }
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
    detail::buffer<T> input_bias_;             // b_ih + b_hh for r and z, b_in for n (3·Hidden)
    detail::buffer<T> column_sums_;            // a bias gradient nobody keeps (3·Hidden)
    detail::buffer<T> projection_;             // W_ih·x + input_bias_ for every step (3·Hidden, T·B)
    detail::buffer<T> gates_;                  // r, z, n, W_hn·h + b_hn, time-major (T, 4·Hidden, B)
    detail::buffer<T> states_;                 // h_t, time-major (T, Hidden, B)
    detail::buffer<T> previous_states_;        // h_{t−1} (Hidden, T·B)
    detail::buffer<T> output_;                 // h_t (Hidden, T·B), for a whole-sequence output
    detail::buffer<T> input_side_gradients_;   // dL/d(W_ih·x + b_ih) (3·Hidden, T·B)
    detail::buffer<T> hidden_side_gradients_;  // dL/d(W_hh·h + b_hh) (3·Hidden, T·B)
    detail::buffer<T> initial_block_;          // h_{−1} (Hidden, B)
    detail::buffer<T> hidden_bias_block_;      // b_hn for every column (Hidden, B)
    detail::buffer<T> state_gradient_;         // dL/dh_t (Hidden, B)
    detail::buffer<T> carried_gradient_;       // dL/dh_{t−1} before the W_hhᵀ product (Hidden, B)
    detail::buffer<T> step_gates_gradient_;    // one step's dr, dz, dn, dhn (4·Hidden, B)
    detail::buffer<T> input_gradient_;         // dxᵀ (In, T·B)
    detail::buffer<T> weight_gradient_scratch_;  // the states (T·B, Hidden) when dW_hh runs faster on them

    std::vector<double> time_gradient_norms_;
    std::span<const std::size_t> lengths_;  // of the last forward pass; empty: every step real
    const T* input_t_ = nullptr;
    std::size_t input_ld_ = 0;
    std::size_t batch_ = 0;
    std::size_t steps_ = 0;
    std::size_t capacity_ = 0;
};

/// A GRU layer of `Hidden` units as written in a network's type list: it reads a sequence and
/// returns its last state (`last_state`) or every state (`whole_sequence`). `Bias = false` drops
/// b_ih and b_hh, as PyTorch's `bias=False`.
template <std::size_t Hidden, class Returns = last_state, class Init = init::recurrent_default,
          class RecurrentInit = Init, bool Bias = true>
struct gru {
    /// The same layer without b_ih and b_hh (PyTorch's `bias=False`), its policies kept:
    /// `gru<40, whole_sequence>::without_bias`.
    using without_bias = gru<Hidden, Returns, Init, RecurrentInit, false>;
    static constexpr std::size_t output_width = Hidden;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Returns::returns_sequence;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_layer_width<gru, Index, Hidden>());
        static_assert(diagnostics::check_initializer<Init>());
        static_assert(diagnostics::check_initializer<RecurrentInit>());
        using type = gru_layer<T, InputShape.size(), Hidden, Returns, Init, RecurrentInit, Bias, (Index > 0)>;
    };
};

}  // namespace ctnn
