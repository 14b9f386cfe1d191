//===-- HostCC.cpp - Compiling a kernel with clang's libraries in process -===//
//
// libEnigmaHostCC.so: the CPU runtime's in-process host compiler (docs/cpu-runtime.md,
// "Compiling the MSL"). The runtime gives it the very clang driver command line it would run
// as a process (`clang++-22 <flags> -c -include-pch ... -o kernel.o launch.cpp`); this module
// builds the driver's cc1 job from it with clang's Driver library, as the clang executable does
// in process, and runs that job here: no process start (20 ms of dynamic loading per kernel),
// the same cc1 arguments, so the same object code, PCH and bounds-check plugin.
//
// Differences from the clang executable, all deliberate:
//  - DisableFree is off (the driver passes -disable-free; a library must free);
//  - diagnostics go to a string, uncoloured, in the executable's format (the driver's with its
//    program-name prefix, the frontend's without, "N errors generated." at the end), so the
//    runtime's one-line error extraction and saved log work unchanged;
//  - the job runs on a thread of its own (8 MiB stack, like clang's) under
//    llvm::CrashRecoveryContext, with clang's fatal-error handler: a crash or fatal error is an
//    error returned to the caller, not the end of the process (see installCrashHandlers for
//    how that coexists with the runtime's own fault handler);
//  - one compile at a time (LLVM's fatal-error handler and option state are process-global).
//
//===----------------------------------------------------------------------===//

#include "InProcessCompiler.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticFrontend.h"
#include "clang/Basic/DiagnosticIDs.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/Stack.h"
#include "clang/Basic/Version.h"
#include "clang/CodeGen/ObjectFilePCHContainerWriter.h"
#include "clang/Driver/Compilation.h"
#include "clang/Driver/Driver.h"
#include "clang/Driver/Job.h"
#include "clang/Driver/Tool.h"
#include "clang/Driver/ToolChain.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/TextDiagnosticBuffer.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/FrontendTool/Utils.h"
#include "clang/Serialization/ObjectFilePCHContainerReader.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/TimeProfiler.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Support/raw_ostream.h"
#ifdef ENIGMA_HOSTCC_HAS_LLD
#include "lld/Common/Driver.h"
LLD_HAS_DRIVER(elf)
#endif

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <string>
#include <vector>

#define ENIGMA_HOSTCC_EXPORT extern "C" __attribute__((visibility("default")))

using namespace clang;

namespace {

/*===-- Crash recovery and the process's other fault handlers ---------------===*/
//
// llvm::CrashRecoveryContext::Enable() installs process-wide handlers for SIGABRT, SIGBUS,
// SIGFPE, SIGILL, SIGSEGV and SIGTRAP. A signal outside a recovery context makes LLVM's handler
// disable recovery and raise() the signal again, which would lose the fault address of a
// kernel's guard-page fault that the CPU runtime's handler (Scheduler.c, installed at every
// launch) must report, and would leave later compiles unprotected. So LLVM's handler is wrapped:
// a fault on the thread running a compile goes to it (it jumps out of the compile); any other is
// handed, with its siginfo, to the handler that was installed before (the runtime's, Python's
// faulthandler, or the default action).

const int kCrashSignals[] = {SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP};
constexpr int kNumCrashSignals = sizeof(kCrashSignals) / sizeof(kCrashSignals[0]);
struct sigaction gBefore[kNumCrashSignals]; // installed before recovery was enabled
struct sigaction gLLVM[kNumCrashSignals];   // CrashRecoveryContext's
std::atomic<bool> gCompiling{false};
pthread_t gCompileThread;
std::atomic<int> gChaining{0};

void callAction(const struct sigaction &a, int sig, siginfo_t *info, void *uctx) {
  if (a.sa_flags & SA_SIGINFO) {
    if (a.sa_sigaction)
      a.sa_sigaction(sig, info, uctx);
  } else if (a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN) {
    a.sa_handler(sig);
  }
}

void onCrashSignal(int sig, siginfo_t *info, void *uctx) {
  int i = 0;
  while (i < kNumCrashSignals && kCrashSignals[i] != sig)
    ++i;
  if (i == kNumCrashSignals)
    return;
  if (gCompiling.load() && pthread_equal(pthread_self(), gCompileThread)) {
    callAction(gLLVM[i], sig, info, uctx); // does not return inside a recovery context
    return;
  }
  // Not clang's: whoever handled it before. A handler that chains back to this one (the
  // runtime's saves the one it replaces) must not loop: the second time round, the default.
  if (gChaining.exchange(1)) {
    signal(sig, SIG_DFL);
    return;
  }
  callAction(gBefore[i], sig, info, uctx);
  gChaining.store(0);
  // A handler that returned (or none): the re-executed instruction, or abort()'s own second
  // raise, takes the default action.
  if (!(gBefore[i].sa_flags & SA_SIGINFO) && gBefore[i].sa_handler == SIG_IGN)
    return;
  signal(sig, SIG_DFL);
}

void installCrashHandlers() {
  for (int i = 0; i < kNumCrashSignals; ++i)
    sigaction(kCrashSignals[i], nullptr, &gBefore[i]);
  llvm::CrashRecoveryContext::Enable();
  for (int i = 0; i < kNumCrashSignals; ++i) {
    sigaction(kCrashSignals[i], nullptr, &gLLVM[i]);
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = onCrashSignal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(kCrashSignals[i], &sa, nullptr);
  }
}

/*===-- The compile ---------------------------------------------------------===*/

std::once_flag gInitOnce;
std::mutex gCompileMutex;

void initialize() {
  // What cc1_main does before anything: every target (a user flag may name another triple).
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
  llvm::InitializeAllAsmParsers();
  installCrashHandlers();
}

/// clang's fatal-error handler for cc1 (LLVMErrorHandler in cc1_main.cpp): the message as a
/// diagnostic, then out of the compile through the recovery context.
void onFatalError(void *userData, const char *message, bool genCrashDiag) {
  auto *diags = static_cast<DiagnosticsEngine *>(userData);
  diags->Report(diag::err_fe_error_backend) << message;
  llvm::sys::Process::Exit(genCrashDiag ? 70 : 1);
}

/// The clang executable's path as the clang executable computes it for itself (its real path,
/// symlinks resolved: /usr/bin/clang++-22 is /usr/lib/llvm-22/bin/clang), from which the driver
/// finds the resource directory and the GCC installation.
std::string executablePath(const char *argv0) {
  llvm::SmallString<256> real;
  if (!llvm::sys::fs::real_path(argv0, real))
    return std::string(real);
  return argv0;
}

struct Job {
  std::string executable;
  std::vector<std::string> cc1Args; // without "-cc1"
};

/// The driver's single cc1 job for `args`, ENIGMA_HOSTCC_ERROR with the driver's diagnostics,
/// or ENIGMA_HOSTCC_UNSUPPORTED when the command is not one compile job.
int buildJob(const std::vector<const char *> &args, llvm::raw_ostream &os, Job &job) {
  DiagnosticOptions diagOpts;
  diagOpts.ShowColors = false;
  auto *printer = new TextDiagnosticPrinter(os, diagOpts);
  // The driver's messages carry the program name, as the executable's do ("clang++-22: error:").
  printer->setPrefix(std::string(llvm::sys::path::filename(args[0])));
  DiagnosticsEngine diags(DiagnosticIDs::create(), diagOpts, printer);
  for (const char *a : args)
    if (!std::strcmp(a, "-w"))
      diags.setIgnoreAllWarnings(true);

  std::string path = executablePath(args[0]);
  driver::Driver driver(path, llvm::sys::getDefaultTargetTriple(), diags);
  auto nameParts = driver::ToolChain::getTargetAndModeFromProgramName(args[0]);
  driver.setTargetAndMode(nameParts);
  std::vector<const char *> argv(args);
  // As the executable does (insertTargetAndModeArgs): clang++ means --driver-mode=g++.
  if (nameParts.DriverMode)
    argv.insert(argv.begin() + 1, nameParts.DriverMode);
  if (nameParts.TargetIsValid && !nameParts.TargetPrefix.empty()) {
    // A target-prefixed name (x86_64-linux-gnu-clang++): not the runtime's, leave it to the
    // executable.
    return ENIGMA_HOSTCC_UNSUPPORTED;
  }
  std::unique_ptr<driver::Compilation> c(driver.BuildCompilation(argv));
  if (!c || c->containsError() || diags.hasErrorOccurred()) {
    printer->finish();
    return ENIGMA_HOSTCC_ERROR;
  }
  const driver::JobList &jobs = c->getJobs();
  if (jobs.size() != 1)
    return ENIGMA_HOSTCC_UNSUPPORTED;
  const driver::Command &cmd = *jobs.begin();
  if (std::strcmp(cmd.getCreator().getName(), "clang"))
    return ENIGMA_HOSTCC_UNSUPPORTED;
  const llvm::opt::ArgStringList &cc1 = cmd.getArguments();
  if (cc1.empty() || std::strcmp(cc1[0], "-cc1"))
    return ENIGMA_HOSTCC_UNSUPPORTED;
  job.executable = cmd.getExecutable();
  job.cc1Args.assign(cc1.begin() + 1, cc1.end());
  return ENIGMA_HOSTCC_OK;
}

/// cc1_main, for one job, printing to `os`. Returns the exit status cc1 would have.
int runCC1(const Job &job, llvm::raw_ostream &os) {
  std::vector<const char *> argv;
  for (const std::string &a : job.cc1Args)
    argv.push_back(a.c_str());

  auto pchOps = std::make_shared<PCHContainerOperations>();
  pchOps->registerWriter(std::make_unique<ObjectFilePCHContainerWriter>());
  pchOps->registerReader(std::make_unique<ObjectFilePCHContainerReader>());

  DiagnosticOptions bufferOpts;
  auto *buffer = new TextDiagnosticBuffer;
  DiagnosticsEngine argDiags(DiagnosticIDs::create(), bufferOpts, buffer);
  auto invocation = std::make_shared<CompilerInvocation>();
  bool ok = CompilerInvocation::CreateFromArgs(*invocation, argv, argDiags,
                                               job.executable.c_str());
  // A library frees what it allocates; and the output is a string, not a terminal.
  invocation->getFrontendOpts().DisableFree = false;
  invocation->getDiagnosticOpts().ShowColors = false;

  CompilerInstance clang(std::move(invocation), std::move(pchOps));
  clang.createVirtualFileSystem(llvm::vfs::getRealFileSystem(), buffer);
  clang.createDiagnostics(new TextDiagnosticPrinter(os, clang.getDiagnosticOpts()), true);
  if (!clang.hasDiagnostics())
    return 1;
  clang.setVerboseOutputStream(os); // "1 error generated."
  llvm::install_fatal_error_handler(onFatalError, &clang.getDiagnostics());
  buffer->FlushDiagnostics(clang.getDiagnostics());
  if (!ok) {
    clang.getDiagnosticClient().finish();
    llvm::remove_fatal_error_handler();
    return 1;
  }
  // -ftime-trace, as cc1_main does it (the profiler is per thread: this compile's own).
  const FrontendOptions &fe = clang.getFrontendOpts();
  if (!fe.TimeTracePath.empty())
    llvm::timeTraceProfilerInitialize(fe.TimeTraceGranularity, job.executable,
                                      fe.TimeTraceVerbose);
  {
    llvm::TimeTraceScope scope("ExecuteCompiler");
    ok = ExecuteCompilerInvocation(&clang);
  }
  if (llvm::timeTraceProfilerEnabled()) {
    if (llvm::Error e = llvm::timeTraceProfilerWrite(fe.TimeTracePath, fe.OutputFile))
      llvm::consumeError(std::move(e));
    llvm::timeTraceProfilerCleanup();
  }
  llvm::remove_fatal_error_handler();
  return ok ? 0 : 1;
}

char *takeString(const std::string &s) {
  if (s.empty())
    return nullptr;
  char *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (p)
    std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

/// The arguments of a NULL-terminated argv.
std::vector<const char *> argList(const char *const *argv) {
  std::vector<const char *> args;
  for (size_t i = 0; argv[i]; ++i)
    args.push_back(argv[i]);
  return args;
}

/// Runs `work` the way the clang executable runs a job: on a thread of its own with clang's
/// stack size (its deep template instantiations), under a crash recovery context, marked as the
/// thread the crash handlers hand faults to. False when it crashed or hit a fatal error
/// (`retCode` is then the recovery's code: 128 + signal, or an exit status).
bool runRecovered(llvm::function_ref<void()> work, int &retCode) {
  llvm::CrashRecoveryContext crc;
  bool finished = crc.RunSafelyOnThread(
      [&] {
        gCompileThread = pthread_self();
        gCompiling.store(true);
        work();
        gCompiling.store(false);
      },
      8u << 20);
  if (!finished)
    gCompiling.store(false);
  retCode = crc.RetCode;
  return finished;
}

} // namespace

ENIGMA_HOSTCC_EXPORT unsigned enigma_hostcc_abi_version(void) { return ENIGMA_HOSTCC_ABI_VERSION; }

ENIGMA_HOSTCC_EXPORT unsigned enigma_hostcc_llvm_major(void) { return LLVM_VERSION_MAJOR; }

ENIGMA_HOSTCC_EXPORT int enigma_hostcc_compile(const char *const *argv, char **output) {
  *output = nullptr;
  if (!argv || !argv[0])
    return ENIGMA_HOSTCC_UNSUPPORTED;
  std::vector<const char *> args = argList(argv);

  std::lock_guard<std::mutex> lock(gCompileMutex);
  std::call_once(gInitOnce, initialize);
  std::string text;
  llvm::raw_string_ostream os(text);
  int status = ENIGMA_HOSTCC_OK;
  int retCode = 0;
  // Everything clang does, the driver's argument handling included, inside the recovery.
  bool finished = runRecovered(
      [&] {
        noteBottomOfStack(/*ForceSet=*/true);
        Job job;
        status = buildJob(args, os, job);
        if (status == ENIGMA_HOSTCC_OK)
          status = runCC1(job, os) ? ENIGMA_HOSTCC_ERROR : ENIGMA_HOSTCC_OK;
      },
      retCode);
  if (!finished) {
    llvm::remove_fatal_error_handler();
    // One line the runtime's error extraction finds, in the driver's format.
    os << llvm::sys::path::filename(args[0]) << ": error: clang (in process, "
       << getClangFullVersion() << ") "
       << (retCode > 128 ? "crashed: signal " + std::to_string(retCode - 128)
                         : "stopped on a fatal error (exit status " + std::to_string(retCode) +
                               ")")
       << " while compiling:";
    for (const char *a : args)
      os << ' ' << a;
    os << '\n';
    status = ENIGMA_HOSTCC_CRASH;
  }
  os.flush();
  *output = takeString(text);
  return status;
}

#ifdef ENIGMA_HOSTCC_HAS_LLD
/// Links with lld's ELF driver in process (`argv` as for ld.lld: "-shared", "-o", out, inputs):
/// the kernel's object into its shared object without an `ld` process (1 ms instead of 3-7 ms).
/// Same lock, thread and recovery as a compile; lld's own errors come back as text. lld keeps
/// global state: once it says it cannot run again, every later call returns UNSUPPORTED and the
/// runtime runs `ld`. Exported only when the module is built with lld.
ENIGMA_HOSTCC_EXPORT int enigma_hostcc_link(const char *const *argv, char **output) {
  *output = nullptr;
  static bool unusable = false;
  if (!argv || !argv[0])
    return ENIGMA_HOSTCC_UNSUPPORTED;
  std::vector<const char *> args = argList(argv);
  std::lock_guard<std::mutex> lock(gCompileMutex);
  if (unusable)
    return ENIGMA_HOSTCC_UNSUPPORTED;
  std::call_once(gInitOnce, initialize);
  std::string text;
  llvm::raw_string_ostream os(text);
  lld::Result result{1, true};
  int retCode = 0;
  bool finished = runRecovered(
      [&] { result = lld::lldMain(args, os, os, {{lld::Gnu, &lld::elf::link}}); }, retCode);
  int status = ENIGMA_HOSTCC_OK;
  if (!finished) {
    unusable = true;
    os << "ld.lld (in process): crashed while linking\n";
    status = ENIGMA_HOSTCC_CRASH;
  } else {
    if (!result.canRunAgain)
      unusable = true;
    status = result.retCode == 0 ? ENIGMA_HOSTCC_OK : ENIGMA_HOSTCC_ERROR;
  }
  os.flush();
  *output = takeString(text);
  return status;
}
#endif // ENIGMA_HOSTCC_HAS_LLD
