// shape: what flows between two layers of a network, for one sample: F features, a sequence of
// F features per time step (its length T chosen at run time), or an image of C channels of H×W.
// The network computes every position's shape at compile time and binds each layer to the shape
// before it (bind<T, I, shape>), so a layer that needs images, or features, can say so there.
#pragma once

#include <cstddef>

namespace ctnn {

enum class shape_kind : unsigned char { features, sequence, image };

/// A structural type, so that it can be a template argument. Features and sequences keep their
/// width in `channels` (height = width = 1); size() is what one sample (or one time step) holds,
/// the rows of the feature-major (size, columns) block that passes between layers. An image's
/// rows are in PyTorch's C, H, W order, so flattening it moves nothing.
struct shape {
    shape_kind kind = shape_kind::features;
    std::size_t channels = 0;
    std::size_t height = 1;
    std::size_t width = 1;

    constexpr std::size_t size() const noexcept { return channels * height * width; }
    constexpr bool is_sequence() const noexcept { return kind == shape_kind::sequence; }
    constexpr bool is_image() const noexcept { return kind == shape_kind::image; }
    friend constexpr bool operator==(const shape&, const shape&) = default;
};

constexpr shape features_shape(std::size_t features) noexcept { return {shape_kind::features, features, 1, 1}; }
constexpr shape sequence_shape(std::size_t features) noexcept { return {shape_kind::sequence, features, 1, 1}; }
constexpr shape image_shape(std::size_t channels, std::size_t height, std::size_t width) noexcept {
    return {shape_kind::image, channels, height, width};
}

/// `features` per sample, on the time axis if `in` has one: what a layer that maps each row
/// (dense, a per-step layer) makes of its input. An image becomes plain features.
constexpr shape rows_of(shape in, std::size_t features) noexcept {
    return in.is_sequence() ? sequence_shape(features) : features_shape(features);
}

}  // namespace ctnn
