//===-- Composition.c - Functional composition of layouts -----------------===//
//
// composition(A, B) = A o B. B is taken mode by mode (composition is
// left-distributive over B's concatenation); for one mode s:d of B the
// coalesced A is first "divided" by d (every d-th element) and then "modded"
// by s (the first s of those), exactly as CuTe's composition_impl. Both
// steps need CuTe's divisibility conditions; unlike CuTe with dynamic
// integers we always check them and say which one failed instead of
// returning a layout that is not A o B. The shape condition is checked only
// where it matters (see the mod step), so a prefix of a mode is accepted.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdio.h>

// CuTe shape_div for positive integers: a / b, rounded up to 1 when b > a.
static int64_t ltShapeDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return q != 0 ? q : 1;
}

static bool ltDivides(int64_t a, int64_t b) { return a % b == 0 || b % a == 0; }

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

  LtModes mid;
  ltModesInit(&mid);
  EnigmaLayoutStatus st = ENIGMA_LAYOUT_OK;

  // Divide out the stride d: keep every d-th element of lhs.
  int64_t restStride = d;
  for (int32_t i = 0; i + 1 < r && !st; ++i) {
    int64_t si = lhs->shape[i];
    if (!ltDivides(si, restStride)) {
      char a[128];
      ltShowModes(lhs, a, sizeof(a));
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_DIVISIBILITY,
                  "composition: stride divisibility condition failed: mode %d "
                  "of the left layout %s has shape %lld, which neither "
                  "divides nor is a multiple of %lld, the stride left after "
                  "the modes before it (composing with %lld:%lld)",
                  i, a, (long long)si, (long long)restStride, (long long)s, (long long)d);
      break;
    }
    int64_t newShape = ltShapeDiv(si, restStride);
    int64_t newStride;
    st = ltMul(lhs->stride[i], ltShapeDiv(si, newShape), &newStride, "a composed stride", error);
    restStride = ltShapeDiv(restStride, si);
    ltModesPush(&mid, newShape, newStride);
  }

  // Mod out the shape s: keep the first s of those elements.
  int64_t restShape = s;
  for (int32_t i = 0; i + 1 < r && !st; ++i) {
    int64_t si = mid.shape[i];
    // Taking a prefix of a mode (restShape < si) is exact: nothing of the
    // later modes is used. Static CuTe rejects that case too, but its result
    // with dynamic integers is this one, and only continuing past a mode that
    // the remaining size does not split evenly gives a non-layout.
    if (restShape > si && restShape % si != 0) {
      char a[128];
      ltShowModes(lhs, a, sizeof(a));
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_DIVISIBILITY,
                  "composition: shape divisibility condition failed: mode %d "
                  "of the left layout %s keeps %lld elements after the stride "
                  "is divided out, which does not divide %lld, the size left "
                  "of the right operand's mode %lld:%lld",
                  i, a, (long long)si, (long long)restShape, (long long)s, (long long)d);
      break;
    }
    mid.shape[i] = (si == 1 || restShape == 1) ? 1 : si < restShape ? si : restShape;
    restShape = ltShapeDiv(restShape, si);
  }

  if (!st) {
    int64_t lastStride;
    st = ltMul(restStride, lhs->stride[r - 1], &lastStride, "a composed stride", error);
    ltModesPush(&mid, restShape, lastStride);
  }
  if (!st && mid.status)
    st = ltFail(error, mid.status, "out of memory in composition");
  if (!st) {
    // CuTe's bw_coalesce over (kept modes..., rest) is exactly coalesce of
    // the concatenated list.
    LtModes result;
    ltModesInit(&result);
    st = ltCoalesceModes(&mid, false, &result, error);
    if (!st)
      ltModesEmit(&result, out);
    ltModesFree(&result);
  }
  ltModesFree(&mid);
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
  return ltApplyByMode(a, tiler, ltComposeTile, "composition", false, &path, out, error);
}

/*===-- API --------------------------------------------------------------===*/

EnigmaLayoutStatus enigmaLayoutCompose(EnigmaLayout a, EnigmaLayout b, EnigmaLayout *result,
                                       EnigmaLayoutError *error) {
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
  LtBuilder out;
  ltBuilderInit(&out);
  EnigmaLayoutStatus st = ltCheckHandle(a, "layout", error);
  if (!st)
    st = ltCheckHandle(tiler, "tiler", error);
  if (!st)
    st = ltComposeTiler(a->nodes, tiler->nodes, &out, error);
  return ltFinishLayout(st, &out, result, error);
}
