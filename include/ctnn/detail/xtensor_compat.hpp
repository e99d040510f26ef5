// Work-around for a g++ / C++20 bug in xtensor 0.24.3 (fixed upstream in 0.26, PR #2833).
//
// xtensor picks the temporary type of an expression from its shape type. It declares the
// partial specialisation that maps `svector<X, N, A, Init>` (a dynamic shape) to `xarray` only
// `#if __cplusplus == 201703L`. Under C++20, g++'s relaxed template-template matching (P0522)
// then lets `svector<X, 4, A, Init>` match `S<X, N>` and the temporary becomes an
// `xtensor<T, 4>`: evaluating `xarray + xarray`, `pad`, `tile` or an immediate reduction aborts.
// Re-declaring the specialisation restores xtensor's intended behaviour. clang is unaffected.
#pragma once

#include <xtensor/xtensor_config.hpp>
#include <xtensor/xexpression_traits.hpp>
#include <xtensor/xtensor_forward.hpp>

#if defined(__GNUC__) && !defined(__clang__) && (__cplusplus > 201703L) \
    && (XTENSOR_VERSION_MAJOR == 0) && (XTENSOR_VERSION_MINOR < 26)
#define CTNN_XTENSOR_CXX20_COMPAT 1
namespace xt::detail {
template <template <class, std::size_t, class, bool> class S, class X, std::size_t N, class A,
          bool Init>
struct xtype_for_shape<S<X, N, A, Init>> {
    template <class T, layout_type L>
    using type = xarray<T, L>;
};
}  // namespace xt::detail
#else
#define CTNN_XTENSOR_CXX20_COMPAT 0
#endif
