// Error messages formatted into a fixed buffer by snprintf, for the checks every training unit
// compiles (data shapes, optimizer settings, refused steps). std::string concatenation there was
// a sixth of the seed example's generated code: in C++20, libstdc++ 12 declares no explicit
// instantiations of std::string, so every member a unit uses is compiled in that unit (W5).
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdio>

namespace ctnn::detail {

struct message {
    char text[480];
    const char* c_str() const noexcept { return text; }
};

/// printf-style; a message longer than the buffer is cut short.
[[gnu::format(printf, 1, 2)]] inline message format_message(const char* format, ...) {
    message m;
    std::va_list args;
    va_start(args, format);
    std::vsnprintf(m.text, sizeof m.text, format, args);
    va_end(args);
    return m;
}

/// A value as a message's %g prints it: NaN without the sign x86 gives the NaN of an invalid
/// operation ("nan", not "-nan").
inline double message_number(double v) noexcept { return v != v ? __builtin_fabs(v) : v; }

/// "(2, 3, 4)": a tensor shape as the messages print it.
template <class Shape>
message shape_text(const Shape& shape) {
    message m;
    std::size_t used = 0;
    m.text[0] = '\0';
    for (std::size_t i = 0; i < shape.size() && used < sizeof m.text; ++i)
        used += std::size_t(std::snprintf(m.text + used, sizeof m.text - used, "%s%zu", i ? ", " : "(",
                                          std::size_t(shape[i])));
    if (used < sizeof m.text) std::snprintf(m.text + used, sizeof m.text - used, shape.size() ? ")" : "()");
    return m;
}

}  // namespace ctnn::detail
