/*===-- SourceRewrite.c - Metal syntax and literal types for the host compiler ===*/
/*
 * MSL has no double: an unsuffixed floating literal (0.1, 1e-3, 0x1p4) is a
 * float, and 1.5h is a half. On the host compiler the first is a double, so
 * `a[i] * 0.1` is computed in double precision and rounded differently, and
 * `fract(0.5)` is ambiguous between the float and half overloads; the second
 * is not C++ at all. Before a kernel is compiled, every floating literal outside
 * comments, string and character literals gets Metal's type: `0.1` -> `0.1f`,
 * `1.5h` -> `half(1.5f)`. To keep diagnostics' columns, the `f` replaces a
 * following blank when there is one. Integer literals, identifiers (float4,
 * v1e5) and literals that already have a suffix (f, F, l, L) are unchanged.
 *
 * The attribute lists of a template kernel's explicit instantiation
 * (`template [[host_name("name")]] [[kernel]] decltype(f<T>) f<T>;`), which C++
 * does not allow there, become blanks; Signature.c finds the kernel by its host name.
 */

#include "CpuRuntime.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool isIdent(char c) { return isalnum((unsigned char)c) || c == '_'; }

/// The end of the preprocessing number starting at `s[i]` (a digit, or '.' then a digit):
/// digits, letters, '.', digit separators, and a sign right after an exponent letter (e/E in
/// a decimal number, p/P in a hex one).
static size_t ppNumberEnd(const char *s, size_t n, size_t i) {
  bool hex = i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
  size_t j = i + 1;
  while (j < n) {
    char c = s[j], prev = s[j - 1];
    if (isIdent(c) || c == '.' || (c == '\'' && j + 1 < n && isalnum((unsigned char)s[j + 1]))) {
      ++j;
    } else if ((c == '+' || c == '-') &&
               (hex ? (prev == 'p' || prev == 'P') : (prev == 'e' || prev == 'E'))) {
      ++j;
    } else {
      break;
    }
  }
  return j;
}

/// Whether [b, e) is a floating literal; sets `*digitsEnd` to where its suffix starts.
static bool isFloatingLiteral(const char *s, size_t b, size_t e, size_t *digitsEnd) {
  bool hex = e - b > 2 && s[b] == '0' && (s[b + 1] == 'x' || s[b + 1] == 'X');
  bool floating = false;
  size_t k = hex ? b + 2 : b;
  for (; k < e; ++k) {
    char c = s[k];
    if (c == '.') {
      floating = true;
    } else if (hex ? (c == 'p' || c == 'P') : (c == 'e' || c == 'E')) {
      floating = true;
      ++k;
      if (k < e && (s[k] == '+' || s[k] == '-'))
        ++k;
      while (k < e && isdigit((unsigned char)s[k]))
        ++k;
      break;
    } else if (!(hex ? isxdigit((unsigned char)c) : isdigit((unsigned char)c)) && c != '\'') {
      break;
    }
  }
  *digitsEnd = k;
  return floating;
}

char *enigmaCpuRewriteMetalLiterals(const char *s, size_t n, size_t *outLength) {
  EnigmaCpuString out = {0};
  size_t copied = 0; // s[copied..) is not yet in `out`
  size_t i = 0;
  while (i < n) {
    char c = s[i];
    // Comments, string and character literals are copied as they are.
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n')
        ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      const char *end = strstr(s + i + 2, "*/");
      i = end && (size_t)(end - s) < n ? (size_t)(end - s) + 2 : n;
      continue;
    }
    if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < n && s[j] != c && s[j] != '\n')
        j += s[j] == '\\' ? 2 : 1;
      i = j < n ? j + 1 : n;
      continue;
    }
    if (isIdent(c) && !isdigit((unsigned char)c)) {
      size_t start = i;
      while (i < n && isIdent(s[i]))
        ++i;
      // `template [[host_name("f32")]] [[kernel]] decltype(f<float>) f<float>;` instantiates a
      // kernel under a host name (the runtime finds it by that name, Signature.c); C++ allows no
      // attributes there, so they become blanks.
      if (i - start == 8 && memcmp(s + start, "template", 8) == 0) {
        size_t j = i;
        for (;;) {
          while (j < n && isspace((unsigned char)s[j]))
            ++j;
          if (!(j + 1 < n && s[j] == '[' && s[j + 1] == '['))
            break;
          const char *close = strstr(s + j, "]]");
          if (!close || (size_t)(close - s) >= n)
            break;
          size_t end = (size_t)(close - s) + 2;
          enigmaCpuStringAppend(&out, s + copied, j - copied);
          for (size_t k = j; k < end; ++k)
            enigmaCpuStringAppend(&out, s[k] == '\n' ? "\n" : " ", 1);
          copied = j = i = end;
        }
      }
      continue;
    }
    bool startsNumber = isdigit((unsigned char)c) ||
                        (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]));
    if (!startsNumber) {
      ++i;
      continue;
    }
    size_t e = ppNumberEnd(s, n, i);
    size_t digitsEnd;
    if (isFloatingLiteral(s, i, e, &digitsEnd)) {
      const char *suffix = s + digitsEnd;
      size_t suffixLen = e - digitsEnd;
      if (suffixLen == 0) {
        enigmaCpuStringAppend(&out, s + copied, e - copied);
        enigmaCpuStringAppend(&out, "f", 1);
        copied = e;
        // Keep the columns after the literal: the `f` takes the place of a following blank,
        // unless that would join it to the next token.
        if (e + 1 < n && (s[e] == ' ' || s[e] == '\t') && !isIdent(s[e + 1]) && s[e + 1] != '.' &&
            s[e + 1] != '\'' && s[e + 1] != '"')
          copied = e + 1;
      } else if (suffixLen == 1 && (suffix[0] == 'h' || suffix[0] == 'H')) {
        enigmaCpuStringAppend(&out, s + copied, i - copied);
        enigmaCpuStringAppend(&out, "half(", 5);
        enigmaCpuStringAppend(&out, s + i, digitsEnd - i);
        enigmaCpuStringAppend(&out, "f)", 2);
        copied = e;
      }
    }
    i = e;
  }
  enigmaCpuStringAppend(&out, s + copied, n - copied);
  if (out.failed) {
    enigmaCpuStringFree(&out);
    return NULL;
  }
  if (outLength)
    *outLength = out.size;
  return enigmaCpuStringTake(&out);
}
