// Run-time checks of user data against the network's widths. Messages give expected and actual.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "ctnn/core/errors.hpp"
#include "ctnn/core/padded_sequences.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/message.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// Data ctnn reads in place: a row-major xtensor container (xtensor, xarray, xtensor_fixed, or
/// an adaptor over your own memory) of the network's scalar type. Evaluate views first.
template <class X, class T>
concept matrix_of = std::is_same_v<typename X::value_type, T>
                    && std::derived_from<X, xt::xcontainer<X>>;

namespace detail {

template <class X>
struct data_scalar_of {
    using type = void;
};
template <class X>
    requires requires { typename X::value_type; }
struct data_scalar_of<X> {
    using type = typename X::value_type;
};

/// diagnostics::check_data_type for data of type X given to a network of scalar T (for
/// padded_sequences, the tensor it holds).
template <class T, class X>
constexpr bool check_data_type() {
    using D = data_type_of<X>;
    return diagnostics::check_data_type<T, D, typename data_scalar_of<D>::type,
                                        std::derived_from<D, xt::xcontainer<D>>>();
}

/// True where check_data_type passes: an entry point goes on only then, so that refused data is
/// one error, not that error and a "no matching function" from the body after it.
template <class X, class T>
inline constexpr bool network_data = matrix_of<data_type_of<X>, T>;

inline std::string shape_string(const auto& shape) {
    return shape_text(shape).c_str();
}

/// Throws shape_error unless x is a row-major (rows, width) matrix; returns rows. The messages are
/// formatted by detail::format_message, not std::string (see there: compile time).
template <class X>
std::size_t check_matrix(const X& x, std::size_t width, std::string_view where,
                         std::string_view name) {
    auto fail = [&](const char* why) {
        throw shape_error(format_message("ctnn: %.*s: %.*s has shape %s, expected (rows, %zu)%s", int(where.size()),
                                         where.data(), int(name.size()), name.data(), shape_text(x.shape()).c_str(),
                                         width, why)
                              .c_str());
    };
    if (x.dimension() != 2) fail("");
    if (x.shape()[1] != width) fail("");
    if (x.layout() != xt::layout_type::row_major) fail(" in row-major layout");
    return x.shape()[0];
}

/// Throws shape_error unless x holds rows of samples of shape `sample`: (rows, width) for
/// features; for an image<C, H, W>, (rows, C, H, W) or the same memory as (rows, C·H·W).
template <class X>
std::size_t check_samples(const X& x, shape sample, std::string_view where, std::string_view name) {
    if (!sample.is_image()) return check_matrix(x, sample.size(), where, name);
    // an image's message names both forms, whatever the rank given
    const auto& s = x.shape();
    const bool nchw = x.dimension() == 4 && s[1] == sample.channels && s[2] == sample.height && s[3] == sample.width;
    const bool rows = x.dimension() == 2 && s[1] == sample.size();
    if (!nchw && !rows)
        throw shape_error(format_message("ctnn: %.*s: %.*s has shape %s, expected (rows, %zu, %zu, %zu) row-major "
                                         "or (rows, %zu)",
                                         int(where.size()), where.data(), int(name.size()), name.data(),
                                         shape_text(s).c_str(), sample.channels, sample.height, sample.width,
                                         sample.size())
                              .c_str());
    if (x.layout() != xt::layout_type::row_major)  // the right shape in another layout: the layout is what is wrong
        throw shape_error(format_message("ctnn: %.*s: %.*s has shape %s but is not row-major: expected (rows, %zu, "
                                         "%zu, %zu) or (rows, %zu) in row-major layout",
                                         int(where.size()), where.data(), int(name.size()), name.data(),
                                         shape_text(s).c_str(), sample.channels, sample.height, sample.width,
                                         sample.size())
                              .c_str());
    return s[0];
}

struct sequence_extent {
    std::size_t rows;   // sequences (B)
    std::size_t steps;  // time steps (T)
};

/// Throws shape_error unless x is a row-major (rows, steps, width) tensor with steps ≥ 1.
template <class X>
sequence_extent check_sequences(const X& x, std::size_t width, std::string_view where,
                                std::string_view name) {
    auto fail = [&](const char* why) {
        throw shape_error(format_message("ctnn: %.*s: %.*s has shape %s, expected (batch, steps, %zu)%s",
                                         int(where.size()), where.data(), int(name.size()), name.data(),
                                         shape_text(x.shape()).c_str(), width, why)
                              .c_str());
    };
    if (x.dimension() != 3)
        fail(name == "y" ? ": a network that returns every step takes a target per step"
                         : ": a sequence network reads (batch, steps, features)");
    if (x.shape()[2] != width) fail("");
    if (x.shape()[1] == 0) fail(": a sequence needs at least one step");
    if (x.layout() != xt::layout_type::row_major) fail(" in row-major layout");
    return {x.shape()[0], x.shape()[1]};
}

/// Throws shape_error unless y has `rows` rows (the same count as x).
template <class Y>
void check_rows(const Y& y, std::size_t rows, std::string_view where, std::string_view name) {
    if (y.shape()[0] != rows)
        throw shape_error(format_message("ctnn: %.*s: %.*s has %zu rows but x has %zu; every sample needs a target",
                                         int(where.size()), where.data(), int(name.size()), name.data(),
                                         std::size_t(y.shape()[0]), rows)
                              .c_str());
}

}  // namespace detail
}  // namespace ctnn
