//===-- Coalesce.c - coalesce, by-mode coalesce, filter
//--------------------===//
//
// CuTe's coalesce walks the flattened modes from the last to the first and
// only ever merges neighbours (s0:d0 ++ s1:s0*d0 => s0*s1:d0) or drops
// size-1 modes. It never reorders modes: sorting by stride (as the reference
// DSL did) changes the function.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

EnigmaLayoutStatus ltCoalesceModes(const LtModes *in, bool extendLast, LtModes *out,
                                   EnigmaLayoutError *error) {
  // Built back to front: `rev` holds the result reversed, so its last entry
  // is the current front mode that the next (earlier) mode may merge into.
  LtModes rev;
  ltModesInit(&rev);
  int32_t r = in->count;
  int64_t lastShape = in->shape[r - 1];
  // coalesce_x: a trailing size-1 mode still carries the stride the layout
  // uses beyond its domain; keeping it as a size-2 mode preserves
  // layout(i) for every i >= 0, which composition relies on.
  if (extendLast && lastShape == 1)
    lastShape = 2;
  ltModesPush(&rev, lastShape, in->stride[r - 1]);
  for (int32_t i = r - 2; i >= 0 && rev.status == ENIGMA_LAYOUT_OK; --i) {
    int64_t s = in->shape[i], d = in->stride[i];
    if (s == 1)
      continue;
    int32_t front = rev.count - 1;
    if (rev.count == 1 && rev.shape[0] == 1) {
      rev.shape[0] = s;
      rev.stride[0] = d;
      continue;
    }
    int64_t extent;
    if (!__builtin_mul_overflow(s, d, &extent) && extent == rev.stride[front]) {
      EnigmaLayoutStatus st = ltMul(s, rev.shape[front], &rev.shape[front], "coalesce", error);
      if (st) {
        ltModesFree(&rev);
        return st;
      }
      rev.stride[front] = d;
      continue;
    }
    ltModesPush(&rev, s, d);
  }
  if (rev.status != ENIGMA_LAYOUT_OK) {
    ltModesFree(&rev);
    return ltFail(error, rev.status, "out of memory in coalesce");
  }
  if (rev.count == 1 && rev.shape[0] == 1) {
    ltModesPush(out, 1, 0);
  } else {
    for (int32_t i = rev.count - 1; i >= 0; --i)
      ltModesPush(out, rev.shape[i], rev.stride[i]);
  }
  ltModesFree(&rev);
  if (out->status != ENIGMA_LAYOUT_OK)
    return ltFail(error, out->status, "out of memory in coalesce");
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltCoalesce(const LtNode *layout, LtBuilder *out, EnigmaLayoutError *error) {
  LtModes flat, result;
  ltModesInit(&flat);
  ltModesInit(&result);
  ltModesFlatten(&flat, layout);
  EnigmaLayoutStatus st = flat.status;
  if (st)
    st = ltFail(error, st, "out of memory in coalesce");
  else
    st = ltCoalesceModes(&flat, false, &result, error);
  if (!st)
    ltModesEmit(&result, out);
  ltModesFree(&flat);
  ltModesFree(&result);
  return st;
}

EnigmaLayoutStatus ltCoalesceByMode(const LtNode *layout, const LtNode *profile, LtBuilder *out,
                                    EnigmaLayoutError *error) {
  if (ltIsLeaf(profile))
    return ltCoalesce(layout, out, error);
  int32_t rank = ltRank(layout);
  if (profile->rank > rank) {
    char a[128], p[128];
    return ltFail(error, ENIGMA_LAYOUT_ERROR_RANK_MISMATCH,
                  "coalesce: profile %s has rank %d but the layout %s has "
                  "rank %d",
                  ltShowTuple(profile, p, sizeof(p)), profile->rank,
                  ltShowLayout(layout, a, sizeof(a)), rank);
  }
  ltBuilderOpen(out);
  const LtNode *p = profile + 1;
  for (int32_t i = 0; i < profile->rank; ++i, p = ltNext(p)) {
    EnigmaLayoutStatus st = ltCoalesceByMode(ltChild(layout, i), p, out, error);
    if (st)
      return st;
  }
  for (int32_t i = profile->rank; i < rank; ++i)
    ltBuilderCopy(out, ltChild(layout, i));
  ltBuilderClose(out);
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltFilterModes(const LtNode *layout, LtModes *out, EnigmaLayoutError *error) {
  LtModes flat;
  ltModesInit(&flat);
  // filter_zeros: a stride-0 mode contributes nothing, so it becomes size 1
  // and coalesce drops it.
  for (int32_t i = 0; i < layout->span; ++i)
    if (layout[i].rank == 0)
      ltModesPush(&flat, layout[i].stride == 0 ? 1 : layout[i].shape, layout[i].stride);
  EnigmaLayoutStatus st = flat.status;
  if (st)
    st = ltFail(error, st, "out of memory in filter");
  else
    st = ltCoalesceModes(&flat, false, out, error);
  ltModesFree(&flat);
  return st;
}

/*===-- API --------------------------------------------------------------===*/

EnigmaLayoutStatus enigmaLayoutCoalesce(EnigmaLayout layout, EnigmaLayout *result,
                                        EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutCoalesce: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltCoalesce(layout->nodes, &b, error);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaLayoutCoalesceByMode(EnigmaLayout layout, EnigmaIntTuple profile,
                                              EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutCoalesceByMode: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltCheckHandle(profile, "profile", error);
  if (!st)
    st = ltCoalesceByMode(layout->nodes, profile->nodes, &b, error);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaLayoutFilter(EnigmaLayout layout, EnigmaLayout *result,
                                      EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutFilter: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  LtModes modes;
  ltModesInit(&modes);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltFilterModes(layout->nodes, &modes, error);
  if (!st)
    ltModesEmit(&modes, &b);
  ltModesFree(&modes);
  return ltFinishLayout(st, &b, result, error);
}
