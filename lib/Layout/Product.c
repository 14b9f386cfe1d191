//===-- Product.c - logical, zipped, tiled, flat, blocked, raked products
//--===//
//
// logical_product(A, B) = (A, complement(A, size(A)*cosize(B)) o B): the
// first mode is A, the second walks B's arrangement of copies of A.
// blocked_product and raked_product pad both operands to the same rank and
// pair up like modes, block first or repetition first (CuTe 4.2: not
// coalesced).
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

static EnigmaLayoutStatus ltProductTile(const LtNode *block, const LtNode *tile, const LtPath *path,
                                        LtBuilder *out, EnigmaLayoutError *error) {
  (void)path;
  int64_t size, cosize, target;
  EnigmaLayoutStatus st = ltSize(block, &size, error);
  if (!st)
    st = ltCosize(tile, &cosize, error);
  if (!st)
    st = ltMul(size, cosize, &target, "a product's cotarget", error);
  if (st)
    return st;
  LtNode cotarget = {0, 1, target, 0};
  LtBuilder rest;
  ltBuilderInit(&rest);
  st = ltComplement(block, &cotarget, &rest, error);
  if (!st)
    st = ltBuilderStatus(&rest, error);
  if (!st) {
    ltBuilderOpen(out);
    ltBuilderCopy(out, block);
    st = ltCompose(ltBuilderRoot(&rest), tile, out, error);
    ltBuilderClose(out);
  }
  ltBuilderFree(&rest);
  return st;
}

EnigmaLayoutStatus ltLogicalProduct(const LtNode *a, const LtNode *tiler, LtBuilder *out,
                                    EnigmaLayoutError *error) {
  LtPath path = {0, {0}};
  return ltApplyByMode(a, tiler, ltProductTile, "logical_product", true, true, &path, out, error);
}

// Emits the pair (x, y), one mode of a blocked/raked product.
static void ltEmitPair(const LtNode *x, const LtNode *y, LtBuilder *out) {
  ltBuilderOpen(out);
  ltBuilderCopy(out, x);
  ltBuilderCopy(out, y);
  ltBuilderClose(out);
}

EnigmaLayoutStatus ltRankedProduct(const LtNode *block, const LtNode *tiler, bool raked,
                                   LtBuilder *out, EnigmaLayoutError *error) {
  const char *opName = raked ? "raked_product" : "blocked_product";
  int32_t r = ltRank(block) > ltRank(tiler) ? ltRank(block) : ltRank(tiler);
  LtBuilder a, b, product;
  ltBuilderInit(&a);
  ltBuilderInit(&b);
  ltBuilderInit(&product);
  ltEmitAppendRank(&a, block, r);
  ltEmitAppendRank(&b, tiler, r);
  EnigmaLayoutStatus st = ltBuilderStatus(&a, error);
  if (!st)
    st = ltBuilderStatus(&b, error);
  LtPath path = {0, {0}};
  if (!st)
    st = ltProductTile(ltBuilderRoot(&a), ltBuilderRoot(&b), &path, &product, error);
  if (!st)
    st = ltBuilderStatus(&product, error);
  if (!st) {
    // zip(A, A* o B) (raked: zip(A* o B, A)); CuTe 4.2 no longer coalesces
    // the pairs. When zip's first operand is integral, CuTe zips into a
    // single pair.
    const LtNode *p = ltBuilderRoot(&product);
    const LtNode *first = ltChild(p, 0), *second = ltChild(p, 1);
    if (raked) {
      const LtNode *t = first;
      first = second;
      second = t;
    }
    ltBuilderOpen(out);
    if (ltIsLeaf(first)) {
      ltEmitPair(first, second, out);
    } else if (ltRank(first) != ltRank(second)) {
      char x[128], y[128];
      st = ltFail(error, ENIGMA_LAYOUT_ERROR_RANK_MISMATCH,
                  "%s: cannot pair the modes of %s with those of %s", opName,
                  ltShowLayout(first, x, sizeof(x)), ltShowLayout(second, y, sizeof(y)));
    } else {
      for (int32_t i = 0; i < ltRank(first); ++i)
        ltEmitPair(ltChild(first, i), ltChild(second, i), out);
    }
    ltBuilderClose(out);
  }
  ltBuilderFree(&a);
  ltBuilderFree(&b);
  ltBuilderFree(&product);
  return st;
}

/*===-- API --------------------------------------------------------------===*/

static EnigmaLayoutStatus ltProductApi(EnigmaLayout a, EnigmaTiler tiler, int grouping,
                                       const char *opName, EnigmaLayout *result,
                                       EnigmaLayoutError *error) {
  LtBuilder product, out;
  ltBuilderInit(&product);
  ltBuilderInit(&out);
  EnigmaLayoutStatus st = ltCheckHandle(a, "layout", error);
  if (!st)
    st = ltCheckHandle(tiler, "tiler", error);
  if (!st)
    st = ltLogicalProduct(a->nodes, tiler->nodes, grouping == 0 ? &out : &product, error);
  if (!st && grouping != 0) {
    st = ltBuilderStatus(&product, error);
    if (!st)
      st = ltZipByTiler(ltBuilderRoot(&product), tiler->nodes, grouping == 3, grouping >= 2, opName,
                        &out, error);
  }
  ltBuilderFree(&product);
  return ltFinishLayout(st, &out, result, error);
}

EnigmaLayoutStatus enigmaLayoutLogicalProduct(EnigmaLayout a, EnigmaTiler tiler,
                                              EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutLogicalProduct: the output pointer 'result' is NULL");
  return ltProductApi(a, tiler, 0, "logical_product", result, error);
}

EnigmaLayoutStatus enigmaLayoutZippedProduct(EnigmaLayout a, EnigmaTiler tiler,
                                             EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutZippedProduct: the output pointer 'result' is NULL");
  return ltProductApi(a, tiler, 1, "zipped_product", result, error);
}

EnigmaLayoutStatus enigmaLayoutTiledProduct(EnigmaLayout a, EnigmaTiler tiler, EnigmaLayout *result,
                                            EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutTiledProduct: the output pointer 'result' is NULL");
  return ltProductApi(a, tiler, 2, "tiled_product", result, error);
}

EnigmaLayoutStatus enigmaLayoutFlatProduct(EnigmaLayout a, EnigmaTiler tiler, EnigmaLayout *result,
                                           EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutFlatProduct: the output pointer 'result' is NULL");
  return ltProductApi(a, tiler, 3, "flat_product", result, error);
}

static EnigmaLayoutStatus ltRankedApi(EnigmaLayout block, EnigmaLayout tiler, bool raked,
                                      EnigmaLayout *result, EnigmaLayoutError *error) {
  LtBuilder out;
  ltBuilderInit(&out);
  EnigmaLayoutStatus st = ltCheckHandle(block, "block layout", error);
  if (!st)
    st = ltCheckHandle(tiler, "tiler layout", error);
  if (!st)
    st = ltRankedProduct(block->nodes, tiler->nodes, raked, &out, error);
  return ltFinishLayout(st, &out, result, error);
}

EnigmaLayoutStatus enigmaLayoutBlockedProduct(EnigmaLayout block, EnigmaLayout tiler,
                                              EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutBlockedProduct: the output pointer 'result' is NULL");
  return ltRankedApi(block, tiler, false, result, error);
}

EnigmaLayoutStatus enigmaLayoutRakedProduct(EnigmaLayout block, EnigmaLayout tiler,
                                            EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutRakedProduct: the output pointer 'result' is NULL");
  return ltRankedApi(block, tiler, true, result, error);
}

/*===-- tile_to_shape ----------------------------------------------------===*/

EnigmaLayoutStatus enigmaLayoutTileToShape(EnigmaLayout block, EnigmaIntTuple targetShape,
                                           EnigmaIntTuple order, EnigmaLayout *result,
                                           EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutTileToShape: the output pointer 'result' is NULL");
  LtBuilder padded, repeats, out;
  ltBuilderInit(&padded);
  ltBuilderInit(&repeats);
  ltBuilderInit(&out);
  EnigmaIntTuple repeatShape = NULL;
  EnigmaLayout repeatLayout = NULL;
  EnigmaLayoutStatus st = ltCheckHandle(block, "block layout", error);
  if (!st)
    st = ltCheckHandle(targetShape, "target shape", error);
  if (!st)
    st = ltCheckShapes(targetShape->nodes, error);
  const LtNode *target = st ? NULL : targetShape->nodes;
  int32_t r = target ? ltRank(target) : 0;
  if (!st && ltRank(block->nodes) > r) {
    char b[128], t[128];
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_RANK_MISMATCH,
                "tile_to_shape: block %s has more modes than the target shape %s",
                ltShowLayout(block->nodes, b, sizeof(b)), ltShowTuple(target, t, sizeof(t)));
  }
  if (!st) {
    ltEmitAppendRank(&padded, block->nodes, r);
    st = ltBuilderStatus(&padded, error);
  }
  if (!st) {
    // product_each(target) / product_each(block), mode by mode; as in CuTe,
    // product_each makes the shape of the repetitions a tuple even for an
    // integral target.
    const LtNode *p = ltBuilderRoot(&padded);
    ltBuilderOpen(&repeats);
    for (int32_t i = 0; i < r && !st; ++i) {
      int64_t want, have;
      st = ltSize(ltChild(target, i), &want, error);
      if (!st)
        st = ltSize(ltChild(p, i), &have, error);
      if (!st && want % have != 0) {
        char b[128], t[128];
        st = ltFail(error, ENIGMA_LAYOUT_ERROR_DIVISIBILITY,
                    "tile_to_shape: mode %d of the block %s (size %lld) does not divide mode %d "
                    "of the target shape %s (size %lld)",
                    i, ltShowLayout(block->nodes, b, sizeof(b)), (long long)have, i,
                    ltShowTuple(target, t, sizeof(t)), (long long)want);
      }
      if (!st)
        ltBuilderLeaf(&repeats, want / have, 0);
    }
    ltBuilderClose(&repeats);
    if (!st)
      st = ltBuilderStatus(&repeats, error);
  }
  if (!st) {
    repeatShape = ltHandleFromNodes(ltBuilderRoot(&repeats), error);
    if (!repeatShape)
      st = ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY;
  }
  if (!st)
    st = order ? enigmaLayoutCreateOrdered(repeatShape, order, &repeatLayout, error)
               : enigmaLayoutCreateCompact(repeatShape, &repeatLayout, error);
  if (!st)
    st = ltRankedProduct(ltBuilderRoot(&padded), repeatLayout->nodes, false, &out, error);
  enigmaIntTupleDestroy(repeatShape);
  enigmaLayoutDestroy(repeatLayout);
  ltBuilderFree(&padded);
  ltBuilderFree(&repeats);
  return ltFinishLayout(st, &out, result, error);
}
