//===-- Text.c - CuTe notation: parsing and printing
//-----------------------===//
//
// "((2,4),8):((1,2),8)" for layouts, "((2,4),8)" for IntTuples and
// "(3:3,_,(2,4):(1,8))" for tilers. The parsers accept whitespace and CuTe's
// "_" prefix on static integers so CuTe's own printouts can be pasted in.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdio.h>
#include <string.h>

/*===-- Printing ---------------------------------------------------------===*/

typedef struct LtWriter {
  char *buffer;
  intptr_t capacity;
  intptr_t length;
} LtWriter;

static void ltPut(LtWriter *w, const char *text, size_t n) {
  for (size_t i = 0; i < n; ++i, ++w->length)
    if (w->length + 1 < w->capacity)
      w->buffer[w->length] = text[i];
}

static void ltPutInt(LtWriter *w, int64_t v) {
  char digits[32];
  int n = snprintf(digits, sizeof(digits), "%lld", (long long)v);
  ltPut(w, digits, (size_t)n);
}

static intptr_t ltFinishWriter(LtWriter *w) {
  if (w->capacity > 0)
    w->buffer[w->length < w->capacity ? w->length : w->capacity - 1] = '\0';
  return w->length;
}

// field 0 prints the shapes, field 1 the strides.
static void ltPutTree(LtWriter *w, const LtNode *n, int field) {
  if (ltIsLeaf(n)) {
    ltPutInt(w, field == 0 ? n->shape : n->stride);
    return;
  }
  ltPut(w, "(", 1);
  const LtNode *c = n + 1;
  for (int32_t i = 0; i < n->rank; ++i, c = ltNext(c)) {
    if (i)
      ltPut(w, ",", 1);
    ltPutTree(w, c, field);
  }
  ltPut(w, ")", 1);
}

static void ltPutLayout(LtWriter *w, const LtNode *n) {
  ltPutTree(w, n, 0);
  ltPut(w, ":", 1);
  ltPutTree(w, n, 1);
}

static void ltPutTiler(LtWriter *w, const LtNode *n) {
  switch (n->stride) {
  case LT_TILER_UNDERSCORE:
    ltPut(w, "_", 1);
    return;
  case LT_TILER_INT:
    ltPutInt(w, n->shape);
    return;
  case LT_TILER_LAYOUT:
    ltPutLayout(w, n + 1);
    return;
  default:
    break;
  }
  ltPut(w, "(", 1);
  const LtNode *c = n + 1;
  for (int32_t i = 0; i < n->rank; ++i, c = ltNext(c)) {
    if (i)
      ltPut(w, ",", 1);
    ltPutTiler(w, c);
  }
  ltPut(w, ")", 1);
}

intptr_t ltPrintTuple(const LtNode *n, char *buffer, intptr_t capacity) {
  LtWriter w = {buffer, buffer ? capacity : 0, 0};
  ltPutTree(&w, n, 0);
  return ltFinishWriter(&w);
}

intptr_t ltPrintLayout(const LtNode *n, char *buffer, intptr_t capacity) {
  LtWriter w = {buffer, buffer ? capacity : 0, 0};
  ltPutLayout(&w, n);
  return ltFinishWriter(&w);
}

intptr_t ltPrintTiler(const LtNode *n, char *buffer, intptr_t capacity) {
  LtWriter w = {buffer, buffer ? capacity : 0, 0};
  ltPutTiler(&w, n);
  return ltFinishWriter(&w);
}

// Error messages quote operands; a huge layout is cut with "..." so the
// message still names the problem.
static const char *ltEllipsize(intptr_t length, char *buffer, size_t capacity) {
  if (length >= (intptr_t)capacity && capacity >= 4)
    memcpy(buffer + capacity - 4, "...", 4);
  return buffer;
}

const char *ltShowLayout(const LtNode *n, char *buffer, size_t capacity) {
  return ltEllipsize(ltPrintLayout(n, buffer, (intptr_t)capacity), buffer, capacity);
}

const char *ltShowTuple(const LtNode *n, char *buffer, size_t capacity) {
  return ltEllipsize(ltPrintTuple(n, buffer, (intptr_t)capacity), buffer, capacity);
}

intptr_t enigmaIntTuplePrint(EnigmaIntTuple tuple, char *buffer, intptr_t capacity) {
  if (!tuple) {
    LtWriter w = {buffer, buffer ? capacity : 0, 0};
    return ltFinishWriter(&w);
  }
  return ltPrintTuple(tuple->nodes, buffer, capacity);
}

intptr_t enigmaLayoutPrint(EnigmaLayout layout, char *buffer, intptr_t capacity) {
  if (!layout) {
    LtWriter w = {buffer, buffer ? capacity : 0, 0};
    return ltFinishWriter(&w);
  }
  return ltPrintLayout(layout->nodes, buffer, capacity);
}

intptr_t enigmaTilerPrint(EnigmaTiler tiler, char *buffer, intptr_t capacity) {
  if (!tiler) {
    LtWriter w = {buffer, buffer ? capacity : 0, 0};
    return ltFinishWriter(&w);
  }
  return ltPrintTiler(tiler->nodes, buffer, capacity);
}

/*===-- Parsing ----------------------------------------------------------===*/

typedef struct LtParser {
  const char *text;
  intptr_t length;
  intptr_t pos;
  int32_t depth;
  EnigmaLayoutError *error;
} LtParser;

static void ltSkipSpace(LtParser *p) {
  while (p->pos < p->length && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t' ||
                                p->text[p->pos] == '\n' || p->text[p->pos] == '\r'))
    p->pos++;
}

static int ltPeek(LtParser *p) {
  ltSkipSpace(p);
  return p->pos < p->length ? (unsigned char)p->text[p->pos] : -1;
}

static EnigmaLayoutStatus ltParseFail(LtParser *p, const char *expected) {
  int shown = p->length > 200 ? 200 : (int)p->length;
  return ltFail(p->error, ENIGMA_LAYOUT_ERROR_PARSE, "expected %s at offset %ld in \"%.*s%s\"",
                expected, (long)p->pos, shown, p->text, p->length > shown ? "..." : "");
}

static bool ltIsDigit(int c) { return c >= '0' && c <= '9'; }

static EnigmaLayoutStatus ltParseInt(LtParser *p, int64_t *value) {
  ltSkipSpace(p);
  intptr_t start = p->pos;
  if (p->pos < p->length && p->text[p->pos] == '_')
    p->pos++;
  bool negative = false;
  if (p->pos < p->length && (p->text[p->pos] == '-' || p->text[p->pos] == '+'))
    negative = p->text[p->pos++] == '-';
  if (p->pos >= p->length || !ltIsDigit(p->text[p->pos])) {
    p->pos = start;
    return ltParseFail(p, "an integer or '('");
  }
  int64_t v = 0;
  while (p->pos < p->length && ltIsDigit(p->text[p->pos])) {
    int digit = p->text[p->pos] - '0';
    if (__builtin_mul_overflow(v, 10, &v) ||
        __builtin_add_overflow(v, negative ? -digit : digit, &v)) {
      p->pos = start;
      return ltFail(p->error, ENIGMA_LAYOUT_ERROR_PARSE,
                    "integer at offset %ld does not fit in 64 bits", (long)start);
    }
    p->pos++;
  }
  *value = v;
  return ENIGMA_LAYOUT_OK;
}

static EnigmaLayoutStatus ltParseTuple(LtParser *p, LtBuilder *b) {
  if (ltPeek(p) != '(') {
    int64_t v;
    EnigmaLayoutStatus st = ltParseInt(p, &v);
    if (!st)
      ltBuilderLeaf(b, v, 0);
    return st;
  }
  if (p->depth >= ENIGMA_LAYOUT_MAX_DEPTH)
    return ltFail(p->error, ENIGMA_LAYOUT_ERROR_UNSUPPORTED,
                  "tuple nesting deeper than %d levels at offset %ld", ENIGMA_LAYOUT_MAX_DEPTH,
                  (long)p->pos);
  p->pos++;
  p->depth++;
  ltBuilderOpen(b);
  for (;;) {
    EnigmaLayoutStatus st = ltParseTuple(p, b);
    if (st)
      return st;
    int c = ltPeek(p);
    p->pos++;
    if (c == ')')
      break;
    if (c != ',') {
      p->pos--;
      return ltParseFail(p, "',' or ')'");
    }
  }
  ltBuilderClose(b);
  p->depth--;
  return ENIGMA_LAYOUT_OK;
}

static EnigmaLayoutStatus ltParseEnd(LtParser *p) {
  if (ltPeek(p) != -1)
    return ltParseFail(p, "the end of the text");
  return ENIGMA_LAYOUT_OK;
}

EnigmaLayoutStatus ltCheckShapes(const LtNode *n, EnigmaLayoutError *error) {
  for (int32_t i = 0; i < n->span; ++i)
    if (n[i].rank == 0 && n[i].shape < 1)
      return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT, "shape %lld is not positive",
                    (long long)n[i].shape);
  return ENIGMA_LAYOUT_OK;
}

// Parses "shape[:stride]" into `out`; the stride tuple must be congruent.
static EnigmaLayoutStatus ltParseLayout(LtParser *p, LtBuilder *out) {
  LtBuilder shape, stride;
  ltBuilderInit(&shape);
  ltBuilderInit(&stride);
  intptr_t start = p->pos;
  EnigmaLayoutStatus st = ltParseTuple(p, &shape);
  if (!st)
    st = ltBuilderStatus(&shape, p->error);
  if (!st)
    st = ltCheckShapes(ltBuilderRoot(&shape), p->error);
  if (!st && ltPeek(p) == ':') {
    p->pos++;
    st = ltParseTuple(p, &stride);
    if (!st)
      st = ltBuilderStatus(&stride, p->error);
    bool congruent = shape.count == stride.count;
    for (int32_t i = 0; congruent && i < shape.count; ++i)
      congruent = shape.nodes[i].rank == stride.nodes[i].rank;
    if (!st && !congruent) {
      char s[128], d[128];
      st = ltFail(p->error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "layout at offset %ld: stride %s is not congruent to "
                  "shape %s",
                  (long)start, ltShowTuple(ltBuilderRoot(&stride), d, sizeof(d)),
                  ltShowTuple(ltBuilderRoot(&shape), s, sizeof(s)));
    }
    if (!st) {
      for (int32_t i = 0; i < shape.count; ++i)
        shape.nodes[i].stride = stride.nodes[i].shape;
      ltBuilderCopy(out, ltBuilderRoot(&shape));
    }
  } else if (!st) {
    st = ltEmitCompact(out, ltBuilderRoot(&shape), 1, p->error);
  }
  ltBuilderFree(&shape);
  ltBuilderFree(&stride);
  return st;
}

static void ltOpenTagged(LtBuilder *b, int64_t kind) {
  ltBuilderOpen(b);
  if (b->status == ENIGMA_LAYOUT_OK)
    b->nodes[b->open[b->depth - 1]].stride = kind;
}

static EnigmaLayoutStatus ltParseTiler(LtParser *p, LtBuilder *b) {
  int c = ltPeek(p);
  if (c == '_' &&
      !(p->pos + 1 < p->length && (ltIsDigit(p->text[p->pos + 1]) || p->text[p->pos + 1] == '-' ||
                                   p->text[p->pos + 1] == '+'))) {
    p->pos++;
    ltBuilderLeaf(b, 0, LT_TILER_UNDERSCORE);
    return ENIGMA_LAYOUT_OK;
  }
  if (c == '(') {
    // A parenthesized IntTuple followed by ':' is a layout; anything else in
    // parentheses is a by-mode tuple of tilers.
    intptr_t start = p->pos;
    int32_t depth = p->depth;
    EnigmaLayoutError scratch;
    EnigmaLayoutError *saved = p->error;
    LtBuilder probe;
    ltBuilderInit(&probe);
    p->error = &scratch;
    bool isLayout = ltParseTuple(p, &probe) == ENIGMA_LAYOUT_OK && ltPeek(p) == ':';
    p->error = saved;
    ltBuilderFree(&probe);
    p->pos = start;
    p->depth = depth;
    if (isLayout) {
      ltOpenTagged(b, LT_TILER_LAYOUT);
      EnigmaLayoutStatus st = ltParseLayout(p, b);
      ltBuilderClose(b);
      return st;
    }
    if (p->depth >= ENIGMA_LAYOUT_MAX_DEPTH)
      return ltFail(p->error, ENIGMA_LAYOUT_ERROR_UNSUPPORTED,
                    "tiler nesting deeper than %d levels", ENIGMA_LAYOUT_MAX_DEPTH);
    p->pos++;
    p->depth++;
    ltOpenTagged(b, LT_TILER_TUPLE);
    for (;;) {
      EnigmaLayoutStatus st = ltParseTiler(p, b);
      if (st)
        return st;
      int next = ltPeek(p);
      p->pos++;
      if (next == ')')
        break;
      if (next != ',') {
        p->pos--;
        return ltParseFail(p, "',' or ')'");
      }
    }
    ltBuilderClose(b);
    p->depth--;
    return ENIGMA_LAYOUT_OK;
  }
  intptr_t start = p->pos;
  int64_t v;
  EnigmaLayoutStatus st = ltParseInt(p, &v);
  if (st)
    return st;
  if (ltPeek(p) == ':') {
    p->pos = start;
    ltOpenTagged(b, LT_TILER_LAYOUT);
    st = ltParseLayout(p, b);
    ltBuilderClose(b);
    return st;
  }
  if (v < 1)
    return ltFail(p->error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "tiler size %lld at offset %ld is not positive", (long long)v, (long)start);
  ltBuilderLeaf(b, v, LT_TILER_INT);
  return ENIGMA_LAYOUT_OK;
}

static LtParser ltMakeParser(const char *text, intptr_t length, EnigmaLayoutError *error) {
  LtParser p = {text, length < 0 ? (intptr_t)strlen(text) : length, 0, 0, error};
  return p;
}

EnigmaLayoutStatus enigmaIntTupleParse(const char *text, intptr_t length, EnigmaIntTuple *result,
                                       EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaIntTupleParse: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(text, "text", error);
  if (!st) {
    LtParser p = ltMakeParser(text, length, error);
    st = ltParseTuple(&p, &b);
    if (!st)
      st = ltParseEnd(&p);
  }
  return ltFinishLayout(st, &b, (EnigmaLayout *)result, error);
}

EnigmaLayoutStatus enigmaLayoutParse(const char *text, intptr_t length, EnigmaLayout *result,
                                     EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaLayoutParse: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(text, "text", error);
  if (!st) {
    LtParser p = ltMakeParser(text, length, error);
    st = ltParseLayout(&p, &b);
    if (!st)
      st = ltParseEnd(&p);
  }
  return ltFinishLayout(st, &b, result, error);
}

EnigmaLayoutStatus enigmaTilerParse(const char *text, intptr_t length, EnigmaTiler *result,
                                    EnigmaLayoutError *error) {
  if (!result)
    return ltFail(error, ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT,
                  "enigmaTilerParse: the output pointer 'result' is NULL");
  LtBuilder b;
  ltBuilderInit(&b);
  EnigmaLayoutStatus st = ltCheckHandle(text, "text", error);
  if (!st) {
    LtParser p = ltMakeParser(text, length, error);
    st = ltParseTiler(&p, &b);
    if (!st)
      st = ltParseEnd(&p);
  }
  return ltFinishLayout(st, &b, (EnigmaLayout *)result, error);
}
