/*===-- InProcessCompiler.h - The in-process clang module's C ABI ---------===*/
/*
 * Private to the CPU runtime. libEnigmaHostCC.so (lib/Runtime/CPU/InProcess) compiles a kernel
 * with clang's libraries inside the calling process instead of running the host compiler; the
 * runtime (HostCompiler.c) dlopens it lazily and looks these symbols up. The module links
 * libclang-cpp and libLLVM dynamically, so it is built only for a development/system build
 * against a shared LLVM (never for the static wheel: a second LLVM in the process).
 *
 * The ABI is C so that the runtime stays C and needs no C++ runtime.
 */

#ifndef ENIGMA_RUNTIME_CPU_INPROCESSCOMPILER_H
#define ENIGMA_RUNTIME_CPU_INPROCESSCOMPILER_H

#ifdef __cplusplus
extern "C" {
#endif

/// Bumped when the functions below change; the runtime refuses a module with another version.
#define ENIGMA_HOSTCC_ABI_VERSION 1u

/// Results of enigma_hostcc_compile.
enum {
  /// The object file was written.
  ENIGMA_HOSTCC_OK = 0,
  /// clang reported errors (driver or frontend); the diagnostics are in *output.
  ENIGMA_HOSTCC_ERROR = 1,
  /// clang crashed or hit a fatal error; caught, *output says so (and holds what was printed).
  ENIGMA_HOSTCC_CRASH = 2,
  /// The command is not a single compile job this module runs (e.g. it needs a link or
  /// several jobs): nothing was done, the caller runs the compiler process instead.
  ENIGMA_HOSTCC_UNSUPPORTED = 3,
};

/// ENIGMA_HOSTCC_ABI_VERSION of the module.
typedef unsigned (*EnigmaHostCCAbiVersionFn)(void);
/// The LLVM/clang major version the module was built against (22).
typedef unsigned (*EnigmaHostCCMajorFn)(void);
/// Compiles the clang driver command line `argv` (NULL-terminated; argv[0] is the path of the
/// clang the command names, e.g. /usr/bin/clang++-22, which decides the driver mode and where
/// the resource directory and GCC installation are found) in this process: the same cc1
/// invocation the driver would run, without -disable-free, under llvm::CrashRecoveryContext.
/// Diagnostics are printed to *output as the compiler process prints them to stderr (malloc'ed,
/// NUL-terminated, free() it; may be NULL when empty). Serialised by a mutex: callable from
/// any thread.
typedef int (*EnigmaHostCCCompileFn)(const char *const *argv, char **output);
typedef int (*EnigmaHostCCLinkFn)(const char *const *argv, char **output);

#define ENIGMA_HOSTCC_ABI_VERSION_SYMBOL "enigma_hostcc_abi_version"
#define ENIGMA_HOSTCC_MAJOR_SYMBOL "enigma_hostcc_llvm_major"
#define ENIGMA_HOSTCC_COMPILE_SYMBOL "enigma_hostcc_compile"
/// Optional (a module built without lld's archives lacks it, or answers UNSUPPORTED): links
/// with lld's ELF driver, argv as for ld.lld (argv[0] is a name only); statuses as a compile.
#define ENIGMA_HOSTCC_LINK_SYMBOL "enigma_hostcc_link"

#ifdef __cplusplus
}
#endif

#endif /* ENIGMA_RUNTIME_CPU_INPROCESSCOMPILER_H */
