// rnn<Hidden, Activation, Returns>: an Elman recurrent layer, PyTorch's nn.RNN:
//   h_t = act(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh),  h_{−1} = initial_state (zeros).
// The input projections of every step are one matrix product, the weight gradients one product
// each over all steps; only W_hh·h_{t−1} runs step by step. Back-propagation through time is
// full, or truncated to chunks of `bptt_steps` steps.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "ctnn/activations/tanh.hpp"
#include "ctnn/core/parameter.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/core/sequence.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/activation_stage.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/norms.hpp"
#include "ctnn/detail/recurrent_parameters.hpp"
#include "ctnn/detail/recurrent_product.hpp"
#include "ctnn/detail/sequence_layout.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/expr/activation.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/init/recurrent_default.hpp"

namespace ctnn {

/// The layer as it lives inside a network. Inside, a sequence is feature-major with time
/// outermost in each row, (width, T·B), column t·B + b; a step's states are (Hidden, B) blocks.
template <class T, std::size_t In, std::size_t Hidden, class Activation, class Returns,
          class Init, class RecurrentInit, bool Bias, bool InputGradient>
class rnn_layer {
public:
    using scalar = T;
    using activation_type = Activation;
    using initializer_type = Init;
    static constexpr std::string_view kind = "rnn";
    static constexpr std::size_t input_width = In;
    static constexpr std::size_t output_width = Hidden;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Returns::returns_sequence;
    static constexpr bool has_bias = Bias;
    static constexpr std::size_t parameter_count = Hidden * In + Hidden * Hidden + (Bias ? 2 * Hidden : 0);
    static constexpr bool computes_input_gradient = InputGradient;

    parameter<T, 2> weight_ih;  // (Hidden, In)
    parameter<T, 2> weight_hh;  // (Hidden, Hidden)
    parameter<T, 1> bias_ih;    // (Hidden), empty without bias
    parameter<T, 1> bias_hh;    // (Hidden), empty without bias
    /// Init policies for W_ih and the biases, and for W_hh (e.g. init::orthogonal); set their
    /// fields before `initialize`.
    Init initializer{};
    RecurrentInit recurrent_initializer{};
    /// h_{−1}, the same for every sequence of the batch; not trained.
    tensor<T, 1> initial_state;
    /// 0: full back-propagation through time. k > 0: the gradient does not flow from step t
    /// into step t − 1 when t is a multiple of k (PyTorch: detaching h every k steps).
    std::size_t bptt_steps = 0;

    rnn_layer() {
        weight_ih.reshape(std::array<std::size_t, 2>{Hidden, In});
        weight_hh.reshape(std::array<std::size_t, 2>{Hidden, Hidden});
        if constexpr (Bias) {
            bias_ih.reshape(std::array<std::size_t, 1>{Hidden});
            bias_hh.reshape(std::array<std::size_t, 1>{Hidden});
        }
        initial_state = tensor<T, 1>::from_shape({Hidden});
        initial_state.fill(T(0));
        combined_bias_ = detail::buffer<T>(Hidden);
        column_sums_ = detail::buffer<T>(Hidden);
    }

    void initialize(rng stream) {
        initializer.weight(weight_ih.value, init::fans{In, Hidden, Hidden}, stream);
        recurrent_initializer.weight(weight_hh.value, init::fans{Hidden, Hidden, Hidden}, stream);
        if constexpr (Bias) {
            initializer.bias(bias_ih.value, init::fans{In, Hidden, Hidden}, stream);
            initializer.bias(bias_hh.value, init::fans{Hidden, Hidden, Hidden}, stream);
        }
    }

    /// Sizes the work buffers for up to `batch` sequences of up to `steps` steps (only grows).
    void reserve(std::size_t batch, std::size_t steps) {
        const std::size_t n = Hidden * batch * steps;
        // (Hidden, (T+1)·B) and one block of slack: backward reads h_t through a view shifted by B.
        const std::size_t history = Hidden * batch * (steps + 1) + batch;
        detail::ensure_capacity(projection_, n);
        detail::ensure_capacity(history_, history);
        if constexpr (keeps_preactivation) detail::ensure_capacity(preactivation_, history);
        if constexpr (returns_sequence)
            detail::ensure_capacity(output_, n);
        else
            detail::ensure_capacity(output_, Hidden * batch);
        detail::ensure_capacity(step_gradients_, n);
        detail::ensure_capacity(state_gradients_, history);
        if constexpr (computes_input_gradient) detail::ensure_capacity(input_gradient_, In * batch * steps);
        detail::ensure_capacity(weight_gradient_scratch_,
                                detail::weight_gradient_scratch<Hidden, Hidden>(batch * steps));
        if (time_gradient_norms_.size() < steps) time_gradient_norms_.resize(steps);
        capacity_ = std::max(capacity_, batch);
    }
    std::size_t capacity() const noexcept { return capacity_; }

    // xᵀ (In, T·B; ld) -> (Hidden, B) last state, or (Hidden, T·B) every state, packed.
    // Every state h_{−1} … h_{T−1} stays in one (Hidden, (T+1)·B) matrix, column block t + 1
    // holding h_t: each step reads h_{t−1} from it and writes h_t into it, and W_hh's gradient
    // is one product over its first T blocks, with no per-step copies.
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
        const std::size_t n = batch * steps, hl = history_ld();
        T* history = history_.data();
        for (std::size_t h = 0; h < Hidden; ++h) {
            combined_bias_[h] = Bias ? bias_ih.value(h) + bias_hh.value(h) : T(0);
            std::fill_n(history + h * hl, batch, initial_state(h));
        }
        // Every step's W_ih·x_t + b at once, (Hidden, T·B), straight into blocks 1 … T of the
        // state matrix: step t then adds W_hh·h_{t−1} to its block in place, giving z_t where
        // h_t goes, and h_t = act(z_t) overwrites it.
        T* projection = history + batch;
        if (detail::use_blas<In, Hidden>(n)) {
            for (std::size_t h = 0; h < Hidden; ++h) std::fill_n(projection + h * hl, n, combined_bias_[h]);
            detail::gemm_row_major(false, false, Hidden, n, In, T(1), weight_ih.value.data(), In, in_t, ld, T(1),
                                   projection, hl);
        } else {
            detail::affine_forward<In, Hidden>(weight_ih.value.data(), in_t, ld, combined_bias_.data(),
                                               projection_.data(), n);
            detail::copy_block(static_cast<const T*>(projection_.data()), n, projection, hl, Hidden, n);
        }
        const auto states = detail::matrix_view(static_cast<const T*>(history), Hidden, hl);
        for (std::size_t t = 0; t < steps; ++t) {
            T* h_t = history + (t + 1) * batch;
            detail::step_product<Hidden, Hidden, Hidden, 1>(weight_hh.value.data(), history + t * batch, hl, h_t, hl,
                                                            h_t, batch, hl);
            if constexpr (keeps_preactivation)
                detail::copy_block(static_cast<const T*>(h_t), hl, preactivation_.data() + t * batch, hl, Hidden, batch);
            detail::evaluate_block_into(h_t, hl, expr::activation_traits<Activation>::forward(states), (t + 1) * batch, hl, Hidden, batch);
            detail::carry_padding_at(static_cast<const T*>(history + t * batch), hl, h_t, hl, Hidden, lengths, t);
        }
        if constexpr (returns_sequence) {
            detail::copy_block(static_cast<const T*>(history + batch), hl, output_.data(), n, Hidden, n);
            detail::zero_padding(output_.data(), n, Hidden, batch, steps, lengths);
        } else
            detail::copy_block(static_cast<const T*>(history + n), hl, output_.data(), batch, Hidden, batch);
        return output_.data();
    }

    // dL/dh: (Hidden, B) for the last state, or (Hidden, T·B) for every state -> dW_ih, dW_hh,
    // db_ih, db_hh into the grads; returns dxᵀ (In, T·B), or nullptr for the first layer.
    // dL/dh_t lives in a (Hidden, (T+1)·B) matrix laid out as the states, so one expression
    // over whole matrices gives each step's dz_t, written straight into its column block.
    T* backward(T* da) {
        detail::refuse_truncation_with_lengths(lengths_, bptt_steps, kind);
        const std::size_t batch = batch_, steps = steps_, n = batch * steps, hl = history_ld();
        // dL/dh_t that arrives from the layer above (every step, or the last only).
        auto incoming = [&](std::size_t t) -> const T* {
            if constexpr (returns_sequence) return da + t * batch;
            else return t + 1 == steps ? da : nullptr;
        };
        const std::size_t incoming_ld = returns_sequence ? n : batch;
        // the output is 0 at padded steps: nothing comes back from there
        if constexpr (returns_sequence) detail::zero_padding(da, n, Hidden, batch, steps, lengths_);
        T* dh = state_gradients_.data();
        detail::copy_block(incoming(steps - 1), incoming_ld, dh + (steps - 1) * batch, hl, Hidden, batch);
        const auto dh_all = detail::matrix_view(static_cast<const T*>(dh), Hidden, hl);
        const auto a_all = detail::matrix_view(static_cast<const T*>(history_.data() + batch), Hidden, hl);
        const auto z_all = detail::matrix_view(
            static_cast<const T*>(keeps_preactivation ? preactivation_.data() : history_.data() + batch), Hidden, hl);
        const auto dz_all = dh_all * expr::activation_traits<Activation>::derivative(z_all, a_all);
        for (std::size_t t = steps; t-- > 0;) {
            time_gradient_norms_[t] = std::sqrt(detail::block_sum_of_squares(dh + t * batch, hl, Hidden, batch));
            detail::evaluate_block_into(step_gradients_.data() + t * batch, n, dz_all, t * batch, hl, Hidden, batch);
            detail::zero_padding_at(step_gradients_.data() + t * batch, n, Hidden, lengths_, t);
            if (t == 0) break;
            const T* from_above = incoming(t - 1);
            T* dh_previous = dh + (t - 1) * batch;
            if (bptt_steps != 0 && t % bptt_steps == 0) {
                if (from_above)
                    detail::copy_block(from_above, incoming_ld, dh_previous, hl, Hidden, batch);
                else
                    for (std::size_t h = 0; h < Hidden; ++h) std::fill_n(dh_previous + h * hl, batch, T(0));
            } else {
                // dL/dh_{t−1} = from above + W_hhᵀ·dz_t
                detail::step_product<Hidden, Hidden, 1, Hidden>(weight_hh.value.data(), step_gradients_.data() + t * batch,
                                                                n, from_above, incoming_ld, dh_previous, batch, hl);
                // a padded step passed h_{t−1} on unchanged: so does its gradient
                detail::add_padding_at(static_cast<const T*>(dh + t * batch), hl, dh_previous, hl, Hidden, lengths_, t);
            }
        }
        T* db = Bias ? bias_ih.grad.data() : column_sums_.data();
        detail::affine_backward_parameters<In, Hidden>(step_gradients_.data(), input_t_, input_ld_,
                                                       weight_ih.grad.data(), db, n);
        // h_{−1} … h_{T−2}: the first T column blocks of the states.
        T* const scratch = detail::weight_gradient_scratch_for<Hidden, Hidden>(weight_gradient_scratch_, n);
        detail::affine_weight_gradient<Hidden, Hidden>(static_cast<const T*>(step_gradients_.data()),
                                                       static_cast<const T*>(history_.data()), hl,
                                                       weight_hh.grad.data(), n, scratch);
        if constexpr (Bias) std::copy_n(bias_ih.grad.data(), Hidden, bias_hh.grad.data());
        if constexpr (computes_input_gradient) {
            detail::affine_backward_input<In, Hidden>(weight_ih.value.data(), step_gradients_.data(),
                                                      input_gradient_.data(), n);
            return input_gradient_.data();
        } else {
            return nullptr;
        }
    }

    /// ‖∂L/∂h_t‖ (over the batch) for t = 0 … T−1 of the last backward pass: how the gradient
    /// grows or fades as it travels back in time.
    std::span<const double> time_gradient_norms() const noexcept {
        return {time_gradient_norms_.data(), steps_};
    }
    /// The last forward pass's output, feature-major: (Hidden, B) or (Hidden, T·B).
    auto output() const {
        return detail::matrix_view(static_cast<const T*>(output_.data()), Hidden, rows());
    }
    /// Every state of the last forward pass, time-major: (T, Hidden, B) (a strided view).
    auto states() const {
        const std::size_t hl = history_ld();
        return xt::adapt(static_cast<const T*>(history_.data() + batch_), Hidden * hl, xt::no_ownership(),
                         std::array<std::size_t, 3>{steps_, Hidden, batch_},
                         std::array<std::size_t, 3>{batch_, hl, 1});
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
    static constexpr bool keeps_preactivation = expr::activation_traits<Activation>::needs_preactivation;
    /// Leading dimension of the (Hidden, (T+1)·B) state and state-gradient matrices.
    std::size_t history_ld() const noexcept { return batch_ * (steps_ + 1); }

    detail::buffer<T> combined_bias_;     // b_ih + b_hh (Hidden)
    detail::buffer<T> column_sums_;       // a bias gradient nobody keeps (Hidden)
    detail::buffer<T> projection_;        // W_ih·x + b (Hidden, T·B) when it is not a BLAS product
    detail::buffer<T> history_;           // h_{−1} … h_{T−1} (Hidden, (T+1)·B), h_t at column block t + 1
    detail::buffer<T> preactivation_;     // z_t (Hidden, (T+1)·B) at block t, if the derivative needs it
    detail::buffer<T> output_;            // h_t (Hidden, T·B) for a whole-sequence output, else h_{T−1} (Hidden, B)
    detail::buffer<T> step_gradients_;    // dz_t (Hidden, T·B)
    detail::buffer<T> state_gradients_;   // dL/dh_t (Hidden, (T+1)·B) at block t
    detail::buffer<T> input_gradient_;    // dxᵀ (In, T·B)
    detail::buffer<T> weight_gradient_scratch_;  // the states (T·B, Hidden) when dW_hh runs faster on them

    std::vector<double> time_gradient_norms_;
    std::span<const std::size_t> lengths_;  // of the last forward pass; empty: every step real
    const T* input_t_ = nullptr;
    std::size_t input_ld_ = 0;
    std::size_t batch_ = 0;
    std::size_t steps_ = 0;
    std::size_t capacity_ = 0;
};

/// An Elman recurrent layer of `Hidden` units as written in a network's type list: it reads a
/// sequence and returns its last state (`last_state`) or every state (`whole_sequence`).
/// `Bias = false` drops b_ih and b_hh, as PyTorch's `bias=False`.
template <std::size_t Hidden, class Activation = tanh, class Returns = last_state,
          class Init = init::recurrent_default, class RecurrentInit = Init, bool Bias = true>
struct rnn {
    /// The same layer without b_ih and b_hh (PyTorch's `bias=False`), its policies kept:
    /// `rnn<16, relu>::without_bias`.
    using without_bias = rnn<Hidden, Activation, Returns, Init, RecurrentInit, false>;
    static constexpr std::size_t output_width = Hidden;
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Returns::returns_sequence;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_layer_width<rnn, Index, Hidden>());
        static_assert(diagnostics::check_activation<Activation>());
        static_assert(diagnostics::check_initializer<Init>());
        static_assert(diagnostics::check_initializer<RecurrentInit>());
        using type = rnn_layer<T, InputShape.size(), Hidden, Activation, Returns, Init, RecurrentInit, Bias, (Index > 0)>;
    };
};

}  // namespace ctnn
