//===-- Recast.c - upcast, downcast, recast_layout ------------------------===//
//
// CuTe's reinterpretation of a layout for wider or narrower elements, with
// every integer static: upcast<n> divides the strides by n (the stride-1 mode
// loses a factor n of its size), downcast<n> does the opposite, recast_layout
// chains them for the ratio of the two bit widths.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

static int64_t ltCeilDiv(int64_t a, int64_t b) { return a / b + (a % b != 0); }

static int64_t ltGcd(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// Rewrites every leaf of `layout` into `out` with `op`; the tree is copied
// and the leaves updated in place.
static EnigmaLayoutStatus ltUpcastLeaves(const LtNode *layout, int64_t n, LtBuilder *out,
                                         EnigmaLayoutError *error) {
  ltBuilderCopy(out, layout);
  EnigmaLayoutStatus st = ltBuilderStatus(out, error);
  if (st)
    return st;
  LtNode *nodes = out->nodes;
  for (int32_t i = 0; i < nodes->span; ++i) {
    LtNode *leaf = &nodes[i];
    if (leaf->rank || leaf->stride == 0)
      continue;
    int64_t d = leaf->stride;
    if (d == INT64_MIN)
      return ltFail(error, ENIGMA_LAYOUT_ERROR_OVERFLOW, "upcast: stride %lld", (long long)d);
    int64_t ad = d < 0 ? -d : d;
    if (ad % n != 0 && n % ad != 0)
      return ltFail(error, ENIGMA_LAYOUT_ERROR_DIVISIBILITY,
                    "upcast<%lld>: stride %lld and %lld do not divide one another", (long long)n,
                    (long long)d, (long long)n);
    leaf->shape = ltCeilDiv(leaf->shape, ltCeilDiv(n, ad));
    leaf->stride = (d < 0 ? -1 : 1) * ltCeilDiv(ad, n);
  }
  return ENIGMA_LAYOUT_OK;
}

static bool ltHasUnitStride(const LtNode *layout) {
  for (int32_t i = 0; i < layout->span; ++i)
    if (!layout[i].rank && layout[i].stride == 1)
      return true;
  return false;
}

static EnigmaLayoutStatus ltDowncastLeaves(const LtNode *layout, int64_t n, LtBuilder *out,
                                           EnigmaLayoutError *error) {
  if (!ltHasUnitStride(layout)) {
    char s[128];
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "downcast<%lld>: %s has no stride-1 mode (downcast requires adjacent elements)",
                  (long long)n, ltShowLayout(layout, s, sizeof(s)));
  }
  ltBuilderCopy(out, layout);
  EnigmaLayoutStatus st = ltBuilderStatus(out, error);
  if (st)
    return st;
  LtNode *nodes = out->nodes;
  for (int32_t i = 0; i < nodes->span && !st; ++i) {
    LtNode *leaf = &nodes[i];
    if (leaf->rank)
      continue;
    if (leaf->stride == 1 || leaf->stride == -1)
      st = ltMul(leaf->shape, n, &leaf->shape, "a downcast shape", error);
    else
      st = ltMul(leaf->stride, n, &leaf->stride, "a downcast stride", error);
  }
  return st;
}

typedef EnigmaLayoutStatus (*LtCastFn)(const LtNode *, int64_t, LtBuilder *, EnigmaLayoutError *);

static EnigmaLayoutStatus ltCastApi(const char *name, LtCastFn fn, EnigmaLayout layout, int64_t n,
                                    EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "%s: the output pointer 'result' is NULL", name);
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st && n < 1)
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "%s: factor %lld is not positive",
                name, (long long)n);
  if (!st)
    st = fn(layout->nodes, n, &b, error);
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaLayoutUpcast(EnigmaLayout layout, int64_t n, EnigmaLayout *result,
                                      EnigmaLayoutError *error) {
  return ltCastApi("upcast", ltUpcastLeaves, layout, n, result, error);
}

EnigmaLayoutStatus enigmaLayoutDowncast(EnigmaLayout layout, int64_t n, EnigmaLayout *result,
                                        EnigmaLayoutError *error) {
  return ltCastApi("downcast", ltDowncastLeaves, layout, n, result, error);
}

EnigmaLayoutStatus enigmaLayoutRecast(EnigmaLayout layout, int64_t newBits, int64_t oldBits,
                                      EnigmaLayout *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutRecast: the output pointer 'result' is NULL");
  LtBuilder up, down;
  ltBuilderInit(&up);
  ltBuilderInit(&down);
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st && (newBits < 1 || oldBits < 1))
    st = ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                "recast_layout: bit widths %lld and %lld must be positive", (long long)newBits,
                (long long)oldBits);
  LtBuilder out;
  ltBuilderInit(&out);
  if (!st) {
    int64_t g = ltGcd(newBits, oldBits);
    int64_t num = newBits / g, den = oldBits / g;
    const LtNode *cur = layout->nodes;
    if (num != 1) {
      st = ltUpcastLeaves(cur, num, &up, error);
      cur = ltBuilderRoot(&up);
    }
    if (!st && den != 1) {
      st = ltDowncastLeaves(cur, den, &down, error);
      cur = ltBuilderRoot(&down);
    }
    if (!st)
      ltBuilderCopy(&out, cur);
  }
  ltBuilderFree(&up);
  ltBuilderFree(&down);
  return ltFinishLayout(st, &out, result, error);
}
