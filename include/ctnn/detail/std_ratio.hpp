// Settings given as std::ratio template arguments (floating-point ones are not portable to
// clang 14): recognising one, and writing it as a saved model records it.
#pragma once

#include <cstdint>
#include <ratio>
#include <string>

namespace ctnn::detail {

template <class T>
inline constexpr bool is_std_ratio = false;
template <std::intmax_t Num, std::intmax_t Den>
inline constexpr bool is_std_ratio<std::ratio<Num, Den>> = true;

/// "1/2", "-3", in lowest terms.
template <class Ratio>
std::string ratio_string() {
    using reduced = typename Ratio::type;
    return std::to_string(reduced::num) + (reduced::den == 1 ? "" : "/" + std::to_string(reduced::den));
}

}  // namespace ctnn::detail
