// libFuzzer target for the model loader: any input must either load or throw ctnn::format_error,
// never read out of bounds (ASan), never hit undefined behaviour (UBSan), and a failed load must
// leave the network and trainer exactly as they were. Built and run by RunFuzzer.cmake.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <type_traits>
#include <vector>

#include <ctnn/detail/crc32.hpp>
#include <ctnn/detail/model_file.hpp>

#include "fuzz/fuzz_networks.hpp"

namespace {

/// The bytes of everything a load may write: compared bitwise, since a load that succeeded
/// earlier may have put NaNs in there.
template <class Net, class Trainer>
std::vector<std::uint8_t> snapshot(const Net& net, const Trainer* trainer) {
    std::vector<std::uint8_t> all;
    const auto add = [&](const auto* data, std::size_t count) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
        all.insert(all.end(), bytes, bytes + count * sizeof(*data));
    };
    if constexpr (!std::is_void_v<Trainer>) {
        for (const auto& state : trainer->optimizer_state()) {
            for (const auto& b : state.buffers) {
                const std::size_t size = b.size();
                add(&size, 1);
                add(b.data(), b.size());
            }
            add(&state.steps, 1);
            add(&state.product, 1);
        }
    }
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

/// Loads `bytes` into `net` (and `trainer` unless null); aborts on anything but success or a
/// format_error that left everything untouched.
template <class Net, class Trainer>
void try_load(std::span<const std::uint8_t> bytes, Net& net, Trainer* trainer) {
    const auto before = snapshot(net, trainer);
    std::uint64_t lr = 0;
    if constexpr (!std::is_void_v<Trainer>) lr = std::bit_cast<std::uint64_t>(trainer->optimizer().lr);
    try {
        ctnn::detail::model_file::load(bytes, "ctnn: load 'fuzz'", net, trainer);
    } catch (const ctnn::format_error&) {
        bool unchanged = snapshot(net, trainer) == before;
        if constexpr (!std::is_void_v<Trainer>) unchanged = unchanged && std::bit_cast<std::uint64_t>(trainer->optimizer().lr) == lr;
        if (!unchanged) {
            std::fputs("a failed load changed the network\n", stderr);
            std::abort();
        }
    }
}

void load_everywhere(std::span<const std::uint8_t> bytes) {
    static ctnn_fuzz::mixed_net mixed(1);
    static ctnn_fuzz::mixed_trainer mixed_trainer{mixed, {}, {.lr = 0.01, .amsgrad = true}};
    static ctnn_fuzz::small_net small(2);
    static ctnn_fuzz::small_trainer small_trainer{small, {}, {.lr = 0.1, .momentum = 0.9}};
    try_load(bytes, mixed, static_cast<void*>(nullptr));
    try_load(bytes, mixed, &mixed_trainer);
    try_load(bytes, small, static_cast<void*>(nullptr));
    try_load(bytes, small, &small_trainer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    load_everywhere({data, size});
    // Again with the checksum made valid, so that mutations reach the parser behind it.
    if (size >= ctnn::detail::model_file::header_size) {
        std::vector<std::uint8_t> fixed(data, data + size);
        const std::uint32_t crc = ctnn::detail::crc32(fixed.data() + 24, fixed.size() - 24);
        for (std::size_t i = 0; i < 4; ++i) fixed[20 + i] = std::uint8_t(crc >> (8 * i));
        load_everywhere(fixed);
    }
    return 0;
}
