// Which kernels ctnn's matrix products run, chosen once per process from the CPU's features.
#pragma once

#include <string_view>

#include "ctnn/detail/gemm.hpp"

namespace ctnn {

/// The instruction set of ctnn's matrix-product kernels in this process: "avx512", "avx2" (with
/// FMA) or "portable" (the vectors the program was compiled for). The widest the CPU has, unless
/// the environment variable CTNN_ISA names a narrower one (to measure or test it).
inline std::string_view product_kernels() { return detail::gemm_isa_name(detail::gemm_isa_in_use()); }

}  // namespace ctnn
