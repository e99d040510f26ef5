// The first entry of a network that reads images.
#pragma once

#include <cstddef>

#include "ctnn/core/shape.hpp"

namespace ctnn {

/// `image<C, H, W>`: the network reads images of C channels of H×W pixels. A batch is PyTorch's
/// NCHW, row-major: a (B, C, H, W) tensor, or the same memory as (B, C·H·W) rows.
template <std::size_t Channels, std::size_t Height, std::size_t Width>
struct image {
    static constexpr ctnn::shape input_shape = image_shape(Channels, Height, Width);
};

}  // namespace ctnn
