// The parameters of a layer with a weight and a bias (dense, batch_norm, layer_norm), visited
// in PyTorch's order with PyTorch's state_dict names.
#pragma once

#include <string_view>

namespace ctnn::detail {

template <class Layer, class F>
void visit_weight_and_bias(Layer& layer, F&& f) {
    f(std::string_view("weight"), layer.weight);
    f(std::string_view("bias"), layer.bias);
}

}  // namespace ctnn::detail
