// The parameters every recurrent layer (rnn, lstm, gru) has, visited in PyTorch's order and
// with PyTorch's state_dict names for a one-layer module: weight_ih_l0, weight_hh_l0,
// bias_ih_l0, bias_hh_l0 (the biases only if the layer has them).
#pragma once

#include <string_view>

namespace ctnn::detail {

template <bool Bias, class Layer, class F>
void visit_recurrent_parameters(Layer& layer, F&& f) {
    f(std::string_view("weight_ih_l0"), layer.weight_ih);
    f(std::string_view("weight_hh_l0"), layer.weight_hh);
    if constexpr (Bias) {
        f(std::string_view("bias_ih_l0"), layer.bias_ih);
        f(std::string_view("bias_hh_l0"), layer.bias_hh);
    }
}

}  // namespace ctnn::detail
