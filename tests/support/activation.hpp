// What a layer evaluates for an activation: its forward and derived derivative expressions.
#pragma once

#include <ctnn/expr/activation.hpp>

namespace ctnn_test {
template <class A>
using act = ctnn::expr::activation_traits<A>;
}  // namespace ctnn_test
