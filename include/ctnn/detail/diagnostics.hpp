// Every compile-time diagnostic of ctnn, in one place.
//
// C++20 static_assert messages must be string literals, so the numbers go into a diagnostic
// type whose `value` is false: the compiler prints its name, which reads as a sentence with the
// numbers in it (`layer_input_width_mismatch<at_layer<2>, declared_input_width<4>,
// previous_layer_output_width<5>>`), and the enclosing `check_*` function's template arguments
// show up in the first "In instantiation of" line. docs/errors.md lists each one beside the
// compile-fail test that produces it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ctnn/concepts/activation.hpp"
#include "ctnn/concepts/clip.hpp"
#include "ctnn/concepts/initializer.hpp"
#include "ctnn/concepts/layer.hpp"
#include "ctnn/concepts/loss.hpp"
#include "ctnn/concepts/monitor.hpp"
#include "ctnn/concepts/optimizer.hpp"
#include "ctnn/concepts/regularizer.hpp"
#include "ctnn/concepts/schedule.hpp"
#include "ctnn/detail/trainer_policies.hpp"
#include "ctnn/expr/term.hpp"
#include "ctnn/layers/window.hpp"

namespace ctnn::diagnostics {

// --- the words diagnostics are made of -------------------------------------------------------
template <std::size_t Index>
struct at_layer {};
/// The layer at position K (from 0) inside a block (residual, a branch of concatenate); the
/// compiler's "required from" lines name the block.
template <std::size_t K>
struct inner_layer {};
/// The position a block binds its inner layer K at (bind<T, Index, Shape>): above every
/// network position, so that a diagnostic says inner_layer<K>, not a layer number the network
/// does not have. Nonzero, so the layer computes its input gradient.
inline constexpr std::size_t inner_layer_base = std::size_t(1) << 40;
/// The position a block that is the network's first layer binds its inner layer 0 at: that
/// layer computes no input gradient (nobody reads dL/dx of the data), as the network's first
/// layer does not, and its diagnostics still say inner_layer<0>.
inline constexpr std::size_t first_inner_layer_without_input_gradient = std::size_t(1) << 41;
/// Whether the layer bound at position `index` computes dL/dx: all but the network's first.
constexpr bool computes_input_gradient(std::size_t index) noexcept {
    return index != 0 && index != first_inner_layer_without_input_gradient;
}
template <std::size_t Index>
using layer_position = std::conditional_t<
    Index == first_inner_layer_without_input_gradient, inner_layer<0>,
    std::conditional_t<(Index >= inner_layer_base), inner_layer<Index - inner_layer_base>, at_layer<Index>>>;
template <std::size_t Width>
struct declared_input_width {};
template <std::size_t Width>
struct previous_layer_output_width {};
template <class Policy>
struct policy {};
struct lacks_static_constexpr_formula {};
struct lacks_static_constexpr_name {};
template <class Variable>
struct formula_reads_variable {};
template <class Setting>
struct formula_reads_a_setting {};
struct formula_does_not_read_z {};
struct formula_does_not_read_prediction {};
struct lacks_weight_member_function {};
struct lacks_bias_member_function {};
struct lacks_default_constructor_or_name {};
struct lacks_prepare_or_update_member_functions {};
struct lacks_state_names {};
struct lacks_public_lr_member {};
struct lacks_name_validate_or_copy {};
struct lacks_formula_or_value_member_function {};
struct row_formula_reads_prediction_outside_a_reduction {};
struct lacks_value_and_gradient_member_function {};
struct lacks_default_constructor_or_name_of_loss {};
struct lacks_apply_returning_clip_result {};
struct lacks_initial_next_or_name {};
struct lacks_apply_returning_penalty_or_name {};
struct lacks_observe_gradients_observe_update_report_or_name {};
struct lacks_distributed_rank_ranks_or_name {};
struct lacks_a_member_of_the_layer_protocol {};
template <std::size_t Width>
struct network_output_width {};
/// Layers in the network after its input (positions 0 … Depth − 1).
template <std::size_t Depth>
struct network_depth {};
template <std::size_t Channels, std::size_t Height, std::size_t Width>
struct image_of {};
template <class Scalar>
struct network_scalar {};
template <class Scalar>
struct data_scalar {};
template <class Data>
struct data {};
template <std::intmax_t Numerator, std::intmax_t Denominator>
struct probability {};

template <class Variable>
struct in_node {};
/// A user's layer or cell definition (the struct holding `equations`).
template <class Definition>
struct definition {};
template <class Variable>
struct variable {};
template <std::size_t Width>
struct operand_width {};
template <std::size_t Width>
struct node_width {};
template <std::size_t Count>
struct chunks {};
template <std::size_t Height, std::size_t Width>
struct kernel_of {};
template <std::size_t Height, std::size_t Width>
struct stride_of {};
template <std::size_t Height, std::size_t Width>
struct padding_of {};
template <std::size_t Height, std::size_t Width>
struct dilation_of {};
template <std::size_t Width>
struct features_of_width {};
template <std::size_t Width>
struct sequence_of_width {};

// --- the diagnostics ------------------------------------------------------------------------
template <class... Facts>
struct layer_input_width_mismatch {
    static constexpr bool value = false;
};
template <class... Facts>
struct layer_width_is_zero {
    static constexpr bool value = false;
};
template <class... Facts>
struct network_input_is_not_ctnn_input {
    static constexpr bool value = false;
};
template <class... Facts>
struct network_has_no_layers {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_a_layer {
    static constexpr bool value = false;
};
template <class... Facts>
struct layer_breaks_the_protocol {
    static constexpr bool value = false;
};
template <class... Facts>
struct dropout_probability_not_in_0_1 {
    static constexpr bool value = false;
};
template <class... Facts>
struct scalar_is_not_float_or_double {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_an_activation {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_an_initializer {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_an_optimizer {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_a_loss {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_a_schedule {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_a_regularizer {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_a_monitor {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_a_distribution {
    static constexpr bool value = false;
};
template <std::size_t Width>
struct block_input_width {};
template <std::size_t Width>
struct block_output_width {};
template <class... Facts>
struct residual_width_mismatch {
    static constexpr bool value = false;
};
template <class... Facts>
struct graph_operand_widths_differ {
    static constexpr bool value = false;
};
template <class... Facts>
struct graph_reads_undefined_variable {
    static constexpr bool value = false;
};
template <class... Facts>
struct graph_variable_defined_twice {
    static constexpr bool value = false;
};
template <class... Facts>
struct graph_chunk_does_not_divide {
    static constexpr bool value = false;
};
template <class... Facts>
struct graph_node_reads_no_variable {
    static constexpr bool value = false;
};
template <class... Facts>
struct graph_param_widths_differ {
    static constexpr bool value = false;
};
template <class... Facts>
struct graph_param_inits_differ {
    static constexpr bool value = false;
};
template <class... Facts>
struct graph_param_name_invalid {
    static constexpr bool value = false;
};
template <class... Facts>
struct graph_has_no_output {
    static constexpr bool value = false;
};
/// A name as a diagnostic prints it: name<fixed_string<4>{"gat"}>.
template <expr::fixed_string Name>
struct name {};
template <class... Facts>
struct no_param_named {
    static constexpr bool value = false;
};
template <class... Facts>
struct no_linear_term_named {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_a_trainer_policy {
    static constexpr bool value = false;
};
template <class... Facts>
struct policy_of_several_kinds {
    static constexpr bool value = false;
};
template <class... Facts>
struct two_policies_of_one_kind {
    static constexpr bool value = false;
};
template <class... Facts>
struct loss_does_not_fit_output {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_a_clip_policy {
    static constexpr bool value = false;
};
template <class... Facts>
struct recurrent_layer_needs_a_sequence {
    static constexpr bool value = false;
};
template <class... Facts>
struct layer_reads_features_not_an_image {
    static constexpr bool value = false;
};
template <class... Facts>
struct penalized_layer_not_in_network {
    static constexpr bool value = false;
};
template <class... Facts>
struct flatten_of_a_sequence {
    static constexpr bool value = false;
};
template <class... Facts>
struct data_scalar_mismatch {
    static constexpr bool value = false;
};
template <class... Facts>
struct data_is_not_an_xtensor_container {
    static constexpr bool value = false;
};
template <class... Facts>
struct predict_needs_a_non_const_network {
    static constexpr bool value = false;
};
template <class... Facts>
struct padded_sequences_need_a_sequence_network {
    static constexpr bool value = false;
};

template <class... Facts>
struct layer_reads_an_image {
    static constexpr bool value = false;
};
template <class... Facts>
struct kernel_larger_than_padded_input {
    static constexpr bool value = false;
};
template <class... Facts>
struct window_setting_is_zero {
    static constexpr bool value = false;
};
template <class... Facts>
struct pool_padding_more_than_half_the_kernel {
    static constexpr bool value = false;
};
template <class... Facts>
struct pool_window_reads_padding_only {
    static constexpr bool value = false;
};
template <class... Facts>
struct not_an_option_of_this_layer {
    static constexpr bool value = false;
};
template <class... Facts>
struct option_given_twice {
    static constexpr bool value = false;
};
template <class... Facts>
struct flattened_image_width_mismatch {
    static constexpr bool value = false;
};

// --- the checks -----------------------------------------------------------------------------
template <class LayerSpec, std::size_t LayerIndex, std::size_t DeclaredInputWidth,
          std::size_t PreviousLayerOutputWidth>
constexpr bool check_layer_input_width() {
    static_assert(DeclaredInputWidth == 0 || DeclaredInputWidth == PreviousLayerOutputWidth
                      || layer_input_width_mismatch<layer_position<LayerIndex>,
                                                    declared_input_width<DeclaredInputWidth>,
                                                    previous_layer_output_width<
                                                        PreviousLayerOutputWidth>>::value,
                  "ctnn: this layer declares an input width different from the output width of "
                  "the layer before it (layer 0 is the first layer after input<N>)");
    return true;
}

/// regularize::layers<I...> names layers by position: each must be one of the network's, or the
/// penalty would silently leave it out.
template <std::size_t Depth, std::size_t Index>
constexpr bool check_penalized_layer() {
    static_assert(Index < Depth || penalized_layer_not_in_network<at_layer<Index>, network_depth<Depth>>::value,
                  "ctnn: regularize::layers<...> names a layer the network does not have (layers count from 0, "
                  "the first after input<N>)");
    return true;
}

/// A recurrent layer reads a sequence: the network's input is sequence<F> and no recurrent
/// layer before it returned its last state only.
template <class LayerSpec, std::size_t LayerIndex, bool InputIsSequence>
constexpr bool check_recurrent_input() {
    static_assert(InputIsSequence || recurrent_layer_needs_a_sequence<layer_position<LayerIndex>>::value,
                  "ctnn: a recurrent layer needs a sequence: start the network with sequence<F> "
                  "and give the recurrent layers below it whole_sequence");
    return true;
}

/// A layer that says its output by a width (dense, normalisation, a cell...) maps feature
/// rows; an image reaches it only through a layer that computes shapes, such as flatten.
template <class LayerSpec, std::size_t LayerIndex, std::size_t Channels, std::size_t Height, std::size_t Width,
          bool IsImage>
constexpr bool check_layer_reads_features() {
    static_assert(!IsImage
                      || layer_reads_features_not_an_image<layer_position<LayerIndex>, policy<LayerSpec>,
                                                           image_of<Channels, Height, Width>>::value,
                  "ctnn: this layer reads features, not an image: put flatten<> before it to read the "
                  "image's C·H·W values as features");
    return true;
}

/// Data passed to predict, fit, train_step or evaluate: an xtensor container (read in place)
/// of the network's own scalar type, never converted silently. Checked in the function's body,
/// not as a constraint, so the first lines of the error name both types instead of a "no
/// matching function" with the cause among its notes.
template <class NetworkScalar, class Data, class DataScalar, bool IsContainer>
constexpr bool check_data_type() {
    static_assert(IsContainer || data_is_not_an_xtensor_container<data<Data>>::value,
                  "ctnn: data must be an xtensor container (xt::xtensor, xt::xarray, xt::adapt over your "
                  "memory) in row-major layout; evaluate a view or expression into one first");
    // the advice depends on which side is float: one assertion for each
    static_assert(!IsContainer || std::is_same_v<NetworkScalar, DataScalar> || !std::is_same_v<NetworkScalar, float>
                      || data_scalar_mismatch<network_scalar<NetworkScalar>, data_scalar<DataScalar>>::value,
                  "ctnn: the data's element type is not the network's scalar (float): convert it "
                  "(xt::xtensor<float, 2> x32 = xt::cast<float>(x)) or use basic_network<double, ...>");
    static_assert(!IsContainer || std::is_same_v<NetworkScalar, DataScalar> || std::is_same_v<NetworkScalar, float>
                      || data_scalar_mismatch<network_scalar<NetworkScalar>, data_scalar<DataScalar>>::value,
                  "ctnn: the data's element type is not the network's scalar (double): convert it "
                  "(xt::xtensor<double, 2> x64 = xt::cast<double>(x)) or use network<...> (float)");
    return true;
}

/// padded_sequences given to a network that does not read sequences: there are no steps to pad.
template <class Data, bool Padded, bool SequenceInput>
constexpr bool check_padded_input() {
    static_assert(!Padded || SequenceInput || padded_sequences_need_a_sequence_network<data<Data>>::value,
                  "ctnn: padded_sequences are sequences of different lengths, for a network that reads "
                  "sequences (ctnn::sequence<F> first); give this network its (rows, features) data as it is");
    return true;
}

/// predict on a const network. The forward pass runs through each layer's own work buffers
/// (kept for backward), so predict changes the object and cannot be const; several threads
/// predict at once each with its own copy of the network (docs/threads.md).
template <class Data>
constexpr bool check_predict_on_a_const_network() {
    static_assert(predict_needs_a_non_const_network<data<Data>>::value,
                  "ctnn: predict runs the forward pass through the network's own work buffers, so it "
                  "needs a non-const network; to predict from several threads, give each thread its own "
                  "copy (docs/threads.md)");
    return true;
}

/// PyTorch's Flatten on (B, T, F) makes (B, T·F), a width that depends on the run-time T.
template <class LayerSpec, std::size_t LayerIndex, bool InputIsSequence>
constexpr bool check_flatten_input() {
    static_assert(!InputIsSequence || flatten_of_a_sequence<layer_position<LayerIndex>>::value,
                  "ctnn: flatten<> reads an image (or features); a sequence's width T·F would depend on "
                  "the run-time length T: end the recurrent layers with last_state instead");
    return true;
}

template <class LayerSpec, std::size_t LayerIndex, std::size_t OutputWidth>
constexpr bool check_layer_width() {
    static_assert(OutputWidth > 0 || layer_width_is_zero<layer_position<LayerIndex>>::value,
                  "ctnn: a layer must have at least one output unit");
    return true;
}

/// A spec's bound layer must model network_layer (concepts/layer.hpp): the one calling
/// convention the network, the trainer, saving and the monitor use.
template <class LayerSpec, std::size_t LayerIndex, class Bound>
constexpr bool check_layer_protocol() {
    static_assert(network_layer<Bound>
                      || layer_breaks_the_protocol<layer_position<LayerIndex>, policy<LayerSpec>,
                                                   lacks_a_member_of_the_layer_protocol>::value,
                  "ctnn: the layer's bind<T, I, InputShape>::type lacks a member of the layer protocol "
                  "(scalar, input_width, output_width, parameter_count, computes_input_gradient, "
                  "initialize, for_each_parameter, reserve, forward, backward; see concepts/layer.hpp)");
    return true;
}

/// y = x + F(x) needs F to end at the width it starts with.
template <class Block, std::size_t LayerIndex, std::size_t InputWidth, std::size_t OutputWidth>
constexpr bool check_residual_widths() {
    static_assert(InputWidth == OutputWidth
                      || residual_width_mismatch<layer_position<LayerIndex>, block_input_width<InputWidth>,
                                                 block_output_width<OutputWidth>>::value,
                  "ctnn: the layers inside residual<...> must end at the width the block starts with "
                  "(y = x + F(x))");
    return true;
}

/// A window's diagnostic with the facts of the window over its image: the layer, the image,
/// kernel, padding and dilation.
template <template <class...> class Diagnostic, std::size_t LayerIndex, shape In, window_geometry G>
using window_over_image = Diagnostic<layer_position<LayerIndex>, image_of<In.channels, In.height, In.width>,
                                     kernel_of<G.kernel_height, G.kernel_width>,
                                     padding_of<G.padding_height, G.padding_width>,
                                     dilation_of<G.dilation_height, G.dilation_width>>;

/// A sliding window (conv2d, the pools; global pooling's window is the whole image) reads an
/// image at least as large as the window, with non-zero kernel, stride and dilation. The facts
/// name the layer, the image (C, H, W) and the window, so the message says which does not fit.
template <class LayerSpec, std::size_t LayerIndex, shape In, window_geometry G>
constexpr bool check_window_input() {
    constexpr bool image = In.is_image();
    static_assert(image || In.is_sequence()
                      || layer_reads_an_image<layer_position<LayerIndex>, policy<LayerSpec>, features_of_width<In.channels>>::value,
                  "ctnn: this layer reads an image (conv2d, the pools), and the layer before it gives "
                  "features: start the network with image<C, H, W> and keep flatten<> after the image layers");
    static_assert(image || !In.is_sequence()
                      || layer_reads_an_image<layer_position<LayerIndex>, policy<LayerSpec>, sequence_of_width<In.channels>>::value,
                  "ctnn: this layer reads an image (conv2d, the pools), and the layer before it gives a "
                  "sequence");
    constexpr bool nonzero = G.nonzero();
    static_assert(nonzero
                      || window_setting_is_zero<layer_position<LayerIndex>, kernel_of<G.kernel_height, G.kernel_width>,
                                                stride_of<G.stride_height, G.stride_width>,
                                                dilation_of<G.dilation_height, G.dilation_width>>::value,
                  "ctnn: a window's kernel, stride and dilation must be at least 1");
    static_assert(!image || !nonzero || G.fits(In.height, In.width)
                      || window_over_image<kernel_larger_than_padded_input, LayerIndex, In, G>::value,
                  "ctnn: the window (dilation·(kernel − 1) + 1 pixels) is larger than the padded input "
                  "(H + 2·padding): no output position fits");
    return true;
}

/// A layer that declares its input width right after a flatten<> of an image: the message
/// names the image (C, H, W) the width comes from, not only C·H·W.
template <class LayerSpec, std::size_t LayerIndex, std::size_t DeclaredInputWidth, shape Image>
constexpr bool check_flattened_width() {
    static_assert(DeclaredInputWidth == 0 || DeclaredInputWidth == Image.size()
                      || flattened_image_width_mismatch<layer_position<LayerIndex>, declared_input_width<DeclaredInputWidth>,
                                                        image_of<Image.channels, Image.height, Image.width>>::value,
                  "ctnn: this layer declares an input width other than the C·H·W values of the image "
                  "flattened before it");
    return true;
}

/// PyTorch's pools refuse padding beyond half the kernel: a window could then hold padding only.
template <class LayerSpec, std::size_t LayerIndex, window_geometry G>
constexpr bool check_pool_padding() {
    static_assert((2 * G.padding_height <= G.kernel_height && 2 * G.padding_width <= G.kernel_width)
                      || pool_padding_more_than_half_the_kernel<layer_position<LayerIndex>,
                                                                kernel_of<G.kernel_height, G.kernel_width>,
                                                                padding_of<G.padding_height, G.padding_width>>::value,
                  "ctnn: a pool's padding must be at most half its kernel");
    return true;
}

/// Every window of a max pool holds a pixel of its input: with dilation, one whose taps all fall
/// in the padding would have no maximum (PyTorch gives −inf there). Asked once the window fits.
template <class LayerSpec, std::size_t LayerIndex, shape In, window_geometry G>
constexpr bool check_pool_windows_read_input() {
    static_assert(!In.is_image() || !G.nonzero() || !G.fits(In.height, In.width)
                      || G.every_window_reads_input(In.height, In.width)
                      || window_over_image<pool_window_reads_padding_only, LayerIndex, In, G>::value,
                  "ctnn: a window of this max pool holds padding only (its dilated taps all miss the image): "
                  "lower the dilation or the padding");
    return true;
}

/// Each option of a windowed layer is one it takes (Allowed) and given once: SameKind counts the
/// options of its kind (detail::options_of_kind), so two paddings or two activations are found.
template <class LayerSpec, std::size_t LayerIndex, class Option, bool Allowed, std::size_t SameKind>
constexpr bool check_layer_option() {
    static_assert(Allowed || not_an_option_of_this_layer<layer_position<LayerIndex>, policy<LayerSpec>, policy<Option>>::value,
                  "ctnn: this option is not one the layer takes (conv2d: an activation, an init policy, "
                  "stride<>, padding<>, dilation<>; max_pool2d: stride<>, padding<>, dilation<>; avg_pool2d: "
                  "stride<>, padding<>)");
    static_assert(SameKind <= 1 || option_given_twice<layer_position<LayerIndex>, policy<Option>>::value,
                  "ctnn: the layer was given two options of this kind: keep one");
    return true;
}

/// P is a std::ratio; p = 1 would drop every unit and scale by 1/0.
template <class LayerSpec, std::size_t LayerIndex, class P>
constexpr bool check_dropout_probability() {
    static_assert((P::num >= 0 && P::num < P::den)
                      || dropout_probability_not_in_0_1<layer_position<LayerIndex>,
                                                        probability<P::num, P::den>>::value,
                  "ctnn: dropout's probability p must lie in [0, 1) (p = 1 would drop every "
                  "unit)");
    return true;
}

template <class Scalar>
constexpr bool check_scalar() {
    static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>
                      || scalar_is_not_float_or_double<Scalar>::value,
                  "ctnn: the scalar type of a network must be float or double");
    return true;
}

template <class Activation>
constexpr bool check_activation() {
    static_assert(activation_has_formula<Activation>
                      || not_an_activation<policy<Activation>, lacks_static_constexpr_formula>::value,
                  "ctnn: the activation policy lacks `static constexpr auto formula`, an expression "
                  "in ctnn::expr::z such as `z * sigmoid(z)`");
    static_assert(activation_has_name<Activation>
                      || not_an_activation<policy<Activation>, lacks_static_constexpr_name>::value,
                  "ctnn: the activation policy lacks `static constexpr std::string_view name`");
    if constexpr (activation_has_formula<Activation>) {
        using foreign = expr::first_foreign_variable_t<std::remove_cvref_t<decltype(Activation::formula)>,
                                                       expr::var<expr::preactivation_tag>>;
        static_assert(std::is_void_v<foreign>
                          || not_an_activation<policy<Activation>, formula_reads_variable<foreign>>::value,
                      "ctnn: an activation's formula may read only z, the layer's pre-activation");
        static_assert(!expr::reads_setting_v<std::remove_cvref_t<decltype(Activation::formula)>>
                          || not_an_activation<policy<Activation>, formula_reads_a_setting<
                                                                       std::remove_cvref_t<decltype(Activation::formula)>>>::value,
                      "ctnn: an activation's formula is fixed at compile time and cannot read a setting<> (a "
                      "loss's formula can): give the value as a template parameter, as "
                      "leaky_relu<std::ratio<1, 100>> does");
        static_assert(!expr::is_constant_v<std::remove_cvref_t<decltype(Activation::formula)>>
                          || not_an_activation<policy<Activation>, formula_does_not_read_z>::value,
                      "ctnn: an activation's formula is a function of z: this one is a constant");
    }
    return true;
}

template <class Init>
constexpr bool check_initializer() {
    static_assert(initializer_has_weight<Init>
                      || not_an_initializer<policy<Init>, lacks_weight_member_function>::value,
                  "ctnn: the init policy lacks `void weight(tensor<T, 2>&, init::fans, rng&) "
                  "const`");
    static_assert(initializer_has_bias<Init>
                      || not_an_initializer<policy<Init>, lacks_bias_member_function>::value,
                  "ctnn: the init policy lacks `void bias(tensor<T, 1>&, init::fans, rng&) const`");
    static_assert(initializer_has_traits<Init>
                      || not_an_initializer<policy<Init>, lacks_default_constructor_or_name>::value,
                  "ctnn: the init policy must be default constructible and have `static constexpr "
                  "std::string_view name`");
    return true;
}

template <class Optimizer>
constexpr bool check_optimizer() {
    static_assert(optimizer_has_state_names<Optimizer>
                      || not_an_optimizer<policy<Optimizer>, lacks_state_names>::value,
                  "ctnn: the optimizer policy lacks `static constexpr std::array<std::string_view, K> "
                  "state_names` (the buffers it keeps per parameter; K may be 0)");
    static_assert(!optimizer_has_state_names<Optimizer> || optimizer_has_update<Optimizer>
                      || not_an_optimizer<policy<Optimizer>,
                                          lacks_prepare_or_update_member_functions>::value,
                  "ctnn: the optimizer policy lacks `void prepare(const parameter<T, R>&, "
                  "optim::parameter_state<T, K>&) const` or `void update(parameter<T, R>&, "
                  "optim::parameter_state<T, K>&) const`");
    static_assert(optimizer_has_learning_rate<Optimizer>
                      || not_an_optimizer<policy<Optimizer>, lacks_public_lr_member>::value,
                  "ctnn: the optimizer policy lacks a public `double lr` member");
    static_assert(optimizer_has_traits<Optimizer>
                      || not_an_optimizer<policy<Optimizer>, lacks_name_validate_or_copy>::value,
                  "ctnn: the optimizer policy must be copyable and have `static constexpr "
                  "std::string_view name` and `void validate() const`");
    return true;
}

/// Whether L means to be a loss written as a formula: it has a `formula` or a `row_formula`
/// that is an expression, valid or not.
template <class L>
constexpr bool writes_a_loss_formula() {
    if constexpr (requires { L::formula; })
        return expr::term<std::remove_cvref_t<decltype(L::formula)>>;
    else if constexpr (requires { L::row_formula; })
        return expr::term<std::remove_cvref_t<decltype(L::row_formula)>>;
    else
        return false;
}

/// A loss's formula that reads what a loss has no value for (z, a setting of a layer), or a row
/// formula that reads ŷ outside its reductions: named as such, not as a missing formula.
template <class Loss>
constexpr bool check_loss_formula() {
    if constexpr (requires { Loss::formula; } && writes_a_loss_formula<Loss>()) {
        using foreign = detail::loss_formula_foreign_variable_t<std::remove_cvref_t<decltype(Loss::formula)>>;
        static_assert(std::is_void_v<foreign> || not_a_loss<policy<Loss>, formula_reads_variable<foreign>>::value,
                      "ctnn: a loss's formula may read only ctnn::expr::prediction (ŷ) and ctnn::expr::target (y)");
        using F = std::remove_cvref_t<decltype(Loss::formula)>;
        static_assert(!std::is_void_v<foreign> || expr::reads_variable_v<F, expr::var<expr::prediction_tag>>
                          || not_a_loss<policy<Loss>, formula_does_not_read_prediction>::value,
                      "ctnn: a loss's formula is a function of ctnn::expr::prediction (ŷ): this one never reads it, "
                      "so its gradient is 0 and nothing would train");
    } else if constexpr (requires { Loss::row_formula; } && writes_a_loss_formula<Loss>()) {
        using F = std::remove_cvref_t<decltype(Loss::row_formula)>;
        using foreign = detail::loss_row_formula_foreign_variable_t<F>;
        static_assert(std::is_void_v<foreign> || not_a_loss<policy<Loss>, formula_reads_variable<foreign>>::value,
                      "ctnn: a loss's row_formula may read only ctnn::expr::prediction (ŷ), ctnn::expr::target (y) "
                      "and ctnn::expr::class_weight");
        static_assert(!std::is_void_v<foreign> || expr::is_row_formula_v<F>
                          || not_a_loss<policy<Loss>, row_formula_reads_prediction_outside_a_reduction>::value,
                      "ctnn: a loss's row_formula is one value per row: it reads ŷ and y only inside row reductions "
                      "(row_sum, log_sum_exp, at_label)");
        static_assert(!std::is_void_v<foreign> || expr::reads_variable_v<F, expr::var<expr::prediction_tag>>
                          || not_a_loss<policy<Loss>, formula_does_not_read_prediction>::value,
                      "ctnn: a loss's row_formula is a function of ctnn::expr::prediction (ŷ): this one never reads "
                      "it, so its gradient is 0 and nothing would train");
    }
    return true;
}

template <class Loss>
constexpr bool check_loss() {
    static_assert(check_loss_formula<Loss>());
    static_assert(loss_has_formula<Loss> || loss_has_row_formula<Loss> || loss_has_value<Loss>
                      || writes_a_loss_formula<Loss>()  // check_loss_formula named what is wrong with it
                      || not_a_loss<policy<Loss>, lacks_formula_or_value_member_function>::value,
                  "ctnn: the loss policy lacks `static constexpr auto formula` (an expression in "
                  "ctnn::expr::prediction and ctnn::expr::target), `static constexpr auto row_formula` "
                  "(row reductions of such expressions) or `double value(const P& prediction, const Y& "
                  "target) const`");
    static_assert(loss_has_formula<Loss> || loss_has_row_formula<Loss> || loss_has_gradient<Loss>
                      || writes_a_loss_formula<Loss>()
                      || not_a_loss<policy<Loss>, lacks_value_and_gradient_member_function>::value,
                  "ctnn: the loss policy lacks `double value_and_gradient(const P&, const Y&, G& "
                  "grad) const`");
    static_assert(loss_has_traits<Loss> || not_a_loss<policy<Loss>, lacks_default_constructor_or_name_of_loss>::value,
                  "ctnn: the loss policy must be default constructible and have `static "
                  "constexpr std::string_view name`");
    return true;
}

template <class Clip>
constexpr bool check_clip() {
    static_assert(clip_policy<Clip>
                      || not_a_clip_policy<policy<Clip>, lacks_apply_returning_clip_result>::value,
                  "ctnn: the clip policy lacks `clip_result apply(ParameterSet&) const` or "
                  "`static constexpr std::string_view name`");
    return true;
}

template <class Schedule>
constexpr bool check_schedule() {
    static_assert(schedule_policy<Schedule>
                      || not_a_schedule<policy<Schedule>, lacks_initial_next_or_name>::value,
                  "ctnn: the schedule policy lacks `double initial(double base_lr) const`, "
                  "`double next(double base_lr, double lr, std::size_t epochs_done, double "
                  "epoch_loss)` or `static constexpr std::string_view name`");
    return true;
}

template <class Regularizer>
constexpr bool check_regularizer() {
    static_assert(regularizer_policy<Regularizer>
                      || not_a_regularizer<policy<Regularizer>,
                                           lacks_apply_returning_penalty_or_name>::value,
                  "ctnn: the regularizer policy lacks `double apply(Network&) const` (adds the "
                  "penalty's gradient, returns the penalty) or `static constexpr "
                  "std::string_view name`");
    return true;
}

template <class Monitor>
constexpr bool check_monitor() {
    static_assert(monitor_policy<Monitor>
                      || not_a_monitor<policy<Monitor>,
                                       lacks_observe_gradients_observe_update_report_or_name>::value,
                  "ctnn: the monitor policy lacks `bool observe_gradients(Network&, const "
                  "step_report&)`, `void before_update(Network&)`, `void observe_update(Network&, "
                  "const step_report&)`, `std::string report() const` or `static constexpr "
                  "std::string_view name`");
    return true;
}

template <class Distribution>
constexpr bool check_distribution() {
    static_assert(distribution_policy<Distribution>
                      || not_a_distribution<policy<Distribution>, lacks_distributed_rank_ranks_or_name>::value,
                  "ctnn: the distribution policy lacks `static constexpr bool distributed`, `rank()`, "
                  "`ranks()` or `static constexpr std::string_view name`");
    return true;
}

/// A trainer's policies in any order: each models exactly one policy concept, and no two are of
/// one kind.
template <class P>
constexpr bool check_trainer_policy() {
    constexpr int kinds = detail::policy_kinds_modelled<P>();
    // a loss whose formula is wrong is not a policy of any kind: say what is wrong with it
    if constexpr (kinds == 0 && writes_a_loss_formula<P>()) static_assert(check_loss<P>());
    static_assert(kinds > 0 || writes_a_loss_formula<P>() || not_a_trainer_policy<policy<P>>::value,
                  "ctnn: a trainer argument after the network must be a loss, optimizer, clip, "
                  "schedule, regularizer, monitor or distribution policy");
    static_assert(kinds < 2 || policy_of_several_kinds<policy<P>>::value,
                  "ctnn: this trainer argument models two policy concepts; give the policies in "
                  "the positional order trainer<Network, Loss, Optimizer, Clip, Schedule, "
                  "Regularizer, Monitor, Distribution> instead");
    return true;
}
/// Whether policies P and Q are of one kind (two losses).
template <class P, class Q>
constexpr bool same_policy_kind() {
    for (const auto kind : {detail::policy_kind::loss, detail::policy_kind::optimizer, detail::policy_kind::clip,
                            detail::policy_kind::schedule, detail::policy_kind::regularizer,
                            detail::policy_kind::monitor, detail::policy_kind::distribution})
        if (detail::is_policy_of<P>(kind) && detail::is_policy_of<Q>(kind)) return true;
    return false;
}
/// Whether no two of the policies are of one kind.
template <class... Policies>
constexpr bool no_two_of_a_kind() {
    if constexpr (sizeof...(Policies) < 2)
        return true;
    else
        return []<class P, class... Others>(std::type_identity<P>, std::type_identity<Others>...) {
            return (!same_policy_kind<P, Others>() && ...) && no_two_of_a_kind<Others...>();
        }(std::type_identity<Policies>{}...);
}
template <class P, class... Others>
constexpr bool check_no_two_of_a_kind() {
    if constexpr (sizeof...(Others) > 0) {
        static_assert(((!same_policy_kind<P, Others>() || two_policies_of_one_kind<policy<P>, policy<Others>>::value) && ...),
                      "ctnn: two trainer arguments are policies of one kind (two losses, two optimizers...)");
        return check_no_two_of_a_kind<Others...>();
    } else {
        return true;
    }
}
template <class... Policies>
constexpr bool check_trainer_policies() {
    static_assert((check_trainer_policy<Policies>() && ...));
    if constexpr (sizeof...(Policies) > 0) static_assert(check_no_two_of_a_kind<Policies...>());
    return true;
}

template <class Loss, std::size_t OutputWidth>
constexpr bool check_loss_fits_output() {
    static_assert(detail::loss_fits_output<Loss, OutputWidth>()
                      || loss_does_not_fit_output<policy<Loss>,
                                                  network_output_width<OutputWidth>>::value,
                  "ctnn: this loss cannot be computed on the network's output width (softmax "
                  "cross-entropy needs at least two outputs, one per class)");
    return true;
}

}  // namespace ctnn::diagnostics
