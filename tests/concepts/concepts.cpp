// Every shipped policy models its concept; near misses do not (and which part they miss).
#include <ctnn/activations/elu.hpp>
#include <ctnn/activations/gelu.hpp>
#include <ctnn/activations/gelu_tanh.hpp>
#include <ctnn/activations/hardtanh.hpp>
#include <ctnn/activations/selu.hpp>
#include <ctnn/activations/silu.hpp>
#include <ctnn/activations/softplus.hpp>
#include <ctnn/activations/softsign.hpp>
#include <ctnn/ctnn.hpp>

#include <catch2/catch.hpp>

namespace {
// The old protocol's shape, forward and derivative by hand: no formula, so no activation.
struct forward_only {
    [[maybe_unused]] static constexpr std::string_view name = "forward_only";
    template <class E>
    static auto forward(const E& z) {
        return z * 2.0;
    }
};
struct unnamed_activation {
    [[maybe_unused]] static constexpr auto formula = ctnn::expr::z * ctnn::expr::z;
};
// Reads a loss's target, which has no value inside a layer.
struct reads_target {
    [[maybe_unused]] static constexpr std::string_view name = "reads_target";
    [[maybe_unused]] static constexpr auto formula = ctnn::expr::z * ctnn::expr::target;
};
struct squared_error_formula {
    [[maybe_unused]] static constexpr std::string_view name = "squared_error_formula";
    [[maybe_unused]] static constexpr auto formula = ctnn::expr::pow<2>(ctnn::expr::prediction - ctnn::expr::target);
};
/// A "row formula" that reads ŷ outside every reduction: it has no one value per row.
struct row_formula_reading_an_element {
    [[maybe_unused]] static constexpr std::string_view name = "row_formula_reading_an_element";
    [[maybe_unused]] static constexpr auto row_formula = ctnn::expr::log_sum_exp(ctnn::expr::prediction) - ctnn::expr::prediction;
};
struct loss_reading_z {
    [[maybe_unused]] static constexpr std::string_view name = "loss_reading_z";
    [[maybe_unused]] static constexpr auto formula = ctnn::expr::prediction - ctnn::expr::z;
};
struct init_without_bias {
    [[maybe_unused]] static constexpr std::string_view name = "init_without_bias";
    template <class T, std::size_t R>
    void weight(ctnn::tensor<T, R>&, ctnn::init::fans, ctnn::rng&) const {}
};
struct optimizer_without_lr {
    [[maybe_unused]] static constexpr std::string_view name = "optimizer_without_lr";
    [[maybe_unused]] static constexpr std::array<std::string_view, 0> state_names{};
    void validate() const {}
    template <class P, class S>
    void prepare(const P&, S&) const {}
    template <class P, class S>
    void update(P&, S&) const {}
};
/// An optimizer written before the trainer held its state: one-argument prepare and update.
struct optimizer_with_state_in_the_parameter {
    [[maybe_unused]] static constexpr std::string_view name = "old_style";
    double lr = 0.1;
    void validate() const {}
    template <class P>
    void prepare(P&) const {}
    template <class P>
    void update(P&) const {}
};
}  // namespace

TEST_CASE("concepts: activations", "[concepts]") {
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::identity>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::relu>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::leaky_relu<>>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::leaky_relu<std::ratio<1, 5>>>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::tanh>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::sigmoid>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::elu<>>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::elu<std::ratio<1, 2>>>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::selu>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::gelu>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::gelu_tanh>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::silu>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::softplus<>>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::softplus<std::ratio<2>, std::ratio<5>>>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::softsign>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::hardtanh<>>);
    STATIC_REQUIRE(ctnn::activation_policy<ctnn::hardtanh<std::ratio<0>, std::ratio<6>>>);
    STATIC_REQUIRE_FALSE(ctnn::activation_policy<int>);
    STATIC_REQUIRE_FALSE(ctnn::activation_has_formula<forward_only>);
    STATIC_REQUIRE_FALSE(ctnn::activation_policy<forward_only>);
    STATIC_REQUIRE(ctnn::activation_has_formula<unnamed_activation>);
    STATIC_REQUIRE_FALSE(ctnn::activation_has_name<unnamed_activation>);
    STATIC_REQUIRE_FALSE(ctnn::activation_policy<unnamed_activation>);
    STATIC_REQUIRE_FALSE(ctnn::activation_formula_reads_only_z<reads_target>);
    STATIC_REQUIRE_FALSE(ctnn::activation_policy<reads_target>);
}

TEST_CASE("concepts: init policies", "[concepts]") {
    using namespace ctnn::init;
    STATIC_REQUIRE(ctnn::initializer_policy<zeros>);
    STATIC_REQUIRE(ctnn::initializer_policy<constant>);
    STATIC_REQUIRE(ctnn::initializer_policy<constant_ratio<std::ratio<1, 10000>>>);
    STATIC_REQUIRE(ctnn::initializer_policy<uniform>);
    STATIC_REQUIRE(ctnn::initializer_policy<normal>);
    STATIC_REQUIRE(ctnn::initializer_policy<pytorch_default>);
    STATIC_REQUIRE(ctnn::initializer_policy<xavier_uniform<gain::tanh>>);
    STATIC_REQUIRE(ctnn::initializer_policy<xavier_normal<>>);
    STATIC_REQUIRE(ctnn::initializer_policy<kaiming_uniform<gain::relu, fan_mode::fan_out>>);
    STATIC_REQUIRE(ctnn::initializer_policy<kaiming_normal<>>);
    STATIC_REQUIRE(ctnn::initializer_has_weight<init_without_bias>);
    STATIC_REQUIRE_FALSE(ctnn::initializer_has_bias<init_without_bias>);
    STATIC_REQUIRE_FALSE(ctnn::initializer_policy<ctnn::relu>);
}

TEST_CASE("concepts: optimizers, losses and clips", "[concepts]") {
    STATIC_REQUIRE(ctnn::optimizer_policy<ctnn::optim::sgd>);
    STATIC_REQUIRE(ctnn::optimizer_has_update<optimizer_without_lr>);
    STATIC_REQUIRE_FALSE(ctnn::optimizer_has_learning_rate<optimizer_without_lr>);
    STATIC_REQUIRE_FALSE(ctnn::optimizer_policy<optimizer_without_lr>);
    STATIC_REQUIRE_FALSE(ctnn::optimizer_has_state_names<optimizer_with_state_in_the_parameter>);
    STATIC_REQUIRE_FALSE(ctnn::optimizer_has_update<optimizer_with_state_in_the_parameter>);
    STATIC_REQUIRE_FALSE(ctnn::optimizer_policy<optimizer_with_state_in_the_parameter>);
    STATIC_REQUIRE(ctnn::loss_policy<ctnn::loss::mse>);
    STATIC_REQUIRE_FALSE(ctnn::loss_policy<ctnn::optim::sgd>);
    STATIC_REQUIRE(ctnn::loss_has_formula<ctnn::loss::huber>);
    STATIC_REQUIRE_FALSE(ctnn::loss_has_formula<ctnn::loss::softmax_cross_entropy>);  // one value per row
    STATIC_REQUIRE(ctnn::loss_has_row_formula<ctnn::loss::softmax_cross_entropy>);
    STATIC_REQUIRE(ctnn::loss_has_row_formula<ctnn::loss::nll>);
    STATIC_REQUIRE(ctnn::loss_has_row_formula<ctnn::loss::probability_cross_entropy>);
    STATIC_REQUIRE_FALSE(ctnn::loss_has_row_formula<ctnn::loss::mse>);
    STATIC_REQUIRE_FALSE(ctnn::loss_has_row_formula<row_formula_reading_an_element>);
    STATIC_REQUIRE(ctnn::loss_policy<squared_error_formula>);
    STATIC_REQUIRE_FALSE(ctnn::loss_has_formula<loss_reading_z>);
    STATIC_REQUIRE_FALSE(ctnn::loss_policy<loss_reading_z>);
    STATIC_REQUIRE(ctnn::clip_policy<ctnn::clip::none>);
    STATIC_REQUIRE(ctnn::clip_policy<ctnn::clip::by_value>);
    STATIC_REQUIRE(ctnn::clip_policy<ctnn::clip::by_norm>);
    STATIC_REQUIRE(ctnn::clip_policy<ctnn::clip::by_global_norm>);
    STATIC_REQUIRE_FALSE(ctnn::clip_policy<ctnn::loss::mse>);
}

namespace {
template <class Spec, std::size_t Index = 1, ctnn::shape Shape = ctnn::features_shape(6)>
using bound = typename Spec::template bind<double, Index, Shape>::type;
struct cell_for_concept {
    [[maybe_unused]] static constexpr std::string_view name = "cell";
    static constexpr auto h = ctnn::expr::state<"h", 4>;
    static constexpr auto equations =
        ctnn::expr::equations(ctnn::expr::next(h, ctnn::expr::tanh(ctnn::expr::linear<"w", 4>(ctnn::expr::x))));
};
}  // namespace

TEST_CASE("concepts: every layer kind's bound layer models network_layer", "[concepts][layer]") {
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::dense<3, ctnn::relu>>>);
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::dense<3>, 0>>);
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::batch_norm<>>>);
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::layer_norm<ctnn::tanh>>>);
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::dropout<std::ratio<1, 2>>>>);
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::residual<ctnn::dense<6, ctnn::tanh>>>>);
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::rnn<4>>>);
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::lstm<4, ctnn::whole_sequence>>>);
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::gru<4>>>);
    STATIC_REQUIRE(ctnn::network_layer<bound<ctnn::recurrent_cell<cell_for_concept>>>);
    STATIC_REQUIRE_FALSE(ctnn::network_layer<ctnn::dense<3>>);  // a spec, not a bound layer
    STATIC_REQUIRE_FALSE(ctnn::network_layer<ctnn::optim::sgd>);
}
