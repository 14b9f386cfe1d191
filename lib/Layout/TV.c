//===-- TV.c - Thread-value layouts (make_layout_tv)
//------------------------===//
//
// make_layout_tv(thr, val) as CuTe's make_tiled_copy does it: the raked
// product of the thread layout by the value layout maps a tile coordinate to
// (thread, value); its right inverse, reshaped to (threads, values), maps
// (thread id, value id) back to the tile.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

EnigmaLayoutStatus enigmaLayoutMakeTV(EnigmaLayout threadLayout, EnigmaLayout valueLayout,
                                      EnigmaIntTuple *tiler, EnigmaLayout *tv,
                                      EnigmaLayoutError *error) {
  if (!tiler)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutMakeTV: the output pointer 'tiler' is NULL");
  if (!tv)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutMakeTV: the output pointer 'tv' is NULL");
  if (tiler)
    *tiler = NULL;
  if (tv)
    *tv = NULL;
  if (!tiler || !tv)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "make_layout_tv: result pointers must not be NULL");
  EnigmaLayoutStatus st = ltCheckHandle(threadLayout, "thread layout", error);
  if (!st)
    st = ltCheckHandle(valueLayout, "value layout", error);
  if (st)
    return st;

  LtBuilder mn, inverse, shape, tileShape, out;
  ltBuilderInit(&mn);
  ltBuilderInit(&inverse);
  ltBuilderInit(&shape);
  ltBuilderInit(&tileShape);
  ltBuilderInit(&out);
  int64_t threads = 0, values = 0;
  st = ltRankedProduct(threadLayout->nodes, valueLayout->nodes, true, &mn, error);
  if (!st)
    st = ltBuilderStatus(&mn, error);
  if (!st)
    st = ltRightInverse(ltBuilderRoot(&mn), &inverse, error);
  if (!st)
    st = ltBuilderStatus(&inverse, error);
  if (!st)
    st = ltSize(threadLayout->nodes, &threads, error);
  if (!st)
    st = ltSize(valueLayout->nodes, &values, error);
  if (!st) {
    // (threads, values) with compact strides: thread id fastest.
    ltBuilderOpen(&shape);
    ltBuilderLeaf(&shape, threads, threads == 1 ? 0 : 1);
    ltBuilderLeaf(&shape, values, values == 1 ? 0 : threads);
    ltBuilderClose(&shape);
    st = ltBuilderStatus(&shape, error);
  }
  if (!st)
    st = ltCompose(ltBuilderRoot(&inverse), ltBuilderRoot(&shape), &out, error);
  if (!st) {
    // product_each(shape(mn)): one extent per top-level mode, always a tuple.
    const LtNode *m = ltBuilderRoot(&mn);
    ltBuilderOpen(&tileShape);
    for (int32_t i = 0; i < ltRank(m) && !st; ++i) {
      int64_t extent;
      st = ltSize(ltChild(m, i), &extent, error);
      ltBuilderLeaf(&tileShape, extent, 0);
    }
    ltBuilderClose(&tileShape);
  }
  EnigmaIntTuple tile = NULL;
  if (!st)
    st = ltBuilderStatus(&tileShape, error);
  if (!st) {
    tile = ltHandleFromNodes(ltBuilderRoot(&tileShape), error);
    if (!tile)
      st = ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY;
  }
  ltBuilderFree(&mn);
  ltBuilderFree(&inverse);
  ltBuilderFree(&shape);
  ltBuilderFree(&tileShape);
  st = ltFinishLayout(st, &out, tv, error);
  if (st) {
    enigmaIntTupleDestroy(tile);
    return st;
  }
  *tiler = tile;
  return ENIGMA_LAYOUT_OK;
}
