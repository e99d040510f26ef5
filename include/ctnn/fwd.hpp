// Forward declarations of ctnn's public types, for headers that only name them.
#pragma once

#include <cstddef>
#include <ratio>

namespace ctnn {
template <std::size_t Width>
struct input;
template <std::size_t Width>
struct sequence;
template <std::size_t Channels, std::size_t Height, std::size_t Width>
struct image;
struct shape;
struct last_state;
struct whole_sequence;
template <class T, class Input, class... Layers>
class basic_network;
template <class T, std::size_t Rank>
struct parameter;
class rng;
struct clip_result;

struct identity;
struct relu;
struct tanh;
struct sigmoid;
template <class Slope>
struct leaky_relu;
template <class Alpha>
struct elu;
struct selu;
struct gelu;
struct gelu_tanh;
struct silu;
template <class Beta, class Threshold>
struct softplus;
struct softsign;
template <class Min, class Max>
struct hardtanh;

template <std::size_t Out, class Activation, class Init, std::size_t In>
struct dense;
template <class T, std::size_t In, std::size_t Out, class Activation, class Init, bool InputGradient,
          class Names>
class affine_layer;
template <class Activation>
struct batch_norm;
template <class T, std::size_t Width, class Activation, bool InputGradient, std::size_t Pixels>
class batch_norm_layer;
template <class Activation>
struct layer_norm;
template <class T, std::size_t Width, class Activation, bool InputGradient>
class layer_norm_layer;
template <class P>
struct dropout;
template <class T, std::size_t Width, class P, bool InputGradient>
class dropout_layer;
struct flatten;
template <class Recurrent>
struct bidirectional;
template <class Inner>
class bidirectional_layer;
struct softmax;
struct log_softmax;
template <class T, std::size_t Width, bool Log, bool InputGradient>
class softmax_layer;
template <class T, std::size_t Width, bool InputGradient>
class flatten_layer;
template <class... Layers>
struct residual;
template <class... Layers>
struct branch;
template <class... Branches>
struct concatenate;
template <class T, std::size_t Width, bool InputGradient, class... Branches>
class concatenate_layer;
template <class T, std::size_t Width, bool InputGradient, class... Specs>
class residual_layer;

template <class Network, class Loss, class Optimizer, class Clip, class Schedule, class Regularizer,
          class Monitor, class Distribution>
class trainer;
struct fit_options;
struct fit_result;
struct step_report;
struct epoch_report;

namespace loss {
struct mse;
struct mae;
struct huber;
struct smooth_l1;
struct bce_with_logits;
struct softmax_cross_entropy;
struct nll;
struct probability_cross_entropy;
}  // namespace loss
namespace optim {
struct sgd;
struct adagrad;
struct rmsprop;
struct adam;
struct adamw;
struct nadam;
struct adadelta;
}  // namespace optim
namespace clip {
struct none;
struct by_value;
struct by_norm;
struct by_global_norm;
}  // namespace clip
namespace schedule {
struct constant;
struct step;
struct multistep;
struct exponential;
struct cosine_annealing;
struct linear_warmup;
struct reduce_on_plateau;
struct one_cycle;
struct cosine_warm_restarts;
template <class S>
struct per_step;
}  // namespace schedule
namespace regularize {
struct none;
struct all_layers;
template <std::size_t... Indices>
struct layers;
template <class Layers>
struct l1;
template <class Layers>
struct l2;
}  // namespace regularize
namespace monitor {
struct none;
class gradient_health;
}  // namespace monitor
namespace init {
struct zeros;
struct constant;
struct uniform;
struct normal;
struct pytorch_default;
template <class Gain>
struct xavier_uniform;
template <class Gain>
struct xavier_normal;
template <class Gain>
struct orthogonal;
}  // namespace init
}  // namespace ctnn
