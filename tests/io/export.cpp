// io/save_npz.hpp, io/save_npy.hpp, io/summary.hpp and io/layer_summary.hpp: the zip and .npy
// structure checked byte by byte here (NumPy itself reads the files in tests/io/check_npz.py),
// and the summary table computed from the type.
#include <ctnn/ctnn.hpp>
#include <ctnn/detail/atomic_file.hpp>
#include <ctnn/detail/crc32.hpp>
#include <ctnn/io/layer_summary.hpp>
#include <ctnn/io/save_npy.hpp>
#include <ctnn/io/save_npz.hpp>
#include <ctnn/io/summary.hpp>

#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <ratio>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

namespace {
namespace fs = std::filesystem;
using ctnn::tensor;

using export_net = ctnn::basic_network<float, ctnn::input<6>, ctnn::dense<5, ctnn::relu>, ctnn::batch_norm<>,
                                       ctnn::dropout<std::ratio<1, 4>>, ctnn::layer_norm<ctnn::tanh>, ctnn::dense<3>>;

std::uint64_t le(const std::vector<std::uint8_t>& b, std::size_t at, std::size_t size) {
    REQUIRE(at + size <= b.size());
    std::uint64_t v = 0;
    for (std::size_t i = size; i-- > 0;) v = v << 8 | b[at + i];
    return v;
}

struct npy_entry {
    std::string header;  // the dict, padding and newline included
    std::vector<std::uint8_t> data;
};

/// Splits an .npy file, checking its magic, version and alignment.
npy_entry read_npy(const std::vector<std::uint8_t>& file) {
    REQUIRE(file.size() >= 10);
    REQUIRE(std::string(file.begin(), file.begin() + 6) == "\x93NUMPY");
    CHECK(file[6] == 1);
    CHECK(file[7] == 0);
    const std::size_t header_size = le(file, 8, 2);
    CHECK((10 + header_size) % 64 == 0);
    REQUIRE(10 + header_size <= file.size());
    npy_entry e{std::string(file.begin() + 10, file.begin() + 10 + std::ptrdiff_t(header_size)),
                std::vector<std::uint8_t>(file.begin() + 10 + std::ptrdiff_t(header_size), file.end())};
    CHECK(e.header.back() == '\n');
    return e;
}

/// The entries of a stored zip, by name, read through the central directory, each CRC checked.
std::map<std::string, std::vector<std::uint8_t>> read_stored_zip(const std::vector<std::uint8_t>& zip) {
    REQUIRE(zip.size() >= 22);
    const std::size_t end = zip.size() - 22;
    REQUIRE(le(zip, end, 4) == 0x06054b50);
    const std::size_t count = le(zip, end + 10, 2);
    std::size_t at = le(zip, end + 16, 4);
    CHECK(at + le(zip, end + 12, 4) == end);
    std::map<std::string, std::vector<std::uint8_t>> entries;
    for (std::size_t i = 0; i < count; ++i) {
        REQUIRE(le(zip, at, 4) == 0x02014b50);
        CHECK(le(zip, at + 10, 2) == 0);  // stored
        const auto crc = std::uint32_t(le(zip, at + 16, 4));
        const std::size_t size = le(zip, at + 24, 4);
        CHECK(le(zip, at + 20, 4) == size);
        const std::size_t name_size = le(zip, at + 28, 2);
        const std::size_t local = le(zip, at + 42, 4);
        const std::string name(zip.begin() + std::ptrdiff_t(at + 46), zip.begin() + std::ptrdiff_t(at + 46 + name_size));
        at += 46 + name_size;

        REQUIRE(le(zip, local, 4) == 0x04034b50);
        CHECK(le(zip, local + 14, 4) == crc);
        CHECK(le(zip, local + 26, 2) == name_size);
        const std::size_t data = local + 30 + name_size + le(zip, local + 28, 2);
        REQUIRE(data + size <= zip.size());
        std::vector<std::uint8_t> bytes(zip.begin() + std::ptrdiff_t(data), zip.begin() + std::ptrdiff_t(data + size));
        CHECK(ctnn::detail::crc32(bytes.data(), bytes.size()) == crc);
        entries[name] = std::move(bytes);
    }
    return entries;
}

template <class E>
std::vector<E> decode(const std::vector<std::uint8_t>& bytes) {
    REQUIRE(bytes.size() % sizeof(E) == 0);
    std::vector<E> out(bytes.size() / sizeof(E));
    for (std::size_t i = 0; i < out.size(); ++i) {
        std::uint64_t bits = le(bytes, i * sizeof(E), sizeof(E));
        if constexpr (sizeof(E) == 4)
            out[i] = std::bit_cast<E>(std::uint32_t(bits));
        else
            out[i] = std::bit_cast<E>(bits);
    }
    return out;
}

/// A trained network, so that every tensor (running statistics included) holds distinct values.
export_net trained_net() {
    export_net net(3);
    ctnn::trainer t{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.05}};
    auto x = tensor<float, 2>::from_shape({8, 6});
    auto y = tensor<float, 2>::from_shape({8, 3});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = std::sin(float(i));
    for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = std::cos(float(i));
    for (int s = 0; s < 3; ++s) t.train_step(x, y);
    return net;
}

template <class Range>
std::string values_text(const Range& r) {
    std::ostringstream out;
    out.precision(std::numeric_limits<double>::max_digits10);
    for (const auto v : r) out << ' ' << double(v);
    return out.str();
}
}  // namespace

TEST_CASE("crc32: the standard check value", "[io][npz]") {
    const std::string_view check = "123456789";
    CHECK(ctnn::detail::crc32(reinterpret_cast<const std::uint8_t*>(check.data()), check.size()) == 0xCBF43926u);
}

// With CTNN_NPZ_EXPORT_DIR set, the files and the values they must hold (expected.txt) stay in that
// directory for tests/io/check_npz.py, which reads them with NumPy.
TEST_CASE("save_npz: each parameter and buffer as layer{i}.{name}, an .npy in a stored zip", "[io][npz]") {
    const char* export_dir = std::getenv("CTNN_NPZ_EXPORT_DIR");
    const fs::path dir = export_dir ? fs::path(export_dir)
                                    : fs::temp_directory_path() / ("ctnn_io_npz_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const export_net net = trained_net();
    ctnn::save_npz(dir / "model.npz", net);
    auto cube = tensor<double, 3>::from_shape({2, 3, 4});
    for (std::size_t i = 0; i < cube.size(); ++i) cube.data()[i] = 0.5 * double(i) - 3.0;
    ctnn::save_npy(dir / "cube.npy", cube);

    // What the archive must hold: name, NumPy descr, shape, values.
    struct expected_entry {
        std::string descr, shape, values;
    };
    std::map<std::string, expected_entry> expected;
    std::size_t index = 0;
    net.for_each_layer([&](const auto& layer) {
        const std::string prefix = "layer" + std::to_string(index++) + ".";
        if constexpr (requires { layer.weight; }) {
            const auto& w = layer.weight.value;
            const std::string shape = w.dimension() == 2 ? "(" + std::to_string(w.shape(0)) + ", " + std::to_string(w.shape(1)) + ")"
                                                         : "(" + std::to_string(w.shape(0)) + ",)";
            expected[prefix + "weight"] = {"<f4", shape, values_text(w)};
            expected[prefix + "bias"] = {"<f4", "(" + std::to_string(layer.bias.value.size()) + ",)", values_text(layer.bias.value)};
        }
        if constexpr (requires { layer.running_mean; }) {
            const std::string shape = "(" + std::to_string(layer.running_mean.size()) + ",)";
            expected[prefix + "running_mean"] = {"<f4", shape, values_text(layer.running_mean)};
            expected[prefix + "running_var"] = {"<f4", shape, values_text(layer.running_var)};
            expected[prefix + "num_batches_tracked"] = {"<i8", "()", values_text(std::vector{layer.batches_tracked})};
        }
    });
    REQUIRE(expected.size() == 11);

    const auto entries = read_stored_zip(ctnn::detail::read_whole_file(dir / "model.npz", "test"));
    REQUIRE(entries.size() == expected.size());
    std::ofstream reference(dir / "expected.txt");
    for (const auto& [key, e] : expected) {
        INFO(key);
        REQUIRE(entries.count(key + ".npy") == 1);
        const npy_entry npy = read_npy(entries.at(key + ".npy"));
        CHECK_THAT(npy.header, Catch::StartsWith("{'descr': '" + e.descr + "', 'fortran_order': False, 'shape': "
                                                 + e.shape + ", }"));
        if (e.descr == "<f4")
            CHECK(values_text(decode<float>(npy.data)) == e.values);
        else
            CHECK(values_text(decode<std::int64_t>(npy.data)) == e.values);
        std::string compact_shape = e.shape;  // one word in the reference file
        std::erase(compact_shape, ' ');
        reference << key << ' ' << e.descr << ' ' << compact_shape << e.values << '\n';
    }
    reference << "cube <f8 (2,3,4)" << values_text(cube) << '\n';

    const npy_entry npy = read_npy(ctnn::detail::read_whole_file(dir / "cube.npy", "test"));
    CHECK_THAT(npy.header, Catch::StartsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4), }"));
    CHECK(decode<double>(npy.data) == std::vector<double>(cube.begin(), cube.end()));
    if (!export_dir) fs::remove_all(dir);
}

TEST_CASE("layer_summary: widths and element counts from the type alone", "[io][summary]") {
    constexpr auto layers = ctnn::layer_summary::of<export_net>();
    STATIC_REQUIRE(layers.size() == export_net::depth);
    STATIC_REQUIRE(layers[0].kind == "dense");
    STATIC_REQUIRE(layers[0].activation == "relu");
    STATIC_REQUIRE(layers[0].trainable == 6 * 5 + 5);
    STATIC_REQUIRE(layers[1].kind == "batch_norm");
    STATIC_REQUIRE(layers[1].non_trainable == 2 * 5);
    STATIC_REQUIRE(layers[2].kind == "dropout");
    STATIC_REQUIRE(layers[2].activation.empty());
    STATIC_REQUIRE(layers[2].parameters() == 0);
    STATIC_REQUIRE(layers[3].activation == "tanh");
    STATIC_REQUIRE(layers[4].input_width == 5);
    STATIC_REQUIRE(layers[4].output_width == 3);
    constexpr auto trainable = [] {
        std::size_t n = 0;
        for (const auto& l : ctnn::layer_summary::of<export_net>()) n += l.trainable;
        return n;
    }();
    STATIC_REQUIRE(trainable == export_net::parameter_count);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        CHECK(layers[i].index == i);
        CHECK(layers[i].input_width == export_net::widths[i]);
        CHECK(layers[i].output_width == export_net::widths[i + 1]);
    }
    // a block counts its inner layers' running statistics, as it saves them
    using blocks_net = ctnn::network<ctnn::input<6>, ctnn::residual<ctnn::dense<6>, ctnn::batch_norm<>>,
                                     ctnn::concatenate<ctnn::branch<ctnn::batch_norm<>>, ctnn::branch<ctnn::dense<2>>>>;
    constexpr auto blocks = ctnn::layer_summary::of<blocks_net>();
    STATIC_REQUIRE(blocks[0].trainable == 6 * 6 + 6 + 2 * 6);
    STATIC_REQUIRE(blocks[0].non_trainable == 2 * 6);
    STATIC_REQUIRE(blocks[1].non_trainable == 2 * 6);
    blocks_net net;
    std::size_t saved_buffers = 0;
    net.for_each_layer([&](auto& layer) {
        ctnn::detail::for_each_buffer_of(layer, [&](std::string_view, const auto& b) {
            if constexpr (!std::is_arithmetic_v<std::remove_cvref_t<decltype(b)>>) saved_buffers += b.size();
        });
    });
    CHECK(saved_buffers == blocks[0].non_trainable + blocks[1].non_trainable);
}

TEST_CASE("summary: one row per layer with its output shape and parameters, then the totals", "[io][summary]") {
    const std::string text = ctnn::summary<export_net>();
    INFO(text);
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    REQUIRE(lines.size() == 4 + export_net::depth + 5);
    CHECK(lines[0] == "Network: float32, input (B, 6), 5 layers");
    CHECK(lines[2].find("Layer (activation)") != std::string::npos);

    constexpr auto layers = ctnn::layer_summary::of<export_net>();
    std::size_t total = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        std::istringstream row(lines[4 + i]);
        std::string index, kind;
        row >> index >> kind;
        CHECK(index == std::to_string(i));
        CHECK(kind == layers[i].kind);
        CHECK(lines[4 + i].find("(B, " + std::to_string(export_net::widths[i + 1]) + ")") != std::string::npos);
        CHECK_THAT(lines[4 + i], Catch::EndsWith(" " + std::to_string(layers[i].parameters())));
        if (!layers[i].activation.empty() && layers[i].activation != "identity")
            CHECK(lines[4 + i].find("(" + std::string(layers[i].activation) + ")") != std::string::npos);
        total += layers[i].parameters();
    }
    CHECK(lines[4 + layers.size() + 1] == "Total params: " + std::to_string(total));
    CHECK(lines[4 + layers.size() + 2] == "Trainable params: " + std::to_string(export_net::parameter_count));
    CHECK(lines[4 + layers.size() + 3] == "Non-trainable params: " + std::to_string(total - export_net::parameter_count));
    for (const auto& line : lines) CHECK(line.size() <= lines[1].size());
    CHECK(ctnn::summary(export_net(0)) == text);

    // Large counts are grouped by thousands.
    using mnist = ctnn::network<ctnn::input<784>, ctnn::dense<256, ctnn::relu>, ctnn::dense<10>>;
    const std::string big = ctnn::summary<mnist>();
    CHECK(big.find("Total params: 203,530\n") != std::string::npos);
    CHECK(mnist::parameter_count == 784 * 256 + 256 + 256 * 10 + 10);
    CHECK(203530 == mnist::parameter_count);
}

TEST_CASE("summary: a sequence network shows the time axis where it is kept", "[io][summary]") {
    using seq = ctnn::network<ctnn::sequence<8>, ctnn::lstm<16, ctnn::whole_sequence>, ctnn::rnn<4>, ctnn::dense<1>>;
    const std::string text = ctnn::summary<seq>();
    CHECK_THAT(text, Catch::Contains("input (B, T, 8), 3 layers"));
    CHECK_THAT(text, Catch::Contains("lstm                (B, T, 16)      1,664"));
    CHECK_THAT(text, Catch::Contains("rnn (tanh)          (B, 4)             88"));
    CHECK_THAT(text, Catch::Contains("Total params: " + std::to_string(seq::parameter_count).insert(1, ",")));
}

TEST_CASE("summary: an activation's settings where they are not the defaults, as a saved model records them",
          "[io][summary]") {
    using net = ctnn::network<ctnn::input<4>, ctnn::dense<8, ctnn::leaky_relu<std::ratio<1, 2>>>,
                              ctnn::dense<8, ctnn::leaky_relu<>>, ctnn::dense<1, ctnn::hardtanh<std::ratio<-2>, std::ratio<2>>>>;
    const std::string text = ctnn::summary<net>();
    CHECK_THAT(text, Catch::Contains(" 0  dense (leaky_relu(1/2))"));
    CHECK_THAT(text, Catch::Contains(" 1  dense (leaky_relu)     "));
    CHECK_THAT(text, Catch::Contains(" 2  dense (hardtanh(-2, 2))"));
}

TEST_CASE("summary: a block shows its inner layers, kind and activation each, as a saved model records them",
          "[io][summary]") {
    using blocks_net =
        ctnn::network<ctnn::input<6>, ctnn::residual<ctnn::dense<6, ctnn::relu>, ctnn::batch_norm<>>,
                      ctnn::concatenate<ctnn::branch<ctnn::batch_norm<>>, ctnn::branch<ctnn::dense<2>>>, ctnn::dense<1>>;
    const std::string text = ctnn::summary<blocks_net>();
    INFO(text);
    CHECK_THAT(text, Catch::Contains(" 0  residual [dense relu, batch_norm identity]         (B, 6)             66\n"));
    CHECK_THAT(text, Catch::Contains(" 1  concatenate [batch_norm identity][dense identity]  (B, 8)             38\n"));
    CHECK_THAT(text, Catch::Contains(" 2  dense                                              (B, 1)              9\n"));
}
