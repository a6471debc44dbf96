// Runtime dispatch for auto-vectorised loops: GCC builds one clone per listed target and
// an ifunc resolver picks the best the CPU supports on first call.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CUDDLE_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CUDDLE_MULTIVERSION
#endif
