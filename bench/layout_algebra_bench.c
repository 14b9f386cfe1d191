//===-- layout_algebra_bench.c - Cost of typical layout algebra calls
//------===//
//
// Prints the average wall time per call of representative operations of the
// C core (handles prepared outside the timed loop, the result handle
// destroyed inside it, as a real caller would). Not a test: it asserts
// nothing. Usage: enigma-layout-bench [iterations]
//
//===----------------------------------------------------------------------===//

#define _POSIX_C_SOURCE 199309L
#include "enigma-c/Layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static EnigmaLayout layout(const char *text) {
  EnigmaLayout l = NULL;
  EnigmaLayoutError err;
  if (enigmaLayoutParse(text, -1, &l, &err)) {
    fprintf(stderr, "bad layout %s: %s\n", text, err.message);
    exit(1);
  }
  return l;
}

static EnigmaTiler tiler(const char *text) {
  EnigmaTiler t = NULL;
  EnigmaLayoutError err;
  if (enigmaTilerParse(text, -1, &t, &err)) {
    fprintf(stderr, "bad tiler %s: %s\n", text, err.message);
    exit(1);
  }
  return t;
}

typedef EnigmaLayoutStatus (*TilerOp)(EnigmaLayout, EnigmaTiler, EnigmaLayout *,
                                      EnigmaLayoutError *);
typedef EnigmaLayoutStatus (*BinaryOp)(EnigmaLayout, EnigmaLayout, EnigmaLayout *,
                                       EnigmaLayoutError *);
typedef EnigmaLayoutStatus (*UnaryOp)(EnigmaLayout, EnigmaLayout *, EnigmaLayoutError *);

static void report(const char *name, const char *args, double seconds, long iterations) {
  printf("%-18s %-44s %8.1f ns/call\n", name, args, 1e9 * seconds / (double)iterations);
}

static void benchTiler(const char *name, TilerOp op, const char *a, const char *t, long n) {
  EnigmaLayout l = layout(a);
  EnigmaTiler tl = tiler(t);
  EnigmaLayoutError err;
  double start = now();
  for (long i = 0; i < n; ++i) {
    EnigmaLayout r = NULL;
    if (op(l, tl, &r, &err)) {
      fprintf(stderr, "%s failed: %s\n", name, err.message);
      exit(1);
    }
    enigmaLayoutDestroy(r);
  }
  double elapsed = now() - start;
  char args[128];
  snprintf(args, sizeof args, "%s, %s", a, t);
  report(name, args, elapsed, n);
  enigmaLayoutDestroy(l);
  enigmaTilerDestroy(tl);
}

static void benchBinary(const char *name, BinaryOp op, const char *a, const char *b, long n) {
  EnigmaLayout x = layout(a), y = layout(b);
  EnigmaLayoutError err;
  double start = now();
  for (long i = 0; i < n; ++i) {
    EnigmaLayout r = NULL;
    if (op(x, y, &r, &err)) {
      fprintf(stderr, "%s failed: %s\n", name, err.message);
      exit(1);
    }
    enigmaLayoutDestroy(r);
  }
  double elapsed = now() - start;
  char args[128];
  snprintf(args, sizeof args, "%s, %s", a, b);
  report(name, args, elapsed, n);
  enigmaLayoutDestroy(x);
  enigmaLayoutDestroy(y);
}

static void benchUnary(const char *name, UnaryOp op, const char *a, long n) {
  EnigmaLayout x = layout(a);
  EnigmaLayoutError err;
  double start = now();
  for (long i = 0; i < n; ++i) {
    EnigmaLayout r = NULL;
    if (op(x, &r, &err)) {
      fprintf(stderr, "%s failed: %s\n", name, err.message);
      exit(1);
    }
    enigmaLayoutDestroy(r);
  }
  report(name, a, now() - start, n);
  enigmaLayoutDestroy(x);
}

static EnigmaLayoutStatus complement1024(EnigmaLayout a, EnigmaLayout *r, EnigmaLayoutError *e) {
  static EnigmaIntTuple target;
  if (!target)
    enigmaIntTupleCreateInt(1024, &target, e);
  return enigmaLayoutComplement(a, target, r, e);
}

static EnigmaLayoutStatus makeTV(EnigmaLayout t, EnigmaLayout v, EnigmaLayout *r,
                                 EnigmaLayoutError *e) {
  EnigmaIntTuple tile = NULL;
  EnigmaLayoutStatus st = enigmaLayoutMakeTV(t, v, &tile, r, e);
  enigmaIntTupleDestroy(tile);
  return st;
}

static EnigmaLayoutStatus parseRoundTrip(EnigmaLayout a, EnigmaLayout *r, EnigmaLayoutError *e) {
  char text[256];
  enigmaLayoutPrint(a, text, sizeof text);
  return enigmaLayoutParse(text, -1, r, e);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  printf("layout algebra, C core, %ld calls each\n", n);
  benchTiler("logical_divide", enigmaLayoutLogicalDivide, "(128,64):(1,128)", "(16,8)", n);
  benchTiler("zipped_divide", enigmaLayoutZippedDivide, "(128,64):(1,128)", "(16:1,8:1)", n);
  benchTiler("tiled_divide", enigmaLayoutTiledDivide, "(128,64):(64,1)", "(16,8)", n);
  benchTiler("logical_divide", enigmaLayoutLogicalDivide, "(9,(4,8)):(59,(13,1))",
             "(3:3,(2,4):(1,8))", n);
  benchBinary("composition", enigmaLayoutCompose, "(6,2):(8,2)", "(4,3):(3,1)", n);
  benchUnary("coalesce", enigmaLayoutCoalesce, "((2,4),(2,8)):((1,2),(8,16))", n);
  benchUnary("complement", complement1024, "(4,8):(1,32)", n);
  benchUnary("right_inverse", enigmaLayoutRightInverse, "(4,32):(32,1)", n);
  benchBinary("blocked_product", enigmaLayoutBlockedProduct, "(2,5):(5,1)", "(3,4):(1,3)", n);
  benchBinary("make_layout_tv", makeTV, "(4,32):(32,1)", "(4,4):(4,1)", n);
  benchUnary("print+parse", parseRoundTrip, "((2,4),8):((1,2),8)", n);
  return 0;
}
