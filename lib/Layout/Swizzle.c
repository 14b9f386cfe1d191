//===-- Swizzle.c - CuTe swizzles and swizzled (composed) layouts ---------===//
//
// Swizzle<B,M,S> XORs the B bits starting at bit M (the "zzz" bits) with the
// B bits |S| positions above them (S > 0; below for S < 0, the "yyy" bits).
// A composed layout is swizzle o offset o layout, CuTe's ComposedLayout; its
// domain is the layout's, so everything about coordinates is the layout's
// and only the final offset goes through the swizzle.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct EnigmaComposedLayoutImpl {
  EnigmaSwizzle swizzle;
  int64_t offset;
  EnigmaLayout layout;
};

static int32_t ltAbs32(int32_t v) { return v < 0 ? -v : v; }

EnigmaLayoutStatus enigmaSwizzleVerify(EnigmaSwizzle sw, EnigmaLayoutError *error) {
  if (sw.bits < 0 || sw.base < 0 || sw.shift < -62 || sw.shift > 62 ||
      ltAbs32(sw.shift) < sw.bits || sw.bits > 62 || sw.base > 62 ||
      sw.bits + sw.base + ltAbs32(sw.shift) > 62)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "invalid swizzle Sw<%d,%d,%d>: need bits >= 0, base >= 0, |shift| >= bits and "
                  "bits + base + |shift| <= 62",
                  sw.bits, sw.base, sw.shift);
  ltSucceed(error);
  return ENIGMA_LAYOUT_OK;
}

void enigmaSwizzleGetMasks(EnigmaSwizzle sw, int64_t *yyyMask, int64_t *zzzMask) {
  int64_t y = 0, z = 0;
  if (enigmaSwizzleVerify(sw, NULL) == ENIGMA_LAYOUT_OK) {
    int64_t bits = ((int64_t)1 << sw.bits) - 1;
    y = bits << (sw.base + (sw.shift > 0 ? sw.shift : 0));
    z = bits << (sw.base - (sw.shift < 0 ? sw.shift : 0));
  }
  if (yyyMask)
    *yyyMask = y;
  if (zzzMask)
    *zzzMask = z;
}

// swizzle(x) for a verified swizzle; the masked value is non-negative, so the
// shifts never touch a sign bit.
static int64_t ltSwizzle(EnigmaSwizzle sw, int64_t yyy, int64_t x) {
  int64_t y = x & yyy;
  int64_t moved = sw.shift >= 0 ? y >> sw.shift : y << -sw.shift;
  return x ^ moved;
}

EnigmaLayoutStatus enigmaSwizzleApply(EnigmaSwizzle sw, int64_t offset, int64_t *result,
                                      EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaSwizzleApply: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = enigmaSwizzleVerify(sw, error);
  if (st)
    return st;
  int64_t yyy;
  enigmaSwizzleGetMasks(sw, &yyy, NULL);
  *result = ltSwizzle(sw, yyy, offset);
  return ENIGMA_LAYOUT_OK;
}

/*===-- Composed layouts -------------------------------------------------===*/

EnigmaLayoutStatus enigmaComposedLayoutCreate(EnigmaSwizzle swizzle, int64_t offset,
                                              EnigmaLayout layout, EnigmaComposedLayout *result,
                                              EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaComposedLayoutCreate: the output pointer 'result' is NULL");
  *result = NULL;
  EnigmaLayoutStatus st = ltCheckHandle(layout, "layout", error);
  if (!st)
    st = enigmaSwizzleVerify(swizzle, error);
  if (st)
    return st;
  struct EnigmaComposedLayoutImpl *h = malloc(sizeof(*h));
  EnigmaLayout copy = enigmaLayoutClone(layout);
  if (!h || !copy) {
    free(h);
    enigmaLayoutDestroy(copy);
    return ltFail(error, ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY, "out of memory allocating a handle");
  }
  h->swizzle = swizzle;
  h->offset = offset;
  h->layout = copy;
  *result = h;
  ltSucceed(error);
  return ENIGMA_LAYOUT_OK;
}

void enigmaComposedLayoutDestroy(EnigmaComposedLayout layout) {
  if (!layout)
    return;
  enigmaLayoutDestroy(layout->layout);
  free(layout);
}

bool enigmaComposedLayoutEqual(EnigmaComposedLayout a, EnigmaComposedLayout b) {
  if (!a || !b)
    return a == b;
  return a->swizzle.bits == b->swizzle.bits && a->swizzle.base == b->swizzle.base &&
         a->swizzle.shift == b->swizzle.shift && a->offset == b->offset &&
         enigmaLayoutEqual(a->layout, b->layout);
}

EnigmaSwizzle enigmaComposedLayoutGetSwizzle(EnigmaComposedLayout layout) {
  EnigmaSwizzle none = {0, 0, 0};
  return layout ? layout->swizzle : none;
}

int64_t enigmaComposedLayoutGetOffset(EnigmaComposedLayout layout) {
  return layout ? layout->offset : 0;
}

EnigmaLayoutStatus enigmaComposedLayoutGetLayout(EnigmaComposedLayout layout, EnigmaLayout *result,
                                                 EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaComposedLayoutGetLayout: the output pointer 'result' is NULL");
  *result = NULL;
  EnigmaLayoutStatus st = ltCheckHandle(layout, "composed layout", error);
  if (st)
    return st;
  *result = enigmaLayoutClone(layout->layout);
  if (!*result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY, "out of memory allocating a handle");
  ltSucceed(error);
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus enigmaComposedLayoutSize(EnigmaComposedLayout layout, int64_t *result,
                                            EnigmaLayoutError *error) {
  EnigmaLayoutStatus st = ltCheckHandle(layout, "composed layout", error);
  if (st)
    return st;
  return enigmaLayoutSize(layout->layout, result, error);
}

// Finishes an evaluation: offset + value through the swizzle.
static EnigmaLayoutStatus ltComposedFinish(EnigmaComposedLayout layout, int64_t value,
                                           int64_t *result, EnigmaLayoutError *error) {
  int64_t shifted;
  EnigmaLayoutStatus st = ltAdd(layout->offset, value, &shifted, "a swizzled offset", error);
  if (st)
    return st;
  int64_t yyy;
  enigmaSwizzleGetMasks(layout->swizzle, &yyy, NULL);
  *result = ltSwizzle(layout->swizzle, yyy, shifted);
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus enigmaComposedLayoutCrd2Idx(EnigmaComposedLayout layout, EnigmaIntTuple coord,
                                               int64_t *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaComposedLayoutCrd2Idx: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(layout, "composed layout", error);
  int64_t value = 0;
  if (!st)
    st = enigmaLayoutCrd2Idx(layout->layout, coord, &value, error);
  if (!st)
    st = ltComposedFinish(layout, value, result, error);
  return st;
}

EnigmaLayoutStatus enigmaComposedLayoutEvaluate(EnigmaComposedLayout layout, int64_t index,
                                                int64_t *result, EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaComposedLayoutEvaluate: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(layout, "composed layout", error);
  int64_t value = 0;
  if (!st)
    st = enigmaLayoutEvaluate(layout->layout, index, &value, error);
  if (!st)
    st = ltComposedFinish(layout, value, result, error);
  return st;
}

EnigmaLayoutStatus enigmaComposedLayoutEvaluateRange(EnigmaComposedLayout layout, int64_t begin,
                                                     intptr_t count, int64_t *out,
                                                     EnigmaLayoutError *error) {
  EnigmaLayoutStatus st = ltCheckHandle(layout, "composed layout", error);
  if (!st)
    st = enigmaLayoutEvaluateRange(layout->layout, begin, count, out, error);
  for (intptr_t k = 0; k < count && !st; ++k)
    st = ltComposedFinish(layout, out[k], &out[k], error);
  return st;
}

// Above this many elements cosize is bounded instead of enumerated.
#define LT_COSIZE_ENUMERATION_LIMIT ((int64_t)1 << 22)

EnigmaLayoutStatus enigmaComposedLayoutCosize(EnigmaComposedLayout layout, int64_t *result,
                                              EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaComposedLayoutCosize: the output pointer 'result' is NULL");
  EnigmaLayoutStatus st = ltCheckHandle(layout, "composed layout", error);
  int64_t size = 0;
  if (!st)
    st = ltSize(layout->layout->nodes, &size, error);
  if (st)
    return st;
  if (size <= LT_COSIZE_ENUMERATION_LIMIT) {
    enum { CHUNK = 1024 };
    int64_t values[CHUNK];
    int64_t best = INT64_MIN;
    for (int64_t begin = 0; begin < size && !st; begin += CHUNK) {
      intptr_t n = (intptr_t)(size - begin < CHUNK ? size - begin : CHUNK);
      st = enigmaComposedLayoutEvaluateRange(layout, begin, n, values, error);
      for (intptr_t k = 0; k < n && !st; ++k)
        if (values[k] > best)
          best = values[k];
    }
    if (!st)
      st = ltAdd(best, 1, result, "a cosize", error);
    if (!st)
      ltSucceed(error);
    return st;
  }
  // The pre-swizzle range [lo, hi], then every bit the swizzle may change
  // (and all below it) set in hi.
  int64_t lo = layout->offset, hi = layout->offset;
  for (int32_t i = 0; i < layout->layout->nodes->span && !st; ++i) {
    const LtNode *n = &layout->layout->nodes[i];
    if (n->rank)
      continue;
    int64_t extent;
    st = ltMul(n->shape - 1, n->stride, &extent, "a cosize", error);
    if (!st)
      st = ltAdd(extent < 0 ? lo : hi, extent, extent < 0 ? &lo : &hi, "a cosize", error);
  }
  if (st)
    return st;
  if (lo < 0)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_UNSUPPORTED,
                  "cosize of a swizzled layout of more than %lld elements that reaches negative "
                  "offsets",
                  (long long)LT_COSIZE_ENUMERATION_LIMIT);
  int64_t zzz;
  enigmaSwizzleGetMasks(layout->swizzle, NULL, &zzz);
  int64_t below = 0;
  if (zzz) {
    int top = 63 - __builtin_clzll((unsigned long long)zzz);
    below = (int64_t)(((uint64_t)1 << (top + 1)) - 1);
  }
  st = ltAdd(hi | below, 1, result, "a cosize", error);
  if (!st)
    ltSucceed(error);
  return st;
}

/*===-- Text -------------------------------------------------------------===*/

intptr_t enigmaComposedLayoutPrint(EnigmaComposedLayout layout, char *buffer, intptr_t capacity) {
  if (!layout) {
    if (buffer && capacity > 0)
      buffer[0] = '\0';
    return 0;
  }
  char head[96];
  int n = snprintf(head, sizeof(head), "Sw<%d,%d,%d> o %lld o ", layout->swizzle.bits,
                   layout->swizzle.base, layout->swizzle.shift, (long long)layout->offset);
  intptr_t tail = enigmaLayoutPrint(layout->layout, NULL, 0);
  if (buffer && capacity > 0) {
    intptr_t copy = n < capacity - 1 ? n : capacity - 1;
    memcpy(buffer, head, (size_t)copy);
    buffer[copy] = '\0';
    if (copy == n)
      enigmaLayoutPrint(layout->layout, buffer + n, capacity - n);
  }
  return n + tail;
}

// Reads an optionally "_"-prefixed, optionally signed decimal integer.
static bool ltScanInt(const char *t, intptr_t len, intptr_t *pos, int64_t *value) {
  intptr_t p = *pos;
  while (p < len && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r'))
    p++;
  if (p < len && t[p] == '_')
    p++;
  bool negative = false;
  if (p < len && (t[p] == '-' || t[p] == '+'))
    negative = t[p++] == '-';
  if (p >= len || t[p] < '0' || t[p] > '9')
    return false;
  int64_t v = 0;
  while (p < len && t[p] >= '0' && t[p] <= '9') {
    int digit = t[p++] - '0';
    if (__builtin_mul_overflow(v, 10, &v) ||
        __builtin_add_overflow(v, negative ? -digit : digit, &v))
      return false;
  }
  *value = v;
  *pos = p;
  return true;
}

static bool ltScanChar(const char *t, intptr_t len, intptr_t *pos, char c) {
  intptr_t p = *pos;
  while (p < len && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r'))
    p++;
  if (p < len && t[p] == c) {
    *pos = p + 1;
    return true;
  }
  return false;
}

// "o" as a word: followed by a space, a digit, '_', '-', '+' or '('.
static bool ltScanCompose(const char *t, intptr_t len, intptr_t *pos) {
  intptr_t p = *pos;
  if (!ltScanChar(t, len, &p, 'o'))
    return false;
  if (p < len && !(t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r' || t[p] == '(' ||
                   t[p] == '_' || t[p] == '-' || t[p] == '+' || (t[p] >= '0' && t[p] <= '9')))
    return false;
  *pos = p;
  return true;
}

EnigmaLayoutStatus enigmaComposedLayoutParse(const char *text, intptr_t length,
                                             EnigmaComposedLayout *result,
                                             EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaComposedLayoutParse: the output pointer 'result' is NULL");
  *result = NULL;
  EnigmaLayoutStatus st = ltCheckHandle(text, "text", error);
  if (st)
    return st;
  intptr_t len = length < 0 ? (intptr_t)strlen(text) : length;
  intptr_t pos = 0;
  int64_t b = 0, m = 0, s = 0, offset = 0;
  while (pos < len && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n'))
    pos++;
  bool ok = pos + 2 <= len && text[pos] == 'S' && text[pos + 1] == 'w';
  if (ok)
    pos += 2;
  ok = ok && ltScanChar(text, len, &pos, '<') && ltScanInt(text, len, &pos, &b) &&
       ltScanChar(text, len, &pos, ',') && ltScanInt(text, len, &pos, &m) &&
       ltScanChar(text, len, &pos, ',') && ltScanInt(text, len, &pos, &s) &&
       ltScanChar(text, len, &pos, '>') && ltScanCompose(text, len, &pos);
  if (!ok) {
    int shown = len > 200 ? 200 : (int)len;
    return ltFail(error, ENIGMA_LAYOUT_ERROR_PARSE,
                  "expected \"Sw<B,M,S> o offset o layout\" at offset %ld in \"%.*s\"", (long)pos,
                  shown, text);
  }
  // An optional "offset o" before the layout: an integer followed by "o".
  intptr_t probe = pos;
  int64_t value;
  if (ltScanInt(text, len, &probe, &value) && ltScanCompose(text, len, &probe)) {
    offset = value;
    pos = probe;
  }
  if (b < INT32_MIN || b > INT32_MAX || m < INT32_MIN || m > INT32_MAX || s < INT32_MIN ||
      s > INT32_MAX)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "invalid swizzle Sw<%lld,%lld,%lld>",
                  (long long)b, (long long)m, (long long)s);
  EnigmaSwizzle sw = {(int32_t)b, (int32_t)m, (int32_t)s};
  EnigmaLayout layout = NULL;
  st = enigmaLayoutParse(text + pos, len - pos, &layout, error);
  if (!st)
    st = enigmaComposedLayoutCreate(sw, offset, layout, result, error);
  enigmaLayoutDestroy(layout);
  return st;
}
