//===-- Divide.c - logical, zipped, tiled and flat divide
//------------------===//
//
// logical_divide(A, B) = A o (B, complement(B, shape(A))): the first mode
// walks one tile, the second walks the tiles. A tile that does not fit in the
// mode it divides is reported instead of silently reading past the tensor.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdio.h>
#include <string.h>

static EnigmaLayoutStatus ltDivideTile(const LtNode *mode, const LtNode *tile, const LtPath *path,
                                       LtBuilder *out, EnigmaLayoutError *error) {
  int64_t size, tileSize, tileCosize;
  EnigmaLayoutStatus st = ltSize(mode, &size, error);
  if (!st)
    st = ltSize(tile, &tileSize, error);
  if (!st)
    st = ltCosize(tile, &tileCosize, error);
  if (st)
    return st;
  if (tileCosize > size) {
    char where[96], t[128], a[128];
    ltFormatPath(path, where, sizeof(where));
    return ltFail(error, ENIGMA_LAYOUT_ERROR_TILER_EXCEEDS_TENSOR,
                  "logical_divide: tiler exceeds tensor in %s: the tile %s "
                  "(size %lld) spans %lld elements but %s has size %lld",
                  where, ltShowLayout(tile, t, sizeof(t)), (long long)tileSize,
                  (long long)tileCosize, ltShowLayout(mode, a, sizeof(a)), (long long)size);
  }

  // (tile, complement(tile, shape(coalesce(mode)))), as CuTe 4.2: the rest is
  // counted in the coalesced shape, whose nodes double as an IntTuple because
  // IntTuples read only the shape field.
  LtBuilder flat, split;
  ltBuilderInit(&flat);
  ltBuilderInit(&split);
  st = ltCoalesce(mode, &flat, error);
  if (!st)
    st = ltBuilderStatus(&flat, error);
  if (!st) {
    ltBuilderOpen(&split);
    ltBuilderCopy(&split, tile);
    st = ltComplement(tile, ltBuilderRoot(&flat), &split, error);
    ltBuilderClose(&split);
  }
  if (!st)
    st = ltBuilderStatus(&split, error);
  if (!st)
    st = ltCompose(mode, ltBuilderRoot(&split), out, error);
  ltBuilderFree(&flat);
  ltBuilderFree(&split);
  return st;
}

EnigmaLayoutStatus ltLogicalDivide(const LtNode *a, const LtNode *tiler, LtBuilder *out,
                                   EnigmaLayoutError *error) {
  LtPath path = {0, {0}};
  return ltApplyByMode(a, tiler, ltDivideTile, "logical_divide", true, true, &path, out, error);
}

// Shared body of the four divides: logical_divide, then the regrouping.
static EnigmaLayoutStatus ltDivideApi(EnigmaLayout a, EnigmaTiler tiler, int grouping,
                                      const char *opName, EnigmaLayout *result,
                                      EnigmaLayoutError *error) {
  LtBuilder divided, out;
  ltBuilderInit(&divided);
  ltBuilderInit(&out);
  EnigmaLayoutStatus st = ltCheckHandle(a, "layout", error);
  if (!st)
    st = ltCheckHandle(tiler, "tiler", error);
  if (!st)
    st = ltLogicalDivide(a->nodes, tiler->nodes, grouping == 0 ? &out : &divided, error);
  // Name the divide the user called, not the logical_divide it is built on.
  static const char kInner[] = "logical_divide:";
  if (st && grouping != 0 && error &&
      strncmp(error->message, kInner, sizeof(kInner) - 1) == 0) {
    char rest[sizeof(error->message)];
    snprintf(rest, sizeof(rest), "%s", error->message + sizeof(kInner) - 1);
    snprintf(error->message, sizeof(error->message), "%s:%s", opName, rest);
  }
  if (!st && grouping != 0) {
    st = ltBuilderStatus(&divided, error);
    if (!st)
      st = ltZipByTiler(ltBuilderRoot(&divided), tiler->nodes, grouping == 3, grouping >= 2, opName,
                        &out, error);
  }
  ltBuilderFree(&divided);
  return ltFinishLayout(st, &out, result, error);
}

EnigmaLayoutStatus enigmaLayoutLogicalDivide(EnigmaLayout a, EnigmaTiler tiler,
                                             EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutLogicalDivide: the output pointer 'result' is NULL");
  return ltDivideApi(a, tiler, 0, "logical_divide", result, error);
}

EnigmaLayoutStatus enigmaLayoutZippedDivide(EnigmaLayout a, EnigmaTiler tiler, EnigmaLayout *result,
                                            EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutZippedDivide: the output pointer 'result' is NULL");
  return ltDivideApi(a, tiler, 1, "zipped_divide", result, error);
}

EnigmaLayoutStatus enigmaLayoutTiledDivide(EnigmaLayout a, EnigmaTiler tiler, EnigmaLayout *result,
                                           EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutTiledDivide: the output pointer 'result' is NULL");
  return ltDivideApi(a, tiler, 2, "tiled_divide", result, error);
}

EnigmaLayoutStatus enigmaLayoutFlatDivide(EnigmaLayout a, EnigmaTiler tiler, EnigmaLayout *result,
                                          EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutFlatDivide: the output pointer 'result' is NULL");
  return ltDivideApi(a, tiler, 3, "flat_divide", result, error);
}
