/*===-- Fiber.c - Stackful fibers for simulated GPU threads ---------------===*/
/*
 * Each GPU thread that reaches a barrier or SIMD-group function needs its own
 * stack so that it can wait there while its siblings run. Fibers switch with
 * a few instructions: save the callee-saved registers on the current stack,
 * swap stack pointers, restore. That is about 100x cheaper than swapcontext,
 * which makes a system call per switch to save the signal mask;
 * barrier-heavy kernels switch once per thread per barrier. The
 * floating-point control registers are not switched: every fiber of a worker
 * shares its rounding mode, which MSL cannot change. Other architectures fall
 * back to ucontext.
 */

#include "CpuRuntime.h"

#include <stdint.h>

#if defined(__x86_64__) && !defined(ENIGMA_CPU_FIBER_UCONTEXT)

/* void enigmaCpuFiberSwitch(void **save (rdi), void *to (rsi)) */
__asm__(".text\n"
        ".globl enigmaCpuFiberSwitch\n"
        ".hidden enigmaCpuFiberSwitch\n"
        ".type enigmaCpuFiberSwitch,@function\n"
        "enigmaCpuFiberSwitch:\n"
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size enigmaCpuFiberSwitch, .-enigmaCpuFiberSwitch\n"
        /* First switch into a fiber lands here with fn in r12, arg in r13. */
        ".globl enigmaCpuFiberTrampoline\n"
        ".hidden enigmaCpuFiberTrampoline\n"
        ".type enigmaCpuFiberTrampoline,@function\n"
        "enigmaCpuFiberTrampoline:\n"
        "  movq %r13, %rdi\n"
        "  callq *%r12\n"
        "  ud2\n"
        ".size enigmaCpuFiberTrampoline, .-enigmaCpuFiberTrampoline\n");

void enigmaCpuFiberTrampoline(void);

void *enigmaCpuFiberInit(char *lo, char *hi, EnigmaCpuFiberFn fn, void *arg) {
  (void)lo;
  // After the pops and `ret`, rsp must be 16-byte aligned so that the
  // trampoline's call enters fn with the ABI's alignment.
  uintptr_t top = ((uintptr_t)hi - 64) & ~(uintptr_t)15;
  uint64_t *sp = (uint64_t *)(top - 56);
  sp[0] = 0;                                              /* r15 */
  sp[1] = 0;                                              /* r14 */
  sp[2] = (uint64_t)arg;                                  /* r13 */
  sp[3] = (uint64_t)(uintptr_t)fn;                        /* r12 */
  sp[4] = 0;                                              /* rbx */
  sp[5] = 0;                                              /* rbp */
  sp[6] = (uint64_t)(uintptr_t)&enigmaCpuFiberTrampoline; /* return address */
  return sp;
}

#elif defined(__aarch64__) && !defined(ENIGMA_CPU_FIBER_UCONTEXT)

/* void enigmaCpuFiberSwitch(void **save (x0), void *to (x1)) */
__asm__(".text\n"
        ".globl enigmaCpuFiberSwitch\n"
        ".hidden enigmaCpuFiberSwitch\n"
        ".type enigmaCpuFiberSwitch,%function\n"
        "enigmaCpuFiberSwitch:\n"
        "  sub sp, sp, #176\n"
        "  stp x19, x20, [sp, #0]\n"
        "  stp x21, x22, [sp, #16]\n"
        "  stp x23, x24, [sp, #32]\n"
        "  stp x25, x26, [sp, #48]\n"
        "  stp x27, x28, [sp, #64]\n"
        "  stp x29, x30, [sp, #80]\n"
        "  stp d8, d9, [sp, #96]\n"
        "  stp d10, d11, [sp, #112]\n"
        "  stp d12, d13, [sp, #128]\n"
        "  stp d14, d15, [sp, #144]\n"
        "  mov x9, sp\n"
        "  str x9, [x0]\n"
        "  mov sp, x1\n"
        "  ldp x19, x20, [sp, #0]\n"
        "  ldp x21, x22, [sp, #16]\n"
        "  ldp x23, x24, [sp, #32]\n"
        "  ldp x25, x26, [sp, #48]\n"
        "  ldp x27, x28, [sp, #64]\n"
        "  ldp x29, x30, [sp, #80]\n"
        "  ldp d8, d9, [sp, #96]\n"
        "  ldp d10, d11, [sp, #112]\n"
        "  ldp d12, d13, [sp, #128]\n"
        "  ldp d14, d15, [sp, #144]\n"
        "  add sp, sp, #176\n"
        "  ret\n"
        ".size enigmaCpuFiberSwitch, .-enigmaCpuFiberSwitch\n"
        ".globl enigmaCpuFiberTrampoline\n"
        ".hidden enigmaCpuFiberTrampoline\n"
        ".type enigmaCpuFiberTrampoline,%function\n"
        "enigmaCpuFiberTrampoline:\n"
        "  mov x0, x20\n"
        "  blr x19\n"
        "  brk #0\n"
        ".size enigmaCpuFiberTrampoline, .-enigmaCpuFiberTrampoline\n");

void enigmaCpuFiberTrampoline(void);

void *enigmaCpuFiberInit(char *lo, char *hi, EnigmaCpuFiberFn fn, void *arg) {
  (void)lo;
  uintptr_t top = ((uintptr_t)hi - 64) & ~(uintptr_t)15;
  uint64_t *sp = (uint64_t *)(top - 176);
  for (int i = 0; i < 22; ++i)
    sp[i] = 0;
  sp[0] = (uint64_t)(uintptr_t)fn;                         /* x19 */
  sp[1] = (uint64_t)(uintptr_t)arg;                        /* x20 */
  sp[11] = (uint64_t)(uintptr_t)&enigmaCpuFiberTrampoline; /* x30 */
  return sp;
}

#else /* ucontext fallback */

#include <stdlib.h>
#include <ucontext.h>

/* The context lives at the top of the fiber's own stack; the "stack pointer"
 * the scheduler keeps is a pointer to it. */
typedef struct UFiber {
  ucontext_t ctx;
  EnigmaCpuFiberFn fn;
  void *arg;
} UFiber;

static void ufiberStart(unsigned hi, unsigned lo) {
  UFiber *f = (UFiber *)(((uintptr_t)hi << 32) | (uintptr_t)lo);
  f->fn(f->arg);
  abort();
}

void *enigmaCpuFiberInit(char *lo, char *hi, EnigmaCpuFiberFn fn, void *arg) {
  uintptr_t at = ((uintptr_t)hi - sizeof(UFiber)) & ~(uintptr_t)63;
  UFiber *f = (UFiber *)at;
  f->fn = fn;
  f->arg = arg;
  getcontext(&f->ctx);
  f->ctx.uc_stack.ss_sp = lo;
  f->ctx.uc_stack.ss_size = (size_t)((char *)f - lo);
  f->ctx.uc_link = NULL;
  makecontext(&f->ctx, (void (*)(void))ufiberStart, 2, (unsigned)((uintptr_t)f >> 32),
              (unsigned)(uintptr_t)f);
  return f;
}

void enigmaCpuFiberSwitch(void **save, void *to) {
  // The caller's context is stored in a fresh UFiber-sized slot on its own
  // stack: it stays valid while the caller is suspended in this frame.
  UFiber self;
  *save = &self;
  swapcontext(&self.ctx, &((UFiber *)to)->ctx);
}

#endif
