#pragma once

// QS_SIMD_CLONES before a function builds it also for AVX2 and AVX-512, chosen at load time by the CPU (the release
// build targets plain x86-64, whose SSE2 leaves loops such as a fake quantization 15x slower than AVX2 does). Not
// under ThreadSanitizer: the dynamic loader runs the variant resolver before the sanitizer's runtime is up, and the
// instrumented resolver crashes. Not with clang (the fuzz build), whose target_clones needs a newer glibc resolver.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
#define QS_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define QS_SIMD_CLONES
#endif
