// The parameters of a layer with a weight and a bias (dense, conv2d, batch_norm, layer_norm),
// visited in PyTorch's order with PyTorch's state_dict names.
#pragma once

#include <string_view>
#include <type_traits>

namespace ctnn::detail {

/// PyTorch's state_dict names for a layer's two parameters (nn.Linear's, nn.Conv2d's).
inline constexpr std::string_view plain_weight_name = "weight";
inline constexpr std::string_view plain_bias_name = "bias";

/// The names are PyTorch's plain ones unless the layer names them (`weight_name`, `bias_name`:
/// an expression layer's `f.weight` and `f.bias`).
template <class Layer, class F>
void visit_weight_and_bias(Layer& layer, F&& f) {
    using type = std::remove_const_t<Layer>;
    if constexpr (requires { type::weight_name; type::bias_name; }) {
        f(type::weight_name, layer.weight);
        f(type::bias_name, layer.bias);
    } else {
        f(plain_weight_name, layer.weight);
        f(plain_bias_name, layer.bias);
    }
}

/// The visits the network asks of such a layer, for it to inherit (`class affine_layer : public
/// weight_and_bias_visits<affine_layer<...>>`): for_each_parameter, and for_each_named_parameter
/// with the names, for saving.
template <class Layer>
struct weight_and_bias_visits {
    template <class F>
    void for_each_parameter(F&& f) {
        visit_weight_and_bias(self(), [&](std::string_view, auto& p) { f(p); });
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        visit_weight_and_bias(self(), [&](std::string_view, const auto& p) { f(p); });
    }
    template <class F>
    void for_each_named_parameter(F&& f) {
        visit_weight_and_bias(self(), f);
    }
    template <class F>
    void for_each_named_parameter(F&& f) const {
        visit_weight_and_bias(self(), f);
    }

private:
    Layer& self() noexcept { return static_cast<Layer&>(*this); }
    const Layer& self() const noexcept { return static_cast<const Layer&>(*this); }
};

}  // namespace ctnn::detail
