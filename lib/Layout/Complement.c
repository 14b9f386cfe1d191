//===-- Complement.c - complement, right_inverse, left_inverse
//-------------===//
//
// complement sorts the filtered modes by stride one at a time and fills each
// gap below the next stride, then repeats the whole image up to the
// cotarget. right_inverse follows the chain of strides 1, s0*d0, ... through
// the coalesced layout. Both follow CuTe's definitions step for step so the
// results match shape for shape.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

// CuTe ceil_div(cotarget, d) folded over a tuple and multiplied out (CuTe's
// complement coalesces the resulting shape to its size).
static EnigmaLayoutStatus ltCeilDivSize(const LtNode *cotarget, int64_t *d, int64_t *product,
                                        EnigmaLayoutError *error) {
  if (ltIsLeaf(cotarget)) {
    int64_t a = cotarget->shape;
    if (a < 1)
      return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                    "complement: cotarget %lld is not positive", (long long)a);
    // Ceiling divisions written so that they cannot overflow.
    int64_t part = a / *d + (a % *d != 0);
    *d = *d / a + (*d % a != 0);
    return ltMul(*product, part, product, "a complement size", error);
  }
  const LtNode *c = cotarget + 1;
  for (int32_t i = 0; i < cotarget->rank; ++i, c = ltNext(c)) {
    EnigmaLayoutStatus st = ltCeilDivSize(c, d, product, error);
    if (st)
      return st;
  }
  return ENIGMA_LAYOUT_OK;
}

// The general case of complement on the filtered modes `f` (none of them
// stride 0 or size 1), appending the unsorted gaps and the rest to `modes`.
static EnigmaLayoutStatus ltComplementGaps(const LtNode *layout, LtModes *f, const LtNode *cotarget,
                                           LtModes *modes, EnigmaLayoutError *error) {
  for (int32_t i = 0; i < f->count; ++i) {
    if (f->stride[i] < 0) {
      char a[128];
      return ltFail(error, ENIGMA_LAYOUT_ERROR_NOT_INJECTIVE,
                    "complement: layout %s has the negative stride %lld; "
                    "complement needs non-negative strides",
                    ltShowLayout(layout, a, sizeof(a)), (long long)f->stride[i]);
    }
  }
  // Take the modes by increasing stride (the first of equal strides first,
  // as CuTe's find(min)); each contributes the gap below it. Chosen modes are
  // removed from `f` in place, keeping the order of the others.
  int64_t current = 1;
  while (f->count > 0) {
    int32_t best = 0;
    for (int32_t i = 1; i < f->count; ++i)
      if (f->stride[i] < f->stride[best])
        best = i;
    int64_t shape = f->shape[best], stride = f->stride[best];
    for (int32_t i = best; i + 1 < f->count; ++i) {
      f->shape[i] = f->shape[i + 1];
      f->stride[i] = f->stride[i + 1];
    }
    f->count--;
    int64_t gap = stride / current;
    if (gap == 0) {
      char a[128];
      return ltFail(error, ENIGMA_LAYOUT_ERROR_NOT_INJECTIVE,
                    "complement: layout %s is not injective (or its modes "
                    "interleave): the mode %lld:%lld starts inside the %lld "
                    "elements the smaller strides already cover",
                    ltShowLayout(layout, a, sizeof(a)), (long long)shape, (long long)stride,
                    (long long)current);
    }
    ltModesPush(modes, gap, current);
    EnigmaLayoutStatus st = ltMul(stride, shape, &current, "a complement stride", error);
    if (st)
      return st;
  }
  int64_t d = current, rest = 1;
  EnigmaLayoutStatus st = ltCeilDivSize(cotarget, &d, &rest, error);
  if (st)
    return st;
  ltModesPush(modes, rest, rest == 1 ? 0 : current);
  if (modes->status)
    return ltFail(error, modes->status, "out of memory in complement");
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltComplement(const LtNode *layout, const LtNode *cotarget, LtBuilder *out,
                                EnigmaLayoutError *error) {
  LtModes f, modes, result;
  ltModesInit(&f);
  ltModesInit(&modes);
  ltModesInit(&result);
  EnigmaLayoutStatus st = ENIGMA_LAYOUT_OK;
  for (int32_t i = 0; cotarget && i < cotarget->span && !st; ++i)
    if (cotarget[i].rank == 0 && cotarget[i].shape < 1)
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "complement: cotarget %lld is not positive", (long long)cotarget[i].shape);
  if (!st)
    st = ltFilterModes(layout, &f, error);

  int64_t cosize = 1;
  if (!st && !cotarget) {
    // Default cotarget: cosize(filter(layout)).
    LtBuilder fb;
    ltBuilderInit(&fb);
    ltModesEmit(&f, &fb);
    st = ltBuilderStatus(&fb, error);
    if (!st)
      st = ltCosize(ltBuilderRoot(&fb), &cosize, error);
    ltBuilderFree(&fb);
  }
  LtNode cosizeNode = {0, 1, cosize, 0};
  if (!cotarget)
    cotarget = &cosizeNode;

  if (!st && f.count == 1 && f.stride[0] == 0) {
    // Nothing left after filtering: the complement is the whole cotarget.
    int64_t size;
    st = ltSize(cotarget, &size, error);
    if (!st)
      ltBuilderLeaf(out, size, size == 1 ? 0 : 1);
  } else if (!st) {
    st = ltComplementGaps(layout, &f, cotarget, &modes, error);
    if (!st)
      st = ltCoalesceModes(&modes, false, &result, error);
    if (!st)
      ltModesEmit(&result, out);
  }
  ltModesFree(&f);
  ltModesFree(&modes);
  ltModesFree(&result);
  return st;
}

EnigmaLayoutStatus ltRightInverse(const LtNode *layout, LtBuilder *out, EnigmaLayoutError *error) {
  LtModes flat, c, rstride, chosen;
  ltModesInit(&flat);
  ltModesInit(&c);
  ltModesInit(&rstride);
  ltModesInit(&chosen);
  ltModesFlatten(&flat, layout);
  EnigmaLayoutStatus st = flat.status;
  if (st)
    st = ltFail(error, st, "out of memory in right_inverse");
  else
    st = ltCoalesceModes(&flat, false, &c, error);

  // Column-major strides of the coalesced shape (stored in rstride.stride):
  // the index each mode's coordinate contributes to the inverse.
  int64_t current = 1;
  for (int32_t i = 0; i < c.count && !st; ++i) {
    ltModesPush(&rstride, c.shape[i], c.shape[i] == 1 ? 0 : current);
    st = ltMul(current, c.shape[i], &current, "right_inverse", error);
  }

  // Follow 1 -> s*|d| -> ... through the modes; each step uses a new mode, so
  // the walk is bounded by the rank.
  int64_t next = 1;
  for (int32_t step = 0; step < c.count && !st; ++step) {
    int32_t found = -1;
    for (int32_t i = 0; i < c.count; ++i) {
      if (c.stride[i] == INT64_MIN)
        continue; // |stride| is not representable, so it is not `next`
      int64_t ad = c.stride[i] < 0 ? -c.stride[i] : c.stride[i];
      if (ad == next) {
        found = i;
        break;
      }
    }
    if (found < 0)
      break;
    int64_t d = c.stride[found];
    int64_t r = rstride.stride[found];
    ltModesPush(&chosen, c.shape[found], d < 0 ? -r : r);
    int64_t reach;
    if (__builtin_mul_overflow(c.shape[found], d < 0 ? -d : d, &reach) || reach == next)
      break;
    next = reach;
  }
  if (!st && (chosen.status || rstride.status))
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY, "out of memory in right_inverse");
  if (!st) {
    if (chosen.count == 0)
      ltBuilderLeaf(out, 1, 0);
    else
      ltModesEmit(&chosen, out);
  }
  ltModesFree(&flat);
  ltModesFree(&c);
  ltModesFree(&rstride);
  ltModesFree(&chosen);
  return st;
}

EnigmaLayoutStatus ltLeftInverse(const LtNode *layout, LtBuilder *out, EnigmaLayoutError *error) {
  LtBuilder comp, cat;
  ltBuilderInit(&comp);
  ltBuilderInit(&cat);
  EnigmaLayoutStatus st = ltComplement(layout, NULL, &comp, error);
  if (!st)
    st = ltBuilderStatus(&comp, error);
  if (!st) {
    ltBuilderOpen(&cat);
    ltBuilderCopy(&cat, layout);
    ltBuilderCopy(&cat, ltBuilderRoot(&comp));
    ltBuilderClose(&cat);
    st = ltBuilderStatus(&cat, error);
  }
  if (!st)
    st = ltRightInverse(ltBuilderRoot(&cat), out, error);
  ltBuilderFree(&comp);
  ltBuilderFree(&cat);
  return st;
}

/*===-- API --------------------------------------------------------------===*/

EnigmaLayoutStatus enigmaLayoutComplement(EnigmaLayout layout, EnigmaIntTuple cotarget,
                                          EnigmaLayout *result, EnigmaLayoutError *error) {
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltComplement(layout->nodes, cotarget ? cotarget->nodes : NULL, &b, error);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaLayoutRightInverse(EnigmaLayout layout, EnigmaLayout *result,
                                            EnigmaLayoutError *error) {
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltRightInverse(layout->nodes, &b, error);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaLayoutLeftInverse(EnigmaLayout layout, EnigmaLayout *result,
                                           EnigmaLayoutError *error) {
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltLeftInverse(layout->nodes, &b, error);
  return ltFinishLayout(st, &b, result, error);
}
