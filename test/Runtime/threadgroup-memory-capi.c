// The C API of threadgroup memory sized at launch: a [[threadgroup(n)]] parameter is
// ENIGMA_CPU_PARAM_THREADGROUP with its index, not a launch argument, and each launch gives
// its length in EnigmaCpuLaunchConfig.threadgroupMemoryLengths.
// RUN: %host_cc %s -I%enigma_src_root/include -L%enigma_lib_dir -lEnigmaCAPI \
// RUN:   -Wl,-rpath,%enigma_lib_dir -o %t
// RUN: env ENIGMA_CACHE_DIR=%t.cache %t 2>&1 | FileCheck %s

#include "enigma-c/Runtime.h"

#include <stdio.h>
#include <string.h>

static const char *kSource =
    "#include <metal_stdlib>\n"
    "using namespace metal;\n"
    "kernel void rotate(device uint* data [[buffer(0)]],\n"
    "                   threadgroup uint* tile [[threadgroup(1)]],\n"
    "                   uint gid [[thread_position_in_grid]],\n"
    "                   uint lid [[thread_position_in_threadgroup]],\n"
    "                   uint size [[threads_per_threadgroup]]) {\n"
    "  tile[lid] = data[gid];\n"
    "  threadgroup_barrier(mem_flags::mem_threadgroup);\n"
    "  data[gid] = tile[(lid + 1) % size];\n"
    "}\n";

static void report(const char *what, EnigmaRuntimeStatus st, EnigmaRuntimeError *err) {
  printf("%s: %d %s\n", what, (int)st, st ? err->message : "");
  enigmaRuntimeErrorDestroy(err);
}

int main(void) {
  EnigmaCpuKernel k = NULL;
  EnigmaRuntimeError err = {0};
  EnigmaRuntimeStatus st =
      enigmaRuntimeCpuKernelCreate(kSource, strlen(kSource), "rotate", NULL, &k, &err);
  report("create", st, &err);
  // CHECK: create: 0
  printf("params %zu args %zu\n", enigmaRuntimeCpuKernelGetNumParams(k),
         enigmaRuntimeCpuKernelGetNumArgs(k));
  // CHECK-NEXT: params 5 args 1
  EnigmaCpuParam p;
  enigmaRuntimeCpuKernelGetParam(k, 1, &p, NULL);
  printf("param %s %s kind=%d tg=%d buffer=%d arg=%d size=%u\n", p.typeName, p.name, p.kind,
         p.threadgroupIndex, p.bufferIndex, p.argIndex, p.elementSize);
  // CHECK-NEXT: param uint tile kind=3 tg=1 buffer=-1 arg=-1 size=4
  enigmaRuntimeCpuKernelGetParam(k, 0, &p, NULL);
  printf("param %s tg=%d\n", p.name, p.threadgroupIndex);
  // CHECK-NEXT: param data tg=-1

  unsigned data[64];
  for (unsigned i = 0; i < 64; ++i)
    data[i] = i;
  EnigmaCpuArg args[1] = {{data, sizeof(data)}};
  uint32_t lengths[2] = {0, 16 * sizeof(unsigned)};
  EnigmaCpuLaunchConfig cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.grid[0] = 64, cfg.grid[1] = cfg.grid[2] = 1;
  cfg.block[0] = 16, cfg.block[1] = cfg.block[2] = 1;
  cfg.threadgroupMemoryLengths = lengths;
  cfg.numThreadgroupMemoryLengths = 2;
  st = enigmaRuntimeCpuKernelLaunch(k, args, 1, &cfg, &err);
  int wrong = 0;
  for (unsigned i = 0; i < 64; ++i)
    wrong += data[i] != (i / 16) * 16 + (i % 16 + 1) % 16;
  printf("launch: %d, %d wrong\n", (int)st, wrong);
  // CHECK-NEXT: launch: 0, 0 wrong

  cfg.numThreadgroupMemoryLengths = 1;
  st = enigmaRuntimeCpuKernelLaunch(k, args, 1, &cfg, &err);
  report("one length", st, &err);
  // CHECK-NEXT: one length: 1 kernel 'rotate': threadgroup memory 'tile' ({{\[\[}}threadgroup(1)]]) has no length
  cfg.numThreadgroupMemoryLengths = 2;
  lengths[1] = 40;
  st = enigmaRuntimeCpuKernelLaunch(k, args, 1, &cfg, &err);
  report("40 bytes", st, &err);
  // CHECK-NEXT: 40 bytes: 1 kernel 'rotate': threadgroup memory 'tile' ({{\[\[}}threadgroup(1)]]) is given 40 bytes; Metal requires a multiple of 16
  lengths[1] = ENIGMA_CPU_MAX_THREADGROUP_MEMORY + 16;
  st = enigmaRuntimeCpuKernelLaunch(k, args, 1, &cfg, &err);
  report("too much", st, &err);
  // CHECK-NEXT: too much: 1 kernel 'rotate': the launch gives 32784 bytes of threadgroup memory; Apple GPUs allow 32768 per threadgroup
  enigmaRuntimeCpuKernelDestroy(k);
  return 0;
}
