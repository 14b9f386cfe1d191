/*===-- Kernel.c - C API of the CPU runtime (enigma-c/Runtime.h) ----------===*/

#include "CpuRuntime.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct EnigmaCpuKernelImpl {
  char *name;
  EnigmaCpuSignature signature;
  EnigmaCpuCompiled compiled;
};

static bool isIdentifier(const char *s) {
  if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
    return false;
  for (; *s; ++s)
    if (!(isalnum((unsigned char)*s) || *s == '_'))
      return false;
  return true;
}

static void clearError(EnigmaRuntimeError *error) {
  if (error) {
    free(error->message);
    error->message = NULL;
    error->status = ENIGMA_RUNTIME_OK;
  }
}

EnigmaRuntimeStatus enigmaRuntimeCpuKernelCreate(const char *source, size_t sourceLength,
                                                 const char *kernelName,
                                                 const EnigmaCpuCompileOptions *options,
                                                 EnigmaCpuKernel *kernel,
                                                 EnigmaRuntimeError *error) {
  clearError(error);
  if (kernel)
    *kernel = NULL;
  if (!kernel || (!source && sourceLength))
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "enigmaRuntimeCpuKernelCreate: NULL %s",
                             kernel ? "source" : "kernel out-parameter");
  if (!isIdentifier(kernelName))
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "'%s' is not a valid kernel name (an identifier)",
                             kernelName ? kernelName : "(null)");
  if (sourceLength && memchr(source, '\0', sourceLength))
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "the MSL source contains a NUL byte");

  EnigmaCpuKernel k = calloc(1, sizeof(*k));
  if (!k || !(k->name = enigmaCpuStrndup(kernelName, strlen(kernelName)))) {
    free(k);
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  }
  EnigmaRuntimeStatus st =
      enigmaCpuParseSignature(source ? source : "", sourceLength, kernelName, &k->signature, error);
  if (st == ENIGMA_RUNTIME_OK)
    st = enigmaCpuCompile(source ? source : "", sourceLength, kernelName, &k->signature, options,
                          &k->compiled, error);
  if (st != ENIGMA_RUNTIME_OK) {
    enigmaRuntimeCpuKernelDestroy(k);
    return st;
  }
  for (size_t i = 0; i < k->signature.numParams; ++i) {
    EnigmaCpuParamDesc *p = &k->signature.params[i];
    p->elementSize = k->compiled.layouts[i].size;
    p->elementAlign = k->compiled.layouts[i].align;
  }
  *kernel = k;
  return ENIGMA_RUNTIME_OK;
}

void enigmaRuntimeCpuKernelDestroy(EnigmaCpuKernel k) {
  if (!k)
    return;
  enigmaCpuCompiledRelease(&k->compiled);
  enigmaCpuSignatureFree(&k->signature);
  free(k->name);
  free(k);
}

const char *enigmaRuntimeCpuKernelGetName(EnigmaCpuKernel k) { return k ? k->name : NULL; }
const char *enigmaRuntimeCpuKernelGetLibraryPath(EnigmaCpuKernel k) {
  return k ? k->compiled.libraryPath : NULL;
}
bool enigmaRuntimeCpuKernelWasCached(EnigmaCpuKernel k) { return k && k->compiled.cached; }
EnigmaCpuBoundsCheck enigmaRuntimeCpuKernelGetBoundsCheck(EnigmaCpuKernel k) {
  return k ? k->compiled.boundsCheck : ENIGMA_CPU_BOUNDS_CHECK_DEFAULT;
}
size_t enigmaRuntimeCpuKernelGetNumParams(EnigmaCpuKernel k) {
  return k ? k->signature.numParams : 0;
}
size_t enigmaRuntimeCpuKernelGetNumArgs(EnigmaCpuKernel k) { return k ? k->signature.numArgs : 0; }

EnigmaRuntimeStatus enigmaRuntimeCpuKernelGetParam(EnigmaCpuKernel k, size_t index,
                                                   EnigmaCpuParam *param,
                                                   EnigmaRuntimeError *error) {
  clearError(error);
  if (!k || !param)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "enigmaRuntimeCpuKernelGetParam: NULL argument");
  if (index >= k->signature.numParams)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s' has %zu parameters; there is no "
                             "parameter %zu",
                             k->name, k->signature.numParams, index);
  const EnigmaCpuParamDesc *p = &k->signature.params[index];
  param->name = p->name;
  param->typeName = p->typeName;
  param->kind = p->kind;
  param->bufferIndex = p->bufferIndex;
  param->argIndex = p->argIndex;
  param->builtin = p->builtin;
  param->builtinComponents = p->builtinComponents;
  param->readOnly = p->readOnly;
  param->elementSize = p->elementSize;
  param->elementAlign = p->elementAlign;
  return ENIGMA_RUNTIME_OK;
}

const char *enigmaRuntimeGetHeaderVersion(void) { return enigmaCpuHeaderVersion(); }

size_t enigmaRuntimeCpuGetNumWorkers(void) { return enigmaCpuNumWorkers(); }

/*===-- Launch ------------------------------------------------------------===*/

static size_t roundUp(size_t n, size_t a) { return (n + a - 1) / a * a; }

EnigmaRuntimeStatus enigmaRuntimeCpuKernelLaunch(EnigmaCpuKernel k, const EnigmaCpuArg *args,
                                                 size_t numArgs, const EnigmaCpuLaunchConfig *cfg,
                                                 EnigmaRuntimeError *error) {
  clearError(error);
  if (!k || !cfg || (numArgs && !args))
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "enigmaRuntimeCpuKernelLaunch: NULL %s",
                             !k     ? "kernel"
                             : !cfg ? "config"
                                    : "args");
  const EnigmaCpuSignature *sig = &k->signature;
  if (numArgs != sig->numArgs)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s' takes %zu arguments (its [[buffer(n)]] "
                             "parameters), got %zu",
                             k->name, sig->numArgs, numArgs);
  uint64_t threads = 1;
  for (int d = 0; d < 3; ++d) {
    if (cfg->block[d] == 0)
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                               "kernel '%s': threadgroup size (%u,%u,%u) has a "
                               "zero dimension",
                               k->name, cfg->block[0], cfg->block[1], cfg->block[2]);
    threads *= cfg->block[d];
  }
  if (threads > ENIGMA_CPU_MAX_THREADS_PER_GROUP)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s': threadgroup size (%u,%u,%u) has %llu "
                             "threads; Metal allows at most %u",
                             k->name, cfg->block[0], cfg->block[1], cfg->block[2],
                             (unsigned long long)threads, ENIGMA_CPU_MAX_THREADS_PER_GROUP);
  if (cfg->flags &
      ~(uint32_t)(ENIGMA_CPU_LAUNCH_UNCHECKED | ENIGMA_CPU_LAUNCH_EXITED_THREADS_SKIP_BARRIERS))
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s': unknown launch flags 0x%x", k->name, cfg->flags);
  uint32_t coarsen = cfg->coarsen ? cfg->coarsen : 1;
  EnigmaCpuJob job;
  memset(&job, 0, sizeof(job));
  job.kernelName = k->name;
  job.run = k->compiled.run;
  job.flags = cfg->flags;
  job.timeoutMs = cfg->timeoutMs;
  if (!job.timeoutMs) {
    const char *env = getenv("ENIGMA_CPU_TIMEOUT");
    if (env && *env) {
      char *end = NULL;
      double seconds = strtod(env, &end);
      if (end == env || *end || !(seconds >= 0) || seconds > 4e6)
        return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                                 "ENIGMA_CPU_TIMEOUT is '%s'; expected a number of seconds "
                                 "(0 or unset: no limit)",
                                 env);
      job.timeoutMs = seconds > 0 && seconds < 0.001 ? 1 : (uint32_t)(seconds * 1000.0);
    }
  }
  job.signature = sig;
  job.grid[0] = (uint32_t)(((uint64_t)cfg->grid[0] + coarsen - 1) / coarsen);
  job.grid[1] = cfg->grid[1];
  job.grid[2] = cfg->grid[2];
  memcpy(job.block, cfg->block, sizeof(job.block));
  uint64_t groups = 1;
  for (int d = 0; d < 3; ++d) {
    groups *= (job.grid[d] + (uint64_t)job.block[d] - 1) / job.block[d];
    if (groups > ((uint64_t)1 << 48))
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                               "kernel '%s': grid (%u,%u,%u) has too many "
                               "threadgroups",
                               k->name, cfg->grid[0], cfg->grid[1], cfg->grid[2]);
  }
  bool checked = !(cfg->flags & ENIGMA_CPU_LAUNCH_UNCHECKED);

  // Validate every argument before touching any memory.
  size_t scalarBytes = 0;
  for (size_t a = 0; a < numArgs; ++a) {
    const EnigmaCpuParamDesc *p = &sig->params[sig->argParam[a]];
    if (!args[a].data && args[a].size)
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                               "kernel '%s': argument %zu ('%s') has %zu bytes "
                               "but a NULL pointer",
                               k->name, a, p->name, args[a].size);
    if (p->kind == ENIGMA_CPU_PARAM_SCALAR) {
      if (args[a].size != p->elementSize)
        return enigmaCpuSetError(
            error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
            "kernel '%s': argument %zu ('%s', constant %s&) must be exactly %u "
            "bytes, got %zu",
            k->name, a, p->name, p->typeName, p->elementSize, args[a].size);
      scalarBytes += roundUp(args[a].size, 64);
    }
  }

  void **argv = calloc(sig->numParams + 1, sizeof(void *));
  EnigmaCpuBufferInfo *bufs = calloc(numArgs + 1, sizeof(EnigmaCpuBufferInfo));
  EnigmaCpuRegion **regions = calloc(numArgs + 1, sizeof(EnigmaCpuRegion *));
  bool *protectedRo = calloc(numArgs + 1, sizeof(bool));
  char *scalars = scalarBytes ? aligned_alloc(64, scalarBytes) : NULL;
  EnigmaRuntimeStatus st = ENIGMA_RUNTIME_OK;
  if (!argv || !bufs || !regions || !protectedRo || (scalarBytes && !scalars)) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    goto done;
  }

  size_t scalarAt = 0;
  for (size_t a = 0; a < numArgs; ++a) {
    uint32_t pi = sig->argParam[a];
    const EnigmaCpuParamDesc *p = &sig->params[pi];
    if (p->kind == ENIGMA_CPU_PARAM_SCALAR) {
      // Copied, so the kernel sees the value at launch even if the caller's
      // memory changes, and with the alignment its type needs. In checked
      // launches each scalar gets a guarded region like a buffer (and is
      // write-protected below): reading past a `constant T&` is reported,
      // not answered with the next scalar's bytes.
      if (checked) {
        char *data = NULL;
        st = enigmaCpuRegionAcquire(args[a].size, p->elementAlign, &regions[a], &data, error);
        if (st != ENIGMA_RUNTIME_OK)
          goto done;
        memcpy(data, args[a].data, args[a].size);
        argv[pi] = data;
        EnigmaCpuBufferInfo *b = &bufs[job.numBuffers++];
        b->param = p;
        b->data = data;
        b->size = args[a].size;
        b->regionLo = regions[a]->base;
        b->regionHi = regions[a]->base + regions[a]->reserved;
        continue;
      }
      memcpy(scalars + scalarAt, args[a].data, args[a].size);
      argv[pi] = scalars + scalarAt;
      scalarAt += roundUp(args[a].size, 64);
      continue;
    }
    EnigmaCpuBufferInfo *b = &bufs[job.numBuffers++];
    b->param = p;
    b->size = args[a].size;
    if (!checked) {
      b->data = args[a].data;
      argv[pi] = args[a].data;
      continue;
    }
    // The same memory passed for two parameters shares one copy, so the
    // kernel sees them alias as on the GPU.
    size_t same = a;
    for (size_t e = 0; e < a; ++e)
      if (regions[e] && args[e].data == args[a].data && args[e].size == args[a].size)
        same = e;
    if (same != a) {
      const EnigmaCpuBufferInfo *first = NULL;
      for (size_t bi = 0; bi + 1 < job.numBuffers; ++bi)
        if (bufs[bi].param == &sig->params[sig->argParam[same]])
          first = &bufs[bi];
      b->data = first->data;
      b->regionLo = first->regionLo;
      b->regionHi = first->regionHi;
      argv[pi] = first->data;
      continue;
    }
    char *data = NULL;
    st = enigmaCpuRegionAcquire(args[a].size, p->elementAlign, &regions[a], &data, error);
    if (st != ENIGMA_RUNTIME_OK)
      goto done;
    if (args[a].size)
      enigmaCpuParallelCopy(data, args[a].data, args[a].size);
    b->data = data;
    b->regionLo = regions[a]->base;
    b->regionHi = regions[a]->base + regions[a]->reserved;
    argv[pi] = data;
  }
  // Write-protect copies only read-only parameters use.
  for (size_t a = 0; checked && a < numArgs; ++a) {
    if (!regions[a] || !sig->params[sig->argParam[a]].readOnly)
      continue;
    bool writable = false;
    for (size_t e = a + 1; e < numArgs; ++e)
      writable |= sig->params[sig->argParam[e]].kind != ENIGMA_CPU_PARAM_SCALAR &&
                  !sig->params[sig->argParam[e]].readOnly && args[e].data == args[a].data &&
                  args[e].size == args[a].size;
    if (writable)
      continue;
    if (!enigmaCpuRegionProtect(regions[a], true)) {
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                             "cannot write-protect the copy of buffer '%s'",
                             sig->params[sig->argParam[a]].name);
      goto done;
    }
    protectedRo[a] = true;
    for (size_t bi = 0; bi < job.numBuffers; ++bi)
      if (bufs[bi].regionLo == regions[a]->base)
        bufs[bi].writeProtected = true;
  }

  job.args = argv;
  job.buffers = bufs;
  job.bounds = k->compiled.bounds;
  st = enigmaCpuRunJob(&job, error);

  // Written back even after a failure: the caller sees what the kernel wrote.
  // A copy shared by aliased parameters is written back once.
  if (checked)
    for (size_t a = 0; a < numArgs; ++a) {
      if (!regions[a])
        continue;
      bool writable = false;
      for (size_t e = a; e < numArgs; ++e)
        writable |= sig->params[sig->argParam[e]].kind != ENIGMA_CPU_PARAM_SCALAR &&
                    !sig->params[sig->argParam[e]].readOnly && args[e].data == args[a].data &&
                    args[e].size == args[a].size;
      const EnigmaCpuBufferInfo *b = NULL;
      for (size_t bi = 0; bi < job.numBuffers; ++bi)
        if (bufs[bi].param == &sig->params[sig->argParam[a]])
          b = &bufs[bi];
      if (writable && b && b->size)
        enigmaCpuParallelCopy(args[a].data, b->data, b->size);
    }

done:
  if (regions)
    for (size_t a = 0; a < numArgs; ++a)
      if (regions[a]) {
        if (protectedRo[a] && !enigmaCpuRegionProtect(regions[a], false)) {
          // Still read-only: not safe to reuse for a writable buffer.
          continue;
        }
        enigmaCpuRegionRelease(regions[a]);
      }
  free(argv);
  free(bufs);
  free(regions);
  free(protectedRo);
  free(scalars);
  return st;
}
