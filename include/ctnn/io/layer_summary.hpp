// layer_summary::of<Net>(): what summary() prints, as a constexpr array computed from the
// network's type alone (no network is built).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

#include "ctnn/detail/network_visit.hpp"

namespace ctnn {

/// One layer of a network type: its position, kind, activation, widths and element counts.
struct layer_summary {
    std::size_t index = 0;
    std::string_view kind;
    std::string_view activation;  // empty for a layer without one
    std::size_t input_width = 0;
    std::size_t output_width = 0;
    /// Trained elements (weights and biases).
    std::size_t trainable = 0;
    /// Saved but not trained elements (batch_norm's running mean and variance).
    std::size_t non_trainable = 0;

    constexpr std::size_t parameters() const noexcept { return trainable + non_trainable; }

    /// Every layer of `Net`, in order.
    template <class Net>
    static constexpr std::array<layer_summary, Net::depth> of() {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::array<layer_summary, Net::depth>{describe<typename Net::template layer_type<I>>(I)...};
        }(std::make_index_sequence<Net::depth>{});
    }

private:
    template <class Layer>
    static constexpr layer_summary describe(std::size_t index) {
        return {index,
                detail::layer_kind<Layer>(),
                detail::activation_name<Layer>(),
                Layer::input_width,
                Layer::output_width,
                Layer::parameter_count,
                detail::buffer_count_of<Layer>()};
    }
};

}  // namespace ctnn
