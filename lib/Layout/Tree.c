//===-- Tree.c - Preorder trees, builders, flat mode lists, handles -------===//
//
// The storage layer every operation shares. Trees are preorder arrays of
// LtNode so that a whole IntTuple or Layout is one allocation, copying a
// subtree is a memcpy and a handle is a header plus the array.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdlib.h>
#include <string.h>

/*===-- Builder ----------------------------------------------------------===*/

void ltBuilderInit(LtBuilder *b) {
  b->nodes = b->inlineNodes;
  b->count = 0;
  b->capacity = LT_BUILDER_INLINE;
  b->depth = 0;
  b->status = ENIGMA_LAYOUT_OK;
}

void ltBuilderFree(LtBuilder *b) {
  if (b->nodes != b->inlineNodes)
    free(b->nodes);
  ltBuilderInit(b);
}

// Makes room for `extra` more nodes; false (and a sticky status) on failure.
static bool ltBuilderReserve(LtBuilder *b, int32_t extra) {
  if (b->status != ENIGMA_LAYOUT_OK)
    return false;
  if (extra > INT32_MAX / 2 - b->count) {
    b->status = ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY;
    return false;
  }
  int32_t needed = b->count + extra;
  if (needed <= b->capacity)
    return true;
  int32_t capacity = b->capacity * 2;
  while (capacity < needed)
    capacity *= 2;
  LtNode *nodes = malloc((size_t)capacity * sizeof(LtNode));
  if (!nodes) {
    b->status = ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY;
    return false;
  }
  memcpy(nodes, b->nodes, (size_t)b->count * sizeof(LtNode));
  if (b->nodes != b->inlineNodes)
    free(b->nodes);
  b->nodes = nodes;
  b->capacity = capacity;
  return true;
}

// Accounts a new element in the enclosing tuple. A second root is a bug in
// the producer, reported rather than silently producing a malformed tree.
static bool ltBuilderAttach(LtBuilder *b) {
  if (b->depth > 0) {
    b->nodes[b->open[b->depth - 1]].rank++;
    return true;
  }
  if (b->count > 0) {
    b->status = ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT;
    return false;
  }
  return true;
}

void ltBuilderLeafSlow(LtBuilder *b, int64_t shape, int64_t stride) {
  if (!ltBuilderReserve(b, 1) || !ltBuilderAttach(b))
    return;
  LtNode *n = &b->nodes[b->count++];
  n->rank = 0;
  n->span = 1;
  n->shape = shape;
  n->stride = stride;
}

void ltBuilderOpen(LtBuilder *b) {
  if (!ltBuilderReserve(b, 1))
    return;
  if (b->depth == ENIGMA_LAYOUT_MAX_DEPTH) {
    b->status = ENIGMA_LAYOUT_ERROR_UNSUPPORTED;
    return;
  }
  if (!ltBuilderAttach(b))
    return;
  int32_t index = b->count++;
  LtNode *n = &b->nodes[index];
  n->rank = 0;
  n->span = 0;
  n->shape = 0;
  n->stride = 0;
  b->open[b->depth++] = index;
}

void ltBuilderClose(LtBuilder *b) {
  if (b->status != ENIGMA_LAYOUT_OK)
    return;
  if (b->depth == 0) {
    b->status = ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT;
    return;
  }
  int32_t index = b->open[--b->depth];
  LtNode *n = &b->nodes[index];
  if (n->rank == 0) {
    b->status = ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT;
    return;
  }
  n->span = b->count - index;
}

void ltBuilderCopy(LtBuilder *b, const LtNode *node) {
  if (!ltBuilderReserve(b, node->span) || !ltBuilderAttach(b))
    return;
  memcpy(&b->nodes[b->count], node, (size_t)node->span * sizeof(LtNode));
  b->count += node->span;
}

EnigmaLayoutStatus ltBuilderStatus(const LtBuilder *b, EnigmaLayoutError *error) {
  switch (b->status) {
  case ENIGMA_LAYOUT_OK:
    break;
  case ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY:
    return ltFail(error, b->status, "out of memory building a layout");
  case ENIGMA_LAYOUT_ERROR_UNSUPPORTED:
    return ltFail(error, b->status, "tuple nesting deeper than %d levels is not supported",
                  ENIGMA_LAYOUT_MAX_DEPTH);
  default:
    return ltFail(error, b->status,
                  "internal error: malformed tree (empty tuple or unbalanced "
                  "nesting)");
  }
  if (b->depth != 0 || b->count == 0)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "internal error: unfinished tree");
  return ENIGMA_LAYOUT_OK;
}

/*===-- Tree queries -----------------------------------------------------===*/

const LtNode *ltChild(const LtNode *n, int32_t i) {
  if (n->rank == 0)
    return n;
  const LtNode *c = n + 1;
  for (int32_t k = 0; k < i; ++k)
    c = ltNext(c);
  return c;
}

int32_t ltDepth(const LtNode *n) {
  if (n->rank == 0)
    return 0;
  int32_t deepest = 0;
  const LtNode *c = n + 1;
  for (int32_t i = 0; i < n->rank; ++i, c = ltNext(c)) {
    int32_t d = ltDepth(c);
    if (d > deepest)
      deepest = d;
  }
  return deepest + 1;
}

EnigmaLayoutStatus ltSize(const LtNode *n, int64_t *out, EnigmaLayoutError *error) {
  int64_t size = 1;
  for (int32_t i = 0; i < n->span; ++i) {
    if (n[i].rank != 0)
      continue;
    EnigmaLayoutStatus st = ltMul(size, n[i].shape, &size, "a size", error);
    if (st)
      return st;
  }
  *out = size;
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltCosize(const LtNode *n, int64_t *out, EnigmaLayoutError *error) {
  int64_t top = 0;
  for (int32_t i = 0; i < n->span; ++i) {
    if (n[i].rank != 0)
      continue;
    int64_t stride = n[i].stride;
    if (stride == INT64_MIN)
      return ltFail(error, ENIGMA_LAYOUT_ERROR_OVERFLOW,
                    "integer overflow computing a cosize (stride %lld)", (long long)stride);
    int64_t term;
    EnigmaLayoutStatus st =
        ltMul(n[i].shape - 1, stride < 0 ? -stride : stride, &term, "a cosize", error);
    if (!st)
      st = ltAdd(top, term, &top, "a cosize", error);
    if (st)
      return st;
  }
  return ltAdd(top, 1, out, "a cosize", error);
}

bool ltEqual(const LtNode *a, const LtNode *b, bool withStride) {
  if (a->span != b->span)
    return false;
  for (int32_t i = 0; i < a->span; ++i) {
    if (a[i].rank != b[i].rank || a[i].span != b[i].span)
      return false;
    if (a[i].rank == 0 && (a[i].shape != b[i].shape || (withStride && a[i].stride != b[i].stride)))
      return false;
  }
  return true;
}

static EnigmaLayoutStatus ltEmitCompactRec(LtBuilder *b, const LtNode *shape, int64_t *current,
                                           EnigmaLayoutError *error) {
  if (ltIsLeaf(shape)) {
    // CuTe gives size-1 modes stride 0: they never contribute to an index and
    // a 0 keeps coalesce and complement from treating them as real strides.
    ltBuilderLeaf(b, shape->shape, shape->shape == 1 ? 0 : *current);
    return ltMul(*current, shape->shape, current, "compact strides", error);
  }
  ltBuilderOpen(b);
  const LtNode *c = shape + 1;
  for (int32_t i = 0; i < shape->rank; ++i, c = ltNext(c)) {
    EnigmaLayoutStatus st = ltEmitCompactRec(b, c, current, error);
    if (st)
      return st;
  }
  ltBuilderClose(b);
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltEmitCompact(LtBuilder *b, const LtNode *shape, int64_t start,
                                 EnigmaLayoutError *error) {
  int64_t current = start;
  return ltEmitCompactRec(b, shape, &current, error);
}

void ltEmitAppendRank(LtBuilder *b, const LtNode *layout, int32_t r) {
  int32_t rank = ltRank(layout);
  if (rank >= r) {
    ltBuilderCopy(b, layout);
    return;
  }
  ltBuilderOpen(b);
  if (ltIsLeaf(layout)) {
    ltBuilderCopy(b, layout);
  } else {
    const LtNode *c = layout + 1;
    for (int32_t i = 0; i < layout->rank; ++i, c = ltNext(c))
      ltBuilderCopy(b, c);
  }
  for (int32_t i = rank; i < r; ++i)
    ltBuilderLeaf(b, 1, 0);
  ltBuilderClose(b);
}

static EnigmaLayoutStatus ltEvalRec(const LtNode *n, int64_t c, int64_t *acc,
                                    EnigmaLayoutError *error) {
  if (ltIsLeaf(n)) {
    int64_t term;
    EnigmaLayoutStatus st = ltMul(c, n->stride, &term, "an index", error);
    if (!st)
      st = ltAdd(*acc, term, acc, "an index", error);
    return st;
  }
  // Colexicographic split: every mode but the last takes c modulo its size;
  // the last mode takes the rest, unbounded, as CuTe's crd2idx does.
  const LtNode *child = n + 1;
  for (int32_t i = 0; i < n->rank; ++i, child = ltNext(child)) {
    int64_t part = c;
    if (i + 1 < n->rank) {
      int64_t size;
      EnigmaLayoutStatus st = ltSize(child, &size, error);
      if (st)
        return st;
      part = c % size;
      c /= size;
    }
    EnigmaLayoutStatus st = ltEvalRec(child, part, acc, error);
    if (st)
      return st;
  }
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltEvalIndex(const LtNode *layout, int64_t index, int64_t *out,
                               EnigmaLayoutError *error) {
  if (index < 0)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "coordinate %lld is negative",
                  (long long)index);
  int64_t acc = 0;
  EnigmaLayoutStatus st = ltEvalRec(layout, index, &acc, error);
  if (!st)
    *out = acc;
  return st;
}

/*===-- Flat mode lists ---------------------------------------------------===*/

void ltModesFreeHeap(LtModes *m) {
  free(m->shape);
  free(m->stride);
}

void ltModesPushSlow(LtModes *m, int64_t shape, int64_t stride) {
  if (m->status != ENIGMA_LAYOUT_OK)
    return;
  if (m->count == m->capacity) {
    if (m->capacity > INT32_MAX / 4) {
      m->status = ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY;
      return;
    }
    int32_t capacity = m->capacity * 2;
    int64_t *shapes = malloc((size_t)capacity * sizeof(int64_t));
    int64_t *strides = malloc((size_t)capacity * sizeof(int64_t));
    if (!shapes || !strides) {
      free(shapes);
      free(strides);
      m->status = ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY;
      return;
    }
    memcpy(shapes, m->shape, (size_t)m->count * sizeof(int64_t));
    memcpy(strides, m->stride, (size_t)m->count * sizeof(int64_t));
    if (m->shape != m->inlineShape) {
      free(m->shape);
      free(m->stride);
    }
    m->shape = shapes;
    m->stride = strides;
    m->capacity = capacity;
  }
  m->shape[m->count] = shape;
  m->stride[m->count] = stride;
  m->count++;
}

void ltModesFlatten(LtModes *m, const LtNode *layout) {
  for (int32_t i = 0; i < layout->span; ++i)
    if (layout[i].rank == 0)
      ltModesPush(m, layout[i].shape, layout[i].stride);
}

void ltModesEmit(const LtModes *m, LtBuilder *b) {
  if (m->count == 1) {
    ltBuilderLeaf(b, m->shape[0], m->stride[0]);
    return;
  }
  ltBuilderOpen(b);
  for (int32_t i = 0; i < m->count; ++i)
    ltBuilderLeaf(b, m->shape[i], m->stride[i]);
  ltBuilderClose(b);
}

/*===-- Handles ----------------------------------------------------------===*/

void *ltHandleFromNodes(const LtNode *root, EnigmaLayoutError *error) {
  size_t bytes = sizeof(struct EnigmaLayoutImpl) + (size_t)root->span * sizeof(LtNode);
  struct EnigmaLayoutImpl *h = malloc(bytes);
  if (!h) {
    ltFail(error, ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY, "out of memory allocating a handle");
    return NULL;
  }
  h->count = root->span;
  memcpy(h->nodes, root, (size_t)root->span * sizeof(LtNode));
  return h;
}

EnigmaLayoutStatus ltFinishLayout(EnigmaLayoutStatus status, LtBuilder *b, EnigmaLayout *result,
                                  EnigmaLayoutError *error) {
  EnigmaLayout handle = NULL;
  if (status == ENIGMA_LAYOUT_OK)
    status = ltBuilderStatus(b, error);
  if (status == ENIGMA_LAYOUT_OK) {
    handle = ltHandleFromNodes(ltBuilderRoot(b), error);
    if (!handle)
      status = ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY;
  }
  ltBuilderFree(b);
  if (result)
    *result = handle;
  if (status == ENIGMA_LAYOUT_OK)
    ltSucceed(error);
  return status;
}

EnigmaLayoutStatus ltCheckHandle(const void *handle, const char *what, EnigmaLayoutError *error) {
  if (!handle)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "%s is NULL", what);
  return ENIGMA_LAYOUT_OK;
}
