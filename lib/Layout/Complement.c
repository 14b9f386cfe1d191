//===-- Complement.c - complement, right_inverse, left_inverse -------------===//
//
// complement sorts the filtered modes by stride one at a time and fills each
// gap below the next stride, then repeats the whole image up to the
// cotarget. right_inverse follows the chain of strides 1, s0*d0, ... through
// the coalesced layout; left_inverse turns the gaps between sorted strides
// into the modes of a quasi-inverse. All three follow CuTe 4.2 step for step
// so the results match shape for shape.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdlib.h>

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

// The coalesced modes of `layout`, their exclusive prefix products and their
// indices sorted by stride with CuTe's exchange sort (so that equal strides
// are ordered exactly as CuTe orders them).
typedef struct LtSortedModes {
  LtModes modes;  // the coalesced layout
  LtModes prefix; // prefix.stride[i] = product of the shapes before mode i
  int32_t *order; // mode indices by increasing stride
  int32_t inlineOrder[LT_MODES_INLINE];
} LtSortedModes;

static void ltSortedFree(LtSortedModes *m) {
  if (m->order != m->inlineOrder)
    free(m->order);
  ltModesFree(&m->modes);
  ltModesFree(&m->prefix);
}

static EnigmaLayoutStatus ltSortedModes(const LtNode *layout, LtSortedModes *m, const char *opName,
                                        EnigmaLayoutError *error) {
  LtModes flat;
  ltModesInit(&flat);
  ltModesInit(&m->modes);
  ltModesInit(&m->prefix);
  m->order = m->inlineOrder;
  ltModesFlatten(&flat, layout);
  EnigmaLayoutStatus st = flat.status;
  if (st)
    st = ltFail(error, st, "out of memory in %s", opName);
  else
    st = ltCoalesceModes(&flat, false, &m->modes, error);
  ltModesFree(&flat);
  int32_t n = m->modes.count;
  if (!st && n > LT_MODES_INLINE) {
    m->order = malloc((size_t)n * sizeof(int32_t));
    if (!m->order) {
      m->order = m->inlineOrder;
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY, "out of memory in %s", opName);
    }
  }
  int64_t current = 1;
  for (int32_t i = 0; i < n && !st; ++i) {
    ltModesPush(&m->prefix, m->modes.shape[i], current);
    st = ltMul(current, m->modes.shape[i], &current, opName, error);
    m->order[i] = i;
  }
  if (!st && m->prefix.status)
    st = ltFail(error, m->prefix.status, "out of memory in %s", opName);
  // CuTe's exchange_sort: for each position, swap in any later smaller key.
  for (int32_t i = 0; i < n && !st; ++i)
    for (int32_t j = i + 1; j < n; ++j)
      if (m->modes.stride[m->order[j]] < m->modes.stride[m->order[i]]) {
        int32_t t = m->order[i];
        m->order[i] = m->order[j];
        m->order[j] = t;
      }
  return st;
}

EnigmaLayoutStatus ltRightInverse(const LtNode *layout, LtBuilder *out, EnigmaLayoutError *error) {
  LtSortedModes m;
  LtModes result, coalesced;
  ltModesInit(&result);
  ltModesInit(&coalesced);
  EnigmaLayoutStatus st = ltSortedModes(layout, &m, "right_inverse", error);
  // Follow the strides 1, s*d, ... in stride order: each mode whose stride is
  // exactly the extent reached so far extends the inverse (CuTe 4.2).
  ltModesPush(&result, 1, 0);
  int64_t current = 1;
  for (int32_t k = 0; k < m.modes.count && !st; ++k) {
    int32_t i = m.order[k];
    if (m.modes.stride[i] != current)
      continue;
    ltModesPush(&result, m.modes.shape[i], m.prefix.stride[i]);
    st = ltMul(m.modes.shape[i], m.modes.stride[i], &current, "right_inverse", error);
  }
  if (!st && result.status)
    st = ltFail(error, result.status, "out of memory in right_inverse");
  if (!st)
    st = ltCoalesceModes(&result, false, &coalesced, error);
  if (!st)
    ltModesEmit(&coalesced, out);
  ltSortedFree(&m);
  ltModesFree(&result);
  ltModesFree(&coalesced);
  return st;
}

EnigmaLayoutStatus ltLeftInverse(const LtNode *layout, LtBuilder *out, EnigmaLayoutError *error) {
  LtSortedModes m;
  LtModes result, coalesced;
  ltModesInit(&result);
  ltModesInit(&coalesced);
  EnigmaLayoutStatus st = ltSortedModes(layout, &m, "left_inverse", error);
  // CuTe 4.2's quasi-inverse: the gap below each stride (in stride order) is
  // a mode of the inverse, with the stride of the coordinate it recovers; the
  // largest-stride mode's size closes it.
  int64_t covered = 1;
  ltModesPush(&result, 0, 0); // placeholder: shapes shift by one against strides
  for (int32_t k = 0; k < m.modes.count && !st; ++k) {
    int32_t i = m.order[k];
    int64_t d = m.modes.stride[i];
    if (d == 0)
      continue;
    if (d < 0 || d % covered != 0) {
      char a[128];
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_NOT_INJECTIVE,
                  "left_inverse: divisibility condition failed for %s: stride %lld is not a "
                  "positive multiple of %lld, the extent of the smaller strides",
                  ltShowLayout(layout, a, sizeof(a)), (long long)d, (long long)covered);
      break;
    }
    // Mode j of the result has shape gap_j and the stride of the mode before.
    result.shape[result.count - 1] = d / covered;
    ltModesPush(&result, 0, m.prefix.stride[i]);
    covered = d;
  }
  if (!st && result.status)
    st = ltFail(error, result.status, "out of memory in left_inverse");
  if (!st) {
    int32_t last = m.modes.count ? m.order[m.modes.count - 1] : 0;
    result.shape[result.count - 1] = m.modes.count ? m.modes.shape[last] : 1;
    st = ltCoalesceModes(&result, false, &coalesced, error);
  }
  if (!st)
    ltModesEmit(&coalesced, out);
  ltSortedFree(&m);
  ltModesFree(&result);
  ltModesFree(&coalesced);
  return st;
}

/*===-- API --------------------------------------------------------------===*/

EnigmaLayoutStatus enigmaLayoutComplement(EnigmaLayout layout, EnigmaIntTuple cotarget,
                                          EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutComplement: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltComplement(layout->nodes, cotarget ? cotarget->nodes : NULL, &b, error);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaLayoutRightInverse(EnigmaLayout layout, EnigmaLayout *result,
                                            EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutRightInverse: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltRightInverse(layout->nodes, &b, error);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaLayoutLeftInverse(EnigmaLayout layout, EnigmaLayout *result,
                                           EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutLeftInverse: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltLeftInverse(layout->nodes, &b, error);
  return ltFinishLayout(st, &b, result, error);
}
