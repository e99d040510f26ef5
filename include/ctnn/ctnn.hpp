// ctnn: compile-time neural networks. The umbrella header: everything public.
#pragma once

#include "ctnn/core/errors.hpp"
#include "ctnn/core/input.hpp"
#include "ctnn/core/network.hpp"
#include "ctnn/core/parameter.hpp"
#include "ctnn/core/rng.hpp"

#include "ctnn/concepts/activation.hpp"
#include "ctnn/concepts/clip.hpp"
#include "ctnn/concepts/initializer.hpp"
#include "ctnn/concepts/loss.hpp"
#include "ctnn/concepts/optimizer.hpp"
#include "ctnn/concepts/regularizer.hpp"
#include "ctnn/concepts/schedule.hpp"

#include "ctnn/activations/identity.hpp"
#include "ctnn/activations/leaky_relu.hpp"
#include "ctnn/activations/relu.hpp"
#include "ctnn/activations/sigmoid.hpp"
#include "ctnn/activations/tanh.hpp"

#include "ctnn/layers/dense.hpp"

#include "ctnn/loss/mse.hpp"

#include "ctnn/optim/sgd.hpp"

#include "ctnn/init/constant.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/init/gain.hpp"
#include "ctnn/init/kaiming_normal.hpp"
#include "ctnn/init/kaiming_uniform.hpp"
#include "ctnn/init/normal.hpp"
#include "ctnn/init/pytorch_default.hpp"
#include "ctnn/init/uniform.hpp"
#include "ctnn/init/xavier_normal.hpp"
#include "ctnn/init/xavier_uniform.hpp"
#include "ctnn/init/zeros.hpp"

#include "ctnn/clip/by_global_norm.hpp"
#include "ctnn/clip/by_norm.hpp"
#include "ctnn/clip/by_value.hpp"
#include "ctnn/clip/clip_result.hpp"
#include "ctnn/clip/none.hpp"

#include "ctnn/regularize/l1.hpp"
#include "ctnn/regularize/l2.hpp"
#include "ctnn/regularize/layers.hpp"
#include "ctnn/regularize/none.hpp"

#include "ctnn/schedule/constant.hpp"

#include "ctnn/train/fit_options.hpp"
#include "ctnn/train/trainer.hpp"
