// core/threads.hpp: the BLAS thread count takes effect and is checked; core/blas_core.hpp: the
// warning for OpenBLAS's generic kernels on a CPU with wider vectors.
#include <ctnn/activations/relu.hpp>
#include <ctnn/core/blas_core.hpp>
#include <ctnn/core/network.hpp>
#include <ctnn/core/threads.hpp>
#include <ctnn/detail/affine.hpp>
#include <ctnn/layers/dense.hpp>
#include <ctnn/loss/softmax_cross_entropy.hpp>
#include <ctnn/train/trainer.hpp>

#include <string>

#include <catch2/catch.hpp>

namespace {
// Three momentum-SGD steps of a network whose products are large enough for OpenBLAS to split
// (256 rows through 300→128→10); the trained first-layer weights.
ctnn::tensor<float, 2> trained_weights() {
    using net = ctnn::network<ctnn::input<300>, ctnn::dense<128, ctnn::relu>, ctnn::dense<10>>;
    ctnn::rng data(11);
    const auto x = data.normal_tensor<float>(256, 300);
    ctnn::tensor<float, 2> labels = ctnn::tensor<float, 2>::from_shape({256, 1});
    for (auto& label : labels) label = float(data.below(10));
    net model(0);
    ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9}};
    for (int step = 0; step < 3; ++step) trainer.train_step(x, labels);
    return model.layer<0>().weight.value;
}
}  // namespace

TEST_CASE("threads: set_blas_threads takes effect, and two threads train as one", "[threads]") {
    ctnn::set_blas_threads(1);
    CHECK(ctnn::blas_threads() == 1);
    const auto one = trained_weights();
    ctnn::set_blas_threads(2);
    CHECK(ctnn::blas_threads() == 2);
    const auto two = trained_weights();
    ctnn::set_blas_threads(1);
    // OpenBLAS's threaded driver may sum in another order: the same to float rounding.
    CHECK(xt::amax(xt::abs(one - two))() <= 1e-5f * xt::amax(xt::abs(one))());
}

TEST_CASE("threads: ctnn gives BLAS one thread unless the program or the environment chose", "[threads]") {
    // (the tests themselves run with OPENBLAS_NUM_THREADS=1, so the decision is tested alone)
    CHECK(ctnn::detail::ctnn_chooses_blas_threads(false, false));
    CHECK_FALSE(ctnn::detail::ctnn_chooses_blas_threads(true, false));   // set_blas_threads
    CHECK_FALSE(ctnn::detail::ctnn_chooses_blas_threads(false, true));   // OPENBLAS_NUM_THREADS and kin
    ctnn::set_blas_threads(1);
    CHECK(ctnn::detail::blas_threads_chosen());
}

TEST_CASE("threads: a product goes to OpenBLAS only when large and BLAS has several threads", "[threads]") {
    using ctnn::detail::product_goes_to_blas;
    STATIC_REQUIRE_FALSE(product_goes_to_blas(100000000, 1, true));  // one thread: always ctnn's own kernels
    STATIC_REQUIRE_FALSE(product_goes_to_blas(999999, 2, true));     // small: not worth splitting
    STATIC_REQUIRE(product_goes_to_blas(1000000, 2, true));
    STATIC_REQUIRE_FALSE(product_goes_to_blas(100000000, 2, false));  // OpenBLAS's kernels narrower than ctnn's
    using ctnn::detail::blas_core_width;
    STATIC_REQUIRE(blas_core_width("Cooperlake") == 2);
    STATIC_REQUIRE(blas_core_width("SKYLAKEX") == 2);
    STATIC_REQUIRE(blas_core_width("Haswell") == 1);
    STATIC_REQUIRE(blas_core_width("Prescott") == 0);
    STATIC_REQUIRE(blas_core_width("") == 0);
}

TEST_CASE("threads: fewer than one thread is refused", "[threads][errors]") {
    CHECK_THROWS_AS(ctnn::set_blas_threads(0), ctnn::invalid_argument);
    CHECK_THROWS_WITH(ctnn::set_blas_threads(-3), Catch::Contains("at least 1 thread, got -3"));
    CHECK(ctnn::blas_threads() >= 1);
}

TEST_CASE("generic_blas_warning: OpenBLAS's generic kernels on a CPU with AVX2 or AVX-512 are named, with the fix",
          "[threads][blas]") {
    using ctnn::detail::generic_blas_warning;
    // narrower than ctnn's kernels: the products stay on those, and the threads go unused
    const std::string on_avx512 = generic_blas_warning("Prescott", true, true, true).c_str();
    CHECK(on_avx512
          == "ctnn: OpenBLAS runs its 'Prescott' kernels on a CPU with AVX-512 (it does not recognise this CPU), so "
             "ctnn keeps its large products on its own kernels, on one thread: the BLAS threads set_blas_threads "
             "asked for are not used. Start the program with OPENBLAS_CORETYPE=SkylakeX to use its SkylakeX "
             "kernels (CTNN_BLAS_WARNING=0 silences this).\n");
    // as wide as ctnn's (CTNN_ISA narrowed them): OpenBLAS takes the products, slower than it could
    const std::string given = generic_blas_warning("Prescott", true, true, false).c_str();
    CHECK_THAT(given, Catch::Contains("the large products ctnn gives it (on several BLAS threads) run slower")
                          && Catch::Contains("OPENBLAS_CORETYPE=SkylakeX"));
    const std::string on_avx2 = generic_blas_warning("Sandybridge", true, false, true).c_str();
    CHECK_THAT(on_avx2, Catch::Contains("'Sandybridge' kernels on a CPU with AVX2")
                            && Catch::Contains("OPENBLAS_CORETYPE=Haswell"));
    // AVX2 kernels on a CPU with AVX-512 (as OPENBLAS_CORETYPE=Haswell makes them): named, with the fix
    const std::string narrower = generic_blas_warning("Haswell", true, true, true).c_str();
    CHECK_THAT(narrower, Catch::Contains("'Haswell' (AVX2) kernels on a CPU with AVX-512, so ctnn keeps")
                             && Catch::Contains("OPENBLAS_CORETYPE=SkylakeX") && Catch::Contains("CTNN_BLAS_WARNING=0"));
    CHECK_THAT(std::string(generic_blas_warning("ZEN", true, true, false).c_str()), Catch::Contains("'ZEN' (AVX2)"));
    // kernels as wide as the CPU (a build for one target names them in capitals), or a CPU
    // without AVX2: nothing to say
    for (const bool kept : {true, false}) {
        for (const char* core : {"SkylakeX", "Cooperlake", "SapphireRapids", "SKYLAKEX"})
            CHECK(std::string(generic_blas_warning(core, true, true, kept).c_str()).empty());
        for (const char* core : {"Haswell", "Zen", "Excavator", "HASWELL"})
            CHECK(std::string(generic_blas_warning(core, true, false, kept).c_str()).empty());
        CHECK(std::string(generic_blas_warning("Prescott", false, false, kept).c_str()).empty());
    }
    // the running library names its kernels
    CHECK_FALSE(ctnn::blas_core().empty());
}
