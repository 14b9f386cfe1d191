/*===-- HostCompiler.c - Compiling MSL with the host C++ compiler, caching ===*/
/*
 * A kernel is compiled from two files in a scratch directory:
 *
 *   <kernel>.metal  the MSL text, with Metal's literal types spelled for the
 *                   host compiler (SourceRewrite.c; lines and columns kept);
 *   launch.cpp      generated: includes <metal_stdlib> and the .metal file,
 *                   then defines enigma_cpu_run, which walks a threadgroup's
 *                   threads and calls the kernel with its arguments and
 *                   builtins (types deduced from the kernel function, so the
 *                   launcher never spells an MSL type).
 *
 * The compiler gets -I <cache>/cpu-<abi>/include-<hash>, where the
 * Metal-compatibility header embedded in this library is written once: an
 * installed libEnigmaCAPI.so needs no header files beside it.
 *
 * The resulting .so lands in <cache>/cpu-<abi>/kernels/<key>.so, where key is
 * the SHA-256 of the MSL text, the kernel name, the header version, the
 * compiler (resolved path, size, mtime, inode), the flags and the bounds
 * checking (with the plugin's identity). Files appear by rename, so
 * concurrent processes never see a partial one.
 *
 * The kernels directory is kept under ENIGMA_CACHE_MAX_MB (default 1024): after
 * each compile, the least recently used kernels (a cache hit touches its file)
 * are deleted while it is over the limit.
 *
 * Exact bounds checking adds -fpass-plugin=<EnigmaBoundsCheck.so>: the LLVM
 * pass (lib/Runtime/BoundsCheck) that instruments every access that may touch
 * a buffer. The plugin is found beside libEnigmaCAPI.so (or through
 * ENIGMA_CPU_BOUNDS_PLUGIN) and is only usable by the clang whose LLVM it was
 * built against (ENIGMA_CPU_PLUGIN_CLANG, resolved through symlinks).
 *
 * With clang of the LLVM major version libEnigmaHostCC.so was built for (22), the kernel's
 * compile command is run in this process by that module (InProcess/HostCC.cpp, loaded lazily
 * from beside libEnigmaCAPI.so): the same driver arguments, so the same cc1 job, PCH and plugin,
 * without the 20 ms start of a compiler process. ENIGMA_CPU_IN_PROCESS=0 turns it off; without
 * the module, with g++ or another clang, everything runs as processes.
 */

#define _GNU_SOURCE
#include "CpuRuntime.h"
#include "InProcessCompiler.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define STR2(x) #x
#define STR(x) STR2(x)
#define MAX_COMPILER_OUTPUT ((size_t)64 << 10)

// -fno-unroll-loops: clang's -O2 unrolling of a coarsened kernel's scalar tail loop made the
// vector fast path of vec_width=4 kernels 2x slower than the scalar kernel (bench/vectorize.py).
// -O3 fixes that too but makes the simdgroup-matrix GEMM 2x slower; this flag changes neither
// scalar kernels nor the GEMMs (docs/performance.md).
static const char *const kBaseFlags[] = {
    "-std=c++17", "-O2", "-fno-unroll-loops", "-fPIC", "-shared", "-w", "-fno-exceptions",
    "-fno-rtti",
    // Metal has no errno; without this sqrt() and friends stay libm calls.
    "-fno-math-errno", "-fvisibility=hidden",
    // a * b + c may become an FMA only within one expression: clang's default, and what g++
    // (whose default contracts across statements) does with "on" too, so results do not
    // depend on the host compiler.
    "-ffp-contract=on",
    // Metal's char is signed; plain char is unsigned on some hosts (ARM Linux).
    "-fsigned-char",
    // Large stack frames probe every page, so a thread that overflows its
    // fiber stack hits the guard page instead of a neighbour's stack.
    "-fstack-clash-protection"};
#define NUM_BASE_FLAGS (sizeof(kBaseFlags) / sizeof(kBaseFlags[0]))
/// Real address spaces (see realAddressSpaces): these replace -std=c++17.
static const char *const kRealAddressSpaceFlags[] = {"-cl-std=clc++2021", "-cl-no-stdinc"};

/// The instruction set kernels are compiled for. On an x86-64 CPU with AVX2
/// and FMA (x86-64-v3, nearly every one since 2013), Metal's fma() becomes an
/// instruction instead of a libm call and half conversions use F16C: 1.5x on
/// barrier-heavy kernels. Not -march=native, which was slower here (AVX-512)
/// and would tie cached kernels to one CPU model. The flag is part of the
/// cache key, and the user's ENIGMA_CPU_CXXFLAGS come after it (so a -march
/// there wins).
static const char *archFlag(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v3"))
    return "-march=x86-64-v3";
#endif
  return NULL;
}

/*===-- Header version ----------------------------------------------------===*/

static char gHeaderVersion[64];
static pthread_once_t gHeaderOnce = PTHREAD_ONCE_INIT;

static void computeHeaderVersion(void) {
  EnigmaCpuSha256 h;
  enigmaCpuSha256Init(&h);
  for (size_t i = 0; i < enigmaCpuNumEmbeddedHeaders; ++i) {
    const EnigmaCpuEmbeddedFile *f = &enigmaCpuEmbeddedHeaders[i];
    enigmaCpuSha256Update(&h, f->name, strlen(f->name) + 1);
    enigmaCpuSha256Update(&h, f->text, f->size);
  }
  char hex[65];
  enigmaCpuSha256FinalHex(&h, hex);
  snprintf(gHeaderVersion, sizeof(gHeaderVersion), "%u.%.16s", (unsigned)ENIGMA_CPU_ABI_VERSION,
           hex);
}

const char *enigmaCpuHeaderVersion(void) {
  pthread_once(&gHeaderOnce, computeHeaderVersion);
  return gHeaderVersion;
}

/*===-- Files -------------------------------------------------------------===*/

static bool mkdirs(const char *path) {
  char buf[PATH_MAX];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof(buf))
    return false;
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; ++i) {
    if (buf[i] == '/' || buf[i] == '\0') {
      char c = buf[i];
      buf[i] = '\0';
      if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return false;
      buf[i] = c;
    }
  }
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool writeFile(const char *path, const char *data, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return false;
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, data + done, n - done);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      close(fd);
      return false;
    }
    done += (size_t)w;
  }
  return close(fd) == 0;
}

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/// Removes a scratch directory and the files in it (names may have one directory level, as
/// the embedded simd/simd.h does).
static void removeScratch(const char *dir, const char *const *names, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!names[i])
      continue;
    char *p = enigmaCpuFormat("%s/%s", dir, names[i]);
    if (p) {
      unlink(p);
      char *slash = strrchr(p, '/');
      if (strchr(names[i], '/') && slash) {
        *slash = '\0';
        rmdir(p); // fails (harmlessly) while other files are still in it
      }
    }
    free(p);
  }
  rmdir(dir);
}

static atomic_uint gScratchCounter;

static char *scratchDir(const char *root, const char *tag) {
  char *dir = enigmaCpuFormat("%s/tmp/%.24s.%ld.%u", root, tag, (long)getpid(),
                              atomic_fetch_add(&gScratchCounter, 1));
  if (dir && !mkdirs(dir)) {
    free(dir);
    return NULL;
  }
  return dir;
}

/// The cache root for this ABI: <dir>/cpu-<abi>.
static char *cacheRoot(const EnigmaCpuCompileOptions *opts, EnigmaRuntimeError *error) {
  const char *dir = opts && opts->cacheDir ? opts->cacheDir : NULL;
  char *owned = NULL;
  if (!dir || !*dir)
    dir = getenv("ENIGMA_CACHE_DIR");
  if (!dir || !*dir) {
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
      owned = enigmaCpuFormat("%s/enigma", xdg);
    else if (home && *home)
      owned = enigmaCpuFormat("%s/.cache/enigma", home);
    else
      owned = enigmaCpuFormat("/tmp/enigma-cache-%ld", (long)getuid());
    dir = owned;
  }
  char *root = dir ? enigmaCpuFormat("%s/cpu-%u", dir, (unsigned)ENIGMA_CPU_ABI_VERSION) : NULL;
  if (!root || !mkdirs(root)) {
    int e = errno;
    enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                      "cannot create the kernel cache directory '%s': %s "
                      "(set ENIGMA_CACHE_DIR to a writable directory)",
                      root  ? root
                      : dir ? dir
                            : "?",
                      strerror(e));
    free(root);
    root = NULL;
  }
  free(owned);
  return root;
}

/// Writes the embedded header into <root>/include-<version> once.
static char *ensureHeaders(const char *root, EnigmaRuntimeError *error) {
  char *dir = enigmaCpuFormat("%s/include-%s", root, enigmaCpuHeaderVersion());
  char *marker = dir ? enigmaCpuFormat("%s/metal_stdlib", dir) : NULL;
  if (!dir || !marker) {
    free(dir);
    free(marker);
    enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    return NULL;
  }
  bool have = exists(marker);
  free(marker);
  if (have)
    return dir;

  char *tmp = scratchDir(root, "include");
  bool ok = tmp != NULL;
  const char **names = calloc(enigmaCpuNumEmbeddedHeaders + 1, sizeof(char *));
  ok = ok && names;
  for (size_t i = 0; ok && i < enigmaCpuNumEmbeddedHeaders; ++i) {
    const EnigmaCpuEmbeddedFile *f = &enigmaCpuEmbeddedHeaders[i];
    names[i] = f->name;
    char *p = enigmaCpuFormat("%s/%s", tmp, f->name);
    char *slash = p ? strrchr(p, '/') : NULL;
    if (slash && strchr(f->name, '/')) {
      *slash = '\0';
      ok = mkdirs(p);
      *slash = '/';
    }
    ok = ok && p && writeFile(p, f->text, f->size);
    free(p);
  }
  int e = errno;
  if (ok && rename(tmp, dir) != 0) {
    // Another process may have installed the same version meanwhile.
    e = errno;
    ok = exists(dir);
  } else if (ok) {
    free(tmp);
    tmp = NULL;
  }
  if (tmp)
    removeScratch(tmp, names, enigmaCpuNumEmbeddedHeaders);
  free(tmp);
  free(names);
  if (!ok) {
    enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                      "cannot write the Metal-compatibility header to '%s': %s", dir, strerror(e));
    free(dir);
    return NULL;
  }
  return dir;
}

/*===-- Host compiler -----------------------------------------------------===*/

static char *searchPath(const char *name) {
  if (strchr(name, '/'))
    return access(name, X_OK) == 0 ? enigmaCpuStrndup(name, strlen(name)) : NULL;
  const char *path = getenv("PATH");
  if (!path || !*path)
    path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    const char *end = strchr(path, ':');
    size_t n = end ? (size_t)(end - path) : strlen(path);
    char *cand = enigmaCpuFormat("%.*s/%s", (int)n, n ? path : ".", name);
    if (cand && access(cand, X_OK) == 0)
      return cand;
    free(cand);
    path += n;
    if (*path == ':')
      ++path;
  }
  return NULL;
}

static char *findCompiler(const EnigmaCpuCompileOptions *opts, EnigmaRuntimeError *error) {
  const char *requested = opts && opts->cxx && *opts->cxx ? opts->cxx : NULL;
  if (!requested) {
    const char *env = getenv("ENIGMA_CXX");
    if (env && *env)
      requested = env;
  }
  if (requested) {
    char *p = searchPath(requested);
    if (!p)
      enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                        "host C++ compiler '%s' (from %s) not found or not "
                        "executable",
                        requested, opts && opts->cxx ? "the options" : "ENIGMA_CXX");
    return p;
  }
  static const char *const candidates[] = {"clang++-22", "clang++", "g++", "c++"};
  for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); ++i) {
    char *p = searchPath(candidates[i]);
    if (p)
      return p;
  }
  enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                    "no host C++ compiler found (tried clang++-22, clang++, "
                    "g++ and c++ in PATH); install clang or set ENIGMA_CXX");
  return NULL;
}

/// What identifies the compiler for the cache: its resolved file, size,
/// modification time and inode (an upgrade changes them).
static char *compilerIdentity(const char *path) {
  char real[PATH_MAX];
  if (!realpath(path, real))
    snprintf(real, sizeof(real), "%s", path);
  struct stat st;
  if (stat(real, &st) != 0)
    memset(&st, 0, sizeof(st));
  return enigmaCpuFormat("%s %s %lld %lld.%09ld %llu", path, real, (long long)st.st_size,
                         (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
                         (unsigned long long)st.st_ino);
}

/// Splits extra flags at whitespace into a NULL-terminated list appended to
/// `argv` (which has room).
static size_t splitFlags(char *flags, const char **argv, size_t at, size_t cap) {
  char *save = NULL;
  for (char *tok = strtok_r(flags, " \t\n", &save); tok && at + 1 < cap;
       tok = strtok_r(NULL, " \t\n", &save))
    argv[at++] = tok;
  return at;
}

/// Runs argv, capturing stdout and stderr together. Returns the exit status
/// (-1 if it could not run) and the output in *output.
static int run(const char *const *argv, char **output) {
  *output = NULL;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    errno = rc;
    return -1;
  }
  EnigmaCpuString out = {0};
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (out.size < MAX_COMPILER_OUTPUT)
      enigmaCpuStringAppend(&out, buf, (size_t)n);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  *output = enigmaCpuStringTake(&out);
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/*===-- In-process compiles -----------------------------------------------===*/

static atomic_ulong gInProcessCompiles, gProcessCompiles, gInProcessLinks, gProcessLinks;

/// The directory of libEnigmaCAPI.so (malloc'ed), or NULL.
__attribute__((unused)) static char *libraryDir(void) {
  Dl_info info;
  char self[PATH_MAX];
  if (!dladdr((void *)&libraryDir, &info) || !info.dli_fname || !realpath(info.dli_fname, self))
    return NULL;
  char *slash = strrchr(self, '/');
  if (slash)
    *slash = '\0';
  return enigmaCpuStrndup(slash ? self : ".", strlen(slash ? self : "."));
}

#if defined(ENIGMA_CPU_HOSTCC_FILE) && defined(ENIGMA_CPU_HOSTCC_MAJOR)
static pthread_once_t gHostCCOnce = PTHREAD_ONCE_INIT;
static EnigmaHostCCCompileFn gHostCCCompile;
static EnigmaHostCCLinkFn gHostCCLink; // NULL: the module has no lld
static char *gHostCCPath;

/// Loads libEnigmaHostCC.so from beside libEnigmaCAPI.so (as the bounds-check plugin is found).
/// Loading it brings libclang-cpp into the process (about 6 ms, once; RTLD_LAZY: 1 ms less than
/// binding its 2,000 PLT entries up front, most of which a kernel's compile never calls). A
/// module that is missing, does not load, or is of another ABI or LLVM version leaves
/// gHostCCCompile NULL.
static void loadHostCC(void) {
  char *dir = libraryDir();
  char *path = dir ? enigmaCpuFormat("%s/%s", dir, ENIGMA_CPU_HOSTCC_FILE) : NULL;
  free(dir);
  void *h = path && access(path, R_OK) == 0 ? dlopen(path, RTLD_LAZY | RTLD_LOCAL) : NULL;
  if (!h) {
    (void)dlerror();
    free(path);
    return;
  }
  EnigmaHostCCAbiVersionFn abi = (EnigmaHostCCAbiVersionFn)dlsym(h, ENIGMA_HOSTCC_ABI_VERSION_SYMBOL);
  EnigmaHostCCMajorFn major = (EnigmaHostCCMajorFn)dlsym(h, ENIGMA_HOSTCC_MAJOR_SYMBOL);
  EnigmaHostCCCompileFn compile = (EnigmaHostCCCompileFn)dlsym(h, ENIGMA_HOSTCC_COMPILE_SYMBOL);
  if (!abi || !major || !compile || abi() != ENIGMA_HOSTCC_ABI_VERSION ||
      major() != ENIGMA_CPU_HOSTCC_MAJOR) {
    dlclose(h);
    free(path);
    return;
  }
  gHostCCCompile = compile; // never unloaded: LLVM's state lives until the process ends
  gHostCCLink = (EnigmaHostCCLinkFn)dlsym(h, ENIGMA_HOSTCC_LINK_SYMBOL);
  gHostCCPath = path;
}

static bool inProcessEnabled(void) {
  const char *env = getenv("ENIGMA_CPU_IN_PROCESS");
  return !(env && !strcmp(env, "0"));
}

/// The LLVM major version of clang `cxx` as its name or resolved path says it
/// (clang++-22, /usr/lib/llvm-22/bin/clang), or 0.
static unsigned clangMajor(const char *cxx) {
#ifdef ENIGMA_CPU_PLUGIN_CLANG
  char a[PATH_MAX], b[PATH_MAX];
  if (realpath(cxx, a) && realpath(ENIGMA_CPU_PLUGIN_CLANG, b) && !strcmp(a, b))
    return ENIGMA_CPU_HOSTCC_MAJOR; // the clang of the LLVM Enigma is built against
#endif
  char real[PATH_MAX];
  const char *names[] = {cxx, realpath(cxx, real) ? real : NULL};
  for (size_t i = 0; i < 2; ++i) {
    if (!names[i])
      continue;
    const char *base = strrchr(names[i], '/');
    base = base ? base + 1 : names[i];
    unsigned v = 0;
    char tail = 0;
    if ((sscanf(base, "clang++-%u%c", &v, &tail) == 1 || sscanf(base, "clang-%u%c", &v, &tail) == 1) &&
        v)
      return v;
    const char *llvm = strstr(names[i], "/llvm-");
    if (llvm && strncmp(base, "clang", 5) == 0 && sscanf(llvm, "/llvm-%u/bin/%c", &v, &tail) == 2)
      return v;
  }
  return 0;
}
#endif

/// The in-process compiler for kernels compiled by `cxx`, or NULL: clang of the module's LLVM
/// major version, the module built and loadable, ENIGMA_CPU_IN_PROCESS not 0.
static EnigmaHostCCCompileFn inProcessCompiler(const char *cxx) {
#if defined(ENIGMA_CPU_HOSTCC_FILE) && defined(ENIGMA_CPU_HOSTCC_MAJOR)
  if (!inProcessEnabled() || clangMajor(cxx) != ENIGMA_CPU_HOSTCC_MAJOR)
    return NULL;
  pthread_once(&gHostCCOnce, loadHostCC);
  return gHostCCCompile;
#else
  (void)cxx;
  return NULL;
#endif
}

const char *enigmaRuntimeCpuGetInProcessCompiler(void) {
#if defined(ENIGMA_CPU_HOSTCC_FILE) && defined(ENIGMA_CPU_HOSTCC_MAJOR)
  if (!inProcessEnabled())
    return NULL;
  pthread_once(&gHostCCOnce, loadHostCC);
  return gHostCCCompile ? gHostCCPath : NULL;
#else
  return NULL;
#endif
}

void enigmaRuntimeCpuGetCompileCounts(uint64_t *inProcess, uint64_t *processes) {
  if (inProcess)
    *inProcess = atomic_load(&gInProcessCompiles);
  if (processes)
    *processes = atomic_load(&gProcessCompiles);
}

void enigmaRuntimeCpuGetLinkCounts(uint64_t *inProcess, uint64_t *processes) {
  if (inProcess)
    *inProcess = atomic_load(&gInProcessLinks);
  if (processes)
    *processes = atomic_load(&gProcessLinks);
}

/// The in-process linker (lld in libEnigmaHostCC.so) when kernels of `cxx` are compiled in
/// process and the module has lld, else NULL.
static EnigmaHostCCLinkFn inProcessLinker(const char *cxx) {
#if defined(ENIGMA_CPU_HOSTCC_FILE) && defined(ENIGMA_CPU_HOSTCC_MAJOR)
  return inProcessCompiler(cxx) ? gHostCCLink : NULL;
#else
  (void)cxx;
  return NULL;
#endif
}

/// Runs the compile command `argv` (one compile to an object, or the driver's compile and link),
/// in process when `inProcess` takes it, else as a process; the result as run() gives it (a
/// clang crash in process: status 70 and a message, never the end of this process).
static int compileCommand(EnigmaHostCCCompileFn inProcess, const char *const *argv,
                          char **output) {
  if (inProcess) {
    int r = inProcess(argv, output);
    if (r != ENIGMA_HOSTCC_UNSUPPORTED) {
      atomic_fetch_add(&gInProcessCompiles, 1);
      return r == ENIGMA_HOSTCC_OK ? 0 : r == ENIGMA_HOSTCC_ERROR ? 1 : 70;
    }
    free(*output);
    *output = NULL;
  }
  atomic_fetch_add(&gProcessCompiles, 1);
  return run(argv, output);
}

/*===-- Cache size --------------------------------------------------------===*/

/// The cache's size limit in bytes from ENIGMA_CACHE_MAX_MB (default 1024 MiB;
/// 0 means no limit). An unparsable value means the default.
static uint64_t cacheLimitBytes(void) {
  const char *env = getenv("ENIGMA_CACHE_MAX_MB");
  double mb = 1024;
  if (env && *env) {
    char *end = NULL;
    double v = strtod(env, &end);
    if (end != env && !*end && v >= 0)
      mb = v;
  }
  return (uint64_t)(mb * 1024.0 * 1024.0);
}

typedef struct CacheEntry {
  char *path;
  off_t size;
  struct timespec used;
} CacheEntry;

static int olderFirst(const void *a, const void *b) {
  const CacheEntry *x = a, *y = b;
  if (x->used.tv_sec != y->used.tv_sec)
    return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
  return x->used.tv_nsec < y->used.tv_nsec ? -1 : x->used.tv_nsec > y->used.tv_nsec;
}

/// Keeps <root>/kernels under the size limit: when it is over, deletes the
/// least recently used kernels (a cache hit touches its file) until it is at
/// three quarters of the limit, never `keep`. Also removes scratch directories
/// of compiles that died more than an hour ago. Best effort: errors are
/// ignored (another process may be pruning too; a kernel deleted under a
/// process that wanted it is simply compiled again).
static void pruneCache(const char *root, const char *keep) {
  char *tmpDir = enigmaCpuFormat("%s/tmp", root);
  DIR *d = tmpDir ? opendir(tmpDir) : NULL;
  time_t now = time(NULL);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.')
      continue;
    char *dir = enigmaCpuFormat("%s/%s", tmpDir, e->d_name);
    struct stat st;
    if (dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && now - st.st_mtime > 3600) {
      DIR *inner = opendir(dir);
      for (struct dirent *f; inner && (f = readdir(inner));) {
        if (strcmp(f->d_name, ".") && strcmp(f->d_name, "..")) {
          char *file = enigmaCpuFormat("%s/%s", dir, f->d_name);
          if (file)
            unlink(file);
          free(file);
        }
      }
      if (inner)
        closedir(inner);
      rmdir(dir);
    }
    free(dir);
  }
  if (d)
    closedir(d);
  free(tmpDir);

  uint64_t limit = cacheLimitBytes();
  char *kernels = limit ? enigmaCpuFormat("%s/kernels", root) : NULL;
  d = kernels ? opendir(kernels) : NULL;
  CacheEntry *entries = NULL;
  size_t n = 0, cap = 0;
  uint64_t total = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (len < 4 || strcmp(e->d_name + len - 3, ".so"))
      continue;
    char *path = enigmaCpuFormat("%s/%s", kernels, e->d_name);
    struct stat st;
    if (!path || stat(path, &st) != 0) {
      free(path);
      continue;
    }
    if (n == cap) {
      size_t grown = cap ? 2 * cap : 64;
      CacheEntry *more = realloc(entries, grown * sizeof(CacheEntry));
      if (!more) {
        free(path);
        break;
      }
      entries = more;
      cap = grown;
    }
    entries[n++] = (CacheEntry){path, st.st_size, st.st_mtim};
    total += (uint64_t)st.st_size;
  }
  if (d)
    closedir(d);
  if (total > limit) {
    qsort(entries, n, sizeof(CacheEntry), olderFirst);
    for (size_t i = 0; i < n && total > limit / 4 * 3; ++i) {
      if (keep && !strcmp(entries[i].path, keep))
        continue;
      if (unlink(entries[i].path) == 0)
        total -= (uint64_t)entries[i].size;
    }
  }
  for (size_t i = 0; i < n; ++i)
    free(entries[i].path);
  free(entries);
  free(kernels);
}

/*===-- Bounds checking ---------------------------------------------------===*/

static bool sameFile(const char *a, const char *b) {
  char ra[PATH_MAX], rb[PATH_MAX];
  return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

/// The pass plugin for exact bounds checks with compiler `cxx`, or NULL with
/// the reason in *why (static text or malloc'ed into *whyOwned).
static char *findBoundsPlugin(const char *cxx, const char **why, char **whyOwned) {
  *whyOwned = NULL;
  const char *env = getenv("ENIGMA_CPU_BOUNDS_PLUGIN");
  if (env && *env) {
    // Set explicitly: the user vouches that the compiler can load it.
    if (access(env, R_OK) == 0)
      return enigmaCpuStrndup(env, strlen(env));
    *why = *whyOwned =
        enigmaCpuFormat("ENIGMA_CPU_BOUNDS_PLUGIN names '%s', which cannot be read", env);
    return NULL;
  }
#if defined(ENIGMA_CPU_PLUGIN_FILE) && defined(ENIGMA_CPU_PLUGIN_CLANG)
  if (!sameFile(cxx, ENIGMA_CPU_PLUGIN_CLANG)) {
    *why = *whyOwned = enigmaCpuFormat("the host compiler '%s' is not the clang the bounds-check "
                                       "plugin was built for (%s)",
                                       cxx, ENIGMA_CPU_PLUGIN_CLANG);
    return NULL;
  }
  char *dir = libraryDir();
  if (!dir) {
    *why = "the directory of libEnigmaCAPI.so is unknown; set ENIGMA_CPU_BOUNDS_PLUGIN";
    return NULL;
  }
  char *path = enigmaCpuFormat("%s/%s", dir, ENIGMA_CPU_PLUGIN_FILE);
  free(dir);
  if (path && access(path, R_OK) == 0)
    return path;
  *why = *whyOwned = enigmaCpuFormat("the bounds-check plugin %s is missing (rebuild Enigma)",
                                     path ? path : ENIGMA_CPU_PLUGIN_FILE);
  free(path);
  return NULL;
#else
  (void)cxx;
  *why = "this build of Enigma has no bounds-check plugin (it needs LLVM: configure with "
         "ENIGMA_ENABLE_MLIR=ON)";
  return NULL;
#endif
}

/// Parses ENIGMA_CPU_BOUNDS_CHECK; false for an unknown value.
static bool boundsCheckFromEnv(EnigmaCpuBoundsCheck *mode) {
  const char *env = getenv("ENIGMA_CPU_BOUNDS_CHECK");
  *mode = ENIGMA_CPU_BOUNDS_CHECK_DEFAULT;
  if (!env || !*env || !strcmp(env, "default"))
    return true;
  if (!strcmp(env, "exact"))
    *mode = ENIGMA_CPU_BOUNDS_CHECK_EXACT;
  else if (!strcmp(env, "guard"))
    *mode = ENIGMA_CPU_BOUNDS_CHECK_GUARD;
  else
    return false;
  return true;
}

/*===-- Precompiled header ------------------------------------------------===*/
/*
 * Parsing and analysing the Metal-compatibility header is most of a kernel's
 * compile time (docs/performance.md). With clang, the header is precompiled
 * once per (header version, compiler, flags, bounds-check mode) into
 *
 *   <root>/pch-<version>/<key>.pch
 *
 * and every kernel is compiled with -include-pch; the launcher's own
 * `#include <metal_stdlib>` is then a no-op (include guard). The PCH is only a
 * cache of the parsed header: the object code is the same as without it, so it
 * is not part of the kernels' cache key. It appears by rename, so concurrent
 * processes never see a partial one (two that build it at once both rename a
 * complete file).
 *
 * Never a user-visible failure: if the PCH cannot be built, a <key>.failed
 * marker (holding the compiler's output) stops further attempts with that key
 * and kernels compile without it; if a kernel fails to compile with the PCH
 * but compiles without it, the PCH is replaced by such a marker too (a
 * corrupt or stale file). Deleting the pch-<version> directory retries.
 *
 * g++ is not given a PCH: it finds a .gch only through the #include of the
 * header itself, silently ignores it on any flag mismatch, and is the
 * fallback compiler (no bounds-check plugin) rather than the fast path.
 * ENIGMA_CPU_PCH=0 disables the PCH (for comparisons and debugging).
 */

/// Whether `cxx` is clang (which understands -include-pch): the name of the
/// compiler, or of the file it resolves to, says so.
static bool isClang(const char *cxx) {
  const char *base = strrchr(cxx, '/');
  if (strstr(base ? base + 1 : cxx, "clang"))
    return true;
  char real[PATH_MAX];
  if (!realpath(cxx, real))
    return false;
  base = strrchr(real, '/');
  return strstr(base ? base + 1 : real, "clang") != NULL;
}

static bool pchEnabled(const char *cxx) {
  const char *env = getenv("ENIGMA_CPU_PCH");
  if (env && (!strcmp(env, "0") || !strcmp(env, "off") || !strcmp(env, "no")))
    return false;
  return isClang(cxx);
}

/// Template instantiations the header needs are done once in the PCH instead
/// of at the end of every kernel's translation unit (a fifth of a kernel's
/// compile time with the PCH; the object code is the same).
static const char *const kPchFlag = "-fpch-instantiate-templates";

/// A PCH build running beside a kernel's compile (see findPch).
typedef struct PchBuild {
  pid_t pid;    // 0: none
  char *tmp;    // the PCH being written
  char *pch;    // where it goes
  char *log;    // the compiler's output
  char *failed; // the marker if it fails
} PchBuild;

static void pchBuildFree(PchBuild *b) {
  free(b->tmp);
  free(b->pch);
  free(b->log);
  free(b->failed);
  memset(b, 0, sizeof(*b));
}

/// The PCH for the compile whose flags are `flags[0..n)` (the compiler's
/// arguments before the input and output: base flags, -march, plugin, user
/// flags, -I, -D), or NULL to compile without one. `identity` identifies the
/// compiler, `pluginIdentity` the plugin. When the PCH does not exist yet (and
/// has not failed), its build is started in *build, to run while this kernel
/// compiles without it (the first kernel of a cache costs about the same as
/// before, not a PCH build more); finishPchBuild installs it.
static char *findPch(const char *root, const char *incDir, const char *cxx, const char *identity,
                     const char *pluginIdentity, const char *const *flags, size_t n,
                     PchBuild *build) {
  memset(build, 0, sizeof(*build));
  EnigmaCpuSha256 h;
  enigmaCpuSha256Init(&h);
  const char *parts[] = {"enigma-cpu-pch\n",
                         kPchFlag,
                         "\n",
                         enigmaCpuHeaderVersion(),
                         "\n",
                         identity,
                         "\n",
                         pluginIdentity ? pluginIdentity : "",
                         "\n"};
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); ++i)
    enigmaCpuSha256Update(&h, parts[i], strlen(parts[i]));
  for (size_t i = 0; i < n; ++i)
    enigmaCpuSha256Update(&h, flags[i], strlen(flags[i]) + 1);
  char key[65];
  enigmaCpuSha256FinalHex(&h, key);

  char *dir = enigmaCpuFormat("%s/pch-%s", root, enigmaCpuHeaderVersion());
  unsigned id = atomic_fetch_add(&gScratchCounter, 1);
  PchBuild b = {0};
  b.pch = dir ? enigmaCpuFormat("%s/%.32s.pch", dir, key) : NULL;
  b.failed = dir ? enigmaCpuFormat("%s/%.32s.failed", dir, key) : NULL;
  b.tmp = dir ? enigmaCpuFormat("%s/%.32s.pch.%ld.%u.tmp", dir, key, (long)getpid(), id) : NULL;
  b.log = dir ? enigmaCpuFormat("%s/%.32s.log.%ld.%u.tmp", dir, key, (long)getpid(), id) : NULL;
  char *header = enigmaCpuFormat("%s/metal_stdlib", incDir);
  char *result = NULL;
  const char **argv = NULL;
  if (!dir || !b.pch || !b.failed || !b.tmp || !b.log || !header || exists(b.failed))
    goto done;
  if (exists(b.pch)) {
    result = b.pch;
    b.pch = NULL;
    goto done;
  }
  argv = calloc(n + 8, sizeof(char *));
  if (!argv || !mkdirs(dir))
    goto done;
  size_t k = 0;
  argv[k++] = cxx;
  for (size_t i = 0; i < n; ++i)
    argv[k++] = flags[i];
  argv[k++] = kPchFlag;
  argv[k++] = "-x";
  argv[k++] = "c++-header";
  for (size_t i = 0; i < n; ++i)
    if (!strcmp(flags[i], kRealAddressSpaceFlags[0]))
      argv[k - 1] = "cl-header"; // real address spaces: C++ for OpenCL
  argv[k++] = header;
  argv[k++] = "-o";
  argv[k++] = b.tmp;
  argv[k] = NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, b.log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, cxx, &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc == 0) {
    b.pid = pid;
    *build = b;
    memset(&b, 0, sizeof(b));
  }
done:
  pchBuildFree(&b);
  free(dir);
  free(header);
  free(argv);
  return result;
}

/// Waits for a PCH build started by findPch and installs its result: the PCH
/// by rename, or, if the compiler failed, the .failed marker holding its
/// output (so that every kernel does not pay a failing build).
static void finishPchBuild(PchBuild *b) {
  if (b->pid <= 0)
    return;
  int status = 0;
  while (waitpid(b->pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (rename(b->tmp, b->pch) != 0)
      unlink(b->tmp);
    unlink(b->log);
  } else {
    unlink(b->tmp);
    if (rename(b->log, b->failed) != 0)
      unlink(b->log);
  }
  pchBuildFree(b);
}

/// A kernel failed to compile with `pch` and compiled without it: the PCH is
/// unusable (corrupt, or stale in a way clang did not diagnose as such).
/// Replaced by a marker so that no process tries it again.
static void retirePch(const char *pch, const char *output) {
  size_t n = strlen(pch);
  char *failed = n > 4 ? enigmaCpuFormat("%.*s.failed", (int)(n - 4), pch) : NULL;
  char *marker = failed ? enigmaCpuFormat("%s.%ld.tmp", failed, (long)getpid()) : NULL;
  const char *text = output && *output ? output : "compiling with the PCH failed\n";
  if (marker && writeFile(marker, text, strlen(text)))
    rename(marker, failed);
  unlink(pch);
  free(failed);
  free(marker);
}

/// With clang, kernels are linked without libstdc++ (they need nothing from it: the header
/// uses no C++ runtime), which makes GNU ld 20-30 ms faster, and with --no-undefined, so a
/// kernel that does need it fails to link instead of failing to load, and is compiled again
/// the usual way (see enigmaCpuCompile). The flags are part of the kernels' cache key.
static const char *const kLeanLinkFlags[] = {"-nostdlib++", "-Wl,--no-undefined"};
#define NUM_LEAN_LINK_FLAGS (sizeof(kLeanLinkFlags) / sizeof(kLeanLinkFlags[0]))

/// The kernel's compile command: `flags` (see enigmaCpuCompile), -shared, the
/// PCH if any (with the bounds mode it was built for), output and input.
/// With `objPath`, the command only compiles, to that object file (the runtime links it itself,
/// see linkDirect).
static void kernelArgv(const char **argv, const char *cxx, const char *const *flags, size_t nf,
                       const char *pch, bool exactBounds, bool leanLink, const char *outPath,
                       const char *cppPath, const char *objPath) {
  size_t n = 0;
  argv[n++] = cxx;
  for (size_t i = 0; i < nf; ++i)
    argv[n++] = flags[i];
  if (objPath) {
    argv[n++] = "-c";
  } else {
    argv[n++] = "-shared";
    if (leanLink)
      for (size_t i = 0; i < NUM_LEAN_LINK_FLAGS; ++i)
        argv[n++] = kLeanLinkFlags[i];
  }
  if (pch) {
    if (exactBounds)
      argv[n++] = "-DENIGMA_CPU_EXACT_BOUNDS=1";
    argv[n++] = "-include-pch";
    argv[n++] = pch;
  }
  argv[n++] = "-o";
  argv[n++] = objPath ? objPath : outPath;
  argv[n++] = cppPath;
  if (!objPath)
    argv[n++] = "-lm";
  argv[n] = NULL;
}

/// Links the kernel's object file into `outPath` with the linker itself, not through the
/// compiler driver: a kernel needs nothing from crt files, libc, libm or libstdc++ that the
/// process it is loaded into does not already provide (dlopen resolves those symbols
/// globally), and the driver's link (its own process start, the crt files and libraries it
/// reads) cost 30-140 ms per kernel against 3-12 ms for `ld -shared` of one object. Returns
/// false when that link fails or its result does not load (a symbol only a runtime library
/// defines, e.g. __dso_handle for a static object with a destructor); the caller then links
/// through the driver.
static char gLibmPath[PATH_MAX];
static void findLibm(void) {
  Dl_info info;
  void *fn = dlsym(RTLD_DEFAULT, "expf");
  if (fn && dladdr(fn, &info) && info.dli_fname && strstr(info.dli_fname, "libm") &&
      strlen(info.dli_fname) < sizeof(gLibmPath))
    strcpy(gLibmPath, info.dli_fname);
}

/// The libm this process runs with (found from one of its functions), or NULL.
static const char *loadedLibm(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, findLibm);
  return gLibmPath[0] ? gLibmPath : NULL;
}

/// Whether the kernel's text names a math function glibc keeps an older, slower version of
/// (exp, exp2, log, log2, pow and their relatives: the header calls libm for them).
static bool namesVersionedMath(const char *source, size_t length) {
  static const char *const kNames[] = {"exp", "exp2", "exp10", "log",
                                       "log2", "log10", "pow", "powr"};
  for (size_t i = 0; i < length;) {
    if (!(isalpha((unsigned char)source[i]) || source[i] == '_')) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < length && (isalnum((unsigned char)source[i]) || source[i] == '_'))
      ++i;
    for (size_t k = 0; k < sizeof(kNames) / sizeof(kNames[0]); ++k)
      if (strlen(kNames[k]) == i - start && memcmp(kNames[k], source + start, i - start) == 0)
        return true;
  }
  return false;
}

/// For a kernel whose text names such a function, libm is linked (`--as-needed`, by the path
/// this process loaded it from) so that the functions bind to their current symbol versions:
/// unversioned references bind to the oldest, and glibc's oldest `expf`, `powf`... are slower
/// compatibility wrappers (10% of an exp-heavy kernel). Other kernels skip it: reading libm
/// costs the link 1.5-3 ms.
/// Whether the object file at `path` names `symbol` (its string table holds the names of the
/// symbols it defines and references; a string constant that happens to equal it only costs the
/// in-process link). Unreadable: true, the careful answer.
static bool objectNames(const char *path, const char *symbol) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return true;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      char *grown = realloc(buf, cap * 2);
      if (!grown) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = grown;
      cap *= 2;
    }
  }
  fclose(f);
  bool found = !buf || memmem(buf, len, symbol, strlen(symbol) + 1) != NULL;
  free(buf);
  return found;
}

static bool linkDirect(const char *ld, EnigmaHostCCLinkFn inProcess, const char *objPath,
                       const char *outPath, bool libm) {
  // A program-scope object with a destructor (C++, not Metal) registers it with __cxa_atexit
  // and __dso_handle, which only the C runtime's start files define. lld would define
  // __dso_handle itself and link a .so whose destructors run after it is unloaded (a crash at
  // exit); `ld` refuses, and the driver's full link below does it right.
  if (inProcess && objectNames(objPath, "__dso_handle"))
    inProcess = NULL;
  const char *lib = libm ? loadedLibm() : NULL;
  const char *argv[] = {ld,      "-shared",   "--eh-frame-hdr", "-o", outPath,
                        objPath, lib ? "--as-needed" : NULL, lib, NULL};
  char *output = NULL;
  int rc = -1;
  if (inProcess) {
    // lld in process: the same arguments (one thread: the link is tiny), no `ld` process.
    const char *lldArgv[] = {"ld.lld",   "--threads=1", "-shared", "--eh-frame-hdr",
                             "-o",       outPath,       objPath,   lib ? "--as-needed" : NULL,
                             lib,        NULL};
    int r = inProcess(lldArgv, &output);
    free(output);
    output = NULL;
    if (r == ENIGMA_HOSTCC_OK) {
      atomic_fetch_add(&gInProcessLinks, 1);
      rc = 0;
    }
    // An error or UNSUPPORTED: `ld` decides (and its errors are the ones that count).
  }
  if (rc != 0) {
    atomic_fetch_add(&gProcessLinks, 1);
    rc = run(argv, &output);
    free(output);
  }
  if (rc != 0)
    return false;
  void *handle = dlopen(outPath, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    (void)dlerror();
    unlink(outPath);
    return false;
  }
  dlclose(handle);
  return true;
}

/*===-- Real address spaces -----------------------------------------------===*/
/*
 * Metal's address spaces as types (enigma/Runtime/MetalAddressSpaces.h): the kernel is compiled
 * as C++ for OpenCL (-x clcpp -cl-std=clc++2021), whose address spaces are part of the type
 * system. Needs clang and the pass plugin (which turns the header's thread_local-marked globals
 * into thread_locals); g++ and plugin-less builds keep the erased mode, C++17 with the address
 * spaces defined away. The real mode is the default wherever it is available; a kernel that C++
 * for OpenCL alone rejects (a known limitation, not an address-space mismatch) is compiled again
 * in the erased mode, under the same cache key (enigmaCpuCompile). ENIGMA_CPU_ADDRESS_SPACES=1
 * forces the real mode (no fallback), =0 the erased one (docs/cpu-runtime.md).
 */

/// How kernels get their address spaces (ENIGMA_CPU_ADDRESS_SPACES, docs/cpu-runtime.md).
typedef enum AddressSpaceMode {
  AS_ERASED, ///< C++17, address-space words erased (g++, no plugin, -std=, or =0)
  AS_REAL,   ///< C++ for OpenCL, no fallback (=1)
  AS_AUTO,   ///< the default: real, and erased again when C++ for OpenCL alone rejects the kernel
  AS_INVALID ///< an unknown value of ENIGMA_CPU_ADDRESS_SPACES
} AddressSpaceMode;

/// The address-space mode of kernels compiled by `cxx`; `plugin` is set when it may be used (it
/// is loaded in the real mode even with guard pages only, see EnigmaBoundsCheck.cpp). User flags
/// that choose a language standard (`-std=c++20`) keep the erased mode, which they are written
/// for; so do g++ and a clang without the plugin.
static AddressSpaceMode addressSpaceMode(const char *cxx, const char *plugin,
                                         const char *userFlags) {
  const char *env = getenv("ENIGMA_CPU_ADDRESS_SPACES");
  AddressSpaceMode mode = AS_AUTO;
  if (env && (!strcmp(env, "1") || !strcmp(env, "on") || !strcmp(env, "yes") ||
              !strcmp(env, "true") || !strcmp(env, "real")))
    mode = AS_REAL;
  else if (env && (!strcmp(env, "0") || !strcmp(env, "off") || !strcmp(env, "no") ||
                   !strcmp(env, "false") || !strcmp(env, "erased")))
    return AS_ERASED;
  else if (env && *env && strcmp(env, "default") && strcmp(env, "auto"))
    return AS_INVALID;
  if (userFlags && strstr(userFlags, "-std="))
    return AS_ERASED;
  return plugin && isClang(cxx) ? mode : AS_ERASED;
}

/// Whether a failed real-mode compile's `output` shows Metal that C++ for OpenCL alone rejects
/// (then the default mode compiles the kernel again in the erased mode): some error is one of
/// the known limitations below, and no error or note is about an address-space mismatch
/// (converting or binding between spaces, which Metal rejects too: it stays the user's error).
/// Other errors (an error in the kernel) are reported as they are, without a second compile.
static bool isRealModeLimitation(const char *output) {
  static const char *const limitations[] = {
      "function type may not be qualified with an address space",
      "functions that differ only in their return type cannot be overloaded",
      "incompatible operand types",
      "OpenCL",
      "must reside in",
      "may not be qualified with an address space",
      "automatic variable qualified with",
      "variables in the",
      "variable cannot be declared in",
      "class member cannot be redeclared",
      // The pass plugin's (EnigmaBoundsCheck.cpp): C++ for OpenCL registers the destructor of a
      // program-scope object for a null object. Not Metal, but C++ the erased mode compiles.
      "a program-scope variable with a destructor is not supported",
  };
  static const char *const spaces[] = {"address space", "__global", "__local", "__constant",
                                       "__generic", "__private"};
  bool limitation = false, mismatch = false;
  for (const char *line = output ? output : ""; *line;) {
    const char *end = strchr(line, '\n');
    if (!end)
      end = line + strlen(line);
    char *text = enigmaCpuStrndup(line, (size_t)(end - line));
    const char *msg = text ? strstr(text, ": error: ") : NULL;
    const char *note = text ? strstr(text, ": note: ") : NULL;
    if (msg) {
      bool known = false;
      for (size_t i = 0; i < sizeof(limitations) / sizeof(*limitations) && !known; ++i)
        known = strstr(msg, limitations[i]) != NULL;
      limitation |= known;
      for (size_t i = 0; i < sizeof(spaces) / sizeof(*spaces) && !known && !mismatch; ++i)
        mismatch = strstr(msg, spaces[i]) != NULL;
    } else if (note && strstr(note, "deduced conflicting types") && strstr(note, "'__private ")) {
      // `template <class T, uint A> void copy(thread T (&dst)[A], constant T (&src)[A])` called
      // with a private array: C++ for OpenCL deduces T = `__private float` from `thread T`
      // (`thread` is no qualifier there) and `float` from `constant T`; Metal deduces float.
      limitation = true;
    } else if (note) {
      // `candidate function not viable: no known conversion from '__local float[4]' to
      // '__global_device float *__private'`, `... cannot pass pointer to address space ...`.
      for (size_t i = 0; i < sizeof(spaces) / sizeof(*spaces) && !mismatch; ++i)
        mismatch = strstr(note, spaces[i]) != NULL;
    }
    free(text);
    line = *end ? end + 1 : end;
  }
  return limitation && !mismatch;
}

/// The C++ library's include directories of `cxx` (-x clcpp does not search them), as
/// -isystem flags in one malloc'ed string: found from `cxx -E -v` once per compiler, and kept
/// in <root>/cxx-includes-<hash of the compiler's identity> (so only the first compile of a
/// cache pays the extra process) and in memory.
static char *cxxLibraryIncludes(const char *root, const char *cxx, const char *identity) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  static char *forIdentity, *flags;
  pthread_mutex_lock(&lock);
  if (!forIdentity || strcmp(forIdentity, identity)) {
    EnigmaCpuSha256 h;
    enigmaCpuSha256Init(&h);
    enigmaCpuSha256Update(&h, identity, strlen(identity));
    char hex[65];
    enigmaCpuSha256FinalHex(&h, hex);
    char *path = enigmaCpuFormat("%s/cxx-includes-%.16s", root, hex);
    EnigmaCpuString f = {0};
    bool found = false;
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd >= 0) {
      char buf[4096];
      ssize_t got;
      while ((got = read(fd, buf, sizeof(buf))) > 0)
        enigmaCpuStringAppend(&f, buf, (size_t)got);
      close(fd);
      found = got == 0 && !f.failed;
    }
    if (!found) {
      enigmaCpuStringFree(&f);
      const char *argv[] = {cxx, "-x", "c++", "-E", "-v", "/dev/null", "-o", "/dev/null", NULL};
      char *output = NULL;
      if (run(argv, &output) == 0 && output) {
        const char *at = strstr(output, "#include <...> search starts here:");
        for (const char *line = at ? strchr(at, '\n') : NULL; line && line[1] == ' ';) {
          const char *b = line + 2, *e = strchr(b, '\n');
          if (!e)
            break;
          // libstdc++'s directories (include/c++/12, include/x86_64-linux-gnu/c++/12): the C
          // and compiler directories are searched in clcpp mode too.
          if (memmem(b, (size_t)(e - b), "c++", 3))
            enigmaCpuStringPrintf(&f, "%s-isystem %.*s", f.size ? " " : "", (int)(e - b), b);
          line = e;
        }
        char *tmp = path ? enigmaCpuFormat("%s.%ld.tmp", path, (long)getpid()) : NULL;
        if (tmp && !f.failed && f.size && writeFile(tmp, f.data, f.size))
          rename(tmp, path);
        if (tmp)
          unlink(tmp);
        free(tmp);
      }
      free(output);
    }
    free(path);
    free(forIdentity);
    free(flags);
    forIdentity = enigmaCpuStrndup(identity, strlen(identity));
    flags = f.size ? enigmaCpuStringTake(&f) : NULL;
    enigmaCpuStringFree(&f);
    if (!flags)
      flags = enigmaCpuStrndup("", 0);
  }
  char *result = flags ? enigmaCpuStrndup(flags, strlen(flags)) : NULL;
  pthread_mutex_unlock(&lock);
  return result;
}

/*===-- Launcher ----------------------------------------------------------===*/

/// The first error of the host compiler's `output`, as one line located in the kernel's
/// `<kernelName>.metal` (the file name only: the scratch directory means nothing to the user).
/// An error inside the Metal-compatibility header is located at the first line of the .metal
/// file its note chain names. NULL when no error line is found.
static char *firstCompilerError(const char *output, const char *kernelName) {
  if (!output)
    return NULL;
  char *metalName = enigmaCpuFormat("%s.metal:", kernelName);
  if (!metalName)
    return NULL;
  const char *errorLine = NULL, *errorEnd = NULL;
  for (const char *line = output; *line;) {
    const char *end = strchr(line, '\n');
    if (!end)
      end = line + strlen(line);
    const char *tag = strstr(line, ": error: ");
    if (!tag || tag > end)
      tag = strstr(line, ": fatal error: ");
    if (tag && tag < end) {
      errorLine = line;
      errorEnd = end;
      break;
    }
    line = *end ? end + 1 : end;
  }
  char *result = NULL;
  if (errorLine) {
    const char *message = strstr(errorLine, "error: ");
    const char *inMetal = strstr(errorLine, metalName);
    if (inMetal && inMetal < message) {
      result = enigmaCpuStrndup(inMetal, (size_t)(errorEnd - inMetal));
    } else {
      // In a header: the first later line that points into the kernel's source.
      const char *at = NULL, *atEnd = NULL;
      for (const char *line = errorEnd; *line && !at;) {
        line = *line == '\n' ? line + 1 : line;
        const char *end = strchr(line, '\n');
        if (!end)
          end = line + strlen(line);
        const char *m = strstr(line, metalName);
        if (m && m < end) {
          at = m;
          atEnd = m + strlen(metalName);
          while (atEnd < end && (isdigit((unsigned char)*atEnd) || *atEnd == ':'))
            ++atEnd;
        }
        line = end;
      }
      if (at)
        result = enigmaCpuFormat("%.*s %.*s", (int)(atEnd - at), at, (int)(errorEnd - message),
                                 message);
      else
        result = enigmaCpuStrndup(message, (size_t)(errorEnd - message));
    }
  }
  free(metalName);
  return result;
}

/// Saves the host compiler's full output as <root>/errors/<key>.log; returns the path or NULL.
static char *saveCompilerOutput(const char *root, const char *key, const char *cmdline,
                                const char *output) {
  char *dir = enigmaCpuFormat("%s/errors", root);
  char *path = dir ? enigmaCpuFormat("%s/%s.log", dir, key) : NULL;
  char *text = enigmaCpuFormat("command: %s\n%s", cmdline ? cmdline : "", output ? output : "");
  bool ok = path && text && mkdirs(dir) && writeFile(path, text, strlen(text));
  free(dir);
  free(text);
  if (!ok) {
    free(path);
    return NULL;
  }
  return path;
}

/// Whether the kernel's text may synchronize: names a SIMD-group or quad-group function, a
/// barrier or a simdgroup matrix. Only such kernels get the lane-loop template and driver in
/// their launcher: for the others the pass would empty the template anyway, but compiling it
/// and the driver cost every kernel 15-20 ms. A kernel left without them runs on fibers, so a
/// false "no" could only cost speed, and names in comments only cost the compile.
static bool mayUseLanes(const char *source, size_t length) {
  static const char *const names[] = {"simd_", "quad_", "_barrier", "simdgroup"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i)
    if (memmem(source, length, names[i], strlen(names[i])))
      return true;
  return false;
}

/// The launcher's arguments of a call of the kernel, one per line after `indent`: builtins from
/// the thread iterator `__it`, buffers and scalars from the group's argument pointers.
static void appendKernelArgs(EnigmaCpuString *s, const EnigmaCpuSignature *sig,
                             const char *indent) {
  for (size_t i = 0; i < sig->numParams; ++i) {
    const EnigmaCpuParamDesc *p = &sig->params[i];
    if (p->kind == ENIGMA_CPU_PARAM_BUILTIN)
      enigmaCpuStringPrintf(s,
                            "%s\n%s__enigma_launch::__builtinArg<__enigma_launch::__param_t<"
                            "__enigma_kernel_fn, %zu>>(__it.%s())",
                            i ? "," : "", indent, i, enigmaCpuBuiltinName(p->builtin));
    else
      enigmaCpuStringPrintf(s,
                            "%s\n%s__enigma_launch::__bufferArg<__enigma_launch::__param_t<"
                            "__enigma_kernel_fn, %zu>>(ENIGMA_CPU_PARAM(__g->args[%zu], %zuu))",
                            i ? "," : "", indent, i, i, i);
  }
}

static char *generateLauncher(const char *kernelName, const EnigmaCpuSignature *sig,
                              bool exactBounds, bool asyncCopy, bool lanes) {
  // A template kernel found by its [[host_name]] is called by its instantiation.
  const char *callee = sig->callee ? sig->callee : kernelName;
  EnigmaCpuString s = {0};
  enigmaCpuStringPrintf(&s,
                        "// Generated by the Enigma CPU runtime for kernel '%s'.\n"
                        "%s"
                        "#include <metal_stdlib>\n"
                        "#include \"%s.metal\"\n%s\n"
                        // Qualified: `using namespace metal` must not make a kernel named like a
                        // library function (divide, sign...) ambiguous.
                        "typedef decltype(&::%s) __enigma_kernel_fn;\n"
                        "namespace __enigma_launch = ::metal::__enigma;\n\n"
                        "ENIGMA_CPU_EXPORT const uint32_t enigma_cpu_abi_version = "
                        "ENIGMA_CPU_ABI_VERSION;\n"
                        "ENIGMA_CPU_EXPORT const uint32_t enigma_cpu_num_params = %zu;\n"
                        "#ifdef ENIGMA_CPU_REAL_ADDRESS_SPACES\n"
                        "ENIGMA_CPU_EXPORT const uint32_t enigma_cpu_real_address_spaces = 1;\n"
                        "#else\n"
                        "ENIGMA_CPU_EXPORT const uint32_t enigma_cpu_real_address_spaces = 0;\n"
                        "#endif\n"
                        "ENIGMA_CPU_EXPORT const EnigmaCpuParamLayout enigma_cpu_params[] = {\n",
                        kernelName, exactBounds ? "#define ENIGMA_CPU_EXACT_BOUNDS 1\n" : "",
                        kernelName,
                        asyncCopy ? "#include <MetalAsyncCopyIntrinsics.h>\n" : "", callee,
                        sig->numParams);
  for (size_t i = 0; i < sig->numParams; ++i)
    enigmaCpuStringPrintf(&s,
                          "  __enigma_launch::__layoutOf<__enigma_launch::__param_t<"
                          "__enigma_kernel_fn, %zu>>(%s),\n",
                          i, sig->params[i].kind == ENIGMA_CPU_PARAM_BUILTIN ? "true" : "false");
  if (sig->numParams == 0)
    enigmaCpuStringPrintf(&s, "  {0, 0},\n");
  enigmaCpuStringPrintf(&s,
                        "};\n\n"
                        "ENIGMA_CPU_DEFINE_BOUNDS_CHECK(%zu)\n\n"
                        "ENIGMA_CPU_EXPORT void enigma_cpu_run(EnigmaCpuGroup *__g, uint32_t "
                        "__first, uint32_t __end) {\n"
                        "  __enigma_launch::__threadIter __it(__g, __first);\n"
                        "  do {\n"
                        "    ENIGMA_CPU_INLINE_CALL ::%s(",
                        sig->numParams ? sig->numParams : 1, callee);
  appendKernelArgs(&s, sig, "        ");
  enigmaCpuStringPrintf(&s, ");\n  } while (__it.next(__end));\n}\n");
  if (!lanes)
    return enigmaCpuStringTake(&s);
  // One thread of the kernel, the template of its lane-loop form (LanesPass in the pass plugin
  // turns it into __enigma_lanes_step when it can, and empties it), and the lane-loop driver.
  enigmaCpuStringPrintf(&s,
                        "\nENIGMA_CPU_EXPORT void enigma_cpu_lane_thread(EnigmaCpuGroup *__g, "
                        "uint32_t __t) {\n"
                        "  __enigma_launch::__threadIter __it(__g, __t);\n"
                        "  ENIGMA_CPU_INLINE_CALL ::%s(",
                        callee);
  appendKernelArgs(&s, sig, "      ");
  enigmaCpuStringPrintf(&s, ");\n}\n"
                            "ENIGMA_CPU_EXPORT uint32_t enigma_cpu_run_lanes(EnigmaCpuGroup *__g, "
                            "EnigmaCpuLanesScratchFn __scratch) {\n"
                            "  return __enigma_launch::__runLanes(__g, __scratch);\n}\n");
  return enigmaCpuStringTake(&s);
}

/*===-- Loading -----------------------------------------------------------===*/

static EnigmaRuntimeStatus load(const char *path, const char *kernelName,
                                const EnigmaCpuSignature *sig, EnigmaCpuCompiled *out,
                                EnigmaRuntimeError *error) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                             "cannot load compiled kernel '%s' from %s: %s", kernelName, path,
                             e ? e : "unknown error");
  }
  const uint32_t *abi = dlsym(h, "enigma_cpu_abi_version");
  const uint32_t *num = dlsym(h, "enigma_cpu_num_params");
  const EnigmaCpuParamLayout *layouts = dlsym(h, "enigma_cpu_params");
  void *run = dlsym(h, "enigma_cpu_run");
  EnigmaCpuBoundsTable *bounds = dlsym(h, "enigma_cpu_bounds");
  const uint32_t *spaces = dlsym(h, "enigma_cpu_real_address_spaces");
  if (!abi || !num || !layouts || !run || !bounds || *abi != ENIGMA_CPU_ABI_VERSION ||
      *num != sig->numParams) {
    dlclose(h);
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                             "compiled kernel %s does not match this runtime "
                             "(ABI or parameter count)",
                             path);
  }
  out->handle = h;
  *(void **)&out->run = run;
  *(void **)&out->runLanes = dlsym(h, "enigma_cpu_run_lanes");
  out->layouts = layouts;
  out->bounds = bounds;
  out->addressSpaces = spaces ? (int)*spaces : -1;
  return ENIGMA_RUNTIME_OK;
}

/// Compiles (or loads from the cache) one kernel. In the default address-space mode (AS_AUTO)
/// the kernel is compiled in the real mode, or in the erased one when `erasedRetry` is set (the
/// result is cached under the same key, so a warm cache does not pay the retry again); a failed
/// real-mode compile of the default mode returns the compiler's output in *realOutput.
static EnigmaRuntimeStatus compileKernel(const char *source, size_t length,
                                         const char *kernelName, const EnigmaCpuSignature *sig,
                                         const EnigmaCpuCompileOptions *opts,
                                         EnigmaCpuCompiled *out, EnigmaRuntimeError *error,
                                         bool erasedRetry, char **realOutput) {
  memset(out, 0, sizeof(*out));
  EnigmaRuntimeStatus st = ENIGMA_RUNTIME_OK;
  char *root = NULL, *incDir = NULL, *cxx = NULL, *identity = NULL, *ld = NULL;
  char *flagsCopy = NULL, *kernelsDir = NULL, *soPath = NULL, *tmp = NULL;
  char *metalName = NULL, *launcher = NULL, *output = NULL;
  char *plugin = NULL, *pluginIdentity = NULL, *pluginFlag = NULL, *whyOwned = NULL;
  char *asPluginFlag = NULL, *asIncludes = NULL; // real address spaces
  bool realAS = false;
  AddressSpaceMode asMode = AS_ERASED;

  root = cacheRoot(opts, error);
  if (!root)
    return error ? error->status : ENIGMA_RUNTIME_ERROR_SYSTEM;
  incDir = ensureHeaders(root, error);
  cxx = incDir ? findCompiler(opts, error) : NULL;
  if (!cxx) {
    st = error ? error->status : ENIGMA_RUNTIME_ERROR_SYSTEM;
    goto done;
  }
  EnigmaCpuBoundsCheck mode =
      opts && opts->boundsCheck ? opts->boundsCheck : ENIGMA_CPU_BOUNDS_CHECK_DEFAULT;
  if (mode == ENIGMA_CPU_BOUNDS_CHECK_DEFAULT && !boundsCheckFromEnv(&mode)) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                           "ENIGMA_CPU_BOUNDS_CHECK is '%s'; expected 'exact', 'guard' or "
                           "'default'",
                           getenv("ENIGMA_CPU_BOUNDS_CHECK"));
    goto done;
  }
  if (mode != ENIGMA_CPU_BOUNDS_CHECK_DEFAULT && mode != ENIGMA_CPU_BOUNDS_CHECK_EXACT &&
      mode != ENIGMA_CPU_BOUNDS_CHECK_GUARD) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                           "unknown bounds-check mode %d", (int)mode);
    goto done;
  }
  if (mode != ENIGMA_CPU_BOUNDS_CHECK_GUARD) {
    const char *why = NULL;
    plugin = findBoundsPlugin(cxx, &why, &whyOwned);
    if (!plugin && mode == ENIGMA_CPU_BOUNDS_CHECK_EXACT) {
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "kernel '%s': exact bounds checking is not available: %s", kernelName,
                             why ? why : "unknown reason");
      goto done;
    }
    if (plugin) {
      pluginIdentity = compilerIdentity(plugin);
      pluginFlag = enigmaCpuFormat("-fpass-plugin=%s", plugin);
      if (!pluginIdentity || !pluginFlag) {
        st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
        goto done;
      }
    }
  }
  out->boundsCheck = plugin ? ENIGMA_CPU_BOUNDS_CHECK_EXACT : ENIGMA_CPU_BOUNDS_CHECK_GUARD;
  // Real address spaces load the plugin with guard pages too (for its thread_locals).
  char *asPlugin = plugin;
  if (!asPlugin) {
    const char *why = NULL;
    char *whyAs = NULL;
    asPlugin = findBoundsPlugin(cxx, &why, &whyAs);
    free(whyAs);
  }
  {
    const char *user = opts && opts->cxxFlags ? opts->cxxFlags : getenv("ENIGMA_CPU_CXXFLAGS");
    asMode = addressSpaceMode(cxx, asPlugin, user);
    realAS = (asMode == AS_REAL || asMode == AS_AUTO) && !erasedRetry;
  }
  asPluginFlag = realAS && !pluginFlag ? enigmaCpuFormat("-fpass-plugin=%s", asPlugin) : NULL;
  if (asPlugin != plugin)
    free(asPlugin);
  if (asMode == AS_INVALID) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                           "ENIGMA_CPU_ADDRESS_SPACES is '%s'; expected '1' (real), '0' (erased) "
                           "or 'default'",
                           getenv("ENIGMA_CPU_ADDRESS_SPACES"));
    goto done;
  }

  identity = compilerIdentity(cxx);
  const char *extra = opts && opts->cxxFlags ? opts->cxxFlags : getenv("ENIGMA_CPU_CXXFLAGS");
  flagsCopy = enigmaCpuStrndup(extra ? extra : "", extra ? strlen(extra) : 0);
  kernelsDir = enigmaCpuFormat("%s/kernels", root);
  if (!identity || !flagsCopy || !kernelsDir) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    goto done;
  }

  // The cache key.
  EnigmaCpuSha256 h;
  enigmaCpuSha256Init(&h);
  const char *parts[] = {"enigma-cpu-kernel\n",
                         asMode == AS_AUTO   ? "metal-source-rewrite-4 address-spaces-default-1\n"
                         : asMode == AS_REAL ? "metal-source-rewrite-4 real-address-spaces-1\n"
                                             : "metal-source-rewrite-4\n",
                         enigmaCpuHeaderVersion(),
                         "\n",
                         identity,
                         "\n",
                         extra ? extra : "",
                         "\n",
                         kernelName,
                         "\n",
                         pluginIdentity ? "exact bounds checks, -gline-tables-only: "
                                        : "guard pages\n",
                         pluginIdentity ? pluginIdentity : "",
                         "\n"};
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); ++i)
    enigmaCpuSha256Update(&h, parts[i], strlen(parts[i]));
  for (size_t i = 0; i < NUM_BASE_FLAGS; ++i)
    enigmaCpuSha256Update(&h, kBaseFlags[i], strlen(kBaseFlags[i]) + 1);
  const char *arch = archFlag();
  if (arch)
    enigmaCpuSha256Update(&h, arch, strlen(arch) + 1);
  bool leanLink = isClang(cxx);
  if (leanLink)
    enigmaCpuSha256Update(&h, "clang: -fdeclspec -fconvergent-functions\n", 41);
  for (size_t i = 0; leanLink && i < NUM_LEAN_LINK_FLAGS; ++i)
    enigmaCpuSha256Update(&h, kLeanLinkFlags[i], strlen(kLeanLinkFlags[i]) + 1);
  // With clang, the kernel is compiled to an object and linked by `ld` itself (linkDirect);
  // ENIGMA_CPU_DIRECT_LINK=0 turns that off.
  const char *directEnv = getenv("ENIGMA_CPU_DIRECT_LINK");
  if (leanLink && !(directEnv && strcmp(directEnv, "0") == 0))
    ld = searchPath("ld");
  if (ld)
    enigmaCpuSha256Update(&h, "direct-link-lm\n", 15);
  enigmaCpuSha256Update(&h, source, length);
  char key[65];
  enigmaCpuSha256FinalHex(&h, key);

  soPath = enigmaCpuFormat("%s/%s.so", kernelsDir, key);
  if (!soPath || !mkdirs(kernelsDir)) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "cannot create '%s': %s", kernelsDir,
                           strerror(errno));
    goto done;
  }
  if (exists(soPath)) {
    EnigmaRuntimeError ignored = {0};
    EnigmaCpuBoundsCheck chosen = out->boundsCheck;
    if (load(soPath, kernelName, sig, out, &ignored) == ENIGMA_RUNTIME_OK) {
      if (out->addressSpaces < 0) // built before the launcher said
        out->addressSpaces = asMode == AS_REAL ? 1 : 0;
      // The default mode tries the real mode first: an erased kernel under its key is the
      // erased fallback, cached (no second real-mode compile on a warm cache).
      out->addressSpaceFallback = asMode == AS_AUTO && out->addressSpaces == 0;
      // Recently used: pruning deletes the least recently used kernels first.
      utimensat(AT_FDCWD, soPath, NULL, 0);
      out->boundsCheck = chosen;
      out->cached = true;
      out->libraryPath = soPath;
      soPath = NULL;
      goto done;
    }
    // A damaged cache entry: compile it again.
    enigmaRuntimeErrorDestroy(&ignored);
    unlink(soPath);
  }

  tmp = scratchDir(root, key);
  metalName = enigmaCpuFormat("%s.metal", kernelName);
  // The AIR async-copy intrinsics are compiled only into kernels that name them.
  bool asyncCopy = memmem(source, length, "air.simdgroup_async_copy", 24) ||
                   memmem(source, length, "air.wait_simdgroup_events", 25);
  launcher = generateLauncher(kernelName, sig, pluginFlag != NULL, asyncCopy,
                              mayUseLanes(source, length));
  if (!tmp || !metalName || !launcher) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                           "cannot create a scratch directory under '%s/tmp': %s", root,
                           strerror(errno));
    goto done;
  }
  char *metalPath = enigmaCpuFormat("%s/%s", tmp, metalName);
  char *cppPath = enigmaCpuFormat("%s/launch.cpp", tmp);
  char *outPath = enigmaCpuFormat("%s/kernel.so", tmp);
  char *incFlag = enigmaCpuFormat("-I%s", incDir);
  // The .metal file the host compiler reads has Metal's literal types (SourceRewrite.c).
  size_t hostLength = 0;
  char *hostSource = enigmaCpuRewriteMetalSource(source, length, realAS, &hostLength);
  bool wrote = metalPath && cppPath && outPath && incFlag && hostSource &&
               writeFile(metalPath, hostSource, hostLength) &&
               writeFile(cppPath, launcher, strlen(launcher));
  free(hostSource);
  if (!wrote) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                           "cannot write the kernel source to '%s': %s", tmp, strerror(errno));
  } else {
    // The flags, shared by the PCH and the kernel: base flags, -march, the
    // plugin, the user's flags, the include directory (and, for the PCH, the
    // bounds mode the launcher would #define).
    const char *flags[NUM_BASE_FLAGS + 80];
    size_t nf = 0;
    for (size_t i = 0; i < NUM_BASE_FLAGS; ++i)
      if (strcmp(kBaseFlags[i], "-shared") && !(realAS && !strcmp(kBaseFlags[i], "-std=c++17")))
        flags[nf++] = kBaseFlags[i];
    for (size_t i = 0; realAS && i < sizeof(kRealAddressSpaceFlags) / sizeof(char *); ++i)
      flags[nf++] = kRealAddressSpaceFlags[i];
    // clang: swizzles are properties (MetalTypes.h), so templates deduce them as vectors; and
    // every function may be convergent, as in C++ for OpenCL (the real mode): otherwise clang
    // drops `convergent` from __exchange (its only call is an indirect one) and may then copy
    // a SIMD-group function's call into both arms of a lane-dependent `if`, splitting the
    // exchange into two with part of the SIMD-group each (a wrong result).
    if (isClang(cxx)) {
      flags[nf++] = "-fdeclspec";
      flags[nf++] = "-fconvergent-functions";
    }
    if (asPluginFlag) {
      flags[nf++] = asPluginFlag;
      flags[nf++] = "-gline-tables-only"; // the plugin's errors name the source position
    }
    asIncludes = realAS ? cxxLibraryIncludes(root, cxx, identity) : NULL; // after the cache
    if (asIncludes)
      nf = splitFlags(asIncludes, flags, nf, NUM_BASE_FLAGS + 40);
    if (arch)
      flags[nf++] = arch;
    if (pluginFlag) {
      flags[nf++] = pluginFlag;
      // Line tables (no other debug info, no change to the code): the checks
      // name the source position of an out-of-bounds access.
      flags[nf++] = "-gline-tables-only";
    }
    nf = splitFlags(flagsCopy, flags, nf, NUM_BASE_FLAGS + 70);
    // simdgroup_matrix::thread_elements(): every lane holds its own elements, as on the GPU
    // (MetalSimdgroupMatrix.h); a command-line definition, so the PCH is built with it. The
    // elements are accessed as vec<T, 2> and as T: no type-based alias analysis.
    if (memmem(source, length, "thread_elements", 15)) {
      flags[nf++] = "-DENIGMA_CPU_MATRIX_ELEMENTS=1";
      flags[nf++] = "-fno-strict-aliasing";
    }
    flags[nf++] = incFlag;
    if (realAS) {
      flags[nf++] = "-x"; // launch.cpp, the one input
      flags[nf++] = "clcpp";
    }
    char *pch = NULL;
    PchBuild pchBuild = {0};
    if (pchEnabled(cxx)) {
      // The launcher #defines ENIGMA_CPU_EXACT_BOUNDS before the header; the
      // PCH gets the same (identical) definition from the command line.
      const char *define = pluginFlag ? "-DENIGMA_CPU_EXACT_BOUNDS=1" : NULL;
      if (define)
        flags[nf++] = define;
      pch = findPch(root, incDir, cxx, identity, pluginIdentity, flags, nf, &pchBuild);
      if (define)
        --nf;
    }
    const char *argv[NUM_BASE_FLAGS + 96];
    // clang: compile to an object, then link it with `ld` directly (linkDirect).
    char *objPath = ld ? enigmaCpuFormat("%s/kernel.o", tmp) : NULL;
    kernelArgv(argv, cxx, flags, nf, pch, pluginFlag != NULL, leanLink, outPath, cppPath,
               objPath);
    // The compile to an object runs in process, and so does the link when the module has lld.
    int rc = compileCommand(objPath ? inProcessCompiler(cxx) : NULL, argv, &output);
    if (rc == 0 && objPath &&
        !linkDirect(ld, inProcessLinker(cxx), objPath, outPath,
                    namesVersionedMath(source, length))) {
      // The driver's link, with the C and C++ runtimes.
      const char *full[] = {cxx, "-shared", "-o", outPath, objPath, "-lm", NULL};
      for (size_t i = 0; i < sizeof(full) / sizeof(full[0]); ++i)
        argv[i] = full[i];
      free(output);
      output = NULL;
      rc = run(argv, &output);
    }
    if (objPath)
      unlink(objPath);
    // objPath is freed below: argv still names it when the first compile's error is reported.
    // A known C++-for-OpenCL limitation in the default mode's real compile is the source's, not
    // the PCH's: the erased fallback follows (enigmaCpuCompile), without a compile without it.
    bool limitation = rc > 0 && asMode == AS_AUTO && realAS && output &&
                      isRealModeLimitation(output);
    if (rc > 0 && (pch || leanLink) && !limitation) {
      // Never a user-visible failure: compile again the usual way (no PCH, full link). If that
      // works, the PCH was at fault, unless the first attempt failed to link (a kernel that
      // needs the C++ runtime); if not, the error is the plain compile's.
      char *fastOutput = output;
      output = NULL;
      unlink(outPath);
      kernelArgv(argv, cxx, flags, nf, NULL, false, false, outPath, cppPath, NULL);
      rc = compileCommand(NULL, argv, &output);
      if (rc == 0 && pch && !(fastOutput && strstr(fastOutput, "undefined reference")))
        retirePch(pch, fastOutput);
      free(fastOutput);
    }
    finishPchBuild(&pchBuild);
    free(pch);
    if (rc != 0) {
      EnigmaCpuString cmd = {0};
      for (size_t i = 0; argv[i]; ++i) {
        enigmaCpuStringAppend(&cmd, i ? " " : "", i ? 1 : 0);
        enigmaCpuStringAppend(&cmd, argv[i], strlen(argv[i]));
      }
      char *cmdline = enigmaCpuStringTake(&cmd);
      if (rc < 0)
        st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                               "cannot run the host compiler '%s': %s", cxx, strerror(errno));
      else
      {
        // One clear line first (the first error, located in the kernel's source), then where
        // the full output is: never a page of C++ errors about the compatibility header.
        if (realOutput && asMode == AS_AUTO && realAS)
          *realOutput = enigmaCpuStrndup(output ? output : "", output ? strlen(output) : 0);
        char *first = firstCompilerError(output, kernelName);
        char logKey[80];
        snprintf(logKey, sizeof(logKey), "%s%s", key, erasedRetry ? ".erased" : "");
        char *log = saveCompilerOutput(root, logKey, cmdline, output);
        if (first)
          st = enigmaCpuSetError(
              error, ENIGMA_RUNTIME_ERROR_COMPILE,
              "%s\n(host compiler failed on kernel '%s' (exit status %d): a Metal construct the "
              "CPU runtime does not support, or an error in the kernel; full output: %s)",
              first, kernelName, rc, log ? log : "not saved");
        else
          st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_COMPILE,
                                 "host compiler failed on kernel '%s' (exit status %d)\n"
                                 "command: %s\n%s",
                                 kernelName, rc, cmdline ? cmdline : cxx, output ? output : "");
        free(first);
        free(log);
      }
      free(cmdline);
    } else if (rename(outPath, soPath) != 0) {
      st =
          enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                            "cannot move the compiled kernel to '%s': %s", soPath, strerror(errno));
    } else {
      st = load(soPath, kernelName, sig, out, error);
      if (st == ENIGMA_RUNTIME_OK) {
        if (out->addressSpaces < 0)
          out->addressSpaces = realAS ? 1 : 0;
        pruneCache(root, soPath);
        out->libraryPath = soPath;
        soPath = NULL;
      } else {
        unlink(soPath); // not a usable cache entry
      }
    }
    free(objPath);
  }
  const char *names[] = {metalName, "launch.cpp", "kernel.so", "kernel.o"};
  removeScratch(tmp, names, 4);
  free(metalPath);
  free(cppPath);
  free(outPath);
  free(incFlag);

done:
  free(asPluginFlag);
  free(asIncludes);
  free(root);
  free(incDir);
  free(cxx);
  free(identity);
  free(ld);
  free(flagsCopy);
  free(kernelsDir);
  free(soPath);
  free(tmp);
  free(metalName);
  free(launcher);
  free(output);
  free(plugin);
  free(pluginIdentity);
  free(pluginFlag);
  free(whyOwned);
  if (st != ENIGMA_RUNTIME_OK)
    memset(out, 0, sizeof(*out));
  return st;
}

EnigmaRuntimeStatus enigmaCpuCompile(const char *source, size_t length, const char *kernelName,
                                     const EnigmaCpuSignature *sig,
                                     const EnigmaCpuCompileOptions *opts, EnigmaCpuCompiled *out,
                                     EnigmaRuntimeError *error) {
  char *realOutput = NULL;
  EnigmaRuntimeStatus st =
      compileKernel(source, length, kernelName, sig, opts, out, error, false, &realOutput);
  bool limitation = realOutput && isRealModeLimitation(realOutput);
  free(realOutput);
  if (st == ENIGMA_RUNTIME_ERROR_COMPILE && limitation) {
    // The default mode: C++ for OpenCL rejected Metal that Metal accepts, and no address-space
    // mismatch (docs/cpu-runtime.md, "The erased fallback"); compile it again in the erased
    // mode. The real mode's output stays in errors/<key>.log.
    EnigmaRuntimeError erasedError = {ENIGMA_RUNTIME_OK, NULL};
    st = compileKernel(source, length, kernelName, sig, opts, out, &erasedError, true, NULL);
    if (st == ENIGMA_RUNTIME_OK) {
      out->addressSpaceFallback = true;
      enigmaRuntimeErrorDestroy(error);
    } else if (error) {
      // The erased mode's error is about the kernel, not about C++ for OpenCL.
      enigmaRuntimeErrorDestroy(error);
      *error = erasedError;
      erasedError.message = NULL;
    }
    enigmaRuntimeErrorDestroy(&erasedError);
  }
  return st;
}

void enigmaCpuCompiledRelease(EnigmaCpuCompiled *c) {
  if (!c)
    return;
  if (c->handle)
    dlclose(c->handle);
  free(c->libraryPath);
  memset(c, 0, sizeof(*c));
}
