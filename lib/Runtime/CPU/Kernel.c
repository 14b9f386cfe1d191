/*===-- Kernel.c - C API of the CPU runtime (enigma-c/Runtime.h) ----------===*/

#include "CpuRuntime.h"
#include "RaceCheck.h"

#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/// A kernel compiled for one set of function constant values.
typedef struct Specialization {
  unsigned char *key; /* (index, size, bytes) of every supplied value, by constant */
  size_t keySize;
  EnigmaCpuCompiled compiled;
  char *text; /* the specialized source (for its race-checked build) */
  size_t textLength;
  EnigmaCpuCompiled race; /* its race-checked build, once compiled */
} Specialization;

struct EnigmaCpuKernelImpl {
  char *name;
  EnigmaCpuSignature signature;
  /* Without function constants: the text as given. With them: the text with
     every constant undefined (launches that supply no value use it). */
  EnigmaCpuCompiled compiled;
  /* Function constants; what compiling a specialization needs. */
  EnigmaCpuFunctionConstants constants;
  char *source;
  size_t sourceLength;
  char *cxx, *cxxFlags, *cacheDir;
  pthread_mutex_t lock; /* guards specs */
  bool lockInitialized;
  Specialization **specs;
  size_t numSpecs, capSpecs;
  /* The race-checked build (ENIGMA_CPU_LAUNCH_RACE_CHECK), compiled on first use under `lock`. */
  EnigmaCpuCompiled race;
};

static char *dupOrNull(const char *s) { return s ? enigmaCpuStrndup(s, strlen(s)) : NULL; }

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
    st = enigmaCpuParseFunctionConstants(source ? source : "", sourceLength, &k->constants, error);
  if (st == ENIGMA_RUNTIME_OK) {
    // Kept to compile specializations and the race-checked build at launch.
    k->source = enigmaCpuStrndup(source ? source : "", sourceLength);
    k->sourceLength = sourceLength;
    k->cxx = dupOrNull(options ? options->cxx : NULL);
    k->cxxFlags = dupOrNull(options ? options->cxxFlags : NULL);
    k->cacheDir = dupOrNull(options ? options->cacheDir : NULL);
    k->lockInitialized = pthread_mutex_init(&k->lock, NULL) == 0;
    if (!k->source || !k->lockInitialized || (options && options->cxx && !k->cxx) ||
        (options && options->cxxFlags && !k->cxxFlags) ||
        (options && options->cacheDir && !k->cacheDir))
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  }
  if (st == ENIGMA_RUNTIME_OK && k->constants.numConstants) {
    size_t length = 0;
    char *undefined = k->source ? enigmaCpuSpecializeSource(source, sourceLength, &k->constants,
                                                            NULL, &length)
                                : NULL;
    if (!undefined || !k->lockInitialized || (options && options->cxx && !k->cxx) ||
        (options && options->cxxFlags && !k->cxxFlags) ||
        (options && options->cacheDir && !k->cacheDir))
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    else
      st = enigmaCpuCompile(undefined, length, kernelName, &k->signature, options, &k->compiled,
                            error);
    free(undefined);
  } else if (st == ENIGMA_RUNTIME_OK) {
    st = enigmaCpuCompile(source ? source : "", sourceLength, kernelName, &k->signature, options,
                          &k->compiled, error);
  }
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
  enigmaCpuCompiledRelease(&k->race);
  enigmaCpuSignatureFree(&k->signature);
  for (size_t i = 0; i < k->numSpecs; ++i) {
    enigmaCpuCompiledRelease(&k->specs[i]->compiled);
    enigmaCpuCompiledRelease(&k->specs[i]->race);
    free(k->specs[i]->text);
    free(k->specs[i]->key);
    free(k->specs[i]);
  }
  free(k->specs);
  if (k->lockInitialized)
    pthread_mutex_destroy(&k->lock);
  enigmaCpuFunctionConstantsFree(&k->constants);
  free(k->source);
  free(k->cxx);
  free(k->cxxFlags);
  free(k->cacheDir);
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
EnigmaCpuAddressSpaces enigmaRuntimeCpuKernelGetAddressSpaces(EnigmaCpuKernel k) {
  if (!k || k->compiled.addressSpaces <= 0)
    return k && k->compiled.addressSpaceFallback ? ENIGMA_CPU_ADDRESS_SPACES_ERASED_FALLBACK
                                                 : ENIGMA_CPU_ADDRESS_SPACES_ERASED;
  return ENIGMA_CPU_ADDRESS_SPACES_REAL;
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
  param->threadgroupIndex = p->threadgroupIndex;
  return ENIGMA_RUNTIME_OK;
}

size_t enigmaRuntimeCpuKernelGetNumFunctionConstants(EnigmaCpuKernel k) {
  return k ? k->constants.numConstants : 0;
}

EnigmaRuntimeStatus enigmaRuntimeCpuKernelGetFunctionConstant(EnigmaCpuKernel k, size_t index,
                                                              EnigmaCpuFunctionConstant *constant,
                                                              EnigmaRuntimeError *error) {
  clearError(error);
  if (!k || !constant)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "enigmaRuntimeCpuKernelGetFunctionConstant: NULL argument");
  if (index >= k->constants.numConstants)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s' has %zu function constants; there is no function "
                             "constant %zu",
                             k->name, k->constants.numConstants, index);
  const EnigmaCpuFunctionConstantDesc *fc = &k->constants.constants[index];
  constant->name = fc->name;
  constant->typeName = fc->typeName;
  constant->index = fc->index;
  constant->size = fc->size;
  constant->required = fc->required;
  return ENIGMA_RUNTIME_OK;
}

const char *enigmaRuntimeGetHeaderVersion(void) { return enigmaCpuHeaderVersion(); }

size_t enigmaRuntimeCpuGetNumWorkers(void) { return enigmaCpuNumWorkers(); }

/*===-- Launch ------------------------------------------------------------===*/

static size_t roundUp(size_t n, size_t a) { return (n + a - 1) / a * a; }

/// The compiled kernel for the supplied function constant values (compiled on
/// first use), after checking them against the declarations.
static EnigmaRuntimeStatus specialize(EnigmaCpuKernel k,
                                      const EnigmaCpuFunctionConstantValue *values,
                                      size_t numValues, const EnigmaCpuCompiled **compiled,
                                      Specialization **specOut, EnigmaRuntimeError *error) {
  *compiled = &k->compiled;
  *specOut = NULL;
  const EnigmaCpuFunctionConstants *fcs = &k->constants;
  if (numValues && !values)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s': NULL function constant values", k->name);
  const void **data = calloc(fcs->numConstants + 1, sizeof(void *));
  if (!data)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  EnigmaRuntimeStatus st = ENIGMA_RUNTIME_OK;
  size_t keySize = 0;
  for (size_t v = 0; v < numValues && st == ENIGMA_RUNTIME_OK; ++v) {
    size_t which = SIZE_MAX;
    for (size_t i = 0; i < fcs->numConstants; ++i)
      if (fcs->constants[i].index == values[v].index)
        which = i;
    if (which == SIZE_MAX) {
      EnigmaCpuString list = {0};
      for (size_t i = 0; i < fcs->numConstants; ++i)
        enigmaCpuStringPrintf(&list, "%s%s (%u, %s)", i ? ", " : "", fcs->constants[i].name,
                              fcs->constants[i].index, fcs->constants[i].typeName);
      char *names = enigmaCpuStringTake(&list);
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s' has no function constant with index %u (its function "
                             "constants: %s)",
                             k->name, values[v].index, names && *names ? names : "none");
      free(names);
      break;
    }
    const EnigmaCpuFunctionConstantDesc *fc = &fcs->constants[which];
    const unsigned char *bytes = values[v].data;
    if (data[which])
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s': function constant '%s' (index %u) is given twice",
                             k->name, fc->name, fc->index);
    else if (values[v].size != fc->size || !bytes)
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s': the value of function constant '%s' (index %u, %s) "
                             "must be %u bytes, got %zu%s",
                             k->name, fc->name, fc->index, fc->typeName, fc->size,
                             values[v].size, bytes ? "" : " at NULL");
    else if (fc->kind == 'b' && bytes[0] > 1)
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s': the value of bool function constant '%s' (index %u) "
                             "must be the byte 0 or 1, got %u",
                             k->name, fc->name, fc->index, bytes[0]);
    else
      data[which] = bytes;
    keySize += sizeof(uint32_t) + fc->size;
  }
  for (size_t i = 0; i < fcs->numConstants && st == ENIGMA_RUNTIME_OK; ++i)
    if (!data[i] && fcs->constants[i].required)
      st = enigmaCpuSetError(
          error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
          "kernel '%s': function constant '%s' ([[function_constant(%u)]], %s) has no value; "
          "pass one at launch (only constants the kernel tests with "
          "is_function_constant_defined(%s) may be left undefined)",
          k->name, fcs->constants[i].name, fcs->constants[i].index,
          fcs->constants[i].typeName, fcs->constants[i].name);
  if (st != ENIGMA_RUNTIME_OK || !keySize) { /* no value at all: the undefined build */
    free(data);
    return st;
  }

  unsigned char *key = malloc(keySize);
  if (!key) {
    free(data);
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  }
  size_t at = 0;
  for (size_t i = 0; i < fcs->numConstants; ++i) {
    if (!data[i])
      continue;
    memcpy(key + at, &fcs->constants[i].index, sizeof(uint32_t));
    memcpy(key + at + sizeof(uint32_t), data[i], fcs->constants[i].size);
    at += sizeof(uint32_t) + fcs->constants[i].size;
  }
  pthread_mutex_lock(&k->lock);
  for (size_t i = 0; i < k->numSpecs; ++i)
    if (k->specs[i]->keySize == keySize && memcmp(k->specs[i]->key, key, keySize) == 0) {
      *compiled = &k->specs[i]->compiled;
      *specOut = k->specs[i];
      pthread_mutex_unlock(&k->lock);
      free(key);
      free(data);
      return ENIGMA_RUNTIME_OK;
    }
  // Compiled under the lock: concurrent launches with the same new values
  // compile once.
  size_t length = 0;
  char *text = enigmaCpuSpecializeSource(k->source, k->sourceLength, fcs, data, &length);
  Specialization *spec = calloc(1, sizeof(Specialization));
  Specialization **grown = k->numSpecs == k->capSpecs
                               ? realloc(k->specs, (k->capSpecs ? 2 * k->capSpecs : 4) *
                                                       sizeof(Specialization *))
                               : k->specs;
  if (grown && k->numSpecs == k->capSpecs) {
    k->specs = grown;
    k->capSpecs = k->capSpecs ? 2 * k->capSpecs : 4;
  }
  if (!text || !spec || !grown) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  } else {
    // The same bounds checking as the kernel itself.
    EnigmaCpuCompileOptions options = {k->cxx, k->cxxFlags, k->cacheDir,
                                       k->compiled.boundsCheck};
    st = enigmaCpuCompile(text, length, k->name, &k->signature, &options, &spec->compiled, error);
  }
  if (st == ENIGMA_RUNTIME_OK) {
    spec->key = key;
    spec->keySize = keySize;
    spec->text = text;
    spec->textLength = length;
    text = NULL;
    k->specs[k->numSpecs++] = spec;
    *compiled = &spec->compiled;
    *specOut = spec;
    key = NULL;
    spec = NULL;
  }
  pthread_mutex_unlock(&k->lock);
  free(spec);
  free(key);
  free(text);
  free(data);
  return st;
}

static EnigmaRuntimeStatus launchCompiled(EnigmaCpuKernel k, const EnigmaCpuArg *args,
                                          size_t numArgs, const EnigmaCpuLaunchConfig *cfg,
                                          const EnigmaCpuCompiled *compiled,
                                          EnigmaCpuRaceTable *race, EnigmaRuntimeError *error);

/// Whether ENIGMA_RACE_CHECK asks for race-checked launches ("1", "true", "yes", "on").
static bool raceCheckFromEnv(void) {
  const char *env = getenv("ENIGMA_RACE_CHECK");
  return env && (!strcmp(env, "1") || !strcasecmp(env, "true") || !strcasecmp(env, "yes") ||
                 !strcasecmp(env, "on"));
}

/// The race-checked build of the kernel (spec NULL) or of a specialization: the same text
/// compiled with the race hooks (RaceCheck.h), exact bounds checks and the kernel's other
/// options; its flags make it a cache entry of its own. Compiled on first use.
static EnigmaRuntimeStatus raceBuild(EnigmaCpuKernel k, Specialization *spec,
                                     const EnigmaCpuCompiled **out, EnigmaCpuRaceTable **table,
                                     EnigmaRuntimeError *error) {
  pthread_mutex_lock(&k->lock);
  EnigmaCpuCompiled *race = spec ? &spec->race : &k->race;
  EnigmaRuntimeStatus st = ENIGMA_RUNTIME_OK;
  if (!race->handle) {
    const char *userFlags = k->cxxFlags ? k->cxxFlags : getenv("ENIGMA_CPU_CXXFLAGS");
    char *flags = enigmaCpuFormat("%s %s", userFlags ? userFlags : "", ENIGMA_CPU_RACE_CHECK_FLAGS);
    size_t length = spec ? spec->textLength : k->sourceLength;
    char *text = NULL;
    if (!spec && k->constants.numConstants)
      text = enigmaCpuSpecializeSource(k->source, k->sourceLength, &k->constants, NULL, &length);
    const char *source = spec ? spec->text : text ? text : k->source;
    if (!flags || !source) {
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    } else {
      EnigmaCpuCompileOptions options = {k->cxx, flags, k->cacheDir,
                                         ENIGMA_CPU_BOUNDS_CHECK_EXACT};
      st = enigmaCpuCompile(source, length, k->name, &k->signature, &options, race, error);
      if (st == ENIGMA_RUNTIME_ERROR_UNSUPPORTED && error && error->message) {
        char *msg = enigmaCpuFormat("race checking needs the bounds-check pass plugin: %s",
                                    error->message);
        if (msg) {
          free(error->message);
          error->message = msg;
        }
      }
    }
    free(flags);
    free(text);
  }
  pthread_mutex_unlock(&k->lock);
  if (st != ENIGMA_RUNTIME_OK)
    return st;
  *table = dlsym(race->handle, "enigma_cpu_race");
  *out = race;
  if (!*table)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM,
                             "kernel '%s': the race-checked build %s has no race table",
                             k->name, race->libraryPath ? race->libraryPath : "");
  return ENIGMA_RUNTIME_OK;
}

EnigmaRuntimeStatus enigmaRuntimeCpuKernelLaunch(EnigmaCpuKernel k, const EnigmaCpuArg *args,
                                                 size_t numArgs, const EnigmaCpuLaunchConfig *cfg,
                                                 EnigmaRuntimeError *error) {
  return enigmaRuntimeCpuKernelLaunchWithConstants(k, args, numArgs, NULL, 0, cfg, error);
}

EnigmaRuntimeStatus enigmaRuntimeCpuKernelLaunchWithConstants(
    EnigmaCpuKernel k, const EnigmaCpuArg *args, size_t numArgs,
    const EnigmaCpuFunctionConstantValue *constants, size_t numConstants,
    const EnigmaCpuLaunchConfig *cfg, EnigmaRuntimeError *error) {
  clearError(error);
  if (!k)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "enigmaRuntimeCpuKernelLaunch: NULL kernel");
  const EnigmaCpuCompiled *compiled = &k->compiled;
  Specialization *spec = NULL;
  if (k->constants.numConstants || numConstants) {
    EnigmaRuntimeStatus st = specialize(k, constants, numConstants, &compiled, &spec, error);
    if (st != ENIGMA_RUNTIME_OK)
      return st;
  }
  EnigmaCpuRaceTable *race = NULL;
  if (cfg && ((cfg->flags & ENIGMA_CPU_LAUNCH_RACE_CHECK) || raceCheckFromEnv())) {
    EnigmaRuntimeStatus st = raceBuild(k, spec, &compiled, &race, error);
    if (st != ENIGMA_RUNTIME_OK)
      return st;
  }
  return launchCompiled(k, args, numArgs, cfg, compiled, race, error);
}

static EnigmaRuntimeStatus launchCompiled(EnigmaCpuKernel k, const EnigmaCpuArg *args,
                                          size_t numArgs, const EnigmaCpuLaunchConfig *cfg,
                                          const EnigmaCpuCompiled *compiled,
                                          EnigmaCpuRaceTable *race, EnigmaRuntimeError *error) {
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
  if (cfg->flags & ~(uint32_t)(ENIGMA_CPU_LAUNCH_UNCHECKED |
                               ENIGMA_CPU_LAUNCH_EXITED_THREADS_SKIP_BARRIERS |
                               ENIGMA_CPU_LAUNCH_RACE_CHECK))
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s': unknown launch flags 0x%x", k->name, cfg->flags);
  uint32_t coarsen = cfg->coarsen ? cfg->coarsen : 1;
  EnigmaCpuJob job;
  memset(&job, 0, sizeof(job));
  job.kernelName = k->name;
  job.run = compiled->run;
  // The lane-loop form (CpuABI.h) unless ENIGMA_CPU_LANES=0; race-checked launches use fibers.
  const char *lanesEnv = getenv("ENIGMA_CPU_LANES");
  if (!race && !(lanesEnv && lanesEnv[0] == '0' && !lanesEnv[1]))
    job.runLanes = compiled->runLanes;
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

  // Threadgroup memory sized at launch: one length per [[threadgroup(n)]] index the kernel
  // declares (Metal's rules: a positive multiple of 16 bytes, 32 KiB in all).
  size_t numTg = 0;
  uint64_t tgTotal = 0;
  for (size_t i = 0; i < sig->numParams; ++i) {
    const EnigmaCpuParamDesc *p = &sig->params[i];
    if (p->kind != ENIGMA_CPU_PARAM_THREADGROUP)
      continue;
    ++numTg;
    uint32_t n = (uint32_t)p->threadgroupIndex;
    if (n >= cfg->numThreadgroupMemoryLengths || !cfg->threadgroupMemoryLengths ||
        cfg->threadgroupMemoryLengths[n] == 0)
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                               "kernel '%s': threadgroup memory '%s' ([[threadgroup(%u)]]) has no "
                               "length; give the launch one (threadgroup_memory={%u: bytes} in "
                               "Python, setThreadgroupMemoryLength:atIndex: in Metal)",
                               k->name, p->name, n, n);
    uint32_t len = cfg->threadgroupMemoryLengths[n];
    if (len % 16 != 0)
      return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                               "kernel '%s': threadgroup memory '%s' ([[threadgroup(%u)]]) is "
                               "given %u bytes; Metal requires a multiple of 16",
                               k->name, p->name, n, len);
    tgTotal += len;
  }
  if (tgTotal > ENIGMA_CPU_MAX_THREADGROUP_MEMORY)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_INVALID_ARGUMENT,
                             "kernel '%s': the launch gives %llu bytes of threadgroup memory; "
                             "Apple GPUs allow %u per threadgroup",
                             k->name, (unsigned long long)tgTotal,
                             ENIGMA_CPU_MAX_THREADGROUP_MEMORY);
  size_t numWorkers = numTg ? enigmaCpuNumWorkers() : 0;
  size_t numTgBufs = numWorkers * numTg;

  void **argv = calloc(sig->numParams + 1, sizeof(void *));
  void **workerArgv = numTg ? calloc(numWorkers * sig->numParams + 1, sizeof(void *)) : NULL;
  EnigmaCpuRegion **tgRegions = numTg ? calloc(numTgBufs + 1, sizeof(EnigmaCpuRegion *)) : NULL;
  char **tgPlain = numTg ? calloc(numTgBufs + 1, sizeof(char *)) : NULL;
  EnigmaCpuBufferInfo *bufs = calloc(numArgs + numTgBufs + 1, sizeof(EnigmaCpuBufferInfo));
  EnigmaCpuRegion **regions = calloc(numArgs + 1, sizeof(EnigmaCpuRegion *));
  bool *protectedRo = calloc(numArgs + 1, sizeof(bool));
  char *scalars = scalarBytes ? aligned_alloc(64, scalarBytes) : NULL;
  EnigmaRuntimeStatus st = ENIGMA_RUNTIME_OK;
  if (!argv || !bufs || !regions || !protectedRo || (scalarBytes && !scalars) ||
      (numTg && (!workerArgv || !tgRegions || !tgPlain))) {
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

  // Each worker's threadgroup memory: in checked launches a guarded region per parameter
  // (reported like a buffer, under the parameter's name), else plain memory.
  for (size_t w = 0; w < numWorkers; ++w) {
    void **row = workerArgv + w * sig->numParams;
    memcpy(row, argv, sig->numParams * sizeof(void *));
    size_t t = 0;
    for (size_t i = 0; i < sig->numParams; ++i) {
      const EnigmaCpuParamDesc *p = &sig->params[i];
      if (p->kind != ENIGMA_CPU_PARAM_THREADGROUP)
        continue;
      size_t slot = w * numTg + t++;
      uint32_t len = cfg->threadgroupMemoryLengths[p->threadgroupIndex];
      size_t align = p->elementAlign > 16 ? p->elementAlign : 16;
      char *data = NULL;
      if (checked) {
        st = enigmaCpuRegionAcquire(len, align, &tgRegions[slot], &data, error);
        if (st != ENIGMA_RUNTIME_OK)
          goto done;
      } else {
        data = tgPlain[slot] = aligned_alloc(align, roundUp(len, align));
        if (!data) {
          st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
          goto done;
        }
      }
      row[i] = data;
      EnigmaCpuBufferInfo *b = &bufs[job.numBuffers++];
      b->param = p;
      b->data = data;
      b->size = len;
      if (checked) {
        b->regionLo = tgRegions[slot]->base;
        b->regionHi = tgRegions[slot]->base + tgRegions[slot]->reserved;
      }
    }
  }
  job.workerArgs = workerArgv;
  job.numWorkerArgs = numWorkers;

  job.args = argv;
  job.buffers = bufs;
  job.bounds = compiled->bounds;
  st = race ? enigmaCpuRunJobRaceChecked(&job, race, error) : enigmaCpuRunJob(&job, error);
  if (checked && job.runLanes && (st == ENIGMA_RUNTIME_ERROR_OUT_OF_BOUNDS ||
                                  st == ENIGMA_RUNTIME_ERROR_KERNEL_FAULT)) {
    // A fault in the lane-loop form: its vectorized loops run several threads at once, so the
    // thread it names may be another of the same SIMD-group. The launch runs again on fibers,
    // from the same inputs (the caller's memory is untouched until the write-back), and
    // reports what a thread-by-thread run reports. Should that run not fail (only a racy
    // kernel can), the first report stands.
    EnigmaRuntimeError first = {st, NULL};
    if (error) {
      first = *error;
      error->message = NULL;
      error->status = ENIGMA_RUNTIME_OK;
    }
    for (size_t a = 0; a < numArgs; ++a) {
      if (!regions[a] || protectedRo[a] || !args[a].size)
        continue;
      for (size_t bi = 0; bi < job.numBuffers; ++bi)
        if (bufs[bi].regionLo == regions[a]->base && bufs[bi].data) {
          enigmaCpuParallelCopy(bufs[bi].data, args[a].data, args[a].size);
          break;
        }
    }
    job.runLanes = NULL;
    EnigmaRuntimeStatus again = enigmaCpuRunJob(&job, error);
    if (again != ENIGMA_RUNTIME_OK) {
      st = again;
      if (error)
        free(first.message);
    } else if (error) {
      *error = first;
    }
  }

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
  for (size_t i = 0; i < numTgBufs; ++i) {
    if (tgRegions && tgRegions[i])
      enigmaCpuRegionRelease(tgRegions[i]);
    if (tgPlain)
      free(tgPlain[i]);
  }
  free(tgRegions);
  free(tgPlain);
  free(workerArgv);
  free(argv);
  free(bufs);
  free(regions);
  free(protectedRo);
  free(scalars);
  return st;
}
