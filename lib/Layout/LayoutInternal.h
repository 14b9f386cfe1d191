/*===-- LayoutInternal.h - Shared internals of the layout core ---*- C -*-===*\
|*                                                                            *|
|* Not installed, not part of the API. Every operation works on trees stored  *|
|* as preorder node arrays and writes its result into an LtBuilder; handles   *|
|* are created only at the API boundary, so a chain of operations inside one  *|
|* call (divide = complement + concat + composition + coalesce) allocates     *|
|* nothing for trees that fit the builders' inline storage.                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ENIGMA_LIB_LAYOUT_LAYOUTINTERNAL_H
#define ENIGMA_LIB_LAYOUT_LAYOUTINTERNAL_H

#include "enigma-c/Layout.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// One node of a tree in preorder. A leaf has rank 0 and carries a value in
/// `shape` (and, in a layout, its stride in `stride`); a tuple has rank >= 1
/// and is followed by its `rank` elements. `span` counts the nodes of the
/// subtree including this one, so the next sibling is at `node + span`.
/// IntTuples use the same nodes with `stride` 0.
///
/// Tilers reuse the node too: a tiler node stores its kind in `stride`
/// (LT_TILER_*). A tuple tiler has its elements as children; a layout tiler
/// has rank 1 and the layout as its only child; "_" is a leaf; an integer
/// tiler n is a leaf with `shape` n (it means n:1 to composition and
/// make_layout(n) to divides and products, as in CuTe).
typedef struct LtNode {
  int32_t rank;
  int32_t span;
  int64_t shape;
  int64_t stride;
} LtNode;

enum { LT_TILER_TUPLE = 1, LT_TILER_LAYOUT = 2, LT_TILER_UNDERSCORE = 3, LT_TILER_INT = 4 };

struct EnigmaIntTupleImpl {
  int32_t count;
  LtNode nodes[];
};
struct EnigmaLayoutImpl {
  int32_t count;
  LtNode nodes[];
};
struct EnigmaTilerImpl {
  int32_t count;
  LtNode nodes[];
};

/*===-- Errors -----------------------------------------------------------===*/

/// Records `status` and a printf-formatted message in `error` (if any) and
/// returns `status`, so call sites read `return ltFail(err, ..., "...")`.
EnigmaLayoutStatus ltFail(EnigmaLayoutError *error, EnigmaLayoutStatus status, const char *format,
                          ...) __attribute__((format(printf, 3, 4)));

/// Marks `error` (if any) as successful.
void ltSucceed(EnigmaLayoutError *error);

/// Reports an overflow of `a op b` while computing `what`.
EnigmaLayoutStatus ltOverflow(int64_t a, char op, int64_t b, const char *what,
                              EnigmaLayoutError *error);

/// Checked int64 arithmetic; reports ENIGMA_LAYOUT_ERROR_OVERFLOW naming `what`.
static inline EnigmaLayoutStatus ltMul(int64_t a, int64_t b, int64_t *out, const char *what,
                                       EnigmaLayoutError *error) {
  if (__builtin_mul_overflow(a, b, out))
    return ltOverflow(a, '*', b, what, error);
  return ENIGMA_LAYOUT_OK;
}
static inline EnigmaLayoutStatus ltAdd(int64_t a, int64_t b, int64_t *out, const char *what,
                                       EnigmaLayoutError *error) {
  if (__builtin_add_overflow(a, b, out))
    return ltOverflow(a, '+', b, what, error);
  return ENIGMA_LAYOUT_OK;
}

/*===-- Builder ----------------------------------------------------------===*/

#define LT_BUILDER_INLINE 48

/// Growable preorder node array with inline storage. Errors are sticky: after
/// the first failure every append is a no-op and `status` keeps the failure,
/// so producers can emit a whole tree and check once.
typedef struct LtBuilder {
  LtNode *nodes;
  int32_t count;
  int32_t capacity;
  int32_t depth;
  EnigmaLayoutStatus status;
  int32_t open[ENIGMA_LAYOUT_MAX_DEPTH];
  LtNode inlineNodes[LT_BUILDER_INLINE];
} LtBuilder;

void ltBuilderInit(LtBuilder *b);
void ltBuilderFree(LtBuilder *b);
/// Slow path of ltBuilderLeaf (growth, root checks, sticky errors).
void ltBuilderLeafSlow(LtBuilder *b, int64_t shape, int64_t stride);
/// Appends a leaf to the innermost open tuple (or as the root). Inline: it is
/// the most frequent operation of every algorithm.
static inline void ltBuilderLeaf(LtBuilder *b, int64_t shape, int64_t stride) {
  if (b->status == ENIGMA_LAYOUT_OK && b->depth > 0 && b->count < b->capacity) {
    b->nodes[b->open[b->depth - 1]].rank++;
    LtNode *n = &b->nodes[b->count++];
    n->rank = 0;
    n->span = 1;
    n->shape = shape;
    n->stride = stride;
    return;
  }
  ltBuilderLeafSlow(b, shape, stride);
}
/// Opens a tuple; its elements are the nodes appended until ltBuilderClose.
void ltBuilderOpen(LtBuilder *b);
/// Closes the innermost tuple. An empty tuple is an internal error.
void ltBuilderClose(LtBuilder *b);
/// Appends a copy of the subtree rooted at `node`.
void ltBuilderCopy(LtBuilder *b, const LtNode *node);
/// Reports the builder's sticky failure through `error`.
EnigmaLayoutStatus ltBuilderStatus(const LtBuilder *b, EnigmaLayoutError *error);
/// The root of a finished builder.
static inline const LtNode *ltBuilderRoot(const LtBuilder *b) { return b->nodes; }

/*===-- Trees ------------------------------------------------------------===*/

static inline bool ltIsLeaf(const LtNode *n) { return n->rank == 0; }
/// CuTe rank: 1 for a leaf.
static inline int32_t ltRank(const LtNode *n) { return n->rank ? n->rank : 1; }
static inline const LtNode *ltNext(const LtNode *n) { return n + n->span; }
/// Element i (CuTe get<i>); for a leaf, element 0 is the leaf itself. The
/// caller guarantees i < ltRank(n).
const LtNode *ltChild(const LtNode *n, int32_t i);
int32_t ltDepth(const LtNode *n);
/// Product of the leaves' `shape` fields.
EnigmaLayoutStatus ltSize(const LtNode *n, int64_t *out, EnigmaLayoutError *error);
/// Layout cosize: 1 + sum over leaves of (shape - 1) * |stride|.
EnigmaLayoutStatus ltCosize(const LtNode *n, int64_t *out, EnigmaLayoutError *error);
/// Structural equality; `withStride` also compares the stride fields.
bool ltEqual(const LtNode *a, const LtNode *b, bool withStride);

/// Appends the layout `shape` with compact column-major strides starting at
/// `start` (size-1 leaves get stride 0). Used for make_layout(shape),
/// make_ordered_layout and the rest mode of complement.
EnigmaLayoutStatus ltEmitCompact(LtBuilder *b, const LtNode *shape, int64_t start,
                                 EnigmaLayoutError *error);

/// Appends a layout padded to rank r with 1:0 modes (CuTe append<r>).
void ltEmitAppendRank(LtBuilder *b, const LtNode *layout, int32_t r);

/// Evaluates a layout at an integer coordinate (crd2idx with an int).
EnigmaLayoutStatus ltEvalIndex(const LtNode *layout, int64_t index, int64_t *out,
                               EnigmaLayoutError *error);

/// crd2idx of a coordinate tree (congruent to the layout, or an integer at
/// any level) into *out.
EnigmaLayoutStatus ltCrd2Idx(const LtNode *layout, const LtNode *coord, int64_t *out,
                             EnigmaLayoutError *error);
/// Reads the preorder transfer format (`width` int64_t per node: 2 for
/// IntTuples, 3 for layouts) into `b`.
EnigmaLayoutStatus ltFromPreorder(const int64_t *tokens, intptr_t count, int width, LtBuilder *b,
                                  EnigmaLayoutError *error);
/// idx2crd of `index` in `shape` as a new IntTuple handle.
EnigmaLayoutStatus ltIdx2CrdApi(const LtNode *shape, int64_t index, EnigmaIntTuple *result,
                                EnigmaLayoutError *error);
/// Rejects shapes < 1.
EnigmaLayoutStatus ltCheckShapes(const LtNode *layout, EnigmaLayoutError *error);

/*===-- Flat mode lists ---------------------------------------------------===*/

#define LT_MODES_INLINE 32

/// A flat list of (shape, stride) modes, e.g. a flattened or coalesced
/// layout. Same sticky-error discipline as LtBuilder.
typedef struct LtModes {
  int64_t *shape;
  int64_t *stride;
  int32_t count;
  int32_t capacity;
  EnigmaLayoutStatus status;
  int64_t inlineShape[LT_MODES_INLINE];
  int64_t inlineStride[LT_MODES_INLINE];
} LtModes;

static inline void ltModesInit(LtModes *m) {
  m->shape = m->inlineShape;
  m->stride = m->inlineStride;
  m->count = 0;
  m->capacity = LT_MODES_INLINE;
  m->status = ENIGMA_LAYOUT_OK;
}
/// Releases heap storage (if any) and leaves the list empty.
void ltModesFreeHeap(LtModes *m);
static inline void ltModesFree(LtModes *m) {
  if (m->shape != m->inlineShape)
    ltModesFreeHeap(m);
  ltModesInit(m);
}
/// Slow path of ltModesPush (growth, sticky errors).
void ltModesPushSlow(LtModes *m, int64_t shape, int64_t stride);
static inline void ltModesPush(LtModes *m, int64_t shape, int64_t stride) {
  if (m->status == ENIGMA_LAYOUT_OK && m->count < m->capacity) {
    m->shape[m->count] = shape;
    m->stride[m->count] = stride;
    m->count++;
    return;
  }
  ltModesPushSlow(m, shape, stride);
}
/// Appends the leaves of a layout in order.
void ltModesFlatten(LtModes *m, const LtNode *layout);
/// Appends the modes as a layout: a leaf for one mode, a tuple otherwise.
void ltModesEmit(const LtModes *m, LtBuilder *b);

/*===-- Operations (one group per file) ----------------------------------===*/

/// Coalesce.c: coalesce of a flat list into `out` (CuTe bw_coalesce, with
/// `extendLast` giving coalesce_x's behaviour of keeping the function
/// outside the domain: a trailing size-1 mode stays a mode of size 2).
EnigmaLayoutStatus ltCoalesceModes(const LtModes *in, bool extendLast, LtModes *out,
                                   EnigmaLayoutError *error);
EnigmaLayoutStatus ltCoalesce(const LtNode *layout, LtBuilder *out, EnigmaLayoutError *error);
EnigmaLayoutStatus ltCoalesceByMode(const LtNode *layout, const LtNode *profile, LtBuilder *out,
                                    EnigmaLayoutError *error);
/// filter as a flat list (stride-0 modes dropped, then coalesced).
EnigmaLayoutStatus ltFilterModes(const LtNode *layout, LtModes *out, EnigmaLayoutError *error);

/// Composition.c
EnigmaLayoutStatus ltCompose(const LtNode *a, const LtNode *b, LtBuilder *out,
                             EnigmaLayoutError *error);
EnigmaLayoutStatus ltComposeTiler(const LtNode *a, const LtNode *tiler, LtBuilder *out,
                                  EnigmaLayoutError *error);

/// Complement.c. `cotarget` NULL means cosize(filter(layout)).
EnigmaLayoutStatus ltComplement(const LtNode *layout, const LtNode *cotarget, LtBuilder *out,
                                EnigmaLayoutError *error);
EnigmaLayoutStatus ltRightInverse(const LtNode *layout, LtBuilder *out, EnigmaLayoutError *error);
EnigmaLayoutStatus ltLeftInverse(const LtNode *layout, LtBuilder *out, EnigmaLayoutError *error);

/// Tiler.c: applies `op` to each (mode, layout tiler) pair of a by-mode
/// tiler, keeping "_" modes, and the modes past the tiler if `keepRest` (the
/// divides and products keep them, composition drops them, as CuTe does). An
/// integer tiler n is passed as n:1, or as make_layout(n) (1:0 for n == 1) if
/// `intIsCompact`. `path` is the mode path so far, for error messages.
typedef struct LtPath {
  int32_t depth;
  int32_t index[ENIGMA_LAYOUT_MAX_DEPTH];
} LtPath;
typedef EnigmaLayoutStatus (*LtTileOp)(const LtNode *mode, const LtNode *tile, const LtPath *path,
                                       LtBuilder *out, EnigmaLayoutError *error);
EnigmaLayoutStatus ltApplyByMode(const LtNode *layout, const LtNode *tiler, LtTileOp op,
                                 const char *opName, bool intIsCompact, bool keepRest, LtPath *path,
                                 LtBuilder *out, EnigmaLayoutError *error);
/// Formats a mode path as "mode 1" / "mode (1,0)" / "the layout".
void ltFormatPath(const LtPath *path, char *buffer, size_t capacity);

/// Zip.c: zip2_by of a (divided or multiplied) layout along a tiler, and the
/// tiled/flat re-groupings built on it. `spliceFirst`/`spliceSecond` say
/// whether the tile and rest modes are unpacked into the top level.
EnigmaLayoutStatus ltZipByTiler(const LtNode *layout, const LtNode *tiler, bool spliceFirst,
                                bool spliceSecond, const char *opName, LtBuilder *out,
                                EnigmaLayoutError *error);

/// Divide.c / Product.c
EnigmaLayoutStatus ltLogicalDivide(const LtNode *a, const LtNode *tiler, LtBuilder *out,
                                   EnigmaLayoutError *error);
EnigmaLayoutStatus ltLogicalProduct(const LtNode *a, const LtNode *tiler, LtBuilder *out,
                                    EnigmaLayoutError *error);
/// Rank-sensitive products; `raked` selects raked_product.
EnigmaLayoutStatus ltRankedProduct(const LtNode *block, const LtNode *tiler, bool raked,
                                   LtBuilder *out, EnigmaLayoutError *error);

/// Text.c: printing into a bounded buffer (snprintf contract).
intptr_t ltPrintTuple(const LtNode *n, char *buffer, intptr_t capacity);
intptr_t ltPrintLayout(const LtNode *n, char *buffer, intptr_t capacity);
intptr_t ltPrintTiler(const LtNode *n, char *buffer, intptr_t capacity);
/// Short rendering for error messages (truncated with "...").
const char *ltShowLayout(const LtNode *n, char *buffer, size_t capacity);
const char *ltShowTuple(const LtNode *n, char *buffer, size_t capacity);

/*===-- Handles ----------------------------------------------------------===*/

/// Copies the tree at `root` into a new handle; IntTuple, Layout and Tiler
/// handles share the layout {int32 count; LtNode nodes[]}.
void *ltHandleFromNodes(const LtNode *root, EnigmaLayoutError *error);

/// Common tail of API functions producing a layout: converts the builder to
/// a handle, frees the builder and reports the status.
EnigmaLayoutStatus ltFinishLayout(EnigmaLayoutStatus status, LtBuilder *b, EnigmaLayout *result,
                                  EnigmaLayoutError *error);

/// Validates a layout/tuple/tiler handle argument.
EnigmaLayoutStatus ltCheckHandle(const void *handle, const char *what, EnigmaLayoutError *error);

#endif /* ENIGMA_LIB_LAYOUT_LAYOUTINTERNAL_H */
