// summary<Net>(): a Keras-like table of a network type (layer, output shape, parameters, totals),
// formatted from layer_summary::of<Net>(), which the compiler computes.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ctnn/core/shape.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/io/layer_summary.hpp"

namespace ctnn {

namespace detail {
/// A batch of `s`, as PyTorch prints a tensor's size: (B, 5), (B, T, 5) or (B, 3, 28, 28).
inline std::string batch_shape_text(shape s) {
    if (s.is_image())
        return "(B, " + std::to_string(s.channels) + ", " + std::to_string(s.height) + ", " + std::to_string(s.width)
               + ")";
    return (s.is_sequence() ? "(B, T, " : "(B, ") + std::to_string(s.size()) + ")";
}

/// 1234567 -> "1,234,567".
inline std::string grouped(std::size_t n) {
    const std::string digits = std::to_string(n);
    std::string out;  // built forwards (an insert in place trips GCC's -Wrestrict, bug 105329)
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}
}  // namespace detail

/// The table, one row per layer, then the totals; every number comes from the type:
///
///     Network: float32, input (B, 10), 2 layers
///     _____________________________________________
///      #  Layer (activation)  Output Shape  Param #
///     =============================================
///      0  dense (relu)        (B, 5)             55
///      1  dense               (B, 1)              6
///     =============================================
///     Total params: 61
///     Trainable params: 61
///     Non-trainable params: 0
///     _____________________________________________
template <class Net>
std::string summary() {
    constexpr auto layers = layer_summary::of<Net>();
    const auto activations = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<std::string, Net::depth>{detail::saved_activation<typename Net::template layer_type<I>>()...};
    }(std::make_index_sequence<Net::depth>{});
    using row = std::array<std::string, 4>;  // index, layer, output shape, parameters
    std::vector<row> rows{{"#", "Layer (activation)", "Output Shape", "Param #"}};
    std::size_t trainable = 0, non_trainable = 0;
    for (const layer_summary& l : layers) {
        std::string name(l.kind);
        const std::string& activation = activations[l.index];
        // a block: its inner layers, kind and activation each, as a saved model records them
        if (activation.starts_with('['))
            name.append(1, ' ').append(activation);
        else if (!activation.empty() && activation != "identity")
            name.append(" (").append(activation).append(")");
        rows.push_back({std::to_string(l.index), name, detail::batch_shape_text(Net::shapes[l.index + 1]),
                        detail::grouped(l.parameters())});
        trainable += l.trainable;
        non_trainable += l.non_trainable;
    }
    std::array<std::size_t, 4> width{};
    for (const row& r : rows)
        for (std::size_t c = 0; c < 4; ++c) width[c] = std::max(width[c], r[c].size());
    // Numbers right-aligned, text left-aligned, two spaces between columns.
    // (appended, not `" " + text`: GCC's -Wrestrict, bug 105329, would fire in users' builds)
    const auto line = [&](const row& r) {
        const auto pad = [&](std::size_t c) { return width[c] - r[c].size(); };
        std::string text(1, ' ');
        text.append(pad(0), ' ').append(r[0]).append(2, ' ').append(r[1]).append(pad(1), ' ');
        text.append(2, ' ').append(r[2]).append(pad(2), ' ').append(2, ' ').append(pad(3), ' ').append(r[3]);
        return text + '\n';
    };
    const std::size_t rule = line(rows.front()).size() - 1;

    std::string out = "Network: " + std::string(detail::dtype_name<typename Net::scalar>()) + ", input "
                      + detail::batch_shape_text(Net::shapes.front()) + ", " + std::to_string(Net::depth)
                      + (Net::depth == 1 ? " layer\n" : " layers\n");
    out += std::string(rule, '_') + "\n" + line(rows.front()) + std::string(rule, '=') + "\n";
    for (std::size_t i = 1; i < rows.size(); ++i) out += line(rows[i]);
    out += std::string(rule, '=') + "\n";
    out += "Total params: " + detail::grouped(trainable + non_trainable) + "\n";
    out += "Trainable params: " + detail::grouped(trainable) + "\n";
    out += "Non-trainable params: " + detail::grouped(non_trainable) + "\n";
    out += std::string(rule, '_') + "\n";
    return out;
}

/// The same table for the type of `net`.
template <class Net>
std::string summary(const Net&) {
    return summary<Net>();
}

}  // namespace ctnn
