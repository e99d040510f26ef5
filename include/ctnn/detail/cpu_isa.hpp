// Which vector instruction sets this process runs ctnn's hand-vectorized loops with (the
// products' kernels, tanh, transposes, norms): the CPU's widest, found once at run time, so
// that one binary uses AVX-512 or AVX2 where the CPU has them whatever flags it was built
// with. A function compiled for one carries a target attribute (CTNN_TARGET_AVX2,
// CTNN_TARGET_AVX512) and is called only when gemm_isa_in_use() allows it. The macros stay
// defined for the whole unit: a header sees them whatever was included before it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CTNN_GEMM_X86 1
#include <immintrin.h>
#endif

namespace ctnn::detail {

/// The instruction sets ctnn has kernels for, narrowest first (named for the products, the first
/// to have them).
enum class gemm_isa { portable, avx2, avx512 };

constexpr std::string_view gemm_isa_name(gemm_isa isa) noexcept {
    switch (isa) {
        case gemm_isa::avx512: return "avx512";
        case gemm_isa::avx2: return "avx2";
        default: return "portable";
    }
}

/// The widest kernel the CPU can run (AVX2 needs FMA too), capped by a CTNN_ISA setting
/// ("portable", "avx2", "avx512"), which lets one machine measure or test the narrower ones.
/// (A pure decision, tested per case.)
constexpr gemm_isa choose_gemm_isa(bool avx2_fma, bool avx512, std::string_view cap) noexcept {
    gemm_isa widest = avx512 && avx2_fma ? gemm_isa::avx512 : avx2_fma ? gemm_isa::avx2 : gemm_isa::portable;
    for (const gemm_isa isa : {gemm_isa::portable, gemm_isa::avx2})
        if (cap == gemm_isa_name(isa) && isa < widest) widest = isa;
    return widest;
}

/// Whether a CTNN_ISA setting names an instruction set ("" is no setting). Another value (`AVX2`,
/// `sse2`) caps nothing, and gemm_isa_in_use says so once: a comparison of two paths would
/// otherwise measure the widest against itself.
constexpr bool known_isa_setting(std::string_view cap) noexcept {
    return cap.empty() || cap == gemm_isa_name(gemm_isa::portable) || cap == gemm_isa_name(gemm_isa::avx2)
           || cap == gemm_isa_name(gemm_isa::avx512);
}

/// What the CPU runs of the kernels' instruction sets.
struct cpu_vectors {
    bool avx2_fma = false, avx512 = false;
};

inline cpu_vectors cpu_vectors_here() {
#if defined(CTNN_GEMM_X86)
    __builtin_cpu_init();
    return {__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), __builtin_cpu_supports("avx512f") != 0};
#else
    return {};
#endif
}

/// The kernels this process runs: the CPU's widest (CTNN_ISA may narrow it), decided once.
inline gemm_isa gemm_isa_in_use() {
    static const gemm_isa isa = [] {
        const char* cap = std::getenv("CTNN_ISA");
        const cpu_vectors cpu = cpu_vectors_here();
        const gemm_isa chosen = choose_gemm_isa(cpu.avx2_fma, cpu.avx512, cap ? cap : "");
        if (cap && !known_isa_setting(cap)) {
            const std::string_view name = gemm_isa_name(chosen);
            std::fprintf(stderr,
                         "ctnn: CTNN_ISA=%s is none of portable, avx2, avx512 (lower case) and narrows "
                         "nothing: ctnn's kernels run %.*s, the widest this CPU runs\n",
                         cap, int(name.size()), name.data());
        }
        return chosen;
    }();
    return isa;
}

/// Whether the CPU can run a given kernel (for the tests that compare every kernel it can).
inline bool cpu_runs(gemm_isa isa) {
    const cpu_vectors cpu = cpu_vectors_here();
    return isa <= choose_gemm_isa(cpu.avx2_fma, cpu.avx512, "");
}

#if defined(CTNN_GEMM_X86)
#define CTNN_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define CTNN_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
#endif

}  // namespace ctnn::detail
