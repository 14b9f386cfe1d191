//===-- Tiler.c - Tilers and by-mode application
//---------------------------===//
//
// A tiler says how an operation (composition, divide, product) applies to a
// layout: a layout or integer tiler applies to the whole (mode), "_" leaves
// it alone and a tuple recurses into the modes. ltApplyByMode is the one
// place that walks that structure, so every operation treats tilers alike.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdio.h>
#include <stdlib.h>

static int64_t ltTilerKind(const LtNode *t) { return t->stride; }

void ltFormatPath(const LtPath *path, char *buffer, size_t capacity) {
  if (path->depth == 0) {
    snprintf(buffer, capacity, "the layout");
    return;
  }
  if (path->depth == 1) {
    snprintf(buffer, capacity, "mode %d", path->index[0]);
    return;
  }
  size_t len = (size_t)snprintf(buffer, capacity, "mode (");
  for (int32_t i = 0; i < path->depth && len < capacity; ++i)
    len += (size_t)snprintf(buffer + len, capacity - len, "%s%d", i ? "," : "", path->index[i]);
  if (len < capacity)
    snprintf(buffer + len, capacity - len, ")");
}

EnigmaLayoutStatus ltApplyByMode(const LtNode *layout, const LtNode *tiler, LtTileOp op,
                                 const char *opName, bool intIsCompact, bool keepRest, LtPath *path,
                                 LtBuilder *out, EnigmaLayoutError *error) {
  switch (ltTilerKind(tiler)) {
  case LT_TILER_UNDERSCORE:
    ltBuilderCopy(out, layout);
    return ENIGMA_LAYOUT_OK;
  case LT_TILER_INT: {
    int64_t n = tiler->shape;
    LtNode tile = {0, 1, n, (intIsCompact && n == 1) ? 0 : 1};
    return op(layout, &tile, path, out, error);
  }
  case LT_TILER_LAYOUT:
    return op(layout, tiler + 1, path, out, error);
  case LT_TILER_TUPLE:
    break;
  default:
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "%s: malformed tiler", opName);
  }

  int32_t rank = ltRank(layout);
  if (tiler->rank > rank) {
    char where[96], t[128], a[128];
    ltFormatPath(path, where, sizeof(where));
    return ltFail(error, ENIGMA_LAYOUT_ERROR_RANK_MISMATCH,
                  "%s: tiler %s has rank %d but %s (%s) has rank %d", opName,
                  (ltPrintTiler(tiler, t, sizeof(t)), t), tiler->rank, where,
                  ltShowLayout(layout, a, sizeof(a)), rank);
  }
  if (path->depth == ENIGMA_LAYOUT_MAX_DEPTH)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_UNSUPPORTED, "%s: tiler nests deeper than %d levels",
                  opName, ENIGMA_LAYOUT_MAX_DEPTH);
  ltBuilderOpen(out);
  const LtNode *t = tiler + 1;
  for (int32_t i = 0; i < tiler->rank; ++i, t = ltNext(t)) {
    path->index[path->depth++] = i;
    EnigmaLayoutStatus st =
        ltApplyByMode(ltChild(layout, i), t, op, opName, intIsCompact, keepRest, path, out, error);
    path->depth--;
    if (st)
      return st;
  }
  for (int32_t i = tiler->rank; keepRest && i < rank; ++i)
    ltBuilderCopy(out, ltChild(layout, i));
  ltBuilderClose(out);
  return ENIGMA_LAYOUT_OK;
}

/*===-- Construction -----------------------------------------------------===*/

static void ltTilerOpen(LtBuilder *b, int64_t kind) {
  ltBuilderOpen(b);
  if (b->status == ENIGMA_LAYOUT_OK)
    b->nodes[b->open[b->depth - 1]].stride = kind;
}

static void ltTilerLayout(LtBuilder *b, const LtNode *layout) {
  ltTilerOpen(b, LT_TILER_LAYOUT);
  ltBuilderCopy(b, layout);
  ltBuilderClose(b);
}

static EnigmaLayoutStatus ltFinishTiler(EnigmaLayoutStatus st, LtBuilder *b, EnigmaTiler *result,
                                        EnigmaLayoutError *error) {
  return ltFinishLayout(st, b, (EnigmaLayout *)result, error);
}

EnigmaLayoutStatus enigmaTilerCreateFromLayout(EnigmaLayout layout, EnigmaTiler *result,
                                               EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaTilerCreateFromLayout: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    ltTilerLayout(&b, layout->nodes);
  return ltFinishTiler(st, &b, result, error);
}

EnigmaLayoutStatus enigmaTilerCreateUnderscore(EnigmaTiler *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaTilerCreateUnderscore: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  ltBuilderLeaf(&b, 0, LT_TILER_UNDERSCORE);
  return ltFinishTiler(ENIGMA_LAYOUT_OK, &b, result, error);
}

EnigmaLayoutStatus enigmaTilerCreateTuple(const EnigmaTiler *elements, intptr_t count,
                                          EnigmaTiler *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaTilerCreateTuple: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ENIGMA_LAYOUT_OK;
  if (count < 1 || !elements)
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                "a tiler tuple needs at least one element");
  for (intptr_t i = 0; i < count && !st; ++i)
    st = ltCheckHandle(elements[i], "tiler element", error);
  if (!st) {
    ltTilerOpen(&b, LT_TILER_TUPLE);
    for (intptr_t i = 0; i < count; ++i)
      ltBuilderCopy(&b, elements[i]->nodes);
    ltBuilderClose(&b);
  }
  return ltFinishTiler(st, &b, result, error);
}

static EnigmaLayoutStatus ltTilerFromShape(LtBuilder *b, const LtNode *shape,
                                           EnigmaLayoutError *error) {
  if (ltIsLeaf(shape)) {
    if (shape->shape < 1)
      return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "tiler size %lld is not positive",
                    (long long)shape->shape);
    ltBuilderLeaf(b, shape->shape, LT_TILER_INT);
    return ENIGMA_LAYOUT_OK;
  }
  ltTilerOpen(b, LT_TILER_TUPLE);
  const LtNode *c = shape + 1;
  for (int32_t i = 0; i < shape->rank; ++i, c = ltNext(c)) {
    EnigmaLayoutStatus st = ltTilerFromShape(b, c, error);
    if (st)
      return st;
  }
  ltBuilderClose(b);
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus enigmaTilerCreateFromShape(EnigmaIntTuple shape, EnigmaTiler *result,
                                              EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaTilerCreateFromShape: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(shape, "shape", error);
  if (!st)
    st = ltTilerFromShape(&b, shape->nodes, error);
  return ltFinishTiler(st, &b, result, error);
}

typedef struct LtTilerReader {
  const int64_t *tokens;
  intptr_t count, next;
  const EnigmaLayout *leaves;
  intptr_t leafCount, nextLeaf;
} LtTilerReader;

static EnigmaLayoutStatus ltTilerBuildRec(LtTilerReader *r, LtBuilder *b, int32_t depth,
                                          EnigmaLayoutError *error) {
  if (r->next >= r->count)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "tiler structure ends early at token %ld", (long)r->next);
  int64_t token = r->tokens[r->next++];
  if (token == 0) {
    if (r->nextLeaf >= r->leafCount)
      return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                    "tiler structure needs more than %ld leaves", (long)r->leafCount);
    EnigmaLayout leaf = r->leaves[r->nextLeaf++];
    if (leaf)
      ltTilerLayout(b, leaf->nodes);
    else
      ltBuilderLeaf(b, 0, LT_TILER_UNDERSCORE);
    return ENIGMA_LAYOUT_OK;
  }
  if (token == -1) {
    if (r->next >= r->count || r->tokens[r->next] < 1)
      return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                    "integer tiler at token %ld needs a positive value", (long)(r->next - 1));
    ltBuilderLeaf(b, r->tokens[r->next++], LT_TILER_INT);
    return ENIGMA_LAYOUT_OK;
  }
  if (token < 0 || token > INT32_MAX)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "invalid tiler structure token %lld",
                  (long long)token);
  if (depth >= ENIGMA_LAYOUT_MAX_DEPTH)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_UNSUPPORTED, "tiler nests deeper than %d levels",
                  ENIGMA_LAYOUT_MAX_DEPTH);
  ltTilerOpen(b, LT_TILER_TUPLE);
  for (int64_t i = 0; i < token; ++i) {
    EnigmaLayoutStatus st = ltTilerBuildRec(r, b, depth + 1, error);
    if (st)
      return st;
  }
  ltBuilderClose(b);
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus enigmaTilerBuild(const int64_t *structure, intptr_t structureLength,
                                    const EnigmaLayout *leaves, intptr_t leafCount,
                                    EnigmaTiler *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaTilerBuild: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  LtTilerReader r = {structure, structureLength, 0, leaves, leafCount, 0};
  EnigmaLayoutStatus st = ENIGMA_LAYOUT_OK;
  if (!structure || structureLength < 1 || (leafCount > 0 && !leaves))
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "tiler structure is empty");
  if (!st)
    st = ltTilerBuildRec(&r, &b, 0, error);
  if (!st && (r.next != r.count || r.nextLeaf != r.leafCount))
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                "tiler structure has %ld unused tokens and %ld unused leaves",
                (long)(r.count - r.next), (long)(r.leafCount - r.nextLeaf));
  return ltFinishTiler(st, &b, result, error);
}

void enigmaTilerDestroy(EnigmaTiler tiler) { free(tiler); }

/*===-- Queries ----------------------------------------------------------===*/

bool enigmaTilerIsTuple(EnigmaTiler tiler) {
  return tiler && ltTilerKind(tiler->nodes) == LT_TILER_TUPLE;
}

bool enigmaTilerIsUnderscore(EnigmaTiler tiler) {
  return tiler && ltTilerKind(tiler->nodes) == LT_TILER_UNDERSCORE;
}

bool enigmaTilerIsInt(EnigmaTiler tiler) {
  return tiler && ltTilerKind(tiler->nodes) == LT_TILER_INT;
}

int64_t enigmaTilerGetInt(EnigmaTiler tiler) {
  return enigmaTilerIsInt(tiler) ? tiler->nodes[0].shape : 0;
}

intptr_t enigmaTilerGetRank(EnigmaTiler tiler) {
  if (!tiler)
    return 0;
  return enigmaTilerIsTuple(tiler) ? tiler->nodes[0].rank : 1;
}

EnigmaLayoutStatus enigmaTilerGetElement(EnigmaTiler tiler, intptr_t index, EnigmaTiler *result,
                                         EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaTilerGetElement: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(tiler, "tiler", error);
  if (!st && !enigmaTilerIsTuple(tiler))
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "tiler is not a tuple");
  if (!st && (index < 0 || index >= tiler->nodes[0].rank))
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                "tiler element %ld out of range for rank %d", (long)index, tiler->nodes[0].rank);
  if (!st)
    ltBuilderCopy(&b, ltChild(tiler->nodes, (int32_t)index));
  return ltFinishTiler(st, &b, result, error);
}

EnigmaLayoutStatus enigmaTilerGetLayout(EnigmaTiler tiler, EnigmaLayout *result,
                                        EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaTilerGetLayout: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(tiler, "tiler", error);
  if (!st) {
    int64_t kind = ltTilerKind(tiler->nodes);
    if (kind == LT_TILER_LAYOUT)
      ltBuilderCopy(&b, tiler->nodes + 1);
    else if (kind == LT_TILER_INT)
      ltBuilderLeaf(&b, tiler->nodes[0].shape, 1);
    else
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "tiler is not a layout");
  }
  return ltFinishLayout(st, &b, result, error);
}
