// libFuzzer target for load_npz (the zip reader, the .npy parser, the checks against the
// network): any input must either load or throw ctnn::format_error, never read out of bounds
// (ASan), never hit undefined behaviour (UBSan), and a failed load must leave the network
// exactly as it was. The .npy parser is also fed the input directly, since an archive's CRC-32
// keeps most mutations from reaching it. Seeds: torch's archives from tests/fixtures/npz.
// Built and run by RunFuzzer.cmake.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include <ctnn/activations/relu.hpp>
#include <ctnn/activations/tanh.hpp>
#include <ctnn/core/network.hpp>
#include <ctnn/io/load_npz.hpp>
#include <ctnn/layers/batch_norm.hpp>
#include <ctnn/layers/dense.hpp>

namespace {

using mlp = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<6, ctnn::tanh>, ctnn::dense<3>>;
using mlp_f32 = ctnn::basic_network<float, ctnn::input<4>, ctnn::dense<6, ctnn::tanh>, ctnn::dense<3>>;
using bn_net = ctnn::basic_network<double, ctnn::input<4>, ctnn::dense<5>, ctnn::batch_norm<ctnn::relu>, ctnn::dense<2>>;

/// The bytes of everything a load may write, compared bitwise (a load that succeeded earlier
/// may have put NaNs there).
template <class Net>
std::vector<std::uint8_t> snapshot(const Net& net) {
    std::vector<std::uint8_t> all;
    const auto add = [&](const auto* data, std::size_t count) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
        all.insert(all.end(), bytes, bytes + count * sizeof(*data));
    };
    net.for_each_layer([&](const auto& layer) {
        layer.for_each_parameter([&](const auto& p) { add(p.value.data(), p.value.size()); });
        if constexpr (requires { layer.running_mean; }) {
            add(layer.running_mean.data(), layer.running_mean.size());
            add(layer.running_var.data(), layer.running_var.size());
            add(&layer.batches_tracked, 1);
        }
    });
    return all;
}

template <class Net>
void try_load(std::span<const std::uint8_t> bytes, Net& net, const ctnn::npz_options& options) {
    const auto before = snapshot(net);
    try {
        ctnn::detail::load_npz_archive(bytes, "ctnn: load_npz 'fuzz'", net, options);
    } catch (const ctnn::format_error&) {
        if (snapshot(net) != before) {
            std::fputs("a failed load_npz changed the network\n", stderr);
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static mlp doubles(1);
    static mlp_f32 floats(2);
    static bn_net normalized(3);
    const std::span<const std::uint8_t> bytes(data, size);
    try_load(bytes, doubles, {.modules = {"0", "2"}});
    try_load(bytes, floats, {.modules = {"0", "2"}, .strict = false});
    try_load(bytes, normalized, {.modules = {"0", "1", "3"}});
    try {
        const auto array = ctnn::detail::parse_npy(bytes, "fuzz");
        // every element the parser vouches for is readable
        double sum = 0.0;
        for (const double v : array.values<double>("fuzz")) sum += v;
        if (sum == 1.2345e300) std::fputs("", stderr);  // keeps the reads
    } catch (const ctnn::format_error&) {
    }
    return 0;
}
