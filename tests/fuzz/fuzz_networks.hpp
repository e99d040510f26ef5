// The networks the load fuzzer loads into, shared with the test that writes its seed corpus
// (tests/io/save_load.cpp, "[.fuzz_corpus]"): seeds must match them to get past the signature.
#pragma once

#include <ratio>

#include <ctnn/activations/relu.hpp>
#include <ctnn/activations/tanh.hpp>
#include <ctnn/core/network.hpp>
#include <ctnn/layers/batch_norm.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/layers/dropout.hpp>
#include <ctnn/layers/layer_norm.hpp>
#include <ctnn/loss/mse.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/sgd.hpp>
#include <ctnn/train/trainer.hpp>

namespace ctnn_fuzz {

/// Every layer kind, float, trained with Adam (AMSGrad: all three moment slots in use).
using mixed_net = ctnn::basic_network<float, ctnn::input<3>, ctnn::dense<4, ctnn::relu>, ctnn::batch_norm<>,
                                      ctnn::dropout<std::ratio<1, 4>>, ctnn::layer_norm<ctnn::tanh>, ctnn::dense<2>>;
using mixed_trainer = ctnn::trainer<mixed_net, ctnn::loss::mse, ctnn::optim::adam>;

/// The smallest network, double, trained with SGD and momentum (one moment slot).
using small_net = ctnn::basic_network<double, ctnn::input<2>, ctnn::dense<1>>;
using small_trainer = ctnn::trainer<small_net, ctnn::loss::mse, ctnn::optim::sgd>;

}  // namespace ctnn_fuzz
