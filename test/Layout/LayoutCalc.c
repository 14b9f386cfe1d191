//===-- LayoutCalc.c - Line-oriented driver for the layout core tests
//------===//
//
// Reads one operation per line from stdin and prints its result in CuTe
// notation, or "error: <status>: <message>". The lit tests feed it CuTe's
// documented examples and FileCheck the answers. Lines starting with '#'
// and blank lines are ignored; arguments are separated by whitespace, so a
// layout argument must not contain spaces.
//
//===----------------------------------------------------------------------===//

#include "enigma-c/Layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 8

static void printLayout(EnigmaLayout l) {
  char buf[4096];
  enigmaLayoutPrint(l, buf, sizeof(buf));
  printf("%s\n", buf);
}

static void printTuple(EnigmaIntTuple t) {
  char buf[4096];
  enigmaIntTuplePrint(t, buf, sizeof(buf));
  printf("%s\n", buf);
}

static int report(EnigmaLayoutStatus st, const EnigmaLayoutError *err) {
  if (st)
    printf("error: %s: %s\n", enigmaLayoutStatusGetName(st), err->message);
  return st != ENIGMA_LAYOUT_OK;
}

typedef EnigmaLayoutStatus (*UnaryFn)(EnigmaLayout, EnigmaLayout *, EnigmaLayoutError *);
typedef EnigmaLayoutStatus (*TilerFn)(EnigmaLayout, EnigmaTiler, EnigmaLayout *,
                                      EnigmaLayoutError *);
typedef EnigmaLayoutStatus (*BinaryFn)(EnigmaLayout, EnigmaLayout, EnigmaLayout *,
                                       EnigmaLayoutError *);

static const struct {
  const char *name;
  UnaryFn fn;
} unaryOps[] = {
    {"coalesce", enigmaLayoutCoalesce},        {"filter", enigmaLayoutFilter},
    {"flatten", enigmaLayoutFlatten},          {"right_inverse", enigmaLayoutRightInverse},
    {"left_inverse", enigmaLayoutLeftInverse},
};

static const struct {
  const char *name;
  TilerFn fn;
} tilerOps[] = {
    {"composition", enigmaLayoutComposeTiler},     {"logical_divide", enigmaLayoutLogicalDivide},
    {"zipped_divide", enigmaLayoutZippedDivide},   {"tiled_divide", enigmaLayoutTiledDivide},
    {"flat_divide", enigmaLayoutFlatDivide},       {"logical_product", enigmaLayoutLogicalProduct},
    {"zipped_product", enigmaLayoutZippedProduct}, {"tiled_product", enigmaLayoutTiledProduct},
    {"flat_product", enigmaLayoutFlatProduct},
};

static const struct {
  const char *name;
  BinaryFn fn;
} binaryOps[] = {
    {"compose", enigmaLayoutCompose},
    {"blocked_product", enigmaLayoutBlockedProduct},
    {"raked_product", enigmaLayoutRakedProduct},
};

// Runs one command; returns nonzero on a usage error of the driver itself.
static int run(int argc, char **argv) {
  EnigmaLayoutError err;
  EnigmaLayoutStatus st;
  const char *op = argv[0];
  EnigmaLayout a = NULL, b = NULL, r = NULL;
  EnigmaIntTuple t = NULL, u = NULL;
  EnigmaTiler tiler = NULL;
  int usage = 0;

#define NEED(n)                                                                                    \
  do {                                                                                             \
    if (argc != (n) + 1) {                                                                         \
      printf("usage error: %s takes %d argument(s)\n", op, (n));                                   \
      usage = 1;                                                                                   \
      goto done;                                                                                   \
    }                                                                                              \
  } while (0)
#define LAYOUT(dst, text)                                                                          \
  do {                                                                                             \
    if (report(enigmaLayoutParse((text), -1, &(dst), &err), &err))                                 \
      goto done;                                                                                   \
  } while (0)
#define TUPLE(dst, text)                                                                           \
  do {                                                                                             \
    if (report(enigmaIntTupleParse((text), -1, &(dst), &err), &err))                               \
      goto done;                                                                                   \
  } while (0)

  for (size_t i = 0; i < sizeof(unaryOps) / sizeof(unaryOps[0]); ++i) {
    if (strcmp(op, unaryOps[i].name) == 0) {
      NEED(1);
      LAYOUT(a, argv[1]);
      if (!report(unaryOps[i].fn(a, &r, &err), &err))
        printLayout(r);
      goto done;
    }
  }
  for (size_t i = 0; i < sizeof(tilerOps) / sizeof(tilerOps[0]); ++i) {
    if (strcmp(op, tilerOps[i].name) == 0) {
      NEED(2);
      LAYOUT(a, argv[1]);
      if (report(enigmaTilerParse(argv[2], -1, &tiler, &err), &err))
        goto done;
      if (!report(tilerOps[i].fn(a, tiler, &r, &err), &err))
        printLayout(r);
      goto done;
    }
  }
  for (size_t i = 0; i < sizeof(binaryOps) / sizeof(binaryOps[0]); ++i) {
    if (strcmp(op, binaryOps[i].name) == 0) {
      NEED(2);
      LAYOUT(a, argv[1]);
      LAYOUT(b, argv[2]);
      if (!report(binaryOps[i].fn(a, b, &r, &err), &err))
        printLayout(r);
      goto done;
    }
  }
  if (strcmp(op, "parse") == 0) {
    NEED(1);
    LAYOUT(a, argv[1]);
    printLayout(a);
  } else if (strcmp(op, "parse_tuple") == 0) {
    NEED(1);
    TUPLE(t, argv[1]);
    printTuple(t);
  } else if (strcmp(op, "parse_tiler") == 0) {
    NEED(1);
    if (!report(enigmaTilerParse(argv[1], -1, &tiler, &err), &err)) {
      char buf[4096];
      enigmaTilerPrint(tiler, buf, sizeof(buf));
      printf("%s\n", buf);
    }
  } else if (strcmp(op, "coalesce_by_mode") == 0) {
    NEED(2);
    LAYOUT(a, argv[1]);
    TUPLE(t, argv[2]);
    if (!report(enigmaLayoutCoalesceByMode(a, t, &r, &err), &err))
      printLayout(r);
  } else if (strcmp(op, "complement") == 0) {
    if (argc != 2)
      NEED(2);
    LAYOUT(a, argv[1]);
    if (argc == 3)
      TUPLE(t, argv[2]);
    if (!report(enigmaLayoutComplement(a, t, &r, &err), &err))
      printLayout(r);
  } else if (strcmp(op, "make_layout") == 0) {
    NEED(1);
    TUPLE(t, argv[1]);
    if (!report(enigmaLayoutCreateCompact(t, &r, &err), &err))
      printLayout(r);
  } else if (strcmp(op, "make_ordered_layout") == 0) {
    NEED(2);
    TUPLE(t, argv[1]);
    TUPLE(u, argv[2]);
    if (!report(enigmaLayoutCreateOrdered(t, u, &r, &err), &err))
      printLayout(r);
  } else if (strcmp(op, "make_layout_tv") == 0) {
    NEED(2);
    LAYOUT(a, argv[1]);
    LAYOUT(b, argv[2]);
    if (!report(enigmaLayoutMakeTV(a, b, &t, &r, &err), &err)) {
      char buf[4096];
      enigmaIntTuplePrint(t, buf, sizeof(buf));
      printf("tiler %s tv ", buf);
      printLayout(r);
    }
  } else if (strcmp(op, "size") == 0 || strcmp(op, "cosize") == 0) {
    NEED(1);
    LAYOUT(a, argv[1]);
    int64_t v;
    st = op[0] == 's' ? enigmaLayoutSize(a, &v, &err) : enigmaLayoutCosize(a, &v, &err);
    if (!report(st, &err))
      printf("%lld\n", (long long)v);
  } else if (strcmp(op, "rank") == 0 || strcmp(op, "depth") == 0) {
    NEED(1);
    LAYOUT(a, argv[1]);
    printf("%ld\n", (long)(op[0] == 'r' ? enigmaLayoutGetRank(a) : enigmaLayoutGetDepth(a)));
  } else if (strcmp(op, "mode") == 0) {
    if (argc < 2)
      NEED(1);
    LAYOUT(a, argv[1]);
    int32_t path[MAX_ARGS];
    for (int i = 2; i < argc; ++i)
      path[i - 2] = atoi(argv[i]);
    if (!report(enigmaLayoutGetMode(a, path, argc - 2, &r, &err), &err))
      printLayout(r);
  } else if (strcmp(op, "crd2idx") == 0) {
    NEED(2);
    LAYOUT(a, argv[1]);
    TUPLE(t, argv[2]);
    int64_t v;
    if (!report(enigmaLayoutCrd2Idx(a, t, &v, &err), &err))
      printf("%lld\n", (long long)v);
  } else if (strcmp(op, "idx2crd") == 0) {
    NEED(2);
    TUPLE(t, argv[1]);
    if (!report(enigmaIntTupleIdx2Crd(t, atoll(argv[2]), &u, &err), &err))
      printTuple(u);
  } else if (strcmp(op, "shape_crd2idx") == 0) {
    NEED(2);
    TUPLE(t, argv[1]);
    TUPLE(u, argv[2]);
    int64_t v;
    if (!report(enigmaIntTupleCrd2Idx(t, u, &v, &err), &err))
      printf("%lld\n", (long long)v);
  } else if (strcmp(op, "values") == 0) {
    // Prints layout(i) for every i < size.
    NEED(1);
    LAYOUT(a, argv[1]);
    int64_t n;
    if (report(enigmaLayoutSize(a, &n, &err), &err))
      goto done;
    if (n > (1 << 20)) {
      printf("error: %lld values are too many to print\n", (long long)n);
      goto done;
    }
    int64_t *out = malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    if (!out) {
      printf("error: out of memory\n");
      goto done;
    }
    if (!report(enigmaLayoutEvaluateRange(a, 0, (intptr_t)n, out, &err), &err)) {
      for (int64_t i = 0; i < n; ++i)
        printf("%s%lld", i ? " " : "", (long long)out[i]);
      printf("\n");
    }
    free(out);
  } else if (strcmp(op, "upcast") == 0 || strcmp(op, "downcast") == 0) {
    NEED(2);
    LAYOUT(a, argv[1]);
    st = op[0] == 'u' ? enigmaLayoutUpcast(a, atoll(argv[2]), &r, &err)
                      : enigmaLayoutDowncast(a, atoll(argv[2]), &r, &err);
    if (!report(st, &err))
      printLayout(r);
  } else if (strcmp(op, "recast") == 0) {
    // recast <layout> <new bits> <old bits>
    NEED(3);
    LAYOUT(a, argv[1]);
    if (!report(enigmaLayoutRecast(a, atoll(argv[2]), atoll(argv[3]), &r, &err), &err))
      printLayout(r);
  } else if (strcmp(op, "tile_to_shape") == 0) {
    // tile_to_shape <block> <target shape> [<order>]
    if (argc != 4)
      NEED(2);
    LAYOUT(a, argv[1]);
    TUPLE(t, argv[2]);
    if (argc == 4)
      TUPLE(u, argv[3]);
    if (!report(enigmaLayoutTileToShape(a, t, u, &r, &err), &err))
      printLayout(r);
  } else if (strcmp(op, "swizzle") == 0) {
    // swizzle <B> <M> <S> <x>
    NEED(4);
    EnigmaSwizzle sw = {atoi(argv[1]), atoi(argv[2]), atoi(argv[3])};
    int64_t v;
    if (!report(enigmaSwizzleApply(sw, atoll(argv[4]), &v, &err), &err)) {
      int64_t y, z;
      enigmaSwizzleGetMasks(sw, &y, &z);
      printf("%lld yyy=%lld zzz=%lld\n", (long long)v, (long long)y, (long long)z);
    }
  } else if (strcmp(op, "composed") == 0 || strcmp(op, "composed_values") == 0 ||
             strcmp(op, "composed_crd2idx") == 0) {
    // composed <text>: the printed form, size and cosize; composed_values
    // <text>: every value; composed_crd2idx <coord> <text>. The text's words
    // are re-joined with single spaces.
    char kind = strcmp(op, "composed_crd2idx") == 0 ? 'c' : strcmp(op, "composed") == 0 ? 'p' : 'v';
    int first = kind == 'c' ? 2 : 1;
    if (argc <= first)
      NEED(first);
    char text[1024] = "";
    for (int i = first; i < argc; ++i) {
      strncat(text, argv[i], sizeof(text) - strlen(text) - 2);
      strcat(text, " ");
    }
    EnigmaComposedLayout c = NULL;
    if (report(enigmaComposedLayoutParse(text, -1, &c, &err), &err))
      goto done;
    if (kind == 'c') {
      TUPLE(t, argv[1]);
      int64_t v;
      if (!report(enigmaComposedLayoutCrd2Idx(c, t, &v, &err), &err))
        printf("%lld\n", (long long)v);
    } else if (kind == 'v') {
      int64_t n, out[256];
      if (!report(enigmaComposedLayoutSize(c, &n, &err), &err)) {
        if (n > 256)
          n = 256;
        if (!report(enigmaComposedLayoutEvaluateRange(c, 0, (intptr_t)n, out, &err), &err)) {
          for (int64_t i = 0; i < n; ++i)
            printf("%s%lld", i ? " " : "", (long long)out[i]);
          printf("\n");
        }
      }
    } else {
      char buf[1024];
      int64_t n, m;
      enigmaComposedLayoutPrint(c, buf, sizeof(buf));
      if (!report(enigmaComposedLayoutSize(c, &n, &err), &err) &&
          !report(enigmaComposedLayoutCosize(c, &m, &err), &err))
        printf("%s size=%lld cosize=%lld\n", buf, (long long)n, (long long)m);
    }
    enigmaComposedLayoutDestroy(c);
  } else {
    printf("usage error: unknown operation '%s'\n", op);
    usage = 1;
  }
done:
  enigmaLayoutDestroy(a);
  enigmaLayoutDestroy(b);
  enigmaLayoutDestroy(r);
  enigmaIntTupleDestroy(t);
  enigmaIntTupleDestroy(u);
  enigmaTilerDestroy(tiler);
  return usage;
#undef NEED
#undef LAYOUT
#undef TUPLE
}

int main(void) {
  char line[8192];
  int failures = 0;
  while (fgets(line, sizeof(line), stdin)) {
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok && argc < MAX_ARGS + 1;
         tok = strtok(NULL, " \t\r\n"))
      argv[argc++] = tok;
    if (argc == 0 || argv[0][0] == '#')
      continue;
    // Lit test files embed commands after a comment leader: skip "//".
    if (strcmp(argv[0], "//") == 0)
      continue;
    failures += run(argc, argv);
    fflush(stdout);
  }
  return failures ? 1 : 0;
}
