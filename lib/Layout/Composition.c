//===-- Composition.c - Functional composition of layouts -----------------===//
//
// composition(A, B) = A o B, as CuTe 4.2 computes it. B is taken mode by mode
// (composition distributes over B's concatenation); for one mode s:d, the
// coalesced A is walked mode by mode: the stride d either steps over a whole
// mode (d a multiple of its size) or lands inside it and takes every d-th
// element of it, until s elements are collected. Results are not coalesced
// afterwards, and a size-1 result keeps the stride CuTe computes for it.
//
// Both steps need CuTe's divisibility conditions. We check them on every call
// and say which failed, and additionally refuse the inputs that pass CuTe's
// (weak) stride check but whose CuTe result is not A o B.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdio.h>

static void ltShowModes(const LtModes *m, char *buffer, size_t capacity) {
  LtBuilder b;
  ltBuilderInit(&b);
  ltModesEmit(m, &b);
  if (b.status == ENIGMA_LAYOUT_OK)
    ltShowLayout(ltBuilderRoot(&b), buffer, capacity);
  else
    snprintf(buffer, capacity, "<layout>");
  ltBuilderFree(&b);
}

// Composes the flat, coalesced `lhs` with the layout `rhs`, appending the
// result to `out`.
static EnigmaLayoutStatus ltComposeImpl(const LtModes *lhs, const LtNode *rhs, LtBuilder *out,
                                        EnigmaLayoutError *error) {
  if (!ltIsLeaf(rhs)) {
    ltBuilderOpen(out);
    const LtNode *c = rhs + 1;
    for (int32_t i = 0; i < rhs->rank; ++i, c = ltNext(c)) {
      EnigmaLayoutStatus st = ltComposeImpl(lhs, c, out, error);
      if (st)
        return st;
    }
    ltBuilderClose(out);
    return ENIGMA_LAYOUT_OK;
  }

  int64_t s = rhs->shape, d = rhs->stride;
  if (d == 0) {
    ltBuilderLeaf(out, s, 0);
    return ENIGMA_LAYOUT_OK;
  }
  int32_t r = lhs->count;
  if (r == 1) {
    int64_t stride;
    EnigmaLayoutStatus st = ltMul(d, lhs->stride[0], &stride, "a composed stride", error);
    if (!st)
      ltBuilderLeaf(out, s, stride);
    return st;
  }
  if (d < 0) {
    char a[128];
    ltShowModes(lhs, a, sizeof(a));
    return ltFail(error, ENIGMA_LAYOUT_ERROR_UNSUPPORTED,
                  "composition: the right operand's mode %lld:%lld has a "
                  "negative stride, which composition with the multi-mode "
                  "layout %s does not support",
                  (long long)s, (long long)d, a);
  }

  // Walk the modes of lhs but the last (CuTe 4.2's composition_impl): the
  // stride d steps over whole modes or lands inside one, which then
  // contributes ceil(shape / stride) elements, at most the size still wanted.
  LtModes result;
  ltModesInit(&result);
  EnigmaLayoutStatus st = ENIGMA_LAYOUT_OK;
  int64_t restShape = s, restStride = d;
  for (int32_t i = 0; i + 1 < r && !st; ++i) {
    int64_t cs = lhs->shape[i], cd = lhs->stride[i];
    int64_t nextShape = cs / restStride + (cs % restStride != 0);
    int64_t nextStride = restStride / cs + (restStride % cs != 0);
    // CuTe's stride condition, plus the case CuTe lets through although its
    // result is not A o B: a stride that lands inside a mode without dividing
    // it may only pick elements of that mode, not continue into the next.
    bool inexact =
        restStride >= cs ? restStride % cs != 0 : cs % restStride != 0 && restShape > nextShape;
    if (inexact) {
      char a[128];
      ltShowModes(lhs, a, sizeof(a));
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_DIVISIBILITY,
                  "composition: stride divisibility condition failed: mode %d of the left layout "
                  "%s has shape %lld, which neither divides nor is a multiple of %lld, the stride "
                  "left after the modes before it (composing with %lld:%lld)",
                  i, a, (long long)cs, (long long)restStride, (long long)s, (long long)d);
      break;
    }
    if (nextShape != 1 && restShape != 1) {
      int64_t newShape = nextShape < restShape ? nextShape : restShape;
      if (restShape % newShape != 0) {
        char a[128];
        ltShowModes(lhs, a, sizeof(a));
        st = ltFail(error, ENIGMA_LAYOUT_ERROR_DIVISIBILITY,
                    "composition: shape divisibility condition failed: mode %d of the left layout "
                    "%s provides %lld elements at this stride, which does not divide %lld, the "
                    "size left of the right operand's mode %lld:%lld",
                    i, a, (long long)newShape, (long long)restShape, (long long)s, (long long)d);
        break;
      }
      int64_t stride;
      st = ltMul(restStride, cd, &stride, "a composed stride", error);
      ltModesPush(&result, newShape, stride);
      restShape /= newShape;
    }
    restStride = nextStride;
  }

  // The last mode of lhs is unbounded: it takes whatever size is left. CuTe
  // keeps a size-1 result here (with its stride) when nothing else was kept.
  if (!st && (result.count == 0 || restShape != 1)) {
    int64_t stride;
    st = ltMul(restStride, lhs->stride[r - 1], &stride, "a composed stride", error);
    ltModesPush(&result, restShape, stride);
  }
  if (!st && result.status)
    st = ltFail(error, result.status, "out of memory in composition");
  if (!st)
    ltModesEmit(&result, out);
  ltModesFree(&result);
  return st;
}

EnigmaLayoutStatus ltCompose(const LtNode *a, const LtNode *b, LtBuilder *out,
                             EnigmaLayoutError *error) {
  LtModes flat, lhs;
  ltModesInit(&flat);
  ltModesInit(&lhs);
  ltModesFlatten(&flat, a);
  EnigmaLayoutStatus st = flat.status;
  if (st)
    st = ltFail(error, st, "out of memory in composition");
  else
    st = ltCoalesceModes(&flat, true, &lhs, error);
  if (!st)
    st = ltComposeImpl(&lhs, b, out, error);
  ltModesFree(&flat);
  ltModesFree(&lhs);
  return st;
}

static EnigmaLayoutStatus ltComposeTile(const LtNode *mode, const LtNode *tile, const LtPath *path,
                                        LtBuilder *out, EnigmaLayoutError *error) {
  (void)path;
  return ltCompose(mode, tile, out, error);
}

EnigmaLayoutStatus ltComposeTiler(const LtNode *a, const LtNode *tiler, LtBuilder *out,
                                  EnigmaLayoutError *error) {
  LtPath path = {0, {0}};
  // CuTe's composition with a tuple tiler drops the modes it does not reach.
  return ltApplyByMode(a, tiler, ltComposeTile, "composition", false, false, &path, out, error);
}

/*===-- API --------------------------------------------------------------===*/

EnigmaLayoutStatus enigmaLayoutCompose(EnigmaLayout a, EnigmaLayout b, EnigmaLayout *result,
                                       EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutCompose: the output pointer 'result' is NULL");
  LtBuilder out;
  ltBuilderInit(&out);
  EnigmaLayoutStatus st = ltCheckHandle(a, "left layout", error);
  if (!st)
    st = ltCheckHandle(b, "right layout", error);
  if (!st)
    st = ltCompose(a->nodes, b->nodes, &out, error);
  return ltFinishLayout(st, &out, result, error);
}

EnigmaLayoutStatus enigmaLayoutComposeTiler(EnigmaLayout a, EnigmaTiler tiler, EnigmaLayout *result,
                                            EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutComposeTiler: the output pointer 'result' is NULL");
  LtBuilder out;
  ltBuilderInit(&out);
  EnigmaLayoutStatus st = ltCheckHandle(a, "layout", error);
  if (!st)
    st = ltCheckHandle(tiler, "tiler", error);
  if (!st)
    st = ltComposeTiler(a->nodes, tiler->nodes, &out, error);
  return ltFinishLayout(st, &out, result, error);
}
