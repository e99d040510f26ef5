// The one place ctnn includes xtensor from: the C++20 compat fix must precede every use.
#pragma once

#include "ctnn/detail/xtensor_compat.hpp"

#include <xtensor/xadapt.hpp>
#include <xtensor/xfixed.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

namespace ctnn {
/// A rank-N tensor of scalars, row-major: ctnn's storage type for data, parameters and buffers.
template <class T, std::size_t N>
using tensor = xt::xtensor<T, N>;
}  // namespace ctnn
