//===-- Layout.c - Layout handles, queries and evaluation
//------------------===//
//
// Everything about a single layout that is not an algebra operation:
// construction from shape and stride, the preorder transfer format, size,
// cosize, rank, depth, mode selection and evaluation (crd2idx).
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdlib.h>

EnigmaLayoutStatus enigmaLayoutCreate(EnigmaIntTuple shape, EnigmaIntTuple stride,
                                      EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutCreate: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(shape, "shape", error);
  if (!st)
    st = ltCheckHandle(stride, "stride", error);
  if (!st) {
    bool congruent = shape->count == stride->count;
    for (int32_t i = 0; congruent && i < shape->count; ++i)
      congruent = shape->nodes[i].rank == stride->nodes[i].rank;
    if (!congruent) {
      char s[128], d[128];
      st = ltFail(
          error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "stride %s is not congruent to shape %s",
          ltShowTuple(stride->nodes, d, sizeof(d)), ltShowTuple(shape->nodes, s, sizeof(s)));
    }
  }
  if (!st)
    st = ltCheckShapes(shape->nodes, error);
  if (!st) {
    ltBuilderCopy(&b, shape->nodes);
    for (int32_t i = 0; b.status == ENIGMA_LAYOUT_OK && i < b.count; ++i)
      b.nodes[i].stride = stride->nodes[i].rank ? 0 : stride->nodes[i].shape;
  }
  return ltFinishLayout(st, &b, result, error);
}

intptr_t enigmaLayoutToPreorder(EnigmaLayout layout, int64_t *tokens, intptr_t capacity) {
  if (!layout)
    return -1;
  intptr_t needed = 3 * (intptr_t)layout->count;
  if (!tokens || capacity < needed)
    return needed;
  for (int32_t i = 0; i < layout->count; ++i) {
    const LtNode *n = &layout->nodes[i];
    tokens[3 * i] = n->rank;
    tokens[3 * i + 1] = n->rank ? 0 : n->shape;
    tokens[3 * i + 2] = n->rank ? 0 : n->stride;
  }
  return needed;
}

EnigmaLayoutStatus enigmaLayoutFromPreorder(const int64_t *tokens, intptr_t count,
                                            EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutFromPreorder: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltFromPreorder(tokens, count, 3, &b, error);
  if (!st)
    st = ltBuilderStatus(&b, error);
  if (!st)
    st = ltCheckShapes(ltBuilderRoot(&b), error);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayout enigmaLayoutClone(EnigmaLayout layout) {
  return layout ? ltHandleFromNodes(layout->nodes, NULL) : NULL;
}

void enigmaLayoutDestroy(EnigmaLayout layout) { free(layout); }

bool enigmaLayoutEqual(EnigmaLayout a, EnigmaLayout b) {
  if (!a || !b)
    return a == b;
  return ltEqual(a->nodes, b->nodes, true);
}

static EnigmaLayoutStatus ltGetField(EnigmaLayout layout, bool stride, EnigmaIntTuple *result,
                                     EnigmaLayoutError *error) {
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st) {
    ltBuilderCopy(&b, layout->nodes);
    for (int32_t i = 0; b.status == ENIGMA_LAYOUT_OK && i < b.count; ++i) {
      if (stride)
        b.nodes[i].shape = b.nodes[i].stride;
      b.nodes[i].stride = 0;
    }
  }
  return ltFinishLayout(st, &b, (EnigmaLayout *)result, error);
}

EnigmaLayoutStatus enigmaLayoutGetShape(EnigmaLayout layout, EnigmaIntTuple *result,
                                        EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutGetShape: the output pointer 'result' is NULL");
  return ltGetField(layout, false, result, error);
}

EnigmaLayoutStatus enigmaLayoutGetStride(EnigmaLayout layout, EnigmaIntTuple *result,
                                         EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutGetStride: the output pointer 'result' is NULL");
  return ltGetField(layout, true, result, error);
}

intptr_t enigmaLayoutGetRank(EnigmaLayout layout) { return layout ? ltRank(layout->nodes) : 0; }

intptr_t enigmaLayoutGetDepth(EnigmaLayout layout) { return layout ? ltDepth(layout->nodes) : 0; }

EnigmaLayoutStatus enigmaLayoutSize(EnigmaLayout layout, int64_t *result,
                                    EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutSize: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltSize(layout->nodes, result, error);
  if (!st)
    ltSucceed(error);
  return st;
}

EnigmaLayoutStatus enigmaLayoutCosize(EnigmaLayout layout, int64_t *result,
                                      EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutCosize: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltCosize(layout->nodes, result, error);
  if (!st)
    ltSucceed(error);
  return st;
}

EnigmaLayoutStatus enigmaLayoutGetMode(EnigmaLayout layout, const int32_t *path,
                                       intptr_t pathLength, EnigmaLayout *result,
                                       EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutGetMode: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st && pathLength > 0 && !path)
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "path is NULL");
  const LtNode *n = st ? NULL : layout->nodes;
  for (intptr_t i = 0; i < pathLength && !st; ++i) {
    if (path[i] < 0 || path[i] >= ltRank(n)) {
      char a[128];
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "mode %d out of range: %s has rank %d (at position %ld of "
                  "the mode path)",
                  path[i], ltShowLayout(n, a, sizeof(a)), ltRank(n), (long)i);
      break;
    }
    n = ltChild(n, path[i]);
  }
  if (!st)
    ltBuilderCopy(&b, n);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaLayoutFlatten(EnigmaLayout layout, EnigmaLayout *result,
                                       EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutFlatten: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st) {
    LtModes m;
    ltModesInit(&m);
    ltModesFlatten(&m, layout->nodes);
    if (m.status)
      st = ltFail(error, m.status, "out of memory in flatten");
    else if (ltIsLeaf(layout->nodes))
      ltBuilderCopy(&b, layout->nodes);
    else {
      // A flattened tuple stays a tuple even with one leaf: "(8):(1)".
      ltBuilderOpen(&b);
      for (int32_t i = 0; i < m.count; ++i)
        ltBuilderLeaf(&b, m.shape[i], m.stride[i]);
      ltBuilderClose(&b);
    }
    ltModesFree(&m);
  }
  return ltFinishLayout(st, &b, result, error);
}

/*===-- Evaluation -------------------------------------------------------===*/

static EnigmaLayoutStatus ltCrd2IdxRec(const LtNode *layout, const LtNode *coord, int64_t *acc,
                                       EnigmaLayoutError *error) {
  if (ltIsLeaf(coord)) {
    int64_t value;
    EnigmaLayoutStatus st = ltEvalIndex(layout, coord->shape, &value, error);
    if (!st)
      st = ltAdd(*acc, value, acc, "an index", error);
    return st;
  }
  if (coord->rank != layout->rank) {
    char c[128], a[128];
    return ltFail(error, ENIGMA_LAYOUT_ERROR_RANK_MISMATCH,
                  "coordinate %s does not match the profile of %s",
                  ltShowTuple(coord, c, sizeof(c)), ltShowLayout(layout, a, sizeof(a)));
  }
  const LtNode *l = layout + 1, *c = coord + 1;
  for (int32_t i = 0; i < coord->rank; ++i, l = ltNext(l), c = ltNext(c)) {
    EnigmaLayoutStatus st = ltCrd2IdxRec(l, c, acc, error);
    if (st)
      return st;
  }
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltCrd2Idx(const LtNode *layout, const LtNode *coord, int64_t *out,
                             EnigmaLayoutError *error) {
  int64_t acc = 0;
  EnigmaLayoutStatus st = ltCrd2IdxRec(layout, coord, &acc, error);
  if (!st)
    *out = acc;
  return st;
}

EnigmaLayoutStatus enigmaLayoutCrd2Idx(EnigmaLayout layout, EnigmaIntTuple coord, int64_t *result,
                                       EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutCrd2Idx: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltCheckHandle(coord, "coordinate", error);
  if (!st)
    st = ltCrd2Idx(layout->nodes, coord->nodes, result, error);
  if (!st)
    ltSucceed(error);
  return st;
}

EnigmaLayoutStatus enigmaLayoutEvaluate(EnigmaLayout layout, int64_t index, int64_t *result,
                                        EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutEvaluate: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = ltEvalIndex(layout->nodes, index, result, error);
  if (!st)
    ltSucceed(error);
  return st;
}

EnigmaLayoutStatus enigmaLayoutEvaluateRange(EnigmaLayout layout, int64_t begin, intptr_t count,
                                             int64_t *out, EnigmaLayoutError *error) {
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st && count > 0 && !out)
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "output array is NULL");
  if (!st && (begin < 0 || count < 0))
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                "negative range start %lld or count %ld", (long long)begin, (long)count);
  if (st)
    return st;
  // Walk the flattened modes like an odometer instead of re-splitting every
  // index: the colexicographic split of consecutive indices is a counter.
  LtModes m;
  ltModesInit(&m);
  ltModesFlatten(&m, layout->nodes);
  int64_t *coord = NULL;
  if (m.status)
    st = ltFail(error, m.status, "out of memory evaluating a layout");
  if (!st) {
    coord = calloc((size_t)m.count, sizeof(int64_t));
    if (!coord)
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY, "out of memory evaluating a layout");
  }
  int64_t value = 0;
  if (!st && count > 0) {
    // Split `begin` over the flat modes; the last mode is unbounded.
    int64_t rest = begin;
    for (int32_t i = 0; i < m.count && !st; ++i) {
      coord[i] = i + 1 < m.count ? rest % m.shape[i] : rest;
      rest = i + 1 < m.count ? rest / m.shape[i] : 0;
      int64_t term;
      st = ltMul(coord[i], m.stride[i], &term, "an index", error);
      if (!st)
        st = ltAdd(value, term, &value, "an index", error);
    }
  }
  for (intptr_t k = 0; k < count && !st; ++k) {
    out[k] = value;
    if (k + 1 == count)
      break;
    // Increment the odometer and update the value incrementally.
    for (int32_t i = 0; i < m.count; ++i) {
      if (i + 1 == m.count || coord[i] + 1 < m.shape[i]) {
        coord[i]++;
        st = ltAdd(value, m.stride[i], &value, "an index", error);
        break;
      }
      int64_t back;
      st = ltMul(coord[i], m.stride[i], &back, "an index", error);
      if (!st)
        value -= back;
      coord[i] = 0;
    }
  }
  free(coord);
  ltModesFree(&m);
  if (!st)
    ltSucceed(error);
  return st;
}

EnigmaLayoutStatus enigmaLayoutIdx2Crd(EnigmaLayout layout, int64_t index, EnigmaIntTuple *result,
                                       EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutIdx2Crd: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (st) {
    if (result)
      *result = NULL;
    return st;
  }
  return ltIdx2CrdApi(layout->nodes, index, result, error);
}
