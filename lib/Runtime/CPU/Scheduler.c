/*===-- Scheduler.c - Threadgroup scheduler of the CPU runtime ------------===*/
/*
 * A pool of worker threads (one per usable CPU) takes threadgroups from a
 * shared counter. A worker runs one threadgroup at a time, entirely on its own
 * OS thread, which is what makes `threadgroup` (= static thread_local) memory
 * shared by exactly the threads of that threadgroup.
 *
 * Inside a threadgroup, threads start out sequential: one fiber runs thread 0,
 * 1, 2... to completion (enigma_cpu_run's loop, with the kernel inlined), which
 * costs a function call per GPU thread for kernels without barriers. The first
 * time a thread reaches a barrier or a SIMD-group function, the group switches
 * to fiber mode: the threads before it have finished, the waiting thread keeps
 * the sequential fiber, and every later thread gets a fiber of its own. The
 * scheduler then runs every runnable fiber until it blocks, and when all are
 * blocked it
 *   - completes the SIMD-group exchanges whose lanes are all blocked (the
 *     active lanes are those waiting at the same call site; lanes that
 *     returned or wait at a barrier are inactive, as on the GPU);
 *   - otherwise releases the threadgroup barrier when every thread waits at
 *     it, or reports the barrier as divergent when some thread returned
 *     without reaching it (instead of deadlocking, which a count-based barrier
 *     would do on some GPUs).
 *
 * Faults in kernel code (out-of-bounds access to a guarded buffer, integer
 * division by zero, stack overflow, traps) arrive as signals on the worker
 * thread; the handler siglongjmps back to the worker's loop, which reports the
 * fault with the buffer, index and thread, and abandons the group's fibers.
 */

#define _GNU_SOURCE
#include "CpuRuntime.h"
#include "RaceCheck.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

#define MAX_THREADS ENIGMA_CPU_MAX_THREADS_PER_GROUP
#define SIMD ENIGMA_CPU_SIMD_WIDTH
#define SLOT ENIGMA_CPU_SIMD_SLOT_BYTES
#define SEQ_FIBER MAX_THREADS /* index of the sequential fiber */
#define MAX_WORKERS 256
#define DEFAULT_STACK_SIZE ((size_t)256 << 10)
/* Sent to the workers of a launch that exceeded its time limit. A real-time
 * signal glibc and CPython leave alone. */
#define INTERRUPT_SIGNAL (SIGRTMAX - 7)
#define ALT_STACK_SIZE ((size_t)64 << 10)

enum ThreadState {
  TS_NOT_STARTED,
  TS_READY,
  TS_RUNNING,
  TS_WAIT_BARRIER,
  TS_WAIT_SIMD,
  TS_DONE,
};
enum Mode { MODE_SEQUENTIAL, MODE_FIBERS };

typedef struct Worker Worker;

/* What a SIMD-group's exchange returns to its lanes (CpuABI.h): the published values by lane,
 * then the area the lanes of the exchange share (a flag cleared at each exchange, and a slot
 * per lane for results computed once for all of them). */
typedef struct SimdResult {
  unsigned char slots[SIMD][SLOT];
  uint32_t sharedFlag;
  unsigned char pad[ENIGMA_CPU_SIMD_SHARED_SLOTS - ENIGMA_CPU_SIMD_SHARED_FLAG - sizeof(uint32_t)];
  unsigned char shared[SIMD][SLOT];
} SimdResult;
_Static_assert(offsetof(SimdResult, sharedFlag) == ENIGMA_CPU_SIMD_SHARED_FLAG,
               "SimdResult layout (CpuABI.h)");
_Static_assert(offsetof(SimdResult, shared) == ENIGMA_CPU_SIMD_SHARED_SLOTS,
               "SimdResult layout (CpuABI.h)");

typedef struct Fiber {
  void *sp;
  Worker *w;
  uint32_t thread; /* GPU thread it runs (fiber mode) */
  bool started;    /* sp holds a valid context */
  bool committed;  /* stack pages are accessible */
} Fiber;

typedef struct FaultInfo {
  int sig, code; /* sig 0: a bounds check failed (exact checking) */
  const void *addr;
  int access; /* 0 unknown, else ENIGMA_CPU_ACCESS_* or-ed */
  uint32_t thread;
  /* For a failed bounds check: the access's size, job->buffers index and
   * source position (static text in the kernel library, or NULL). */
  uint64_t size;
  uint32_t buffer;
  const char *where;
  /* ENIGMA_CPU_TRAP_* when an exact check caught a division (sig SIGFPE). */
  uint32_t trap;
  /* sig RACE_SIGNAL: the race checker's report (malloc'ed) and status. */
  char *raceMessage;
  EnigmaRuntimeStatus raceStatus;
} FaultInfo;

/* FaultInfo.sig of a report of the race checker (no real signal). */
#define RACE_SIGNAL (-1)

typedef struct JobState {
  const EnigmaCpuJob *job;
  atomic_uint_fast64_t next;
  uint64_t total, chunk;
  atomic_bool abort;
  /* Set by the launching thread when the time limit passed: workers still in
   * kernel code are then interrupted (INTERRUPT_SIGNAL) and report it. */
  atomic_bool timedOut;
  pthread_mutex_t errorLock;
  EnigmaRuntimeStatus status;
  char *message;
  /* Parallel copy jobs. */
  void *copyDst;
  const void *copySrc;
  size_t copyBytes;
} JobState;

struct Worker {
  int index;
  pthread_t thread;
  unsigned seenGeneration;
  char *stackArea; /* MAX_THREADS + 1 slots of (guard page + stack) */
  size_t slotSize;
  Fiber fibers[MAX_THREADS + 1];
  void *schedSp;

  /* The threadgroup being run. */
  const EnigmaCpuJob *job;
  JobState *js;
  EnigmaCpuGroup g;
  int mode;
  uint32_t seqThread;
  uint32_t doneCount;
  uint32_t barrierCount;
  uint8_t state[MAX_THREADS];
  uint16_t fiberOf[MAX_THREADS];
  uintptr_t site[MAX_THREADS];
  uint64_t resMask[MAX_THREADS];
  unsigned char pub[MAX_THREADS][SLOT];
  SimdResult res[MAX_THREADS / SIMD];

  /* Fault recovery. */
  sigjmp_buf jmp;
  volatile sig_atomic_t inKernel;
  FaultInfo fault;
  char *altStack;

  /* Per-thread state of lane-loop threadgroups (lanesScratch). */
  void *lanesBuf;
  uint64_t lanesCap;
};

typedef struct Pool {
  size_t numWorkers;
  Worker **workers;
  size_t stackSize;
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  unsigned generation;
  size_t pending;
  size_t participants;
  JobState *js;
  bool copyJob;
} Pool;

static Pool *gPool;
static pthread_mutex_t gInitLock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t gLaunchLock = PTHREAD_MUTEX_INITIALIZER;

/*===-- Errors ------------------------------------------------------------===*/

/// Records the job's first error (later ones are dropped) and stops the job.
static void jobFail(JobState *js, EnigmaRuntimeStatus status, char *message) {
  pthread_mutex_lock(&js->errorLock);
  if (js->status == ENIGMA_RUNTIME_OK) {
    js->status = status;
    js->message = message;
    message = NULL;
  }
  pthread_mutex_unlock(&js->errorLock);
  free(message);
  atomic_store(&js->abort, true);
}

static void describeThread(const Worker *w, uint32_t t, char *buf, size_t n) {
  const EnigmaCpuGroup *g = &w->g;
  uint32_t sx = g->threadsPerThreadgroup[0], sy = g->threadsPerThreadgroup[1];
  uint32_t lx = t % sx, ly = (t / sx) % sy, lz = t / (sx * sy);
  snprintf(buf, n,
           "threadgroup (%u,%u,%u), thread (%u,%u,%u) of the threadgroup, "
           "thread_position_in_grid (%u,%u,%u)",
           g->threadgroupPositionInGrid[0], g->threadgroupPositionInGrid[1],
           g->threadgroupPositionInGrid[2], lx, ly, lz,
           g->threadgroupPositionInGrid[0] * g->dispatchThreadsPerThreadgroup[0] + lx,
           g->threadgroupPositionInGrid[1] * g->dispatchThreadsPerThreadgroup[1] + ly,
           g->threadgroupPositionInGrid[2] * g->dispatchThreadsPerThreadgroup[2] + lz);
}

static void reportFault(Worker *w) {
  const FaultInfo *f = &w->fault;
  const EnigmaCpuJob *job = w->job;
  if (f->sig == RACE_SIGNAL) { // the message is complete
    jobFail(w->js, f->raceStatus, w->fault.raceMessage);
    w->fault.raceMessage = NULL;
    return;
  }
  char where[512];
  describeThread(w, f->thread, where, sizeof(where));
  if (f->where && *f->where) {
    size_t n = strlen(where);
    snprintf(where + n, sizeof(where) - n, ", at %s", f->where);
  }
  const char *access = f->access == (ENIGMA_CPU_ACCESS_READ | ENIGMA_CPU_ACCESS_WRITE)
                           ? "atomic read-modify-write"
                       : f->access == ENIGMA_CPU_ACCESS_WRITE ? "write"
                       : f->access == ENIGMA_CPU_ACCESS_READ  ? "read"
                                                              : "access";
  uintptr_t a = (uintptr_t)f->addr;
  char *msg = NULL;
  EnigmaRuntimeStatus status = ENIGMA_RUNTIME_ERROR_KERNEL_FAULT;

  if (f->sig == INTERRUPT_SIGNAL) {
    jobFail(w->js, ENIGMA_RUNTIME_ERROR_TIMEOUT,
            enigmaCpuFormat("kernel '%s': the launch did not finish within its time limit of %.3g "
                            "s and was interrupted (an infinite loop, or a thread waiting for a "
                            "value no other thread will set: threads of a threadgroup only switch "
                            "at barriers and SIMD-group functions); still running: %s",
                            job->kernelName, job->timeoutMs / 1000.0, where));
    return;
  }
  if (f->sig == 0 || f->sig == SIGSEGV || f->sig == SIGBUS) {
    for (size_t i = 0; i < job->numBuffers && !msg; ++i) {
      const EnigmaCpuBufferInfo *b = &job->buffers[i];
      if (f->sig == 0 ? i != f->buffer
                      : !b->regionLo || a < (uintptr_t)b->regionLo || a >= (uintptr_t)b->regionHi)
        continue;
      const EnigmaCpuParamDesc *p = b->param;
      long long off = (long long)(a - (uintptr_t)b->data);
      long long elem = p->elementSize ? (long long)p->elementSize : 1;
      long long index = off >= 0 ? off / elem : -((-off + elem - 1) / elem);
      status = ENIGMA_RUNTIME_ERROR_OUT_OF_BOUNDS;
      // A failed check knows the access's size: say it when it is not one
      // element (a vector, a memcpy, part of an element).
      char sizeNote[48] = "";
      if (f->sig == 0 && f->size != (uint64_t)elem)
        snprintf(sizeNote, sizeof(sizeNote), ", %llu bytes", (unsigned long long)f->size);
      char scalarSize[48] = "";
      if (f->sig == 0)
        snprintf(scalarSize, sizeof(scalarSize), " (%llu bytes)", (unsigned long long)f->size);
      // A write inside a write-protected argument: the protection's fault, or
      // an exact check against its (empty) writable bytes.
      bool protectedWrite = f->sig != 0
                                ? off >= 0 && (size_t)off < b->size
                                : (f->access & ENIGMA_CPU_ACCESS_WRITE) && b->writeProtected &&
                                      off >= 0 && (uint64_t)off + f->size <= b->size;
      if (p->kind == ENIGMA_CPU_PARAM_SCALAR && protectedWrite)
        msg = enigmaCpuFormat("kernel '%s': write to constant '%s' ([[buffer(%d)]], constant %s&) "
                              "at byte offset %lld, in %s",
                              job->kernelName, p->name, p->bufferIndex, p->typeName, off, where);
      else if (p->kind == ENIGMA_CPU_PARAM_SCALAR)
        msg = enigmaCpuFormat("kernel '%s': out-of-bounds %s of constant '%s' ([[buffer(%d)]], "
                              "constant %s&, %zu bytes) at byte offset %lld%s, in %s",
                              job->kernelName, access, p->name, p->bufferIndex, p->typeName,
                              b->size, off, scalarSize, where);
      else if (p->kind == ENIGMA_CPU_PARAM_THREADGROUP)
        msg = enigmaCpuFormat("kernel '%s': out-of-bounds %s of threadgroup memory '%s' "
                              "([[threadgroup(%d)]], %zu bytes of %s given at launch) at element "
                              "index %lld (byte offset %lld%s), in %s",
                              job->kernelName, access, p->name, p->threadgroupIndex, b->size,
                              p->typeName, index, off, sizeNote, where);
      else if (protectedWrite)
        msg = enigmaCpuFormat("kernel '%s': write to read-only buffer '%s' ([[buffer(%d)]], "
                              "declared %s%s) at element index %lld (byte offset %lld), in %s",
                              job->kernelName, p->name, p->bufferIndex, p->readOnly ? "const " : "",
                              p->typeName, index, off, where);
      else {
        // "28 bytes = 7 elements of float", "16 bytes = 1 element of float4",
        // "24 bytes = 1 element of float4 and 8 bytes".
        size_t whole = b->size / (size_t)elem, rest = b->size % (size_t)elem;
        char restNote[48] = "";
        if (rest)
          snprintf(restNote, sizeof(restNote), " and %zu bytes", rest);
        msg = enigmaCpuFormat("kernel '%s': out-of-bounds %s of buffer '%s' ([[buffer(%d)]], %zu "
                              "bytes = %zu element%s of %s%s) at element index %lld (byte offset "
                              "%lld%s), in %s",
                              job->kernelName, access, p->name, p->bufferIndex, b->size, whole,
                              whole == 1 ? "" : "s", p->typeName, restNote, index, off, sizeNote,
                              where);
      }
    }
    if (!msg) {
      size_t page = enigmaCpuPageSize();
      for (size_t i = 0; i <= MAX_THREADS && !msg; ++i) {
        uintptr_t guard = (uintptr_t)w->stackArea + i * w->slotSize;
        if (a >= guard && a < guard + page) {
          msg = enigmaCpuFormat("kernel '%s': stack overflow: a thread used more than the %zu "
                                "bytes of stack each simulated GPU thread has (set "
                                "ENIGMA_CPU_STACK_SIZE to raise it), in %s",
                                job->kernelName, w->slotSize - page, where);
        }
      }
    }
    if (!msg) {
      bool unchecked = job->numBuffers > 0 && (job->flags & ENIGMA_CPU_LAUNCH_UNCHECKED);
      msg = enigmaCpuFormat(
          "kernel '%s': invalid memory %s at address %p, outside every buffer "
          "of the launch%s, in %s",
          job->kernelName, access, f->addr,
          unchecked ? " (the launch was unchecked: buffers were not guarded)" : "", where);
    }
  } else if (f->sig == SIGFPE) {
    // x86-64 raises the same #DE (FPE_INTDIV) for a zero divisor and for INT_MIN / -1; the
    // exact checks tell them apart.
    const char *what = f->trap == ENIGMA_CPU_TRAP_DIVIDE_BY_ZERO ? "integer division by zero"
                       : f->trap == ENIGMA_CPU_TRAP_DIVIDE_OVERFLOW
                           ? "integer overflow in division (INT_MIN / -1)"
                       : f->code == FPE_INTDIV ? "integer division by zero or overflow "
                                                 "(INT_MIN / -1)"
                       : f->code == FPE_INTOVF ? "integer overflow in division "
                                                 "(INT_MIN / -1)"
                                               : "arithmetic exception";
    msg = enigmaCpuFormat("kernel '%s': %s (undefined in Metal), in %s", job->kernelName, what,
                          where);
  } else {
    msg = enigmaCpuFormat("kernel '%s': illegal instruction (a trap, e.g. "
                          "__builtin_trap() or undefined behaviour the host "
                          "compiler turned into one), in %s",
                          job->kernelName, where);
  }
  jobFail(w->js, status, msg);
}

/*===-- Signals -----------------------------------------------------------===*/

static const int kFaultSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
#define NUM_FAULT_SIGNALS 4
static struct sigaction gPrevAction[NUM_FAULT_SIGNALS];

/// The calling thread's worker, found without TLS: __tls_get_addr is not
/// async-signal-safe for a dlopen'ed library.
static Worker *currentWorker(void) {
  Pool *pool = gPool;
  if (!pool)
    return NULL;
  pthread_t self = pthread_self();
  for (size_t i = 0; i < pool->numWorkers; ++i)
    if (pool->workers[i] && pthread_equal(pool->workers[i]->thread, self))
      return pool->workers[i];
  return NULL;
}

static void onFault(int sig, siginfo_t *info, void *uctx) {
  Worker *w = currentWorker();
  if (w && w->inKernel) {
    w->fault.sig = sig;
    w->fault.code = info->si_code;
    w->fault.addr = info->si_addr;
    w->fault.access = 0;
    w->fault.where = NULL;
    w->fault.trap = 0;
#if defined(__x86_64__) && defined(REG_ERR)
    if (sig == SIGSEGV && uctx)
      w->fault.access = (((ucontext_t *)uctx)->uc_mcontext.gregs[REG_ERR] & 2) ? 2 : 1;
#endif
    w->fault.thread = w->g.current;
    siglongjmp(w->jmp, 1);
  }
  // Not a kernel's fault: hand it to whoever handled it before us, then let
  // the re-executed instruction take the default action.
  for (int i = 0; i < NUM_FAULT_SIGNALS; ++i) {
    if (kFaultSignals[i] != sig)
      continue;
    struct sigaction *prev = &gPrevAction[i];
    if (prev->sa_flags & SA_SIGINFO) {
      if (prev->sa_sigaction)
        prev->sa_sigaction(sig, info, uctx);
    } else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
      prev->sa_handler(sig);
    }
  }
  signal(sig, SIG_DFL);
}

/// The time limit passed: a worker running kernel code of the timed-out job
/// leaves it like after a fault; anywhere else the signal is ignored (the
/// launching thread sends it again until every worker has returned).
static void onInterrupt(int sig, siginfo_t *info, void *uctx) {
  (void)info;
  (void)uctx;
  Worker *w = currentWorker();
  if (!w || !w->inKernel || !w->js || !atomic_load(&w->js->timedOut))
    return;
  w->fault.sig = sig;
  w->fault.code = 0;
  w->fault.addr = NULL;
  w->fault.access = 0;
  w->fault.where = NULL;
  w->fault.trap = 0;
  w->fault.thread = w->g.current;
  siglongjmp(w->jmp, 1);
}

/// Called by a kernel's __enigma_trap (exact checking) before a division the
/// host would trap on: reported like the SIGFPE, with the source position.
static void onTrap(uint32_t kind, const char *where) {
  Worker *w = currentWorker();
  if (!w || !w->inKernel)
    abort(); // only kernel code on a worker calls it
  w->fault.sig = SIGFPE;
  w->fault.code = kind == ENIGMA_CPU_TRAP_DIVIDE_BY_ZERO ? FPE_INTDIV : FPE_INTOVF;
  w->fault.addr = NULL;
  w->fault.access = 0;
  w->fault.where = where;
  w->fault.trap = kind;
  w->fault.thread = w->g.current;
  siglongjmp(w->jmp, 1);
}

/// Called by a kernel's __enigma_bounds_check (exact checking) on the fiber of
/// the thread whose access is out of bounds: reported like a fault.
static void onBoundsViolation(const void *addr, uint64_t size, uint32_t access, uint32_t buffer,
                              const char *where) {
  Worker *w = currentWorker();
  if (!w || !w->inKernel)
    abort(); // only kernel code on a worker calls it
  w->fault.sig = 0;
  w->fault.code = 0;
  w->fault.addr = addr;
  w->fault.access = (int)access;
  w->fault.size = size;
  w->fault.buffer = buffer;
  w->fault.where = where;
  w->fault.trap = 0;
  w->fault.thread = w->g.current;
  siglongjmp(w->jmp, 1);
}

/// The slow path of an exact bounds check (the .so's __enigma_bounds_check forwards here): an
/// address in a buffer's guarded region passes only when all `size` bytes are the buffer's;
/// addresses in no region (the stack, threadgroup memory, a disabled vector lane's null) pass.
static void boundsCheck(const EnigmaCpuBoundsTable *t, const void *p, uint64_t size,
                        uint32_t access, const char *where) {
  uintptr_t a = (uintptr_t)p;
  for (uint32_t i = 0; i < t->count; ++i) {
    const EnigmaCpuBufferBounds *b = &t->buffers[i];
    if (a - b->regionLo >= b->regionSize)
      continue;
    uintptr_t off = a - b->dataLo; // wraps below the start
    if (size == 0 || (off <= b->dataSize && size <= b->dataSize - off))
      return;
    onBoundsViolation(p, size, access, i, where);
  }
}

/// An access through parameter `param` outside its fast-path bytes (the .so's
/// __enigma_param_bounds_fail forwards here): reported against that parameter's buffer. A
/// parameter with several regions (threadgroup memory, one per worker) owns the bytes of any of
/// them, and a failure is reported against the one the address is in.
static void paramBoundsFail(const EnigmaCpuBoundsTable *t, const void *p, uint64_t size,
                            uint32_t access, uint32_t param, const char *where) {
  if (size == 0)
    return;
  uintptr_t a = (uintptr_t)p;
  uint32_t first = t->count, in = t->count;
  for (uint32_t i = 0; i < t->count; ++i) {
    const EnigmaCpuBufferBounds *b = &t->buffers[i];
    if (b->param != param)
      continue;
    uintptr_t off = a - b->dataLo;
    if (b->regionSize && off <= b->dataSize && size <= b->dataSize - off &&
        t->writeParams[param].size == 0 && t->params[param].size == 0)
      return;
    if (first == t->count)
      first = i;
    if (in == t->count && a - b->regionLo < b->regionSize)
      in = i;
  }
  if (in != t->count || first != t->count)
    onBoundsViolation(p, size, access, in != t->count ? in : first, where);
  boundsCheck(t, p, size, access, where);
}

/// Installs the fault handler, again if someone replaced it since: a launch
/// must never run without it.
static void ensureSignalHandlers(void) {
  for (int i = 0; i < NUM_FAULT_SIGNALS; ++i) {
    struct sigaction cur;
    if (sigaction(kFaultSignals[i], NULL, &cur) != 0)
      continue;
    if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == onFault)
      continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = onFault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(kFaultSignals[i], &sa, NULL) == 0)
      gPrevAction[i] = cur;
  }
  struct sigaction cur;
  if (sigaction(INTERRUPT_SIGNAL, NULL, &cur) == 0 &&
      !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == onInterrupt)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = onInterrupt;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(INTERRUPT_SIGNAL, &sa, NULL);
  }
}

/*===-- Race checking -----------------------------------------------------===*/
/*
 * A race-checked launch (RaceCheck.h) runs a build of the kernel whose every access that may
 * touch a buffer or a kernel-scope threadgroup variable first calls raceAccess (through the
 * .so's __enigma_race_access). Threadgroups then run one at a time on one worker (the first),
 * so the checker needs no locks and its reports are deterministic.
 *
 * Shadow memory: one RaceCell per byte of every writable buffer of the launch and of every
 * threadgroup variable seen, holding the last write (and an atomic write concurrent with it,
 * when that is atomic too) and up to two reads since (the first read, and the latest by another
 * thread). An access records its threadgroup (a serial number,
 * unique over the process's race-checked launches), its thread, whether it is atomic, the
 * barrier epoch of its memory (threadgroup barriers with mem_threadgroup advance the
 * threadgroup epoch, mem_device the device epoch), the exchange count of its SIMD-group and
 * its source position. Two accesses conflict when they come from different threads, at least
 * one writes, not both are atomic, and
 *   - threadgroup memory: they are in the same barrier epoch and not ordered by a SIMD-group
 *     exchange both lanes took part in after the first and before the second access;
 *   - device memory: they come from different threadgroups, or from one threadgroup under the
 *     rule above with the device epoch.
 * Cells of threadgroup memory whose serial is not the running threadgroup's are empty (so
 * nothing is cleared between threadgroups). A read of threadgroup memory no thread of the
 * threadgroup wrote is remembered and reported at the next barrier or the end of the
 * threadgroup, unless a race on it (another thread writing it in the same epoch) is reported
 * first: in `tile[t] = x; v = tile[t + 1];` without a barrier, the race is the cause.
 */

typedef struct RaceAccess {
  uint32_t serial; /* threadgroup; 0: none */
  uint16_t thread; /* thread_index_in_threadgroup */
  uint8_t atomic : 1;
  uint8_t asyncCopy : 1; /* by a SIMD-group async copy */
  uint8_t write;
  uint32_t epoch; /* barrier epoch of the memory's kind */
  uint32_t simd;  /* exchanges completed by the thread's SIMD-group before the access */
  const char *where;
} RaceAccess;

/* w: the last write; wa: an atomic write concurrent with w, itself atomic (both are
 * unordered with what follows, and a plain access after them races with either). */
typedef struct RaceCell {
  RaceAccess w, wa, r1, r2;
} RaceCell;

typedef struct RaceRange {
  uintptr_t lo, size;
  RaceCell *cells; /* mmap'ed, size cells */
  size_t mapBytes;
  const EnigmaCpuBufferInfo *buffer; /* device memory: the buffer; NULL: threadgroup */
  const char *tgName;
} RaceRange;

#define MAX_SIMDGROUPS (MAX_THREADS / SIMD)
#define MAX_RACE_TG_RANGES 64
#define BARRIER_FLAGS_KNOWN 0x80000000u

typedef struct RaceState {
  const EnigmaCpuJob *job;
  Worker *w;
  RaceRange *dev;
  size_t numDev;
  RaceRange tg[MAX_RACE_TG_RANGES];
  size_t numTg;
  RaceRange *lastHit;
  uint32_t firstSerial; /* serial of threadgroup 0 */
  uint32_t serial;      /* the running threadgroup's */
  uint32_t tgEpoch, devEpoch;
  uint32_t pendingFlags[MAX_THREADS]; /* mem_flags of the barrier each thread waits at */
  uint32_t simdSeq[MAX_SIMDGROUPS];
  /* lastCommon[sg][a][b]: the last exchange (simdSeq value) lanes a and b both took part in. */
  uint32_t lastCommon[MAX_SIMDGROUPS][SIMD][SIMD];
  bool uninitPending;
  RaceAccess uninit;
  const RaceRange *uninitRange;
  uintptr_t uninitOffset;
  uint64_t uninitSize;
} RaceState;

/* The race-checked launch running (launches are serialized); serials of threadgroups. */
static RaceState *gRace;
static uint32_t gRaceSerial;

/* Shadow mappings kept for the next race-checked launches (guarded by gLaunchLock): cells
 * whose serial precedes a launch's first are empty to it, so a mapping is reused without
 * clearing, and repeated launches do not fault its pages in again. */
#define RACE_POOL_SLOTS 16
#define RACE_POOL_MAX_BYTES ((size_t)2 << 30)
static struct {
  void *cells;
  size_t bytes;
} gRacePool[RACE_POOL_SLOTS];

static void raceRangeFree(RaceRange *r) {
  if (!r->cells)
    return;
  size_t pooled = 0;
  int freeSlot = -1;
  for (int i = 0; i < RACE_POOL_SLOTS; ++i) {
    pooled += gRacePool[i].bytes;
    if (!gRacePool[i].cells && freeSlot < 0)
      freeSlot = i;
  }
  if (freeSlot >= 0 && pooled + r->mapBytes <= RACE_POOL_MAX_BYTES) {
    gRacePool[freeSlot].cells = r->cells;
    gRacePool[freeSlot].bytes = r->mapBytes;
  } else {
    munmap(r->cells, r->mapBytes);
  }
  r->cells = NULL;
}

static bool raceRangeInit(RaceRange *r, uintptr_t lo, uintptr_t size) {
  r->lo = lo;
  r->size = size;
  size_t need = size ? size * sizeof(RaceCell) : 1;
  int best = -1;
  for (int i = 0; i < RACE_POOL_SLOTS; ++i)
    if (gRacePool[i].cells && gRacePool[i].bytes >= need &&
        (best < 0 || gRacePool[i].bytes < gRacePool[best].bytes))
      best = i;
  if (best >= 0) {
    r->cells = gRacePool[best].cells;
    r->mapBytes = gRacePool[best].bytes;
    gRacePool[best].cells = NULL;
    gRacePool[best].bytes = 0;
    return true;
  }
  r->mapBytes = need;
  void *p =
      mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  r->cells = p == MAP_FAILED ? NULL : p;
  return r->cells != NULL;
}

/// The position of threadgroup `serial` of the launch and the size of that threadgroup.
static void raceGroupOf(const RaceState *rs, uint32_t serial, uint32_t gid[3], uint32_t size[3]) {
  const EnigmaCpuJob *job = rs->job;
  uint64_t linear = serial - rs->firstSerial;
  uint64_t nx = (job->grid[0] + job->block[0] - 1) / job->block[0];
  uint64_t ny = (job->grid[1] + job->block[1] - 1) / job->block[1];
  gid[0] = (uint32_t)(linear % nx);
  gid[1] = (uint32_t)((linear / nx) % ny);
  gid[2] = (uint32_t)(linear / (nx * ny));
  for (int d = 0; d < 3; ++d) {
    uint32_t left = job->grid[d] - gid[d] * job->block[d];
    size[d] = left < job->block[d] ? left : job->block[d];
  }
}

static void raceDescribe(const RaceState *rs, const RaceAccess *a, char *buf, size_t n) {
  uint32_t gid[3], size[3];
  raceGroupOf(rs, a->serial, gid, size);
  uint32_t t = a->thread, lx = t % size[0], ly = (t / size[0]) % size[1],
           lz = t / (size[0] * size[1]);
  const uint32_t *block = rs->job->block;
  snprintf(buf, n,
           "%s%s by threadgroup (%u,%u,%u), thread (%u,%u,%u) of the threadgroup, "
           "thread_position_in_grid (%u,%u,%u), at %s",
           a->atomic ? "atomic " : "", a->write ? "write" : "read", gid[0], gid[1], gid[2], lx, ly,
           lz, gid[0] * block[0] + lx, gid[1] * block[1] + ly, gid[2] * block[2] + lz,
           a->where && *a->where ? a->where
                                 : "a position inside a library function (no kernel line)");
}

/// "buffer 'out' ([[buffer(1)]], float) at element index 3 (byte offset 12)" or
/// "threadgroup memory 'tile' (1024 bytes) at byte offset 12".
static char *raceLocation(const RaceState *rs, const RaceRange *r, uintptr_t off) {
  (void)rs;
  if (r->buffer) {
    const EnigmaCpuParamDesc *p = r->buffer->param;
    size_t elem = p->elementSize ? p->elementSize : 1;
    return enigmaCpuFormat("buffer '%s' ([[buffer(%d)]], %s) at element index %zu (byte offset "
                           "%zu)",
                           p->name, p->bufferIndex, p->typeName, (size_t)off / elem, (size_t)off);
  }
  if (r->tgName)
    return enigmaCpuFormat("threadgroup memory '%s' (%zu bytes) at byte offset %zu", r->tgName,
                           (size_t)r->size, (size_t)off);
  return enigmaCpuFormat("threadgroup memory at byte offset %zu", (size_t)off);
}

/// Stops the launch with a report, from the fiber of the thread making access `b`.
static void raceReport(RaceState *rs, const RaceRange *r, uintptr_t off, const RaceAccess *a,
                       const RaceAccess *b) {
  Worker *w = rs->w;
  char first[512], second[512];
  raceDescribe(rs, a, first, sizeof(first));
  raceDescribe(rs, b, second, sizeof(second));
  char *loc = raceLocation(rs, r, off);
  const char *why;
  if (!r->buffer)
    why = "threadgroup memory is only ordered by a threadgroup_barrier(mem_flags::"
          "mem_threadgroup) both threads pass, or, between lanes of one SIMD-group, a "
          "SIMD-group function or simdgroup_barrier";
  else if (a->serial != b->serial)
    why = "threadgroups are not ordered with each other: only atomic accesses to the same "
          "device memory from different threadgroups are race-free";
  else
    why = "within a threadgroup, device memory is only ordered by a "
          "threadgroup_barrier(mem_flags::mem_device) both threads pass, or, between lanes of "
          "one SIMD-group, a SIMD-group function or simdgroup_barrier";
  w->fault.sig = RACE_SIGNAL;
  w->fault.where = NULL; // (a pointer into the kernel library of an earlier fault)
  w->fault.addr = NULL;
  w->fault.raceStatus = ENIGMA_RUNTIME_ERROR_DATA_RACE;
  free(w->fault.raceMessage);
  w->fault.raceMessage =
      enigmaCpuFormat("kernel '%s': data race on %s: %s, and %s; %s", rs->job->kernelName,
                      loc ? loc : "memory", first, second, why);
  free(loc);
  w->fault.thread = w->g.current;
  siglongjmp(w->jmp, 1);
}

/// Whether earlier access `a` happens before access `b` (now, by the running thread).
static bool raceOrdered(const RaceState *rs, const RaceAccess *a, const RaceAccess *b) {
  if (a->serial != b->serial)
    return false; // threadgroups are never ordered
  if (a->thread == b->thread || a->epoch != b->epoch)
    return true; // program order, or a barrier between them
  // An exchange of their SIMD-group after `a` and before `b`, both lanes taking part.
  return a->thread / SIMD == b->thread / SIMD &&
         rs->lastCommon[a->thread / SIMD][b->thread % SIMD][a->thread % SIMD] > a->simd;
}

/// Whether earlier access `a` and access `b` race.
static bool raceConflict(const RaceState *rs, const RaceAccess *a, const RaceAccess *b,
                         bool threadgroup) {
  if (!a->serial || (!a->write && !b->write) || (a->atomic && b->atomic))
    return false;
  if (a->asyncCopy && b->asyncCopy && a->write && b->write)
    return false; // SIMD-groups copying the same tile: the same bytes

  if (a->serial != b->serial)
    return !threadgroup; // threadgroup memory: another threadgroup's cell is empty
  return !raceOrdered(rs, a, b);
}

static RaceRange *raceFindRange(RaceState *rs, uintptr_t a, uint32_t flags, const void *tgBase,
                                const char *tgName, uint64_t tgSize) {
  RaceRange *hit = rs->lastHit;
  if (hit && a - hit->lo < hit->size)
    return hit;
  if ((flags & ENIGMA_CPU_RACE_THREADGROUP) && tgBase) {
    for (size_t i = 0; i < rs->numTg; ++i)
      if (rs->tg[i].lo == (uintptr_t)tgBase && rs->tg[i].size == tgSize)
        return a - rs->tg[i].lo < rs->tg[i].size ? (rs->lastHit = &rs->tg[i]) : NULL;
    if (rs->numTg == MAX_RACE_TG_RANGES || !tgSize)
      return NULL;
    RaceRange *r = &rs->tg[rs->numTg];
    memset(r, 0, sizeof(*r));
    if (!raceRangeInit(r, (uintptr_t)tgBase, tgSize))
      return NULL;
    r->tgName = tgName;
    ++rs->numTg;
    return a - r->lo < r->size ? (rs->lastHit = r) : NULL;
  }
  for (size_t i = 0; i < rs->numDev; ++i)
    if (a - rs->dev[i].lo < rs->dev[i].size)
      return rs->lastHit = &rs->dev[i];
  for (size_t i = 0; i < rs->numTg; ++i)
    if (a - rs->tg[i].lo < rs->tg[i].size)
      return rs->lastHit = &rs->tg[i];
  return NULL;
}

static void raceAccess(const void *addr, uint64_t size, uint32_t flags, const char *where,
                       const void *tgBase, const char *tgName, uint64_t tgSize) {
  RaceState *rs = gRace;
  if (!rs || !rs->w || !addr || !rs->w->inKernel)
    return;
  if (flags & ENIGMA_CPU_RACE_DECLARE) { // the launcher names a threadgroup variable
    if (tgBase)
      raceFindRange(rs, (uintptr_t)tgBase, ENIGMA_CPU_RACE_THREADGROUP, tgBase, tgName, tgSize);
    return;
  }
  if (!size)
    return;
  // A simdgroup_matrix load or store: the SIMD-group's leader does it whole for every lane,
  // the other lanes skip it (MetalSimdgroupMatrix.h); a leader stands for all lanes.
  if ((flags & ENIGMA_CPU_RACE_SIMDGROUP) &&
      rs->w->g.matrixLeader[rs->w->g.current / SIMD] != rs->w->g.current % SIMD)
    return;
  uintptr_t a = (uintptr_t)addr;
  RaceRange *r = raceFindRange(rs, a, flags, tgBase, tgName, tgSize);
  if (!r)
    return; // the stack, a constant, a read-only buffer...
  bool threadgroup = r->buffer == NULL;
  uintptr_t off = a - r->lo;
  uint64_t n = size < r->size - off ? size : r->size - off;
  uint32_t t = rs->w->g.current;
  RaceAccess me = {rs->serial,
                   (uint16_t)t,
                   (flags & ENIGMA_CPU_RACE_ATOMIC) != 0,
                   (flags & ENIGMA_CPU_RACE_ASYNC_COPY) != 0,
                   (flags & ENIGMA_CPU_RACE_WRITE) != 0,
                   threadgroup ? rs->tgEpoch : rs->devEpoch,
                   rs->simdSeq[t / SIMD],
                   where};
  for (uint64_t i = 0; i < n; ++i) {
    RaceCell *c = &r->cells[off + i];
    // What other threadgroups left in threadgroup memory, and earlier launches in a reused
    // shadow mapping, is empty.
    uint32_t oldest = threadgroup ? rs->serial : rs->firstSerial;
    if (c->w.serial < oldest)
      c->w.serial = 0;
    if (c->wa.serial < oldest)
      c->wa.serial = 0;
    if (c->r1.serial < oldest)
      c->r1.serial = 0;
    if (c->r2.serial < oldest)
      c->r2.serial = 0;
    if (raceConflict(rs, &c->w, &me, threadgroup))
      raceReport(rs, r, off + i, &c->w, &me);
    if (raceConflict(rs, &c->wa, &me, threadgroup))
      raceReport(rs, r, off + i, &c->wa, &me);
    if (me.write) {
      if (raceConflict(rs, &c->r1, &me, threadgroup))
        raceReport(rs, r, off + i, &c->r1, &me);
      if (raceConflict(rs, &c->r2, &me, threadgroup))
        raceReport(rs, r, off + i, &c->r2, &me);
      if (c->w.serial && c->w.atomic && me.atomic && !raceOrdered(rs, &c->w, &me))
        c->wa = c->w;
      c->w = me;
      memset(&c->r1, 0, sizeof(c->r1));
      memset(&c->r2, 0, sizeof(c->r2));
      continue;
    }
    if (threadgroup && !c->w.serial && !rs->uninitPending) {
      // Nothing wrote it in this threadgroup (yet): reported at the next barrier or the
      // end of the threadgroup, unless a race on it comes first.
      rs->uninitPending = true;
      rs->uninit = me;
      rs->uninitRange = r;
      rs->uninitOffset = off + i;
      rs->uninitSize = n - i;
    }
    // Keep the first read and the latest by another thread: a later write by any thread
    // other than the readers' then conflicts with one of them.
    if (!c->r1.serial ||
        (c->r1.serial == me.serial && (c->r1.thread == me.thread || c->r1.epoch != me.epoch)))
      c->r1 = me;
    else
      c->r2 = me;
  }
}

static void raceBarrier(uint32_t memFlags) {
  RaceState *rs = gRace;
  if (!rs || !rs->w || !rs->w->inKernel)
    return;
  rs->pendingFlags[rs->w->g.current] = memFlags | BARRIER_FLAGS_KNOWN;
}

/// A pending read of uninitialized threadgroup memory, reported from the scheduler. Returns
/// false (after failing the job) when there was one.
static bool raceCheckUninit(Worker *w) {
  RaceState *rs = gRace;
  if (!rs || !rs->uninitPending)
    return true;
  rs->uninitPending = false;
  char reader[512];
  raceDescribe(rs, &rs->uninit, reader, sizeof(reader));
  char *loc = raceLocation(rs, rs->uninitRange, rs->uninitOffset);
  uint32_t gid[3], size[3];
  raceGroupOf(rs, rs->uninit.serial, gid, size);
  jobFail(w->js, ENIGMA_RUNTIME_ERROR_UNINITIALIZED_READ,
          enigmaCpuFormat("kernel '%s': uninitialized read of %s: %s, and no thread of "
                          "threadgroup (%u,%u,%u) wrote it before (threadgroup memory starts "
                          "with undefined contents)",
                          w->job->kernelName, loc ? loc : "threadgroup memory", reader, gid[0],
                          gid[1], gid[2]));
  free(loc);
  return false;
}

/// A threadgroup barrier completes: the epochs of the memory its mem_flags order advance.
static void raceBarrierDone(Worker *w) {
  RaceState *rs = gRace;
  uint32_t flags = 0;
  for (uint32_t i = 0; i < w->g.threadCount; ++i) {
    if (w->state[i] != TS_WAIT_BARRIER)
      continue;
    uint32_t f = rs->pendingFlags[i];
    // A barrier the pass did not annotate (not metal::threadgroup_barrier): orders both.
    flags |= (f & BARRIER_FLAGS_KNOWN) ? f : 3u;
    rs->pendingFlags[i] = 0;
  }
  if (flags & 2u) // mem_threadgroup
    ++rs->tgEpoch;
  if (flags & 1u) // mem_device
    ++rs->devEpoch;
}

/// A SIMD-group exchange completed for the lanes in `mask` of SIMD-group `sg`.
static void raceExchangeDone(uint32_t sg, uint64_t mask) {
  RaceState *rs = gRace;
  uint32_t seq = ++rs->simdSeq[sg];
  for (uint32_t a = 0; a < SIMD; ++a) {
    if (!((mask >> a) & 1u))
      continue;
    for (uint32_t b = 0; b < SIMD; ++b)
      if ((mask >> b) & 1u)
        rs->lastCommon[sg][a][b] = seq;
  }
}

/// A threadgroup starts.
static void raceGroupStart(const EnigmaCpuJob *job, const uint32_t gid[3]) {
  RaceState *rs = gRace;
  uint64_t nx = (job->grid[0] + job->block[0] - 1) / job->block[0];
  uint64_t ny = (job->grid[1] + job->block[1] - 1) / job->block[1];
  rs->serial = rs->firstSerial + (uint32_t)(gid[0] + nx * (gid[1] + ny * (uint64_t)gid[2]));
  rs->tgEpoch = rs->devEpoch = 0;
  memset(rs->pendingFlags, 0, sizeof(rs->pendingFlags));
  rs->uninitPending = false;
}

/*===-- Fibers of a worker ------------------------------------------------===*/

/// Threadgroup memory a launch sized ([[threadgroup(n)]] parameters) is threadgroup memory for
/// the checker, under the parameter's name, like the launcher's kernel-scope variables.
static void raceDeclareThreadgroupArgs(Worker *w) {
  const EnigmaCpuJob *job = w->job;
  if (!job->workerArgs || !job->signature)
    return;
  for (size_t i = 0; i < job->numBuffers; ++i) {
    const EnigmaCpuBufferInfo *b = &job->buffers[i];
    size_t p = (size_t)(b->param - job->signature->params);
    if (b->param->kind == ENIGMA_CPU_PARAM_THREADGROUP && b->size && b->data == w->g.args[p])
      raceFindRange(gRace, (uintptr_t)b->data, ENIGMA_CPU_RACE_THREADGROUP, b->data,
                    b->param->name, b->size);
  }
}

static void fiberMain(void *arg);

static bool prepareFiber(Worker *w, Fiber *f, size_t slot) {
  size_t page = enigmaCpuPageSize();
  char *lo = w->stackArea + slot * w->slotSize + page;
  char *hi = w->stackArea + (slot + 1) * w->slotSize;
  if (!f->committed) {
    if (mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_WRITE) != 0)
      return false;
    f->committed = true;
  }
  if (!f->started) {
    f->w = w;
    // Stacks start at different offsets within a page: every fiber's top frames (what a
    // switch saves and restores) at the same page offset would compete for the same cache
    // sets, and a switch between a thousand fibers would miss on each of them.
    size_t stagger = (size_t)((slot * 5u) % 64u) * 64u;
    f->sp = enigmaCpuFiberInit(lo, hi - stagger, fiberMain, f);
    f->started = true;
  }
  return true;
}

/// After an error the group's fibers are stuck mid-kernel: start them afresh.
static void resetFibers(Worker *w) {
  for (size_t i = 0; i <= MAX_THREADS; ++i)
    w->fibers[i].started = false;
}

static void resume(Worker *w, Fiber *f) {
  w->inKernel = 1;
  enigmaCpuFiberSwitch(&w->schedSp, f->sp);
  w->inKernel = 0;
}

/// Leaves fiber `f`, whose thread `t` just blocked or finished: the pass over
/// the threadgroup continues directly with the next runnable thread after
/// `t` (one switch instead of two through the scheduler), or returns to the
/// scheduler at the end of the pass. During a pass only the running thread
/// changes state, so scanning forward finds exactly what the scheduler's own
/// loop would.
static void yieldFrom(Worker *w, Fiber *f, uint32_t t) {
  uint32_t n = w->g.threadCount;
  for (uint32_t j = t + 1; j < n; ++j) {
    uint8_t st = w->state[j];
    if (st == TS_NOT_STARTED) {
      Fiber *nf = &w->fibers[j];
      if (!prepareFiber(w, nf, j))
        break; // the scheduler retries and reports the failure
      nf->thread = j;
      st = TS_READY;
    }
    if (st == TS_READY) {
      w->state[j] = TS_RUNNING;
      w->g.current = j;
      // The thread after j usually runs next: start loading the context its switch restores
      // (a fiber's stack is cold after the pass went through the others).
      if (j + 1 < n) {
        const char *next = (const char *)w->fibers[w->fiberOf[j + 1]].sp;
        __builtin_prefetch(next);
        __builtin_prefetch(next + 64);
      }
      enigmaCpuFiberSwitch(&f->sp, w->fibers[w->fiberOf[j]].sp);
      return;
    }
  }
  enigmaCpuFiberSwitch(&f->sp, w->schedSp);
}

/// Per-thread state of a threadgroup run in lane-loop form (CpuABI.h): the worker's buffer,
/// grown as needed and kept.
static unsigned char *lanesScratch(EnigmaCpuGroup *g, uint64_t bytes) {
  Worker *w = g->scheduler;
  if (bytes > w->lanesCap) {
    free(w->lanesBuf);
    w->lanesBuf = NULL;
    w->lanesCap = 0;
    if (posix_memalign(&w->lanesBuf, 64, (size_t)bytes) != 0) {
      w->lanesBuf = NULL;
      return NULL;
    }
    w->lanesCap = bytes;
  }
  return w->lanesBuf;
}

static void fiberMain(void *arg) {
  Fiber *f = arg;
  for (;;) {
    Worker *w = f->w;
    EnigmaCpuGroup *g = &w->g;
    uint32_t t;
    if (f == &w->fibers[SEQ_FIBER]) {
      // The kernel's lane-loop form runs the whole group here, or nothing (returns 0).
      if (!w->job->runLanes || gRace || !w->job->runLanes(g, lanesScratch))
        w->job->run(g, 0, g->threadCount);
      t = w->seqThread;
    } else {
      t = f->thread;
      w->job->run(g, t, t + 1);
    }
    if (w->mode == MODE_FIBERS) {
      w->state[t] = TS_DONE;
      ++w->doneCount;
      yieldFrom(w, f, t);
    } else {
      enigmaCpuFiberSwitch(&f->sp, w->schedSp);
    }
  }
}

/// The first synchronization of a group: threads before `t` have finished,
/// `t` keeps the sequential fiber, later threads start on fibers of their own.
static void enterFiberMode(Worker *w, uint32_t t) {
  w->mode = MODE_FIBERS;
  w->g.stopSequential = 1;
  w->seqThread = t;
  w->doneCount = t;
  for (uint32_t i = 0; i < w->g.threadCount; ++i) {
    w->state[i] = i < t ? TS_DONE : TS_NOT_STARTED;
    w->fiberOf[i] = (uint16_t)i;
  }
  w->fiberOf[t] = SEQ_FIBER;
}

static void block(Worker *w, uint32_t t) { yieldFrom(w, &w->fibers[w->fiberOf[t]], t); }

static void cbThreadgroupBarrier(EnigmaCpuGroup *g) {
  Worker *w = g->scheduler;
  uint32_t t = g->current;
  if (w->mode == MODE_SEQUENTIAL)
    enterFiberMode(w, t);
  w->state[t] = TS_WAIT_BARRIER;
  block(w, t);
}

static const unsigned char *cbSimdExchange(EnigmaCpuGroup *g, const void *value, uint32_t size,
                                           uintptr_t site, uint64_t *activeMask) {
  Worker *w = g->scheduler;
  uint32_t t = g->current;
  if (w->mode == MODE_SEQUENTIAL)
    enterFiberMode(w, t);
  // Fixed-size copies for the usual sizes (a call to memcpy costs more than the copy).
  if (size == 4)
    memcpy(w->pub[t], value, 4);
  else if (size == 8)
    memcpy(w->pub[t], value, 8);
  else if (size == 16)
    memcpy(w->pub[t], value, 16);
  else if (size)
    memcpy(w->pub[t], value, size < SLOT ? size : SLOT);
  w->state[t] = TS_WAIT_SIMD;
  w->site[t] = site;
  block(w, t);
  *activeMask = w->resMask[t];
  return w->res[t / SIMD].slots[0];
}

/// Completes, in every SIMD-group whose lanes are all blocked, the exchange
/// of the lowest waiting lane's call site. Returns whether any completed.
static bool resolveSimd(Worker *w) {
  uint32_t n = w->g.threadCount;
  bool any = false;
  for (uint32_t base = 0; base < n; base += SIMD) {
    uint32_t end = base + SIMD < n ? base + SIMD : n;
    uint32_t first = end;
    for (uint32_t l = base; l < end; ++l)
      if (w->state[l] == TS_WAIT_SIMD) {
        first = l;
        break;
      }
    if (first == end)
      continue;
    uintptr_t site = w->site[first];
    uint64_t mask = 0;
    for (uint32_t l = first; l < end; ++l)
      if (w->state[l] == TS_WAIT_SIMD && w->site[l] == site)
        mask |= 1ull << (l - base);
    SimdResult *r = &w->res[base / SIMD];
    for (uint32_t l = first; l < end; ++l)
      if ((mask >> (l - base)) & 1u) {
        memcpy(r->slots[l - base], w->pub[l], SLOT);
        w->resMask[l] = mask;
        w->state[l] = TS_READY;
      }
    r->sharedFlag = 0;
    if (gRace)
      raceExchangeDone(base / SIMD, mask);
    any = true;
  }
  return any;
}

static bool runFibers(Worker *w) {
  EnigmaCpuGroup *g = &w->g;
  uint32_t n = g->threadCount;
  for (;;) {
    for (uint32_t i = 0; i < n; ++i) {
      if (w->state[i] == TS_NOT_STARTED) {
        Fiber *f = &w->fibers[i];
        if (!prepareFiber(w, f, i)) {
          jobFail(w->js, ENIGMA_RUNTIME_ERROR_SYSTEM,
                  enigmaCpuFormat("kernel '%s': cannot allocate the stack of a "
                                  "simulated GPU thread: %s",
                                  w->job->kernelName, strerror(errno)));
          return false;
        }
        f->thread = i;
        w->state[i] = TS_READY;
      }
      if (w->state[i] == TS_READY) {
        w->state[i] = TS_RUNNING;
        g->current = i;
        resume(w, &w->fibers[w->fiberOf[i]]);
      }
    }
    if (w->doneCount == n)
      return true;
    if (resolveSimd(w))
      continue;
    // Everyone left waits at a threadgroup barrier.
    if (w->doneCount == 0 || (w->job->flags & ENIGMA_CPU_LAUNCH_EXITED_THREADS_SKIP_BARRIERS)) {
      if (gRace) {
        if (!raceCheckUninit(w))
          return false;
        raceBarrierDone(w);
      }
      for (uint32_t i = 0; i < n; ++i)
        if (w->state[i] == TS_WAIT_BARRIER)
          w->state[i] = TS_READY;
      ++w->barrierCount;
      continue;
    }
    uint32_t exited = 0;
    while (exited < n && w->state[exited] != TS_DONE)
      ++exited;
    char where[256];
    describeThread(w, exited, where, sizeof(where));
    jobFail(w->js, ENIGMA_RUNTIME_ERROR_DIVERGENT_BARRIER,
            enigmaCpuFormat("kernel '%s': threadgroup_barrier #%u of threadgroup "
                            "(%u,%u,%u) is not reached by every thread: %u of %u threads "
                            "wait at it, but %u returned without reaching it (first: %s). "
                            "Metal leaves this undefined; launch with "
                            "exited_threads_skip_barriers (Apple-silicon semantics) if "
                            "threads are meant to leave early",
                            w->job->kernelName, w->barrierCount + 1,
                            g->threadgroupPositionInGrid[0], g->threadgroupPositionInGrid[1],
                            g->threadgroupPositionInGrid[2], n - w->doneCount, n, w->doneCount,
                            where));
    return false;
  }
}

static bool runGroup(Worker *w, const uint32_t gid[3]) {
  EnigmaCpuGroup *g = &w->g;
  uint32_t count = 1;
  for (int d = 0; d < 3; ++d) {
    g->threadgroupPositionInGrid[d] = gid[d];
    uint32_t startPos = gid[d] * g->dispatchThreadsPerThreadgroup[d];
    uint32_t left = g->threadsPerGrid[d] - startPos;
    g->threadsPerThreadgroup[d] =
        left < g->dispatchThreadsPerThreadgroup[d] ? left : g->dispatchThreadsPerThreadgroup[d];
    count *= g->threadsPerThreadgroup[d];
  }
  g->threadCount = count;
  g->current = 0;
  g->stopSequential = 0;
  memset(g->matrixLeader, 0xff, sizeof(g->matrixLeader));
  w->mode = MODE_SEQUENTIAL;
  w->doneCount = 0;
  w->barrierCount = 0;
  if (gRace) {
    raceGroupStart(w->job, gid);
    raceDeclareThreadgroupArgs(w);
  }
  Fiber *seq = &w->fibers[SEQ_FIBER];
  if (!prepareFiber(w, seq, SEQ_FIBER)) {
    jobFail(w->js, ENIGMA_RUNTIME_ERROR_SYSTEM,
            enigmaCpuFormat("kernel '%s': cannot allocate a fiber stack: %s", w->job->kernelName,
                            strerror(errno)));
    return false;
  }
  resume(w, seq);
  if (w->mode == MODE_SEQUENTIAL) // every thread ran to completion without synchronizing
    return !gRace || raceCheckUninit(w);
  if (!runFibers(w))
    return false;
  return !gRace || raceCheckUninit(w);
}

static void runKernelJob(Worker *w, JobState *js) {
  const EnigmaCpuJob *job = js->job;
  w->job = job;
  w->js = js;
  EnigmaCpuGroup *g = &w->g;
  memset(g, 0, sizeof(*g));
  // Threadgroup memory sized at launch: each worker's own, in its copy of the arguments.
  g->args = job->workerArgs && (size_t)w->index < job->numWorkerArgs
                ? job->workerArgs + (size_t)w->index * job->signature->numParams
                : job->args;
  for (int d = 0; d < 3; ++d) {
    g->threadsPerGrid[d] = job->grid[d];
    g->dispatchThreadsPerThreadgroup[d] = job->block[d];
    g->threadgroupsPerGrid[d] = (job->grid[d] + job->block[d] - 1) / job->block[d];
  }
  g->threadgroupBarrier = cbThreadgroupBarrier;
  g->simdExchange = cbSimdExchange;
  g->scheduler = w;
  if (gRace)
    gRace->w = w;

  if (sigsetjmp(w->jmp, 1) != 0) {
    w->inKernel = 0;
    resetFibers(w);
    reportFault(w);
    return;
  }
  uint64_t nx = g->threadgroupsPerGrid[0], ny = g->threadgroupsPerGrid[1];
  for (;;) {
    if (atomic_load_explicit(&js->abort, memory_order_relaxed))
      return;
    uint64_t start = atomic_fetch_add(&js->next, js->chunk);
    if (start >= js->total)
      return;
    uint64_t end = start + js->chunk < js->total ? start + js->chunk : js->total;
    for (uint64_t i = start; i < end; ++i) {
      uint32_t gid[3] = {(uint32_t)(i % nx), (uint32_t)((i / nx) % ny), (uint32_t)(i / (nx * ny))};
      if (!runGroup(w, gid)) {
        resetFibers(w);
        return;
      }
      if (atomic_load_explicit(&js->abort, memory_order_relaxed))
        return;
    }
  }
}

static void runCopyJob(Worker *w, JobState *js, size_t participants) {
  size_t n = js->copyBytes;
  size_t lo = n / participants * (size_t)w->index;
  size_t hi = (size_t)w->index + 1 == participants ? n : n / participants * ((size_t)w->index + 1);
  memcpy((char *)js->copyDst + lo, (const char *)js->copySrc + lo, hi - lo);
}

/*===-- Pool --------------------------------------------------------------===*/

static void *workerMain(void *arg) {
  Worker *w = arg;
  Pool *pool = gPool;
  stack_t ss;
  memset(&ss, 0, sizeof(ss));
  ss.ss_sp = w->altStack;
  ss.ss_size = ALT_STACK_SIZE;
  sigaltstack(&ss, NULL); // without it a stack overflow could not be reported
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, INTERRUPT_SIGNAL);
  pthread_sigmask(SIG_UNBLOCK, &interrupt, NULL);
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    while (pool->generation == w->seenGeneration)
      pthread_cond_wait(&pool->wake, &pool->lock);
    w->seenGeneration = pool->generation;
    JobState *js = pool->js;
    bool copy = pool->copyJob;
    size_t participants = pool->participants;
    pthread_mutex_unlock(&pool->lock);
    if ((size_t)w->index < participants) {
      if (copy)
        runCopyJob(w, js, participants);
      else
        runKernelJob(w, js);
    }
    pthread_mutex_lock(&pool->lock);
    if (--pool->pending == 0)
      pthread_cond_signal(&pool->done);
  }
  return NULL;
}

static size_t parseSize(const char *s, size_t fallback) {
  if (!s || !*s)
    return fallback;
  char *end = NULL;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s)
    return fallback;
  if (*end == 'k' || *end == 'K')
    v <<= 10;
  else if (*end == 'm' || *end == 'M')
    v <<= 20;
  return (size_t)v;
}

static size_t usableCpus(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0)
      return (size_t)n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (size_t)n : 1;
}

static void forgetPoolInChild(void) {
  // The pool's threads do not exist in a forked child; start a new one there.
  gPool = NULL;
  pthread_mutex_init(&gInitLock, NULL);
  pthread_mutex_init(&gLaunchLock, NULL);
}

static void freeWorker(Worker *w, size_t slotSize) {
  if (!w)
    return;
  if (w->stackArea)
    munmap(w->stackArea, (MAX_THREADS + 1) * slotSize);
  free(w->altStack);
  free(w->lanesBuf);
  free(w);
}

static Pool *getPool(EnigmaRuntimeError *error) {
  pthread_mutex_lock(&gInitLock);
  if (gPool) {
    pthread_mutex_unlock(&gInitLock);
    return gPool;
  }
  static bool atforkDone;
  if (!atforkDone) {
    pthread_atfork(NULL, NULL, forgetPoolInChild);
    atforkDone = true;
  }
  size_t n = parseSize(getenv("ENIGMA_CPU_THREADS"), usableCpus());
  if (n < 1)
    n = 1;
  if (n > MAX_WORKERS)
    n = MAX_WORKERS;
  size_t page = enigmaCpuPageSize();
  size_t stack = parseSize(getenv("ENIGMA_CPU_STACK_SIZE"), DEFAULT_STACK_SIZE);
  if (stack < ((size_t)16 << 10))
    stack = (size_t)16 << 10;
  stack = (stack + page - 1) / page * page;

  Pool *pool = calloc(1, sizeof(Pool));
  Worker **workers = calloc(n, sizeof(Worker *));
  if (!pool || !workers) {
    free(pool);
    free(workers);
    pthread_mutex_unlock(&gInitLock);
    enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    return NULL;
  }
  pool->numWorkers = n;
  pool->workers = workers;
  pool->stackSize = stack;
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->wake, NULL);
  // `done` is waited on with a deadline (launch time limits): a monotonic clock.
  pthread_condattr_t doneAttr;
  pthread_condattr_init(&doneAttr);
  pthread_condattr_setclock(&doneAttr, CLOCK_MONOTONIC);
  pthread_cond_init(&pool->done, &doneAttr);
  pthread_condattr_destroy(&doneAttr);

  const char *failure = NULL;
  int err = 0;
  for (size_t i = 0; i < n && !failure; ++i) {
    Worker *w = calloc(1, sizeof(Worker));
    if (!w) {
      failure = "out of memory";
      break;
    }
    w->index = (int)i;
    w->slotSize = stack + page;
    void *area = mmap(NULL, (MAX_THREADS + 1) * w->slotSize, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    w->altStack = malloc(ALT_STACK_SIZE);
    if (area == MAP_FAILED || !w->altStack) {
      err = errno;
      if (area != MAP_FAILED)
        munmap(area, (MAX_THREADS + 1) * w->slotSize);
      free(w->altStack);
      free(w);
      failure = "cannot reserve fiber stacks";
      break;
    }
    w->stackArea = area;
    workers[i] = w;
  }
  // Publish the pool before the threads start: they read gPool.
  gPool = pool;
  for (size_t i = 0; i < n && !failure; ++i) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)1 << 20);
    err = pthread_create(&workers[i]->thread, &attr, workerMain, workers[i]);
    pthread_attr_destroy(&attr);
    if (err) {
      // Keep the workers that started; they are enough to run launches.
      if (i == 0)
        failure = "cannot start worker threads";
      else
        pool->numWorkers = i;
      break;
    }
  }
  if (failure) {
    gPool = NULL;
    for (size_t i = 0; i < n; ++i)
      freeWorker(workers[i], stack + page);
    free(workers);
    free(pool);
    pthread_mutex_unlock(&gInitLock);
    enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "CPU runtime: %s%s%s", failure,
                      err ? ": " : "", err ? strerror(err) : "");
    return NULL;
  }
  pthread_mutex_unlock(&gInitLock);
  return pool;
}

size_t enigmaCpuNumWorkers(void) {
  Pool *pool = getPool(NULL);
  return pool ? pool->numWorkers : 0;
}

static void addMs(struct timespec *t, uint64_t ms) {
  t->tv_sec += (time_t)(ms / 1000);
  t->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (t->tv_nsec >= 1000000000L) {
    t->tv_nsec -= 1000000000L;
    ++t->tv_sec;
  }
}

/// Runs `js` on `participants` workers and waits for all of them; after
/// `timeoutMs` (0: no limit) interrupts the ones still running kernel code.
static void dispatch(Pool *pool, JobState *js, bool copy, size_t participants, uint32_t timeoutMs) {
  pthread_mutex_lock(&pool->lock);
  pool->js = js;
  pool->copyJob = copy;
  pool->participants = participants;
  pool->pending = pool->numWorkers;
  ++pool->generation;
  pthread_cond_broadcast(&pool->wake);
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  addMs(&deadline, timeoutMs);
  while (pool->pending != 0) {
    if (!timeoutMs) {
      pthread_cond_wait(&pool->done, &pool->lock);
      continue;
    }
    if (pthread_cond_timedwait(&pool->done, &pool->lock, &deadline) != ETIMEDOUT ||
        pool->pending == 0)
      continue;
    // Over time: stop handing out threadgroups and interrupt the workers;
    // again every 10 ms, for a worker that was between kernel code and the
    // scheduler when the signal came.
    atomic_store(&js->timedOut, true);
    atomic_store(&js->abort, true);
    for (size_t i = 0; i < participants; ++i)
      pthread_kill(pool->workers[i]->thread, INTERRUPT_SIGNAL);
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    addMs(&deadline, 10);
  }
  pthread_mutex_unlock(&pool->lock);
}

static EnigmaRuntimeStatus runJob(const EnigmaCpuJob *job, EnigmaCpuRaceTable *race,
                                  EnigmaRuntimeError *error);

EnigmaRuntimeStatus enigmaCpuRunJob(const EnigmaCpuJob *job, EnigmaRuntimeError *error) {
  return runJob(job, NULL, error);
}

EnigmaRuntimeStatus enigmaCpuRunJobRaceChecked(const EnigmaCpuJob *job, EnigmaCpuRaceTable *race,
                                               EnigmaRuntimeError *error) {
  if (!race || race->version != ENIGMA_CPU_RACE_TABLE_VERSION)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                             "kernel '%s': the race-checked build has no race table of this "
                             "runtime's version",
                             job->kernelName);
  return runJob(job, race, error);
}

/// The race checker's state for a launch: shadow ranges of the writable buffers.
static RaceState *raceStateCreate(const EnigmaCpuJob *job, uint64_t total) {
  RaceState *rs = calloc(1, sizeof(RaceState));
  if (!rs)
    return NULL;
  rs->job = job;
  rs->dev = calloc(job->numBuffers + 1, sizeof(RaceRange));
  if (!rs->dev) {
    free(rs);
    return NULL;
  }
  for (size_t i = 0; i < job->numBuffers; ++i) {
    const EnigmaCpuBufferInfo *b = &job->buffers[i];
    // Read-only data cannot race (a write to it is a bounds-check error); aliased
    // parameters share one copy and one shadow.
    if (b->param->kind != ENIGMA_CPU_PARAM_BUFFER || b->writeProtected || b->param->readOnly ||
        !b->size || !b->data)
      continue;
    bool seen = false;
    for (size_t j = 0; j < rs->numDev && !seen; ++j)
      seen = rs->dev[j].lo == (uintptr_t)b->data;
    if (seen)
      continue;
    RaceRange *r = &rs->dev[rs->numDev];
    if (!raceRangeInit(r, (uintptr_t)b->data, b->size)) {
      for (size_t j = 0; j < rs->numDev; ++j)
        raceRangeFree(&rs->dev[j]);
      free(rs->dev);
      free(rs);
      return NULL;
    }
    r->buffer = b;
    ++rs->numDev;
  }
  rs->firstSerial = gRaceSerial + 1;
  gRaceSerial += (uint32_t)total + 1;
  return rs;
}

static void raceStateFree(RaceState *rs) {
  if (!rs)
    return;
  for (size_t j = 0; j < rs->numDev; ++j)
    raceRangeFree(&rs->dev[j]);
  for (size_t j = 0; j < rs->numTg; ++j)
    raceRangeFree(&rs->tg[j]);
  free(rs->dev);
  free(rs);
}

static EnigmaRuntimeStatus runJob(const EnigmaCpuJob *job, EnigmaCpuRaceTable *race,
                                  EnigmaRuntimeError *error) {
  uint64_t total = 1;
  for (int d = 0; d < 3; ++d) {
    if (job->grid[d] == 0)
      return ENIGMA_RUNTIME_OK;
    total *= (job->grid[d] + job->block[d] - 1) / job->block[d];
  }
  Pool *pool = getPool(error);
  if (!pool)
    return error ? error->status : ENIGMA_RUNTIME_ERROR_SYSTEM;

  JobState js;
  memset(&js, 0, sizeof(js));
  js.job = job;
  atomic_init(&js.next, 0);
  atomic_init(&js.abort, false);
  atomic_init(&js.timedOut, false);
  pthread_mutex_init(&js.errorLock, NULL);
  js.total = total;
  size_t participants = pool->numWorkers < total ? pool->numWorkers : (size_t)total;
  if (race)
    participants = 1; // the checker's state is the one worker's: no locks, deterministic
  // Small chunks balance uneven groups; 16 per worker keeps the shared
  // counter off the critical path.
  js.chunk = total / (participants * 16);
  if (js.chunk == 0)
    js.chunk = 1;

  // The kernel's bounds table (its exact checks, if compiled with them) sees
  // this launch's buffers; launches are serialized, so one table per kernel
  // library suffices.
  EnigmaCpuBufferBounds *bounds = NULL;
  if (job->bounds && job->numBuffers) {
    bounds = calloc(job->numBuffers, sizeof(*bounds));
    if (!bounds) {
      pthread_mutex_destroy(&js.errorLock);
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    }
    for (size_t i = 0; i < job->numBuffers; ++i) {
      const EnigmaCpuBufferInfo *b = &job->buffers[i];
      bounds[i].param = (uint32_t)(b->param - job->signature->params);
      if (!b->regionLo)
        continue; // an unguarded buffer: no region to look up
      bounds[i].regionLo = (uintptr_t)b->regionLo;
      bounds[i].regionSize = (uintptr_t)(b->regionHi - b->regionLo);
      bounds[i].dataLo = (uintptr_t)b->data;
      bounds[i].dataSize = b->size;
    }
  }

  pthread_mutex_lock(&gLaunchLock);
  ensureSignalHandlers();
  if (race) {
    gRace = raceStateCreate(job, total);
    if (!gRace) {
      pthread_mutex_unlock(&gLaunchLock);
      free(bounds);
      pthread_mutex_destroy(&js.errorLock);
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                               "kernel '%s': cannot allocate the race checker's shadow memory "
                               "(%zu bytes per byte of each writable buffer)",
                               job->kernelName, sizeof(RaceCell));
    }
    race->access = raceAccess;
    race->barrier = raceBarrier;
  }
  EnigmaCpuBoundsTable *table = job->bounds;
  size_t numParams = job->signature ? job->signature->numParams : 0;
  if (table) {
    table->buffers = bounds;
    table->count = bounds ? (uint32_t)job->numBuffers : 0;
    table->violation = onBoundsViolation;
    table->trap = onTrap;
    table->check = boundsCheck;
    table->paramFail = paramBoundsFail;
    // The fast path: each guarded buffer parameter's bytes; everything else
    // (scalars, unguarded buffers) accepts any address.
    for (size_t p = 0; table->params && table->writeParams && p < numParams; ++p)
      table->params[p] = table->writeParams[p] = (EnigmaCpuParamBounds){0, UINTPTR_MAX};
    for (size_t i = 0; table->params && table->writeParams && i < job->numBuffers; ++i) {
      const EnigmaCpuBufferInfo *b = &job->buffers[i];
      size_t p = (size_t)(b->param - job->signature->params);
      if (!b->regionLo || p >= numParams)
        continue;
      if (b->param->kind == ENIGMA_CPU_PARAM_THREADGROUP) {
        // One region per worker: no single range is right for every thread, so each access
        // takes __enigma_param_bounds_fail, which accepts the bytes of any of them.
        table->params[p] = table->writeParams[p] = (EnigmaCpuParamBounds){0, 0};
        continue;
      }
      table->params[p] = (EnigmaCpuParamBounds){(uintptr_t)b->data, b->size};
      table->writeParams[p] =
          (EnigmaCpuParamBounds){(uintptr_t)b->data, b->writeProtected ? 0 : b->size};
    }
  }
  dispatch(pool, &js, false, participants, job->timeoutMs);
  if (race) {
    race->access = NULL;
    race->barrier = NULL;
    raceStateFree(gRace);
    gRace = NULL;
  }
  if (table) {
    table->count = 0;
    table->buffers = NULL;
    for (size_t p = 0; table->params && table->writeParams && p < numParams; ++p)
      table->params[p] = table->writeParams[p] = (EnigmaCpuParamBounds){0, UINTPTR_MAX};
  }
  pthread_mutex_unlock(&gLaunchLock);
  free(bounds);
  // Over time while no worker was in kernel code (between threadgroups): the
  // workers stopped without a report, possibly leaving threadgroups unrun.
  if (atomic_load(&js.timedOut) && js.status == ENIGMA_RUNTIME_OK)
    jobFail(&js, ENIGMA_RUNTIME_ERROR_TIMEOUT,
            enigmaCpuFormat("kernel '%s': the launch did not finish within its time limit of "
                            "%.3g s and was stopped between threadgroups",
                            job->kernelName, job->timeoutMs / 1000.0));
  pthread_mutex_destroy(&js.errorLock);

  if (js.status == ENIGMA_RUNTIME_OK)
    return ENIGMA_RUNTIME_OK;
  if (error) {
    free(error->message);
    error->status = js.status;
    error->message = js.message;
  } else {
    free(js.message);
  }
  return js.status;
}

void enigmaCpuParallelCopy(void *dst, const void *src, size_t n) {
  // Below a few MiB one core copies faster than waking the pool.
  Pool *pool = n >= ((size_t)8 << 20) ? getPool(NULL) : NULL;
  if (!pool || pool->numWorkers < 2) {
    memcpy(dst, src, n);
    return;
  }
  JobState js;
  memset(&js, 0, sizeof(js));
  js.copyDst = dst;
  js.copySrc = src;
  js.copyBytes = n;
  pthread_mutex_lock(&gLaunchLock);
  dispatch(pool, &js, true, pool->numWorkers, 0);
  pthread_mutex_unlock(&gLaunchLock);
}
