// A number as a message shows a setting or a value: the shortest text that reads back as it
// (1.5, 1e-07, -3, nan), where std::to_string's fixed six decimals print -1e-07 as -0.000000.
#pragma once

#include <charconv>
#include <string>

namespace ctnn::detail {

inline std::string number_string(double v) {
    char buffer[32];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, r.ptr);
}

}  // namespace ctnn::detail
