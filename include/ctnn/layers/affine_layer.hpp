// affine_layer: a = f(x·Wᵀ + b) with W stored [out, in] as PyTorch's nn.Linear, f an element-wise
// formula in z. The back end of every layer whose equations have that form (expr/affine_form.hpp):
// dense, and any expression_layer written as f(linear<"name", N>(x)). f's derivative is derived
// from its formula (activation_stage); the products (forward, dx = Wᵀ·dz, dW = dz·xᵀ, db = Σ dz)
// and the SGD step folded into dW's product are the hand-tuned kernels of detail/affine.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string_view>
#include <type_traits>

#include "ctnn/activations/sigmoid.hpp"
#include "ctnn/core/parameter.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/detail/activation_stage.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/norms.hpp"
#include "ctnn/detail/optimizer_support.hpp"
#include "ctnn/detail/score_kind.hpp"
#include "ctnn/detail/weight_bias_parameters.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/expr/activation.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/optim/folded_step.hpp"

namespace ctnn {

/// The layer as it lives inside a network: its widths and scalar are known, and whether it is the
/// first layer (which computes no dL/dx); its position is the network's to know. `Names` gives
/// its `kind` and its parameters' saved names (`weight_name`, `bias_name`).
template <class T, std::size_t In, std::size_t Out, class Activation, class Init, bool InputGradient, class Names>
class affine_layer
    : public detail::weight_and_bias_visits<affine_layer<T, In, Out, Activation, Init, InputGradient, Names>> {
public:
    using scalar = T;
    using activation_type = Activation;
    using initializer_type = Init;
    static constexpr std::string_view kind = Names::kind;
    static constexpr std::string_view weight_name = Names::weight_name;
    static constexpr std::string_view bias_name = Names::bias_name;
    static constexpr std::size_t input_width = In;
    static constexpr std::size_t output_width = Out;
    static constexpr std::size_t parameter_count = In * Out + Out;
    /// The first layer's gradient with respect to the network's input is never needed.
    static constexpr bool computes_input_gradient = InputGradient;
    /// A sigmoid output already is a probability (per output), for predict_proba.
    static constexpr detail::score_kind scores =
        expr::same_formula_v<Activation, sigmoid> ? detail::score_kind::probabilities : detail::score_kind::logits;

    parameter<T, 2> weight;  // (Out, In)
    parameter<T, 1> bias;    // (Out)
    /// The init policy object; set its fields before `initialize` to configure it.
    Init initializer{};

    affine_layer() : weight(std::array<std::size_t, 2>{Out, In}), bias(std::array<std::size_t, 1>{Out}) {}

    void initialize(rng stream) {
        const init::fans fans{In, Out};
        initializer.weight(weight.value, fans, stream);
        initializer.bias(bias.value, fans, stream);
    }

    /// Sizes the work buffers for batches of up to `rows` rows (only ever grows them).
    void reserve(std::size_t rows) {
        activation_.reserve(rows);
        if constexpr (computes_input_gradient) detail::ensure_capacity(input_gradient_, rows * In);
    }
    std::size_t capacity() const noexcept { return activation_.capacity(); }

    // xᵀ (In, B), row k at in_t + k·ld (ld ≥ B) -> aᵀ = act(W·xᵀ + b) (Out, B) packed.
    // The input must stay alive until backward.
    const T* forward(const T* in_t, std::size_t ld, std::size_t rows) {
        input_t_ = in_t;
        input_ld_ = ld;
        rows_ = rows;
        dz_t_ = nullptr;
        dz_max_ = -1.0;
        detail::affine_forward<In, Out>(weight.value.data(), in_t, ld, bias.value.data(),
                                        activation_.preactivation(), rows);
        return activation_.activate(rows);
    }

    // daᵀ (Out, B), overwritten with dzᵀ = daᵀ ⊙ act'(z) -> dW (Out, In), db (Out) into the
    // parameters' grads; returns dxᵀ = Wᵀ·dzᵀ (In, B), or nullptr for the first layer.
    T* backward(T* da_t) {
        T* dx_t = propagate</*MeasureDz=*/false>(da_t);
        form_weight_gradient();
        return dx_t;
    }

    // The part of backward the layers below need: daᵀ (Out, B) -> dzᵀ in place, db (Out) into
    // bias.grad; returns dxᵀ (In, B) or nullptr. dW is left to form_weight_gradient, or to
    // fused_sgd_step, which folds it into the update; max |dz| is kept for weight_gradient_bound.
    T* backward_signal(T* da_t) { return propagate</*MeasureDz=*/true>(da_t); }

    // dzᵀ (Out, B) of backward_signal, xᵀ (In, B) -> dW (Out, In) into weight.grad.
    void form_weight_gradient() {
        detail::affine_weight_gradient<In, Out>(static_cast<const T*>(dz_t_), rows_, input_t_, input_ld_,
                                                weight.grad.data(), rows_);
    }

    /// A bound on every |dW_ij| without forming dW: B·max|dz|·max|x|, since |dW_ij| ≤
    /// Σ_b |dz_ib|·|x_jb|; +inf when dz, x or db is not finite. dW is certainly finite when it is
    /// at most a quarter of T's largest value; otherwise the caller forms and checks it. input_bound ≥ 0 is a known
    /// bound on |x| (the previous layer's activation is bounded, and the loss was finite, so x
    /// is too); below 0, x is scanned.
    double weight_gradient_bound(double input_bound = -1.0) const {
        const double dz_max =
            dz_max_ >= 0.0 ? dz_max_ : detail::block_max_abs(static_cast<const T*>(dz_t_), rows_, Out, rows_);
        const double x_max = input_bound >= 0.0 ? input_bound : detail::block_max_abs(input_t_, input_ld_, In, rows_);
        for (std::size_t o = 0; o < Out; ++o)
            if (!std::isfinite(bias.grad(o))) return std::numeric_limits<double>::infinity();
        return double(rows_) * dz_max * x_max;
    }

    /// Whether the folded step `s`, with |dW| at most `gradient_bound`, certainly leaves the
    /// weight, the bias and their momentum buffers finite: |b'| ≤ μ·max|b| + |1 − τ|·|g| (b' = g
    /// on the first step) and |θ'| ≤ max|θ| + lr·|b'|, each at most a quarter of T's largest
    /// value, room enough for rounding. One read of θ and b: the trainer then needs no copy of
    /// them to undo a step that overflows, since none can.
    /// `states`: the weight's and the bias's optimizer state (the trainer's, in that order);
    /// `recorded`: their largest_written, where known, describe θ and b as they are (the last
    /// step's own loop saw them), and take the place of reading them.
    template <class State>
    bool folded_step_bounded(const optim::folded_step& s, double gradient_bound, const State* states,
                             bool recorded = false) const {
        constexpr double limit = double(std::numeric_limits<T>::max()) / 4;
        const double lr = std::abs(double(T(s.lr)));  // as the step applies it: T(lr) may overflow
        const double momentum = std::abs(double(T(s.momentum)));
        const double keep = std::max(1.0, std::abs(1.0 - s.dampening));
        const auto bounded = [&](const auto& p, const State& state, double g) {
            const auto max_abs = [](const auto& t) { return detail::max_magnitude(t.data(), t.size()); };
            const bool known = recorded && state.largest_known;
            const double buffer_max = s.momentum == 0.0 ? 0.0
                                      : known           ? state.largest_written.buffers[0]
                                                        : max_abs(state.buffers[0]);
            const double step = s.momentum == 0.0 ? g : momentum * buffer_max + keep * g;
            const double value_max = known ? state.largest_written.value : max_abs(p.value);
            return step <= limit && value_max + lr * step <= limit;  // false for NaN
        };
        return bounded(weight, states[0], gradient_bound)
               && bounded(bias, states[1], detail::max_magnitude(bias.grad.data(), Out));
    }

    /// One folded step (optim::folded_step: torch.optim.SGD without weight decay or Nesterov)
    /// with dW folded into its product: W ← W − lr·dW in the product itself, or the momentum
    /// buffer b ← μ·b + (1−τ)·dW (b ← dW on the first step) in the product and then
    /// W ← W − lr·b; the bias by the optimizer itself. weight.grad is not written. After
    /// backward_signal. `states`: the weight's and the bias's optimizer state, in that order.
    template <optim::folds_into_weight_gradient Optimizer, class State>
    void fused_sgd_step(const Optimizer& optimizer, State* states) {
        State& weight_state = states[0];
        optimizer.prepare(weight, weight_state);
        bool folded = false;
        if constexpr (detail::may_use_gemm<In, Out>) {  // else there is never a product to fold it into
            if (!detail::weight_gradient_by_dots<In, Out>(rows_)) {
                fold_step_into_weight_gradient(optimizer.folded(), weight_state);
                folded = true;
            }
        }
        if (!folded) {
            form_weight_gradient();
            optimizer.update(weight, weight_state);
        }
        optimizer.prepare(bias, states[1]);
        optimizer.update(bias, states[1]);
    }
    static constexpr bool supports_fused_sgd = true;
    /// The optimizer states fused_sgd_step and folded_step_bounded read: the weight's, the bias's.
    static constexpr std::size_t parameter_tensors = 2;

    /// The last forward pass's output, feature-major: aᵀ (Out, B).
    auto output() const { return activation_.output(rows_); }
    std::size_t rows() const noexcept { return rows_; }
    /// The last backward pass's ∂L/∂z, feature-major dzᵀ (Out, B): the gradient back-propagated
    /// into this layer (monitor::gradient_health's vanishing measure). Empty after a forward
    /// pass until the next backward; it lives in the caller's gradient buffer.
    auto preactivation_gradient() const {
        return detail::matrix_view(static_cast<const T*>(dz_t_), Out, dz_t_ ? rows_ : 0);
    }


private:
    // fused_sgd_step's weight update inside dW's product (gemm): W ← W − lr·dW, or the momentum
    // buffer b ← μ·b + (1−τ)·dW (b ← dW on the first step) and then W ← W − lr·b.
    template <class State>
    void fold_step_into_weight_gradient(const optim::folded_step& step, State& weight_state) {
        const T sign = step.maximize ? T(-1) : T(1), lr = T(step.lr);
        const T* dz = dz_t_;
        if (step.momentum == 0.0) {
            detail::weight_gradient_product<In, Out>(dz, rows_, input_t_, input_ld_, -lr * sign, T(1),
                                                     weight.value.data(), rows_);
        } else {
            // the folded step's own buffer (torch's momentum_buffer), made at its first step with
            // momentum (torch's buf is None until then: b = dW), whatever prepare() did
            const bool first = detail::start_state(weight_state, 0, weight.size());
            T* buffer = weight_state.buffers[0].data();
            detail::weight_gradient_product<In, Out>(dz, rows_, input_t_, input_ld_,
                                                     first ? sign : T(1.0 - step.dampening) * sign,
                                                     first ? T(0) : T(step.momentum), buffer, rows_);
            // W ← W − lr·b, and what the next step's bound reads of W and b (largest_written)
            const auto seen = detail::subtract_scaled_recording(weight.value.data(), lr, buffer, In * Out);
            if constexpr (State::buffer_count == 1) {
                weight_state.largest_written.value = seen.w_largest;
                weight_state.largest_written.buffers[0] = seen.b_largest;
                weight_state.largest_written.non_negative[0] = seen.b_non_negative;
                weight_state.largest_known = true;
            }
        }
        ++weight_state.steps;
    }

    // backward and backward_signal: dzᵀ in place of daᵀ, db, dxᵀ; with MeasureDz, max |dz| from
    // the bias pass too (else it is left unknown, and weight_gradient_bound scans dz). A
    // template argument, so a network that never takes the fused step compiles one bias pass.
    template <bool MeasureDz>
    T* propagate(T* da_t) {
        activation_.backpropagate(da_t, rows_);
        dz_t_ = da_t;
        if constexpr (MeasureDz) {
            dz_max_ = double(detail::bias_gradient_and_max_abs<Out>(static_cast<const T*>(da_t), bias.grad.data(), rows_));
        } else {
            detail::bias_gradient<Out>(static_cast<const T*>(da_t), bias.grad.data(), rows_);
            dz_max_ = -1.0;
        }
        if constexpr (computes_input_gradient) {
            detail::affine_backward_input<In, Out>(weight.value.data(), da_t, input_gradient_.data(), rows_);
            return input_gradient_.data();
        } else {
            return nullptr;
        }
    }

    detail::activation_stage<T, Out, Activation> activation_;
    detail::buffer<T> input_gradient_;
    const T* input_t_ = nullptr;  // xᵀ (In, B), rows input_ld_ apart
    const T* dz_t_ = nullptr;     // dzᵀ (Out, B) of the last backward, in the caller's buffer
    double dz_max_ = -1.0;        // max |dz| of the last backward_signal; below 0: not measured
    std::size_t input_ld_ = 0;
    std::size_t rows_ = 0;
};

}  // namespace ctnn
