//===-- Make.c - Building layouts: compact, ordered, concatenation --------===//
//
// make_layout(shape), make_ordered_layout(shape, order) and
// make_layout(L0, L1, ...). Compact strides give size-1 modes stride 0, as
// CuTe does, so that these layouts print and compare like CuTe's.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

EnigmaLayoutStatus enigmaLayoutCreateCompact(EnigmaIntTuple shape, EnigmaLayout *result,
                                             EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutCreateCompact: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(shape, "shape", error);
  if (!st)
    st = ltCheckShapes(shape->nodes, error);
  if (!st)
    st = ltEmitCompact(&b, shape->nodes, 1, error);
  return ltFinishLayout(st, &b, result, error);
}

// Collects, for every leaf of `order`, its value and the size of the
// sub-shape it orders (CuTe's flatten(product_like(shape, order))).
static EnigmaLayoutStatus ltCollectOrder(const LtNode *shape, const LtNode *order, LtModes *ref,
                                         EnigmaLayoutError *error) {
  if (ltIsLeaf(order)) {
    int64_t size;
    EnigmaLayoutStatus st = ltSize(shape, &size, error);
    if (!st)
      ltModesPush(ref, order->shape, size);
    return st;
  }
  if (ltIsLeaf(shape) || shape->rank != order->rank) {
    char s[128], o[128];
    return ltFail(error, ENIGMA_LAYOUT_ERROR_RANK_MISMATCH,
                  "make_ordered_layout: order %s does not match the profile "
                  "of shape %s",
                  ltShowTuple(order, o, sizeof(o)), ltShowTuple(shape, s, sizeof(s)));
  }
  const LtNode *s = shape + 1, *o = order + 1;
  for (int32_t i = 0; i < order->rank; ++i, s = ltNext(s), o = ltNext(o)) {
    EnigmaLayoutStatus st = ltCollectOrder(s, o, ref, error);
    if (st)
      return st;
  }
  return ENIGMA_LAYOUT_OK;
}

static EnigmaLayoutStatus ltEmitOrdered(const LtNode *shape, const LtNode *order,
                                        const LtModes *ref, LtBuilder *b,
                                        EnigmaLayoutError *error) {
  if (ltIsLeaf(order)) {
    // The sub-shape starts after every sub-shape of a smaller order.
    int64_t start = 1;
    for (int32_t i = 0; i < ref->count; ++i)
      if (ref->shape[i] < order->shape) {
        EnigmaLayoutStatus st = ltMul(start, ref->stride[i], &start, "ordered strides", error);
        if (st)
          return st;
      }
    return ltEmitCompact(b, shape, start, error);
  }
  ltBuilderOpen(b);
  const LtNode *s = shape + 1, *o = order + 1;
  for (int32_t i = 0; i < order->rank; ++i, s = ltNext(s), o = ltNext(o)) {
    EnigmaLayoutStatus st = ltEmitOrdered(s, o, ref, b, error);
    if (st)
      return st;
  }
  ltBuilderClose(b);
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus enigmaLayoutCreateOrdered(EnigmaIntTuple shape, EnigmaIntTuple order,
                                             EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutCreateOrdered: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  LtModes ref; // shape[] = order value, stride[] = size of the sub-shape
  ltModesInit(&ref);
  EnigmaLayoutStatus st = ltCheckHandle(shape, "shape", error);
  if (!st)
    st = ltCheckHandle(order, "order", error);
  if (!st)
    st = ltCheckShapes(shape->nodes, error);
  if (!st)
    st = ltCollectOrder(shape->nodes, order->nodes, &ref, error);
  if (!st && ref.status)
    st = ltFail(error, ref.status, "out of memory in make_ordered_layout");
  if (!st)
    st = ltEmitOrdered(shape->nodes, order->nodes, &ref, &b, error);
  ltModesFree(&ref);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaLayoutConcat(const EnigmaLayout *layouts, intptr_t count,
                                      EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutConcat: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ENIGMA_LAYOUT_OK;
  if (count < 1 || !layouts)
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                "make_layout needs at least one layout");
  for (intptr_t i = 0; i < count && !st; ++i)
    st = ltCheckHandle(layouts[i], "layout", error);
  if (!st) {
    ltBuilderOpen(&b);
    for (intptr_t i = 0; i < count; ++i)
      ltBuilderCopy(&b, layouts[i]->nodes);
    ltBuilderClose(&b);
  }
  return ltFinishLayout(st, &b, result, error);
}
