/*===-- FunctionConstants.c - Specializing MSL for function constants -----===*/
/*
 * Metal fixes function constants when a pipeline is created: the compiler
 * specializes the function for the values. The CPU runtime does the same, per
 * set of values: each `[[function_constant(i)]]` attribute of the text becomes
 * an initializer (`constant int n [[function_constant(0)]];` ->
 * `constant int n = (4LL);`), and each is_function_constant_defined(name)
 * becomes `true` or `false`. The result is ordinary MSL for the host compiler:
 * constants derived from function constants (`constant int m = n * 2;`),
 * branches on them and array sizes fold exactly as on the GPU. The rewrite
 * keeps every line where it was, so compiler messages and bounds-check
 * positions name the lines of the text as given; the values are part of the
 * text, hence of the compiled-kernel cache key.
 */

#include "CpuRuntime.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// The C++ initializer of a value of `fc`'s type.
static void formatValue(EnigmaCpuString *s, const EnigmaCpuFunctionConstantDesc *fc,
                        const void *data) {
  if (!data) {
    enigmaCpuStringPrintf(s, "= {}");
    return;
  }
  const unsigned char *b = data;
  uint64_t bits = 0;
  memcpy(&bits, b, fc->size); /* little-endian hosts: the low bytes */
  switch (fc->kind) {
  case 'b':
    enigmaCpuStringPrintf(s, "= %s", bits ? "true" : "false");
    return;
  case 'i': {
    unsigned shift = 64 - 8 * fc->size;
    int64_t v = (int64_t)(bits << shift) >> shift; /* sign-extend */
    if (v == INT64_MIN)
      enigmaCpuStringPrintf(s, "= (-9223372036854775807LL - 1)");
    else
      enigmaCpuStringPrintf(s, "= (%" PRId64 "LL)", v);
    return;
  }
  case 'u':
    enigmaCpuStringPrintf(s, "= (%" PRIu64 "ULL)", bits);
    return;
  default:
    /* Bit-exact (NaN payloads, -0, infinities), and a constant expression. */
    if (fc->size == 2)
      enigmaCpuStringPrintf(s, "= __builtin_bit_cast(half, (unsigned short)0x%04x)",
                            (unsigned)bits);
    else
      enigmaCpuStringPrintf(s, "= __builtin_bit_cast(float, 0x%08xu)", (unsigned)bits);
    return;
  }
}

/// Appends `text` or, when [begin, end) of the source held newlines, `text`
/// followed by as many newlines (keeping later lines in place).
static void appendKeepingLines(EnigmaCpuString *s, const char *source, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i)
    if (source[i] == '\n')
      enigmaCpuStringAppend(s, "\n", 1);
}

char *enigmaCpuSpecializeSource(const char *source, size_t length,
                                const EnigmaCpuFunctionConstants *fcs, const void *const *values,
                                size_t *specializedLength) {
  EnigmaCpuString s = {0};
  size_t at = 0;
  size_t ci = 0, qi = 0;
  /* Both lists are in source order; merge them. */
  while (ci < fcs->numConstants || qi < fcs->numQueries) {
    bool takeConstant =
        qi == fcs->numQueries ||
        (ci < fcs->numConstants && fcs->constants[ci].attrBegin < fcs->queries[qi].begin);
    size_t begin, end;
    if (takeConstant) {
      const EnigmaCpuFunctionConstantDesc *fc = &fcs->constants[ci];
      begin = fc->attrBegin;
      end = fc->attrEnd;
      enigmaCpuStringAppend(&s, source + at, begin - at);
      formatValue(&s, fc, values ? values[ci] : NULL);
      ++ci;
    } else {
      const EnigmaCpuDefinedQuery *q = &fcs->queries[qi];
      begin = q->begin;
      end = q->end;
      enigmaCpuStringAppend(&s, source + at, begin - at);
      bool defined = values && values[q->constant];
      enigmaCpuStringAppend(&s, defined ? "true" : "false", defined ? 4 : 5);
      ++qi;
    }
    appendKeepingLines(&s, source, begin, end);
    at = end;
  }
  enigmaCpuStringAppend(&s, source + at, length - at);
  if (specializedLength)
    *specializedLength = s.size;
  return enigmaCpuStringTake(&s);
}
