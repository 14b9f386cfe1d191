//===-- IntTuple.c - Hierarchical integer tuples
//---------------------------===//
//
// Construction, queries and the colexicographic coordinate maps (idx2crd,
// crd2idx) of IntTuples. Layout evaluation reuses the same splitting rule.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdlib.h>

static EnigmaLayoutStatus ltFinishTuple(EnigmaLayoutStatus st, LtBuilder *b, EnigmaIntTuple *result,
                                        EnigmaLayoutError *error) {
  return ltFinishLayout(st, b, (EnigmaLayout *)result, error);
}

EnigmaLayoutStatus enigmaIntTupleCreateInt(int64_t value, EnigmaIntTuple *result,
                                           EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaIntTupleCreateInt: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  ltBuilderLeaf(&b, value, 0);
  return ltFinishTuple(ENIGMA_LAYOUT_OK, &b, result, error);
}

EnigmaLayoutStatus enigmaIntTupleCreateTuple(const EnigmaIntTuple *elements, intptr_t count,
                                             EnigmaIntTuple *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaIntTupleCreateTuple: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ENIGMA_LAYOUT_OK;
  if (count < 1 || !elements)
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "a tuple needs at least one element");
  for (intptr_t i = 0; i < count && !st; ++i)
    st = ltCheckHandle(elements[i], "tuple element", error);
  if (!st) {
    ltBuilderOpen(&b);
    for (intptr_t i = 0; i < count; ++i)
      ltBuilderCopy(&b, elements[i]->nodes);
    ltBuilderClose(&b);
  }
  return ltFinishTuple(st, &b, result, error);
}

void enigmaIntTupleDestroy(EnigmaIntTuple tuple) { free(tuple); }

bool enigmaIntTupleIsInt(EnigmaIntTuple tuple) { return tuple && ltIsLeaf(tuple->nodes); }

int64_t enigmaIntTupleGetInt(EnigmaIntTuple tuple) {
  return enigmaIntTupleIsInt(tuple) ? tuple->nodes[0].shape : 0;
}

intptr_t enigmaIntTupleGetRank(EnigmaIntTuple tuple) { return tuple ? ltRank(tuple->nodes) : 0; }

intptr_t enigmaIntTupleGetDepth(EnigmaIntTuple tuple) { return tuple ? ltDepth(tuple->nodes) : 0; }

EnigmaLayoutStatus enigmaIntTupleGetElement(EnigmaIntTuple tuple, intptr_t index,
                                            EnigmaIntTuple *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaIntTupleGetElement: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(tuple, "tuple", error);
  if (!st && (index < 0 || index >= ltRank(tuple->nodes)))
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "element %ld out of range for rank %d",
                (long)index, ltRank(tuple->nodes));
  if (!st)
    ltBuilderCopy(&b, ltChild(tuple->nodes, (int32_t)index));
  return ltFinishTuple(st, &b, result, error);
}

EnigmaLayoutStatus enigmaIntTupleSize(EnigmaIntTuple tuple, int64_t *result,
                                      EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaIntTupleSize: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(tuple, "tuple", error);
  if (!st)
    st = ltSize(tuple->nodes, result, error);
  if (!st)
    ltSucceed(error);
  return st;
}

bool enigmaIntTupleEqual(EnigmaIntTuple a, EnigmaIntTuple b) {
  if (!a || !b)
    return a == b;
  return ltEqual(a->nodes, b->nodes, false);
}

/*===-- Preorder transfer format -----------------------------------------===*/

intptr_t enigmaIntTupleToPreorder(EnigmaIntTuple tuple, int64_t *tokens, intptr_t capacity) {
  if (!tuple)
    return -1;
  intptr_t needed = 2 * (intptr_t)tuple->count;
  if (!tokens || capacity < needed)
    return needed;
  for (int32_t i = 0; i < tuple->count; ++i) {
    const LtNode *n = &tuple->nodes[i];
    tokens[2 * i] = n->rank;
    tokens[2 * i + 1] = n->rank ? 0 : n->shape;
  }
  return needed;
}

typedef struct LtTokenReader {
  const int64_t *tokens;
  intptr_t count, next;
  int width; // int64_t per node: 2 for IntTuples, 3 for layouts
} LtTokenReader;

static EnigmaLayoutStatus ltReadTokens(LtTokenReader *r, LtBuilder *b, int32_t depth,
                                       EnigmaLayoutError *error) {
  if (r->next + r->width > r->count)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "preorder token list ends early at token %ld", (long)r->next);
  const int64_t *t = r->tokens + r->next;
  r->next += r->width;
  if (t[0] == 0) {
    ltBuilderLeaf(b, t[1], r->width == 3 ? t[2] : 0);
    return ENIGMA_LAYOUT_OK;
  }
  if (t[0] < 0 || t[0] > INT32_MAX)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "invalid rank %lld in preorder token list", (long long)t[0]);
  if (depth >= ENIGMA_LAYOUT_MAX_DEPTH)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_UNSUPPORTED, "tuple nesting deeper than %d levels",
                  ENIGMA_LAYOUT_MAX_DEPTH);
  ltBuilderOpen(b);
  for (int64_t i = 0; i < t[0]; ++i) {
    EnigmaLayoutStatus st = ltReadTokens(r, b, depth + 1, error);
    if (st)
      return st;
  }
  ltBuilderClose(b);
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltFromPreorder(const int64_t *tokens, intptr_t count, int width, LtBuilder *b,
                                  EnigmaLayoutError *error) {
  if (!tokens || count < width)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "empty preorder token list");
  LtTokenReader r = {tokens, count, 0, width};
  EnigmaLayoutStatus st = ltReadTokens(&r, b, 0, error);
  if (!st && r.next != count)
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                "preorder token list has %ld tokens after the tree", (long)(count - r.next));
  return st;
}

EnigmaLayoutStatus enigmaIntTupleFromPreorder(const int64_t *tokens, intptr_t count,
                                              EnigmaIntTuple *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaIntTupleFromPreorder: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltFromPreorder(tokens, count, 2, &b, error);
  return ltFinishTuple(st, &b, result, error);
}

/*===-- Coordinates ------------------------------------------------------===*/

static EnigmaLayoutStatus ltIdx2Crd(const LtNode *shape, int64_t index, LtBuilder *out,
                                    EnigmaLayoutError *error) {
  if (ltIsLeaf(shape)) {
    ltBuilderLeaf(out, index, 0);
    return ENIGMA_LAYOUT_OK;
  }
  ltBuilderOpen(out);
  const LtNode *c = shape + 1;
  for (int32_t i = 0; i < shape->rank; ++i, c = ltNext(c)) {
    int64_t part = index;
    if (i + 1 < shape->rank) {
      int64_t size;
      EnigmaLayoutStatus st = ltSize(c, &size, error);
      if (st)
        return st;
      part = index % size;
      index /= size;
    }
    EnigmaLayoutStatus st = ltIdx2Crd(c, part, out, error);
    if (st)
      return st;
  }
  ltBuilderClose(out);
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltIdx2CrdApi(const LtNode *shape, int64_t index, EnigmaIntTuple *result,
                                EnigmaLayoutError *error) {
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ENIGMA_LAYOUT_OK;
  if (index < 0)
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "index %lld is negative",
                (long long)index);
  if (!st)
    st = ltIdx2Crd(shape, index, &b, error);
  return ltFinishTuple(st, &b, result, error);
}

EnigmaLayoutStatus enigmaIntTupleIdx2Crd(EnigmaIntTuple shape, int64_t index,
                                         EnigmaIntTuple *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaIntTupleIdx2Crd: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(shape, "shape", error);
  if (!st)
    st = ltCheckShapes(shape->nodes, error);
  if (st) {
    if (result)
      *result = NULL;
    return st;
  }
  return ltIdx2CrdApi(shape->nodes, index, result, error);
}

EnigmaLayoutStatus enigmaIntTupleCrd2Idx(EnigmaIntTuple shape, EnigmaIntTuple coord,
                                         int64_t *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaIntTupleCrd2Idx: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(shape, "shape", error);
  if (!st)
    st = ltCheckHandle(coord, "coordinate", error);
  if (!st)
    st = ltCheckShapes(shape->nodes, error);
  if (st)
    return st;
  // The colexicographic index is the coordinate's image under the compact
  // column-major layout of the shape.
  LtBuilder compact;
  ltBuilderInit(&compact);
  st = ltEmitCompact(&compact, shape->nodes, 1, error);
  if (!st)
    st = ltBuilderStatus(&compact, error);
  if (!st)
    st = ltCrd2Idx(ltBuilderRoot(&compact), coord->nodes, result, error);
  ltBuilderFree(&compact);
  if (!st)
    ltSucceed(error);
  return st;
}
