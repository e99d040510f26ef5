// Which kernels OpenBLAS runs, and a warning when they are its generic ones on a CPU with wider
// vectors. OpenBLAS picks its kernels from the CPU it recognises at load time; Debian 12's
// 0.3.21 does not know every current CPU (an Intel Emerald Rapids among them) and falls back to
// its "Prescott" (SSE3) kernels there, several times slower (docs/benchmarks.md).
// OPENBLAS_CORETYPE, set before the program starts, overrides the choice. ctnn's own products do
// not depend on it (detail/gemm.hpp); OpenBLAS runs only the large products of a program that
// gave BLAS several threads (set_blas_threads), and the warning is said at the first of those.
#pragma once

#include <array>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "ctnn/detail/message.hpp"

extern "C" {
char* openblas_get_corename(void);
}

namespace ctnn {

/// The name of the kernels OpenBLAS runs (its `openblas_get_corename()`): "Haswell", "SkylakeX",
/// "Zen", ... or "Prescott" for its generic x86-64 ones.
inline std::string_view blas_core() {
    const char* name = openblas_get_corename();
    return name ? std::string_view(name) : std::string_view();
}

namespace detail {

/// How wide the vectors of OpenBLAS's kernels of that name are: 2 for AVX-512 ones, 1 for AVX2
/// ones, 0 for the rest (its generic kernels among them). A DYNAMIC_ARCH build names its kernels
/// "Haswell", a build for one target "HASWELL": letters are compared without case.
constexpr int blas_core_width(std::string_view core) noexcept {
    constexpr std::array<std::string_view, 3> avx512_cores{"SkylakeX", "Cooperlake", "SapphireRapids"};
    constexpr std::array<std::string_view, 3> avx2_cores{"Haswell", "Zen", "Excavator"};
    const auto same_letters = [](std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
        return true;
    };
    for (const auto c : avx512_cores)
        if (same_letters(core, c)) return 2;
    for (const auto c : avx2_cores)
        if (same_letters(core, c)) return 1;
    return 0;
}

/// The warning for OpenBLAS kernels narrower than the CPU's vectors (`avx2`, `avx512`: what the
/// CPU supports), or an empty message: its generic kernels on a CPU with AVX2 or AVX-512, or its
/// AVX2 kernels on a CPU with AVX-512 (as OPENBLAS_CORETYPE=Haswell in the environment makes it).
/// Only a program that gives BLAS several threads can suffer, in its large products: narrower
/// than ctnn's own kernels, they stay on those, on one thread (`kept`); as wide (CTNN_ISA
/// narrowed ctnn's), OpenBLAS runs them slower than the CPU could.
inline message generic_blas_warning(std::string_view core, bool avx2, bool avx512, bool kept) {
    message none{};
    if (!avx2 && !avx512) return none;
    const int width = blas_core_width(core);
    if (width == 2 || (width == 1 && !avx512)) return none;
    const char* cost = kept ? "so ctnn keeps its large products on its own kernels, on one thread: the BLAS "
                              "threads set_blas_threads asked for are not used"
                            : "and the large products ctnn gives it (on several BLAS threads) run slower than "
                              "they could (docs/benchmarks.md)";
    if (width == 1)
        return format_message("ctnn: OpenBLAS runs its '%.*s' (AVX2) kernels on a CPU with AVX-512, %s. Start the "
                              "program with OPENBLAS_CORETYPE=SkylakeX to use its AVX-512 kernels "
                              "(CTNN_BLAS_WARNING=0 silences this).\n",
                              int(core.size()), core.data(), cost);
    const char* isa = avx512 ? "AVX-512" : "AVX2";
    const char* suggested = avx512 ? "SkylakeX" : "Haswell";
    return format_message("ctnn: OpenBLAS runs its '%.*s' kernels on a CPU with %s (it does not recognise this "
                          "CPU), %s. Start the program with OPENBLAS_CORETYPE=%s to use its %s kernels "
                          "(CTNN_BLAS_WARNING=0 silences this).\n",
                          int(core.size()), core.data(), isa, cost, suggested, suggested);
}

/// Writes generic_blas_warning on stderr, once per process, unless CTNN_BLAS_WARNING=0.
inline void warn_once_if_generic_blas(bool kept) {
    [[maybe_unused]] static const bool said = [kept] {
        const char* setting = std::getenv("CTNN_BLAS_WARNING");
        if (setting && std::string_view(setting) == "0") return false;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        const message warning =
            generic_blas_warning(blas_core(), __builtin_cpu_supports("avx2"), __builtin_cpu_supports("avx512f"), kept);
        if (warning.text[0] != '\0') std::fputs(warning.c_str(), stderr);
        return warning.text[0] != '\0';
#else
        (void)kept;
        return false;
#endif
    }();
}

}  // namespace detail
}  // namespace ctnn
