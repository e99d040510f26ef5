// io/load_npz.hpp: PyTorch models saved as .npz state_dicts (tests/fixtures/generate_npz.py)
// predict in ctnn as in torch; save_npz's archives load back; every refusal names its reason
// and leaves the network as it was.
#include <ctnn/ctnn.hpp>
#include <ctnn/io/load_npz.hpp>
#include <ctnn/io/save_npz.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/approx.hpp"
#include "support/fixture.hpp"
#include "support/temp_dir.hpp"

namespace {
namespace fs = std::filesystem;
using matrix = ctnn::tensor<double, 2>;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

const ctnn_test::fixture& fixture() {
    static const ctnn_test::fixture f("npz.txt");
    return f;
}
fs::path archive(const std::string& name) { return fs::path(CTNN_FIXTURE_DIR) / "npz" / name; }

using mlp = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<6, ctnn::tanh>, ctnn::dense<3>>;
using mlp_f32 = ctnn::basic_network<float, ctnn::input<4>, ctnn::dense<6, ctnn::tanh>, ctnn::dense<3>>;

/// Every parameter's value, in order: to show a refused load changed nothing.
template <class Net>
std::vector<double> weights_of(Net& net) {
    std::vector<double> all;
    net.for_each_parameter([&](auto& p) { all.insert(all.end(), p.value.begin(), p.value.end()); });
    return all;
}
}  // namespace

TEST_CASE("load_npz: a torch MLP's state_dict predicts as torch (1e-12)", "[load_npz]") {
    const auto& f = fixture();
    mlp net(99);
    const auto revision = net.revision();
    ctnn::load_npz(archive("mlp.npz"), net, {.modules = {"0", "2"}});
    CHECK(net.revision() == revision + 1);
    const matrix x = f.tensor<double, 2>("mlp.x");
    const matrix expected = f.tensor<double, 2>("mlp.y");
    CTNN_REQUIRE_CLOSE(net.predict(x), expected, 1e-12);
}

TEST_CASE("load_npz: float32 arrays in a compressed archive (savez_compressed) into a float network",
          "[load_npz]") {
    const auto& f = fixture();
    mlp_f32 net;
    ctnn::load_npz(archive("mlp_f32.npz"), net, {.modules = {"0", "2"}});
    const ctnn::tensor<float, 2> x = xt::cast<float>(f.tensor<double, 2>("mlp.x"));
    const matrix y = xt::cast<double>(net.predict(x));
    CTNN_REQUIRE_CLOSE(y, (f.tensor<double, 2>("mlp.y")), 1e-5);
    // the same float32 weights into a double network: exactly the float values, widened
    mlp wide;
    ctnn::load_npz(archive("mlp_f32.npz"), wide, {.modules = {"0", "2"}});
    const matrix narrowed_back = xt::cast<double>(xt::cast<float>(wide.layer<0>().weight.value));
    CHECK((narrowed_back == wide.layer<0>().weight.value));
}

TEST_CASE("load_npz: batch norm's running statistics and counter, LSTM gates by torch's names",
          "[load_npz]") {
    const auto& f = fixture();
    ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<5>, ctnn::batch_norm<ctnn::relu>, ctnn::dense<2>> bn;
    ctnn::load_npz(archive("bn.npz"), bn, {.modules = {"0", "1", "3"}});
    CHECK(bn.layer<1>().batches_tracked == 5);
    CTNN_REQUIRE_CLOSE(bn.predict(f.tensor<double, 2>("bn.x")), (f.tensor<double, 2>("bn.y")), 1e-12);

    ctnn::basic_network<double, ctnn::sequence<2>, ctnn::lstm<8>, ctnn::dense<1>> seq;
    ctnn::load_npz(archive("lstm.npz"), seq, {.modules = {"lstm", "fc"}});
    const auto x = f.tensor<double, 3>("lstm.x");
    CTNN_REQUIRE_CLOSE(seq.predict(x), (f.tensor<double, 2>("lstm.y")), 1e-12);
}

TEST_CASE("load_npz: a stacked nn.LSTM is one ctnn layer per torch layer, named module:k", "[load_npz]") {
    const auto& f = fixture();
    using stacked_net = ctnn::basic_network<double, ctnn::sequence<2>, ctnn::lstm<6, ctnn::whole_sequence>,
                                            ctnn::lstm<6>, ctnn::dense<1>>;
    stacked_net net;
    ctnn::load_npz(archive("lstm_stacked.npz"), net, {.modules = {"lstm:0", "lstm:1", "fc"}});
    CTNN_REQUIRE_CLOSE(net.predict(f.tensor<double, 3>("lstm_stacked.x")), (f.tensor<double, 2>("lstm_stacked.y")),
                       1e-12);
    // the module name alone reads layer 0 twice: refused, saying how to name the layers
    stacked_net other(3);
    const auto before = weights_of(other);
    CHECK_THROWS_WITH(ctnn::load_npz(archive("lstm_stacked.npz"), other, {.modules = {"lstm", "lstm", "fc"}}),
                      Contains("array 'lstm.weight_ih_l0' has shape (24, 2), but layer 1 (lstm) weight_ih_l0 is "
                               "(24, 6) (a stacked nn.LSTM")
                          && Contains("name them in npz_options::modules as \"lstm:0\", \"lstm:1\""));
    // where the widths let layer 0 pass for layer 1, the arrays left over say it
    ctnn::basic_network<double, ctnn::sequence<6>, ctnn::lstm<6, ctnn::whole_sequence>, ctnn::lstm<6>, ctnn::dense<1>>
        square;
    CHECK_THROWS_WITH(ctnn::load_npz(archive("lstm_stacked.npz"), square, {.modules = {"lstm:1", "lstm:1", "fc"}}),
                      Contains("the network has no place for 'lstm.bias_hh_l0'")
                          && Contains("name them in npz_options::modules as \"lstm:0\""));
    CHECK_THROWS_WITH(ctnn::load_npz(archive("lstm_stacked.npz"), other, {.modules = {"lstm:0", "lstm:1", "fc:1"}}),
                      Contains("module 'fc:1' names a layer of a stacked module, but layer 2 (dense) is no recurrent "
                               "layer of torch's names"));
    CHECK_THROWS_WITH(ctnn::load_npz(archive("lstm_stacked.npz"), other, {.modules = {"lstm:0", "lstm:one", "fc"}}),
                      Contains("module 'lstm:one' names no layer number after its ':'"));
    CHECK(weights_of(other) == before);
}

TEST_CASE("load_npz: what save_npz writes loads back under ctnn's own names", "[load_npz][npz]") {
    const ctnn_test::temp_dir dir;
    ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<5>, ctnn::batch_norm<ctnn::relu>, ctnn::dense<2>> a(3), b(4);
    a.layer<1>().running_mean = {0.5, -1.0, 2.0, 0.0, 1.5};
    a.layer<1>().batches_tracked = 17;
    ctnn::save_npz(dir.path() / "a.npz", a);
    ctnn::load_npz(dir.path() / "a.npz", b);
    CHECK(weights_of(b) == weights_of(a));
    CHECK((b.layer<1>().running_mean == a.layer<1>().running_mean));
    CHECK(b.layer<1>().batches_tracked == 17);
}

TEST_CASE("load_npz: refusals name the array and the layer, and change nothing", "[load_npz][refuse]") {
    const ctnn_test::temp_dir dir;
    mlp net(5);
    const auto before = weights_of(net);
    const auto refused = [&](auto&& load) {
        CHECK_THROWS(load());
        CHECK(weights_of(net) == before);
    };
    SECTION("ctnn's names where the archive has torch's") {
        CHECK_THROWS_MATCHES(ctnn::load_npz(archive("mlp.npz"), net), ctnn::format_error,
                             Message("ctnn: load_npz '" + archive("mlp.npz").string()
                                     + "': no array 'layer0.weight' for layer 0 (dense) weight; the archive holds "
                                       "'0.bias', '0.weight', '2.bias', '2.weight'"));
        refused([&] { ctnn::load_npz(archive("mlp.npz"), net); });
    }
    SECTION("a module count that does not fit the layers") {
        CHECK_THROWS_MATCHES(ctnn::load_npz(archive("mlp.npz"), net, {.modules = {"0"}}), ctnn::invalid_argument,
                             Message("ctnn: load_npz '" + archive("mlp.npz").string()
                                     + "': 1 module names for 2 layers with parameters: layers 0 (dense), 1 (dense)"));
    }
    SECTION("a shape that differs") {
        ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<6, ctnn::tanh>, ctnn::dense<2>> narrow(5);
        CHECK_THROWS_WITH(ctnn::load_npz(archive("mlp.npz"), narrow, {.modules = {"0", "2"}}),
                          Contains("array '2.weight' has shape (3, 6), but layer 1 (dense) weight is (2, 6)"));
        const auto narrow_before = weights_of(narrow);
        CHECK_THROWS(ctnn::load_npz(archive("mlp.npz"), narrow, {.modules = {"0", "2"}}));
        CHECK(weights_of(narrow) == narrow_before);  // layer 0 matched, and still was not written
    }
    SECTION("arrays the network has no place for, unless strict is off") {
        ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<6, ctnn::tanh>> first(5);
        CHECK_THROWS_WITH(ctnn::load_npz(archive("mlp.npz"), first, {.modules = {"0"}}),
                          Contains("the network has no place for '2.bias', '2.weight'"));
        ctnn::load_npz(archive("mlp.npz"), first, {.modules = {"0"}, .strict = false});
        mlp whole;
        ctnn::load_npz(archive("mlp.npz"), whole, {.modules = {"0", "2"}});
        CHECK((first.layer<0>().weight.value == whole.layer<0>().weight.value));
    }
    SECTION("a corrupted byte fails the entry's CRC-32") {
        auto bytes = ctnn_test::temp_dir::read(archive("mlp.npz"));
        bytes[200] = char(bytes[200] ^ 0x40);  // inside 0.weight's elements
        const auto path = dir.write("flipped.npz", bytes);
        CHECK_THROWS_WITH(ctnn::load_npz(path, net, {.modules = {"0", "2"}}), Contains("fails its CRC-32 check"));
        refused([&] { ctnn::load_npz(path, net, {.modules = {"0", "2"}}); });
    }
    SECTION("a truncated archive, an empty file, a file that is no zip") {
        const auto bytes = ctnn_test::temp_dir::read(archive("mlp.npz"));
        for (const std::size_t keep : {std::size_t(0), std::size_t(10), bytes.size() / 2, bytes.size() - 1}) {
            INFO("first " << keep << " bytes");
            const auto path = dir.write("cut.npz", std::string_view(bytes).substr(0, keep));
            CHECK_THROWS_AS(ctnn::load_npz(path, net, {.modules = {"0", "2"}}), ctnn::format_error);
            CHECK(weights_of(net) == before);
        }
        const auto text = dir.write("text.npz", std::string(100, 'x'));
        CHECK_THROWS_WITH(ctnn::load_npz(text, net), Contains("no end of central directory record"));
    }
    SECTION("a deflated entry that does not inflate to its size") {
        auto bytes = ctnn_test::temp_dir::read(archive("mlp_f32.npz"));
        // the first entry's compressed data starts after its 30-byte header and name
        const std::size_t name = std::uint8_t(bytes[26]) | std::size_t(std::uint8_t(bytes[27])) << 8;
        const std::size_t extra = std::uint8_t(bytes[28]) | std::size_t(std::uint8_t(bytes[29])) << 8;
        bytes[30 + name + extra + 3] = char(bytes[30 + name + extra + 3] ^ 0xFF);
        const auto path = dir.write("deflate.npz", bytes);
        mlp_f32 f32(5);
        CHECK_THROWS_AS(ctnn::load_npz(path, f32, {.modules = {"0", "2"}}), ctnn::format_error);
    }
    SECTION("a value load would refuse: non-finite, beyond float, a counter stored as a float") {
        mlp with_nan(5);
        with_nan.layer<0>().weight.value(1, 2) = std::numeric_limits<double>::quiet_NaN();
        ctnn::save_npz(dir.path() / "nan.npz", with_nan);
        CHECK_THROWS_MATCHES(ctnn::load_npz(dir.path() / "nan.npz", net), ctnn::format_error,
                             Message("ctnn: load_npz '" + (dir.path() / "nan.npz").string()
                                     + "': array 'layer0.weight' for layer 0 (dense) weight: element 6 is nan, not a "
                                       "finite number"));
        refused([&] { ctnn::load_npz(dir.path() / "nan.npz", net); });
        mlp huge(5);
        huge.layer<1>().bias.value(2) = -1e300;
        ctnn::save_npz(dir.path() / "huge.npz", huge);
        mlp_f32 f32(5);
        CHECK_THROWS_WITH(ctnn::load_npz(dir.path() / "huge.npz", f32),
                          Contains("array 'layer1.bias' for layer 1 (dense) bias: element 2 is -1e+300, beyond the "
                                   "range of float"));
        ctnn::load_npz(dir.path() / "huge.npz", net);  // a double holds it
        CHECK(net.layer<1>().bias.value(2) == -1e300);
        ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<5>, ctnn::batch_norm<ctnn::relu>, ctnn::dense<2>> bn;
        CHECK_THROWS_WITH(ctnn::load_npz(archive("bn_float_counter.npz"), bn, {.modules = {"0", "1", "3"}}),
                          Contains("array '1.num_batches_tracked' holds floating-point values, but layer 1 "
                                   "(batch_norm) num_batches_tracked is an integer counter (int64)"));
    }
    SECTION("a file larger than the limit is refused before it is read") {
        CHECK_THROWS_WITH(ctnn::load_npz(archive("mlp.npz"), net, {.modules = {"0", "2"}, .limits = {.max_bytes = 1000}}),
                          Contains("more than the limit of 1000"));
    }
}
