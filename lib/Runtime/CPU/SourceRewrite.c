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
 * `threadgroup` is a storage class only where it declares a kernel-scope object
 * (`__tg_local`, i.e. static thread_local); elsewhere (pointers, references,
 * casts, member function qualifiers) it is an address space, which flat CPU
 * memory does not need, and becomes blanks.
 *
 * `volatile` on a struct or matrix type (`volatile device S&`) is dropped: C++
 * cannot copy a volatile class object with the implicit members Metal code
 * relies on. On scalars, vectors and atomics it stays.
 *
 * The attribute lists of a template kernel's explicit instantiation
 * (`template [[host_name("name")]] [[kernel]] decltype(f<T>) f<T>;`), which C++
 * does not allow there, become blanks; Signature.c finds the kernel by its host name.
 */

#include "CpuRuntime.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
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

/// Whether the identifier [b, e) names a Metal scalar, vector or atomic type (`float`, `uint4`,
/// `atomic_uint`, `packed_float3`).
static bool isBuiltinScalarOrVector(const char *b, const char *e) {
  static const char *const kScalars[] = {"bool",  "char",   "uchar", "short", "ushort", "int",
                                         "uint",  "long",   "ulong", "half",  "float",  "bfloat",
                                         "size_t", "int8_t", "uint8_t", "int16_t", "uint16_t",
                                         "int32_t", "uint32_t", "int64_t", "uint64_t", "unsigned",
                                         "signed"};
  size_t n = (size_t)(e - b);
  if (n > 7 && memcmp(b, "atomic_", 7) == 0)
    return true;
  if (n > 7 && memcmp(b, "packed_", 7) == 0) {
    b += 7;
    n -= 7;
  }
  while (n > 0 && isdigit((unsigned char)b[n - 1]))
    --n; // float4, half3x3
  if (n > 0 && b[n - 1] == 'x')
    return false; // a matrix (float4x4) is a struct
  for (size_t k = 0; k < sizeof(kScalars) / sizeof(kScalars[0]); ++k)
    if (strlen(kScalars[k]) == n && memcmp(kScalars[k], b, n) == 0)
      return true;
  return false;
}

/// Whether the `volatile` ending at `s[i]` qualifies a struct (or matrix) type: C++ cannot copy
/// to or from a volatile class object with its implicit members, Metal can. Scalars, vectors
/// and atomics keep `volatile` (spin loops on flags rely on it).
static bool volatileQualifiesStruct(const char *s, size_t n, size_t i) {
  size_t j = i;
  for (;;) {
    while (j < n && isspace((unsigned char)s[j]))
      ++j;
    size_t b = j;
    while (j < n && isIdent(s[j]))
      ++j;
    if (j == b)
      return false;
    size_t len = j - b;
    bool qualifier = (len == 6 && (memcmp(s + b, "device", 6) == 0 || memcmp(s + b, "thread", 6) == 0)) ||
                     (len == 11 && memcmp(s + b, "threadgroup", 11) == 0) ||
                     (len == 8 && memcmp(s + b, "constant", 8) == 0) ||
                     (len == 5 && memcmp(s + b, "const", 5) == 0) ||
                     (len == 5 && memcmp(s + b, "metal", 5) == 0 && j + 1 < n && s[j] == ':');
    if (qualifier) {
      if (j + 1 < n && s[j] == ':' && s[j + 1] == ':')
        j += 2;
      continue;
    }
    return !isBuiltinScalarOrVector(s + b, s + j);
  }
}

/// What the `threadgroup` keyword ending at `s[i]` qualifies. The header cannot tell: it is a
/// storage class for a kernel-scope declaration (`threadgroup float tile[64];`, memory shared by
/// the threadgroup: `static thread_local` on the CPU, where a threadgroup's threads run on one
/// OS thread) and only an address space everywhere else (`threadgroup float* p`,
/// `threadgroup T&` parameters, `(threadgroup atomic_uint*)` casts, `threadgroup T (&a)[N]`,
/// member functions qualified `threadgroup`), which the CPU's flat memory does not need.
/// Returns 1 for a declaration, 0 for an address space, 2 for the attribute
/// `[[threadgroup(n)]]` of a parameter, -1 when it cannot tell (left as is).
/// `before` and `before2` are the last two characters before it that are neither blanks nor in
/// comments (a comment ending in `)` on the line before is no member-function qualifier).
static int threadgroupRole(const char *s, size_t n, size_t i, char before, char before2) {
  // After a `)`: a member function's qualifier; after `[[`: the attribute.
  if (before == ')')
    return 0;
  if (before == '[' && before2 == '[')
    return 2;
  // The type (identifiers, `::`, template arguments, const/volatile), then what follows it.
  size_t j = i;
  unsigned idents = 0;
  for (;;) {
    while (j < n && isspace((unsigned char)s[j]))
      ++j;
    if (j >= n)
      return -1;
    if (isIdent(s[j]) && !isdigit((unsigned char)s[j])) {
      while (j < n && isIdent(s[j]))
        ++j;
      ++idents;
      continue;
    }
    if (s[j] == ':' && j + 1 < n && s[j + 1] == ':') {
      j += 2;
      continue;
    }
    if (s[j] == '<') {
      int depth = 0;
      for (; j < n; ++j) {
        if (s[j] == '<')
          ++depth;
        else if (s[j] == '>' && --depth == 0)
          break;
        else if (s[j] == ';' || s[j] == '{')
          return -1;
      }
      ++j;
      continue;
    }
    break;
  }
  char c = s[j];
  if (c == '*' || c == '&' || c == '(' || c == ')')
    return 0;
  if ((c == ';' || c == '=' || c == '[' || c == ',' || c == '{') && idents >= 2)
    return 1;
  return -1;
}

/// Real address spaces (enigma/Runtime/MetalAddressSpaces.h): the kernel-scope declaration whose
/// `threadgroup` keyword ends at `s[i]` (already written as `__tg_local`), up to its `;`, with each
/// declared name N renamed N__tg (a static, made thread_local by the pass plugin, in C++ for
/// OpenCL's __global) and followed by `auto &N = __tg_var(N__tg);`, a reference to it in the
/// __local (threadgroup) address space. Lines are kept. Returns where the declaration ends, or
/// `i` when it is not one this understands (then nothing was written).
static size_t rewriteThreadgroupDeclaration(const char *s, size_t n, size_t i, EnigmaCpuString *out) {
  size_t names[16][2];
  size_t numNames = 0, lastB = 0, lastE = 0, j = i;
  bool expectName = true;
  int depth = 0, angle = 0;
  for (; j < n; ++j) {
    char c = s[j];
    if (isIdent(c) && !isdigit((unsigned char)c)) {
      size_t b = j;
      while (j + 1 < n && isIdent(s[j + 1]))
        ++j;
      if (depth == 0 && angle == 0) {
        lastB = b;
        lastE = j + 1;
      }
      continue;
    }
    if (isdigit((unsigned char)c)) {
      while (j + 1 < n && isIdent(s[j + 1]))
        ++j;
      continue;
    }
    bool top = depth == 0 && angle == 0;
    bool ends = top && (c == ',' || c == ';' || c == '=' || c == '[');
    if (ends && expectName) {
      if (!lastE || numNames == 16)
        return i;
      names[numNames][0] = lastB;
      names[numNames][1] = lastE;
      ++numNames;
      expectName = false;
    }
    if (top && c == ',') {
      expectName = true;
      lastE = 0;
    }
    if (top && c == ';')
      break;
    if (depth == 0 && expectName && c == '<')
      ++angle;
    else if (depth == 0 && angle > 0 && c == '>')
      --angle;
    else if (c == '(' || c == '[' || c == '{')
      ++depth;
    else if (c == ')' || c == ']' || c == '}') {
      if (--depth < 0)
        return i;
    }
  }
  if (j >= n || numNames == 0)
    return i;
  size_t copied = i;
  for (size_t k = 0; k < numNames; ++k) {
    enigmaCpuStringAppend(out, s + copied, names[k][1] - copied);
    enigmaCpuStringAppend(out, "__tg", 4);
    copied = names[k][1];
  }
  enigmaCpuStringAppend(out, s + copied, j + 1 - copied);
  for (size_t k = 0; k < numNames; ++k) {
    int len = (int)(names[k][1] - names[k][0]);
    const char *name = s + names[k][0];
    enigmaCpuStringPrintf(out, " auto &%.*s = __tg_var(%.*s__tg);", len, name, len, name);
  }
  return j + 1;
}

char *enigmaCpuRewriteMetalLiterals(const char *s, size_t n, size_t *outLength) {
  return enigmaCpuRewriteMetalSource(s, n, false, outLength);
}

/// Whether the `{` at `s[i]` opens a function body: after `)` (or a lambda's `]`), or after a
/// member function's qualifiers.
static bool opensFunctionBody(const char *s, size_t i) {
  size_t b = i;
  while (b > 0 && isspace((unsigned char)s[b - 1]))
    --b;
  if (b == 0)
    return false;
  if (s[b - 1] == ')' || s[b - 1] == ']')
    return true;
  size_t e = b;
  while (b > 0 && isIdent(s[b - 1]))
    --b;
  static const char *const kQualifiers[] = {"const",  "override", "final",       "noexcept",
                                            "mutable", "volatile", "constant",    "device",
                                            "thread",  "threadgroup"};
  for (size_t k = 0; k < sizeof(kQualifiers) / sizeof(kQualifiers[0]); ++k)
    if (strlen(kQualifiers[k]) == e - b && memcmp(kQualifiers[k], s + b, e - b) == 0)
      return true;
  return false;
}

/// Whether the identifier `w` occurs in the code characters of s[b..e).
static bool hasWord(const char *s, const unsigned char *code, size_t b, size_t e, const char *w) {
  size_t len = strlen(w);
  for (size_t k = b; k + len <= e; ++k)
    if (code[k] && memcmp(s + k, w, len) == 0 && (k == b || !isIdent(s[k - 1])) &&
        (k + len == e || !isIdent(s[k + len])))
      return true;
  return false;
}

typedef struct {
  size_t pos;
  int open; // 0: ")", 1: "__enigma_cond("
} CondInsert;

static int compareCondInserts(const void *a, const void *b) {
  const CondInsert *x = a, *y = b;
  if (x->pos != y->pos)
    return x->pos < y->pos ? -1 : 1;
  return x->open - y->open; // ")" before "__enigma_cond(" at one position
}

/// code[i] = whether s[i] is code (not in a comment, a literal or a preprocessor line).
static void codeMask(const char *s, size_t n, unsigned char *code) {
  bool lineStart = true, directive = false;
  for (size_t i = 0; i < n;) {
    char c = s[i];
    if (c == '\n' && !(i > 0 && s[i - 1] == '\\')) {
      lineStart = true;
      directive = false;
      code[i++] = 0;
      continue;
    }
    if (lineStart && c == '#')
      directive = true;
    if (!isspace((unsigned char)c))
      lineStart = false;
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n')
        code[i++] = 0;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      const char *end = strstr(s + i + 2, "*/");
      size_t e = end && (size_t)(end - s) < n ? (size_t)(end - s) + 2 : n;
      while (i < e)
        code[i++] = 0;
      continue;
    }
    if (c == '"' || (c == '\'' && !(i > 0 && isIdent(s[i - 1])))) {
      size_t j = i + 1;
      while (j < n && s[j] != c && s[j] != '\n')
        j += s[j] == '\\' ? 2 : 1;
      size_t e = j < n ? j + 1 : n;
      while (i < e)
        code[i++] = 0;
      continue;
    }
    code[i++] = !directive;
  }
}

/// Where an operand of a conditional expression `c ? a : b` that starts at `from` ends, at its
/// depth (brackets nested, inner conditionals and `::` skipped): the second operand (`third`
/// false) at the `:` of its `?`; the third at what ends the whole expression (the closing
/// bracket of the enclosing depth, `;`, `,`, or the `:` of an enclosing conditional). 0 when it
/// cannot be delimited (a third operand with `<` or `>`, which may be template arguments).
static size_t operandEnd(const char *s, const unsigned char *code, size_t n, size_t from,
                         bool third) {
  int depth = 0, nested = 0;
  for (size_t j = from; j < n; ++j) {
    if (!code[j])
      continue;
    char c = s[j];
    if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth == 0)
        return third ? j : 0;
      --depth;
    } else if (c == ':' && j + 1 < n && s[j + 1] == ':') {
      ++j; // a qualified name
    } else if (depth != 0) {
      continue;
    } else if (c == ';' || (third && c == ',')) {
      return third ? j : 0;
    } else if (third && c == '>' && j > 0 && s[j - 1] == '-') {
      continue; // ->
    } else if (third && (c == '<' || c == '>')) {
      return 0; // template arguments, or a comparison: not delimited here
    } else if (c == '?') {
      ++nested;
    } else if (c == ':') {
      if (!nested)
        return j;
      --nested;
    }
  }
  return 0;
}

/// Real address spaces: both operands of each conditional expression `c ? a : b` become
/// `__enigma_cond(a)` and `__enigma_cond(b)` (MetalAddressSpaces.h: an lvalue as a __generic
/// lvalue, a prvalue unchanged), so that a class-type lvalue in one address space and a prvalue
/// of the same class (`c ? devbuf[i] : float4(0.0)`), which C++ for OpenCL cannot unify, are a
/// generic lvalue and a prvalue, which it can. Expressions it cannot delimit (a third operand with
/// `<` or `>`, in a preprocessor line, operands with `void` or `throw`) are left as they are.
/// Lines are kept; columns after an operand move. NULL when out of memory.
static char *wrapConditionalOperands(const char *s, size_t n, size_t *outLength) {
  unsigned char *code = malloc(n ? n : 1);
  CondInsert *ins = NULL;
  size_t numIns = 0, capIns = 0;
  EnigmaCpuString out = {0};
  if (!code)
    return NULL;
  codeMask(s, n, code);
  for (size_t q = 0; q < n; ++q) {
    if (!code[q] || s[q] != '?')
      continue;
    // The second operand: up to the `:` of this `?`; the third: up to what ends the expression.
    size_t colon = operandEnd(s, code, n, q + 1, false);
    size_t end = colon ? operandEnd(s, code, n, colon + 1, true) : 0;
    if (!end)
      continue;
    bool empty2 = true, empty3 = true;
    for (size_t k = q + 1; k < colon; ++k)
      if (code[k] && !isspace((unsigned char)s[k]))
        empty2 = false;
    for (size_t k = colon + 1; k < end; ++k)
      if (code[k] && !isspace((unsigned char)s[k]))
        empty3 = false;
    if (empty2 || empty3 || hasWord(s, code, q + 1, end, "void") ||
        hasWord(s, code, q + 1, end, "throw"))
      continue;
    if (numIns + 4 > capIns) {
      size_t cap = capIns ? capIns * 2 : 64;
      CondInsert *more = realloc(ins, cap * sizeof(*ins));
      if (!more) {
        free(ins);
        free(code);
        return NULL;
      }
      ins = more;
      capIns = cap;
    }
    ins[numIns++] = (CondInsert){q + 1, 1};
    ins[numIns++] = (CondInsert){colon, 0};
    ins[numIns++] = (CondInsert){colon + 1, 1};
    ins[numIns++] = (CondInsert){end, 0};
  }
  free(code);
  if (numIns)
    qsort(ins, numIns, sizeof(*ins), compareCondInserts);
  size_t copied = 0;
  for (size_t k = 0; k < numIns; ++k) {
    enigmaCpuStringAppend(&out, s + copied, ins[k].pos - copied);
    copied = ins[k].pos;
    if (ins[k].open)
      enigmaCpuStringAppend(&out, "__enigma_cond(", 14);
    else
      enigmaCpuStringAppend(&out, ")", 1);
  }
  enigmaCpuStringAppend(&out, s + copied, n - copied);
  free(ins);
  if (out.failed) {
    enigmaCpuStringFree(&out);
    return NULL;
  }
  *outLength = out.size;
  return enigmaCpuStringTake(&out);
}

/// Whether s[b, e) is one of Metal's address-space keywords.
static bool isSpaceWord(const char *s, size_t b, size_t e) {
  static const char *const kSpaces[] = {"device", "thread", "threadgroup", "constant"};
  for (size_t k = 0; k < sizeof(kSpaces) / sizeof(kSpaces[0]); ++k)
    if (strlen(kSpaces[k]) == e - b && memcmp(kSpaces[k], s + b, e - b) == 0)
      return true;
  return false;
}

static bool isWord(const char *s, size_t b, size_t e, const char *w) {
  return strlen(w) == e - b && memcmp(w, s + b, e - b) == 0;
}

/// Whether position `at` is at file scope or directly in a class or namespace body (the brace
/// around it follows a name, `>` or a string, as in `struct S {`, `namespace n {`,
/// `extern "C" {`, not `) {` or `) const {`).
static bool outsideFunctionBodies(const char *s, const unsigned char *code, size_t at) {
  size_t k = at;
  for (size_t braces = 0; k-- > 0;) {
    if (!code[k])
      continue;
    if (s[k] == '}')
      ++braces;
    else if (s[k] == '{' && braces-- == 0)
      break;
  }
  if (k == (size_t)-1)
    return true;
  while (k-- > 0)
    if (code[k] && !isspace((unsigned char)s[k]))
      break;
  if (k == (size_t)-1)
    return false;
  if (s[k] == '>' || s[k] == '"')
    return true;
  if (!isIdent(s[k]))
    return false;
  size_t e = k + 1;
  while (k > 0 && isIdent(s[k - 1]))
    --k;
  return !isSpaceWord(s, k, e) && !isWord(s, k, e, "const") && !isWord(s, k, e, "volatile") &&
         !isWord(s, k, e, "noexcept") && !isWord(s, k, e, "else") && !isWord(s, k, e, "do") &&
         !isWord(s, k, e, "try");
}

/// In the erased mode every address space is the same memory, so member functions that differ
/// only by an address-space qualifier (`T& operator[](size_t) thread`, `... device`,
/// `... threadgroup`: the array wrapper shader cross-compilers emit), and functions overloaded
/// only by the address spaces of their parameters (`f(device const float*)`,
/// `f(threadgroup const float*)`), are one function, which C++ rejects as redeclared. Keeps the first of each (same enclosing braces, same definition but
/// for address-space words) and blanks the others, newlines kept. Returns a copy of the text,
/// or NULL when out of memory.
///
/// With `real` (real address spaces), only member functions qualified by an address space are
/// considered, and a group of such members that are the same definition but for address-space
/// words is merged only when one of them is qualified `thread`: that one is kept (its `this`
/// is C++ for OpenCL's generic space, which every object but a `__constant` one converts to,
/// so it serves objects in every Metal space with the same body) and the others are blanked.
/// C++ for OpenCL cannot declare the others: `const device` is no member qualifier there, and
/// `device` and `constant` members are both `__global`.
static char *blankDuplicateSpaceFunctions(const char *s, size_t n, bool real) {
  char *d = malloc(n + 1);
  unsigned char *code = malloc(n ? n : 1);
  EnigmaCpuString keys = {0}; // "scope|declaration|const\n" of the members kept
  // Real mode: every candidate member, decided once all are known.
  typedef struct {
    size_t start, end, keyAt, keyLength;
    bool thread;
  } Member;
  Member *members = NULL;
  size_t numMembers = 0, capMembers = 0;
  if (!d || !code) {
    free(d);
    free(code);
    return NULL;
  }
  memcpy(d, s, n);
  d[n] = '\0';
  codeMask(s, n, code);
  for (size_t p = 0; p < n; ++p) {
    if (!code[p] || s[p] != ')')
      continue;
    // The qualifiers after the parameters, up to the body or the `;`.
    size_t q = p + 1;
    bool space = false, threadQualified = false;
    for (;;) {
      while (q < n && (!code[q] || isspace((unsigned char)s[q])))
        ++q;
      if (q >= n || !isIdent(s[q]) || isdigit((unsigned char)s[q]))
        break;
      size_t e = q;
      while (e < n && isIdent(s[e]))
        ++e;
      if (isSpaceWord(s, q, e)) {
        space = true;
        threadQualified |= isWord(s, q, e, "thread");
      } else if (!isWord(s, q, e, "const") && !isWord(s, q, e, "volatile") &&
               !isWord(s, q, e, "noexcept"))
        break;
      q = e;
    }
    if (q >= n || (s[q] != '{' && s[q] != ';') || (!space && s[q] != '{'))
      continue;
    size_t open = 0;
    bool found = false;
    int depth = 0;
    for (size_t k = p + 1; k-- > 0;) {
      if (!code[k])
        continue;
      if (s[k] == ')')
        ++depth;
      else if (s[k] == '(' && --depth == 0) {
        open = k;
        found = true;
        break;
      }
    }
    if (!found)
      continue;
    // Without a qualifier: a function definition whose parameters name an address space, at file
    // or class scope (not a statement such as `if ((device float*)p) {` in a function body).
    if (!space && real)
      continue; // overloads by the parameters' spaces are distinct functions in the real mode
    if (!space) {
      for (size_t k = open; k < p && !space;) {
        if (!code[k] || !isIdent(s[k]) || isdigit((unsigned char)s[k])) {
          ++k;
          continue;
        }
        size_t e = k;
        while (e < p && isIdent(s[e]))
          ++e;
        space = isSpaceWord(s, k, e);
        k = e;
      }
      if (!space || !outsideFunctionBodies(s, code, open))
        continue;
    }
    size_t declStart = 0;
    for (size_t k = open; k-- > 0;) {
      if (!code[k])
        continue;
      char c = s[k];
      if (c == ';' || c == '{' || c == '}' ||
          (c == ':' && !(k > 0 && s[k - 1] == ':') && !(k + 1 < n && s[k + 1] == ':'))) {
        declStart = k + 1;
        break;
      }
    }
    size_t end = q + 1;
    if (s[q] == '{') {
      int braces = 0;
      size_t k;
      for (k = q; k < n; ++k) {
        if (!code[k])
          continue;
        if (s[k] == '{')
          ++braces;
        else if (s[k] == '}' && --braces == 0)
          break;
      }
      if (k >= n)
        continue;
      end = k + 1;
    }
    size_t scope = 0;
    for (size_t k = declStart, braces = 0; k-- > 0;) {
      if (!code[k])
        continue;
      if (s[k] == '}')
        ++braces;
      else if (s[k] == '{' && braces-- == 0) {
        scope = k + 1;
        break;
      }
    }
    // The key: the scope, then the whole definition without address-space words (blanks
    // collapsed): only members that are the same function in the erased mode, body included,
    // are merged; a pair whose bodies differ otherwise stays (a compile error, not a silent
    // choice of one body).
    // `constant` is `const` there (`constant float*` is `device const float*`), and a repeated
    // `const` is one.
    EnigmaCpuString key = {0};
    enigmaCpuStringPrintf(&key, "%zu|", scope);
    bool blank = false, lastConst = false, dropped = false;
    for (size_t k = declStart; k < end;) {
      if (!code[k] || isspace((unsigned char)s[k])) {
        // The blank after a dropped word goes with it.
        blank = blank || (key.size > 0 && !dropped);
        ++k;
        continue;
      }
      size_t e = k + 1;
      if (isIdent(s[k]))
        while (e < n && isIdent(s[e]))
          ++e;
      bool word = isIdent(s[k]) && !isdigit((unsigned char)s[k]);
      bool isConstWord = word && (isWord(s, k, e, "const") || isWord(s, k, e, "constant"));
      if (!(word && isSpaceWord(s, k, e) && !isConstWord) && !(isConstWord && lastConst)) {
        if (blank)
          enigmaCpuStringAppend(&key, " ", 1);
        if (isConstWord)
          enigmaCpuStringAppend(&key, "const", 5);
        else
          enigmaCpuStringAppend(&key, s + k, e - k);
        blank = false;
        lastConst = isConstWord;
        dropped = false;
      } else {
        dropped = true;
      }
      k = e;
    }
    enigmaCpuStringAppend(&key, "\n", 1);
    if (key.failed || keys.failed) {
      enigmaCpuStringFree(&key);
      break;
    }
    if (real) {
      if (numMembers == capMembers) {
        size_t cap = capMembers ? 2 * capMembers : 16;
        Member *more = realloc(members, cap * sizeof(*members));
        if (!more) {
          enigmaCpuStringFree(&key);
          break;
        }
        members = more;
        capMembers = cap;
      }
      members[numMembers++] = (Member){declStart, end, keys.size, key.size, threadQualified};
      enigmaCpuStringAppend(&keys, key.data, key.size);
      enigmaCpuStringFree(&key);
      p = end - 1;
      continue;
    }
    bool seen = false;
    for (size_t at = 0; keys.data && at < keys.size && !seen;) {
      const char *nl = memchr(keys.data + at, '\n', keys.size - at);
      size_t len = (size_t)(nl - (keys.data + at)) + 1;
      seen = len == key.size && memcmp(keys.data + at, key.data, len) == 0;
      at += len;
    }
    if (seen) {
      for (size_t k = declStart; k < end; ++k)
        if (d[k] != '\n')
          d[k] = ' ';
    } else {
      enigmaCpuStringAppend(&keys, key.data, key.size);
    }
    enigmaCpuStringFree(&key);
    p = end - 1;
  }
  for (size_t m = 0; m < numMembers && !keys.failed; ++m) {
    if (members[m].thread)
      continue;
    bool hasThread = false;
    for (size_t o = 0; o < numMembers && !hasThread; ++o)
      hasThread = members[o].thread && members[o].keyLength == members[m].keyLength &&
                  !memcmp(keys.data + members[o].keyAt, keys.data + members[m].keyAt,
                          members[m].keyLength);
    if (hasThread)
      for (size_t k = members[m].start; k < members[m].end; ++k)
        if (d[k] != '\n')
          d[k] = ' ';
  }
  free(members);
  enigmaCpuStringFree(&keys);
  free(code);
  return d;
}

static char *rewriteMetalSource(const char *s, size_t n, bool realAddressSpaces,
                                size_t *outLength);

char *enigmaCpuRewriteMetalSource(const char *s, size_t n, bool realAddressSpaces,
                                  size_t *outLength) {
  char *d = blankDuplicateSpaceFunctions(s, n, realAddressSpaces);
  if (!d)
    return NULL;
  if (!realAddressSpaces) {
    char *r = rewriteMetalSource(d, n, false, outLength);
    free(d);
    return r;
  }
  size_t wn = 0;
  char *w = wrapConditionalOperands(d, n, &wn);
  free(d);
  if (!w)
    return NULL;
  char *r = rewriteMetalSource(w, wn, true, outLength);
  free(w);
  return r;
}

static char *rewriteMetalSource(const char *s, size_t n, bool realAddressSpaces,
                                size_t *outLength) {
  EnigmaCpuString out = {0};
  // Real address spaces: which open braces (bit per depth, up to 64) are function bodies, for
  // function-scope `constant` declarations (C++ for OpenCL puts no __global variable in a
  // function but a static one).
  uint64_t functionBraces = 0;
  unsigned depth = 0;
  size_t copied = 0; // s[copied..) is not yet in `out`
  size_t i = 0;
  // The last two characters seen outside comments and blanks ('a' for any identifier, '0' for
  // any number, '"' for any literal).
  char prev1 = 0, prev2 = 0;
  // Preprocessor directives do not count for prev1/prev2 (`#pragma unroll(4)` before a
  // declaration); their literals are rewritten all the same.
  bool lineStart = true, directive = false;
  char saved1 = 0, saved2 = 0;
  while (i < n) {
    char c = s[i];
    if (c == '\n' && !(i > 0 && s[i - 1] == '\\')) {
      if (directive)
        prev1 = saved1, prev2 = saved2;
      lineStart = true;
      directive = false;
    } else if (lineStart && c == '#') {
      directive = true;
      saved1 = prev1, saved2 = prev2;
      lineStart = false;
    } else if (lineStart && !isspace((unsigned char)c)) {
      lineStart = false;
    }
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
      prev2 = prev1, prev1 = '"';
      continue;
    }
    if (isIdent(c) && !isdigit((unsigned char)c)) {
      size_t start = i;
      while (i < n && isIdent(s[i]))
        ++i;
      char before = prev1, before2 = prev2;
      prev1 = prev2 = 'a';
      // `template [[host_name("f32")]] [[kernel]] decltype(f<float>) f<float>;` instantiates a
      // kernel under a host name (the runtime finds it by that name, Signature.c); C++ allows no
      // attributes there, so they become blanks.
      if (i - start == 8 && memcmp(s + start, "volatile", 8) == 0 &&
          volatileQualifiesStruct(s, n, i)) {
        enigmaCpuStringAppend(&out, s + copied, start - copied);
        enigmaCpuStringAppend(&out, "        ", 8);
        copied = i;
        continue;
      }
      if (realAddressSpaces && i - start == 8 && memcmp(s + start, "constant", 8) == 0 &&
          (depth >= 64 ? functionBraces : functionBraces & (((uint64_t)1 << depth) - 1))) {
        // A function-scope `constant` declaration (`constant float w[3] = {...};`): a static
        // in C++ for OpenCL, which allows no __global automatic variable. Same width.
        bool statementStart = before == 0 || before == ';' || before == '{' || before == '}';
        if (statementStart && threadgroupRole(s, n, i, before, before2) == 1) {
          enigmaCpuStringAppend(&out, s + copied, start - copied);
          enigmaCpuStringAppend(&out, "__fconst", 8);
          copied = i;
        }
        continue;
      }
      if (realAddressSpaces && i - start == 6 && memcmp(s + start, "device", 6) == 0) {
        // A member function qualified `device`: C++ for OpenCL takes only the named address
        // spaces there, so the qualifier is __global (which `constant` also is).
        if (before == ')') {
          enigmaCpuStringAppend(&out, s + copied, start - copied);
          enigmaCpuStringAppend(&out, "__global", 8);
          copied = i;
        }
        continue;
      }
      if (i - start == 11 && memcmp(s + start, "threadgroup", 11) == 0) {
        int role = threadgroupRole(s, n, i, before, before2);
        if (realAddressSpaces && role != 2) {
          // An address space stays one (`threadgroup` is __local); a declaration is renamed.
          if (role == 1) {
            EnigmaCpuString decl = {0};
            size_t end = rewriteThreadgroupDeclaration(s, n, i, &decl);
            if (end != i && !decl.failed) {
              enigmaCpuStringAppend(&out, s + copied, start - copied);
              enigmaCpuStringAppend(&out, "__tg_local ", 11);
              enigmaCpuStringAppend(&out, decl.data, decl.size);
              copied = i = end;
              prev1 = ';', prev2 = 'a';
            }
            enigmaCpuStringFree(&decl);
          }
          continue;
        }
        if (role >= 0) {
          enigmaCpuStringAppend(&out, s + copied, start - copied);
          // Same width: columns after it stay where they were.
          // An attribute keeps a name the header does not define (the runtime reads the
          // original text's; the compiler ignores attributes it does not know).
          enigmaCpuStringAppend(&out,
                                role == 2   ? "enigma_tgrp"
                                : role == 1 ? "__tg_local "
                                            : "           ",
                                11);
          copied = i;
        }
        continue;
      }
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
    if (c == '{') {
      if (depth < 64 && opensFunctionBody(s, i))
        functionBraces |= (uint64_t)1 << depth;
      ++depth;
    } else if (c == '}' && depth > 0) {
      --depth;
      if (depth < 64)
        functionBraces &= ~((uint64_t)1 << depth);
    }
    bool startsNumber = isdigit((unsigned char)c) ||
                        (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]));
    if (!startsNumber) {
      if (!isspace((unsigned char)c))
        prev2 = prev1, prev1 = c;
      ++i;
      continue;
    }
    prev1 = prev2 = '0';
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
