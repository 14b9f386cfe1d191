//===-- Zip.c - Regrouping divided and multiplied layouts
//------------------===//
//
// logical_divide and logical_product leave a (tile, rest) pair in every mode
// the tiler touched. zipped_* gathers the tiles and the rests into two modes
// (CuTe's zip2_by along the tiler), tiled_* and flat_* unpack them again.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

// Emits half `which` (0: tiles, 1: rests plus untouched modes) of
// zip2_by(layout, tiler).
static EnigmaLayoutStatus ltZipHalf(const LtNode *layout, const LtNode *tiler, int which,
                                    const char *opName, LtBuilder *out, EnigmaLayoutError *error) {
  if (tiler->stride == LT_TILER_TUPLE) {
    int32_t rank = ltRank(layout);
    if (tiler->rank > rank) {
      char a[128];
      return ltFail(error, ENIGMA_LAYOUT_ERROR_RANK_MISMATCH,
                    "%s: tiler has rank %d but %s has rank %d", opName, tiler->rank,
                    ltShowLayout(layout, a, sizeof(a)), rank);
    }
    ltBuilderOpen(out);
    const LtNode *t = tiler + 1;
    for (int32_t i = 0; i < tiler->rank; ++i, t = ltNext(t)) {
      EnigmaLayoutStatus st = ltZipHalf(ltChild(layout, i), t, which, opName, out, error);
      if (st)
        return st;
    }
    if (which == 1)
      for (int32_t i = tiler->rank; i < rank; ++i)
        ltBuilderCopy(out, ltChild(layout, i));
    ltBuilderClose(out);
    return ENIGMA_LAYOUT_OK;
  }
  if (layout->rank != 2) {
    // Only reachable through "_" in a tiler: the mode was left alone and CuTe
    // requires it to be a pair already.
    char a[128];
    return ltFail(error, ENIGMA_LAYOUT_ERROR_RANK_MISMATCH,
                  "%s: the mode %s kept by '_' must have rank 2 to be split "
                  "into tile and rest",
                  opName, ltShowLayout(layout, a, sizeof(a)));
  }
  ltBuilderCopy(out, ltChild(layout, which));
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltZipByTiler(const LtNode *layout, const LtNode *tiler, bool spliceFirst,
                                bool spliceSecond, const char *opName, LtBuilder *out,
                                EnigmaLayoutError *error) {
  LtBuilder zipped;
  ltBuilderInit(&zipped);
  ltBuilderOpen(&zipped);
  EnigmaLayoutStatus st = ltZipHalf(layout, tiler, 0, opName, &zipped, error);
  if (!st)
    st = ltZipHalf(layout, tiler, 1, opName, &zipped, error);
  ltBuilderClose(&zipped);
  if (!st)
    st = ltBuilderStatus(&zipped, error);
  if (!st) {
    const LtNode *z = ltBuilderRoot(&zipped);
    if (!spliceFirst && !spliceSecond) {
      ltBuilderCopy(out, z);
    } else {
      // CuTe slices with (_, repeat<R1>(_)): a half of rank >= 2 is unpacked
      // into the top level, a half of rank 1 (an integer or a 1-tuple) stays
      // one mode.
      ltBuilderOpen(out);
      const LtNode *half = z + 1;
      for (int which = 0; which < 2; ++which, half = ltNext(half)) {
        bool splice = which == 0 ? spliceFirst : spliceSecond;
        if (splice && half->rank >= 2) {
          const LtNode *c = half + 1;
          for (int32_t i = 0; i < half->rank; ++i, c = ltNext(c))
            ltBuilderCopy(out, c);
        } else {
          ltBuilderCopy(out, half);
        }
      }
      ltBuilderClose(out);
    }
  }
  ltBuilderFree(&zipped);
  return st;
}
