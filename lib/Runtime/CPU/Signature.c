/*===-- Signature.c - Kernel signatures from MSL text ---------------------===*/
/*
 * The launcher needs, per kernel parameter, its role: which [[buffer(i)]] a
 * buffer or `constant T&` scalar binds to, and which builtin value
 * ([[thread_position_in_grid]]...) a builtin receives. That information only
 * exists in the attributes of the kernel's declaration, which the host C++
 * compiler ignores, so it is read here from the text with a small tokenizer
 * (comments, strings and preprocessor lines skipped). Types are taken as
 * written; their sizes come later from the compiled code itself.
 *
 * The same token stream is used to reject, with a line number, the MSL the
 * runtime cannot run: textures, samplers, stage_in. (Pointers and references
 * to threadgroup memory are fine: SourceRewrite.c keeps `threadgroup` as a
 * storage class only for kernel-scope declarations; `threadgroup T* p
 * [[threadgroup(n)]]` parameters get memory of a length each launch gives.)
 */

#include "CpuRuntime.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef enum TokKind { TOK_IDENT, TOK_NUMBER, TOK_STRING, TOK_PUNCT } TokKind;

typedef struct Token {
  TokKind kind;
  const char *text;
  size_t len;
  int line;
} Token;

typedef struct Tokens {
  Token *data;
  size_t size, capacity;
} Tokens;

static bool push(Tokens *t, TokKind kind, const char *text, size_t len, int line) {
  if (t->size == t->capacity) {
    size_t cap = t->capacity ? 2 * t->capacity : 1024;
    Token *d = realloc(t->data, cap * sizeof(Token));
    if (!d)
      return false;
    t->data = d;
    t->capacity = cap;
  }
  t->data[t->size++] = (Token){kind, text, len, line};
  return true;
}

static bool isIdentStart(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool isIdentChar(char c) { return isalnum((unsigned char)c) || c == '_'; }

static bool tokenize(const char *s, size_t n, Tokens *out) {
  size_t i = 0;
  int line = 1;
  bool lineStart = true;
  while (i < n) {
    char c = s[i];
    if (c == '\n') {
      ++line;
      lineStart = true;
      ++i;
      continue;
    }
    if (isspace((unsigned char)c)) {
      ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n')
        ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      i += 2;
      while (i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/')) {
        if (s[i] == '\n')
          ++line;
        ++i;
      }
      i = i + 2 < n ? i + 2 : n;
      continue;
    }
    if (c == '#' && lineStart) {
      // A preprocessor line, with backslash continuations.
      while (i < n && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\n') {
          ++line;
          i += 2;
          continue;
        }
        ++i;
      }
      continue;
    }
    lineStart = false;
    size_t start = i;
    if (isIdentStart(c)) {
      while (i < n && isIdentChar(s[i]))
        ++i;
      if (!push(out, TOK_IDENT, s + start, i - start, line))
        return false;
    } else if (isdigit((unsigned char)c) ||
               (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]))) {
      while (i < n && (isIdentChar(s[i]) || s[i] == '.' ||
                       ((s[i] == '+' || s[i] == '-') && strchr("eEpP", s[i - 1]))))
        ++i;
      if (!push(out, TOK_NUMBER, s + start, i - start, line))
        return false;
    } else if (c == '"' || c == '\'') {
      ++i;
      while (i < n && s[i] != c && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < n)
          ++i;
        ++i;
      }
      if (i < n && s[i] == c)
        ++i;
      if (!push(out, TOK_STRING, s + start, i - start, line))
        return false;
    } else if (c == ':' && i + 1 < n && s[i + 1] == ':') {
      i += 2;
      if (!push(out, TOK_PUNCT, s + start, 2, line))
        return false;
    } else {
      ++i;
      if (!push(out, TOK_PUNCT, s + start, 1, line))
        return false;
    }
  }
  return true;
}

static bool is(const Token *t, const char *text) {
  size_t n = strlen(text);
  return t->len == n && memcmp(t->text, text, n) == 0;
}
static bool isPunct(const Token *t, char c) {
  return t->kind == TOK_PUNCT && t->len == 1 && t->text[0] == c;
}

/*===-- Builtins ----------------------------------------------------------===*/

typedef struct BuiltinInfo {
  const char *name;
  EnigmaCpuBuiltin builtin;
  bool vector; /* may be uint2/uint3 */
} BuiltinInfo;

static const BuiltinInfo kBuiltins[] = {
    {"thread_position_in_grid", ENIGMA_CPU_BUILTIN_THREAD_POSITION_IN_GRID, true},
    {"thread_position_in_threadgroup", ENIGMA_CPU_BUILTIN_THREAD_POSITION_IN_THREADGROUP, true},
    {"threadgroup_position_in_grid", ENIGMA_CPU_BUILTIN_THREADGROUP_POSITION_IN_GRID, true},
    {"threads_per_threadgroup", ENIGMA_CPU_BUILTIN_THREADS_PER_THREADGROUP, true},
    {"dispatch_threads_per_threadgroup", ENIGMA_CPU_BUILTIN_DISPATCH_THREADS_PER_THREADGROUP, true},
    {"threadgroups_per_grid", ENIGMA_CPU_BUILTIN_THREADGROUPS_PER_GRID, true},
    {"threads_per_grid", ENIGMA_CPU_BUILTIN_THREADS_PER_GRID, true},
    {"grid_size", ENIGMA_CPU_BUILTIN_GRID_SIZE, true},
    {"grid_origin", ENIGMA_CPU_BUILTIN_GRID_ORIGIN, true},
    {"thread_index_in_threadgroup", ENIGMA_CPU_BUILTIN_THREAD_INDEX_IN_THREADGROUP, false},
    {"thread_index_in_simdgroup", ENIGMA_CPU_BUILTIN_THREAD_INDEX_IN_SIMDGROUP, false},
    {"simdgroup_index_in_threadgroup", ENIGMA_CPU_BUILTIN_SIMDGROUP_INDEX_IN_THREADGROUP, false},
    {"threads_per_simdgroup", ENIGMA_CPU_BUILTIN_THREADS_PER_SIMDGROUP, false},
    {"thread_execution_width", ENIGMA_CPU_BUILTIN_THREAD_EXECUTION_WIDTH, false},
    {"simdgroups_per_threadgroup", ENIGMA_CPU_BUILTIN_SIMDGROUPS_PER_THREADGROUP, false},
    {"dispatch_simdgroups_per_threadgroup", ENIGMA_CPU_BUILTIN_DISPATCH_SIMDGROUPS_PER_THREADGROUP,
     false},
    {"thread_index_in_quadgroup", ENIGMA_CPU_BUILTIN_THREAD_INDEX_IN_QUADGROUP, false},
    {"quadgroup_index_in_threadgroup", ENIGMA_CPU_BUILTIN_QUADGROUP_INDEX_IN_THREADGROUP, false},
    {"quadgroups_per_threadgroup", ENIGMA_CPU_BUILTIN_QUADGROUPS_PER_THREADGROUP, false},
    {"dispatch_quadgroups_per_threadgroup", ENIGMA_CPU_BUILTIN_DISPATCH_QUADGROUPS_PER_THREADGROUP,
     false},
};
#define NUM_BUILTINS (sizeof(kBuiltins) / sizeof(kBuiltins[0]))

const char *enigmaCpuBuiltinName(EnigmaCpuBuiltin builtin) {
  for (size_t i = 0; i < NUM_BUILTINS; ++i)
    if (kBuiltins[i].builtin == builtin)
      return kBuiltins[i].name;
  return NULL;
}

static const BuiltinInfo *findBuiltin(const Token *t) {
  for (size_t i = 0; i < NUM_BUILTINS; ++i)
    if (is(t, kBuiltins[i].name))
      return &kBuiltins[i];
  return NULL;
}

/// Components of a builtin's declared type (uint -> 1, ushort3 -> 3), or 0 if
/// the type is not one Metal allows for builtins.
static uint32_t builtinComponents(const char *type) {
  static const char *const bases[] = {"uint",         "ushort",         "int",
                                      "short",        "uint32_t",       "uint16_t",
                                      "unsigned int", "unsigned short", "unsigned"};
  size_t n = strlen(type);
  uint32_t comps = 1;
  if (n > 0 && (type[n - 1] == '2' || type[n - 1] == '3') &&
      !(n >= 2 && isdigit((unsigned char)type[n - 2]))) {
    comps = (uint32_t)(type[n - 1] - '0');
    --n;
  }
  if (strncmp(type, "metal::", 7) == 0) {
    type += 7;
    n -= 7;
  }
  for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); ++i)
    if (strlen(bases[i]) == n && strncmp(type, bases[i], n) == 0) {
      if (comps > 1 && strchr(bases[i], '_'))
        return 0; // uint32_t3 is not a type
      return comps;
    }
  return 0;
}

/*===-- Parsing -----------------------------------------------------------===*/

typedef struct Parser {
  const Tokens *toks;
  const char *kernelName;
  EnigmaRuntimeError *error;
} Parser;

/// Index of the bracket closing the one at `open` (same kind), or SIZE_MAX.
static size_t matching(const Tokens *t, size_t open, size_t end) {
  char o = t->data[open].text[0];
  char c = o == '(' ? ')' : o == '[' ? ']' : o == '<' ? '>' : '}';
  int depth = 0;
  for (size_t i = open; i < end; ++i) {
    if (isPunct(&t->data[i], o))
      ++depth;
    else if (isPunct(&t->data[i], c) && --depth == 0)
      return i;
  }
  return SIZE_MAX;
}

/// True when tokens [i-2 ...] before the `void` at i-1 mark a kernel:
/// `kernel void f(` or `[[kernel]] void f(`, other attribute blocks allowed.
static bool isKernelAt(const Tokens *t, size_t i) {
  if (i < 2 || !is(&t->data[i - 1], "void"))
    return false;
  size_t k = i - 2;
  bool attrKernel = false;
  for (;;) {
    const Token *tk = &t->data[k];
    if (tk->kind == TOK_IDENT && is(tk, "kernel"))
      return true;
    if (isPunct(tk, ']') && k >= 1 && isPunct(&t->data[k - 1], ']')) {
      // Walk back to the block's `[[`.
      int depth = 0;
      size_t j = k;
      for (;; --j) {
        if (isPunct(&t->data[j], ']'))
          ++depth;
        else if (isPunct(&t->data[j], '['))
          --depth;
        else if (t->data[j].kind == TOK_IDENT && is(&t->data[j], "kernel"))
          attrKernel = true;
        if (depth == 0 || j == 0)
          break;
      }
      if (depth != 0 || j == 0)
        return attrKernel;
      k = j - 1;
      continue;
    }
    return attrKernel;
  }
}

static char *joinTokens(const Token *const *toks, size_t n) {
  EnigmaCpuString s = {0};
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && toks[i]->kind != TOK_PUNCT && toks[i - 1]->kind != TOK_PUNCT)
      enigmaCpuStringAppend(&s, " ", 1);
    enigmaCpuStringAppend(&s, toks[i]->text, toks[i]->len);
  }
  return enigmaCpuStringTake(&s);
}

static const char *const kAddressSpaces[] = {
    "device",   "constant",   "threadgroup", "thread", "threadgroup_imageblock",
    "ray_data", "object_data"};

static bool isAddressSpace(const Token *t) {
  for (size_t i = 0; i < sizeof(kAddressSpaces) / sizeof(kAddressSpaces[0]); ++i)
    if (is(t, kAddressSpaces[i]))
      return true;
  return false;
}

#define MAX_BUFFER_INDEX 1023
/* Metal's argument table has 31 threadgroup memory slots. */
#define MAX_THREADGROUP_INDEX 30

/// The value of an attribute's literal index argument (`3`, `3u`, `0x3`), or -1.
static long literalIndex(const Token *arg) {
  if (!arg || arg->kind != TOK_NUMBER)
    return -1;
  char buf[32];
  size_t n = arg->len < sizeof(buf) - 1 ? arg->len : sizeof(buf) - 1;
  memcpy(buf, arg->text, n);
  buf[n] = '\0';
  char *end = NULL;
  long idx = strtol(buf, &end, 0);
  return (*end == '\0' || *end == 'u' || *end == 'U') ? idx : -1;
}

/// Parses one parameter, tokens [a, b). Buffer indices of parameters without
/// an attribute are left at -1 and assigned afterwards.
static EnigmaRuntimeStatus parseParam(Parser *p, size_t a, size_t b, size_t position,
                                      EnigmaCpuParamDesc *out) {
  const Tokens *t = p->toks;
  int line = t->data[a].line;
  const Token **decl = malloc((b - a) * sizeof(Token *));
  if (!decl)
    return enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  size_t nDecl = 0;
  const Token *attrName = NULL;
  const Token *attrArg = NULL;
  EnigmaRuntimeStatus st = ENIGMA_RUNTIME_OK;

  for (size_t i = a; i < b; ++i) {
    if (isPunct(&t->data[i], '[') && i + 1 < b && isPunct(&t->data[i + 1], '[')) {
      size_t close = matching(t, i, b);
      if (close == SIZE_MAX) {
        st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                               "line %d: unbalanced attribute in parameter %zu "
                               "of kernel '%s'",
                               line, position, p->kernelName);
        goto done;
      }
      // The first attribute of the block decides the parameter's role.
      for (size_t j = i + 2; j < close; ++j)
        if (t->data[j].kind == TOK_IDENT) {
          if (!attrName) {
            attrName = &t->data[j];
            if (j + 2 < close && isPunct(&t->data[j + 1], '('))
              attrArg = &t->data[j + 2];
          }
          break;
        }
      i = close;
      continue;
    }
    decl[nDecl++] = &t->data[i];
  }

  if (nDecl == 0 || decl[nDecl - 1]->kind != TOK_IDENT) {
    st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                           "line %d: cannot read parameter %zu of kernel '%s' "
                           "(expected `type name [[attribute]]`)",
                           line, position, p->kernelName);
    goto done;
  }
  const Token *name = decl[--nDecl];
  out->name = enigmaCpuStrndup(name->text, name->len);

  int stars = 0, refs = 0;
  bool constPointee = false;
  const Token *space = NULL;
  const Token **typeToks = malloc((nDecl + 1) * sizeof(Token *));
  size_t nType = 0;
  if (!typeToks || !out->name) {
    free(typeToks);
    st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < nDecl; ++i) {
    const Token *tk = decl[i];
    if (isPunct(tk, '*'))
      ++stars;
    else if (isPunct(tk, '&'))
      ++refs;
    else if (tk->kind == TOK_IDENT && is(tk, "const")) {
      if (stars == 0 && refs == 0)
        constPointee = true;
    } else if (tk->kind == TOK_IDENT &&
               (is(tk, "volatile") || is(tk, "restrict") || is(tk, "__restrict")))
      ;
    else if (tk->kind == TOK_IDENT && isAddressSpace(tk) && !space)
      space = tk;
    else
      typeToks[nType++] = tk;
  }
  out->typeName = joinTokens(typeToks, nType);
  free(typeToks);
  if (!out->typeName) {
    st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
    goto done;
  }
  out->bufferIndex = -1;
  out->argIndex = -1;
  out->threadgroupIndex = -1;

  if (stars + refs > 1 || (nType == 0 && (stars || refs))) {
    st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                           "line %d: parameter '%s' of kernel '%s' has a type "
                           "the CPU runtime cannot bind (one level of pointer "
                           "or reference is supported)",
                           line, out->name, p->kernelName);
    goto done;
  }

  if (attrName && is(attrName, "threadgroup")) {
    long idx = literalIndex(attrArg);
    if (stars != 1 || refs || !space || !is(space, "threadgroup")) {
      st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: parameter '%s' [[threadgroup(n)]] of kernel '%s' must be "
                             "a pointer to threadgroup memory (`threadgroup T* %s`)",
                             line, out->name, p->kernelName, out->name);
      goto done;
    }
    if (idx < 0 || idx > MAX_THREADGROUP_INDEX) {
      st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: parameter '%s' of kernel '%s': [[threadgroup(n)]] needs a "
                             "literal index in 0..%d",
                             line, out->name, p->kernelName, MAX_THREADGROUP_INDEX);
      goto done;
    }
    out->kind = ENIGMA_CPU_PARAM_THREADGROUP;
    out->threadgroupIndex = (int32_t)idx;
    out->readOnly = constPointee;
    goto done;
  }
  if (attrName && !is(attrName, "buffer")) {
    const BuiltinInfo *bi = findBuiltin(attrName);
    if (!bi) {
      st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: parameter '%s' of kernel '%s' has attribute [[%.*s]], "
                             "which the CPU runtime does not support (it supports "
                             "[[buffer(n)]] and [[threadgroup(n)]] arguments and compute "
                             "builtins)",
                             line, out->name, p->kernelName, (int)attrName->len, attrName->text);
      goto done;
    }
    if (stars || refs || space) {
      st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: builtin parameter '%s' of kernel '%s' "
                             "must be a plain value (uint, ushort, uint2, "
                             "uint3...)",
                             line, out->name, p->kernelName);
      goto done;
    }
    uint32_t comps = builtinComponents(out->typeName);
    if (comps == 0 || (comps > 1 && !bi->vector)) {
      st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: builtin parameter '%s' [[%s]] of kernel '%s' has type "
                             "'%s'; Metal allows %s",
                             line, out->name, bi->name, p->kernelName, out->typeName,
                             bi->vector ? "uint, ushort, uint2, ushort2, uint3 or ushort3"
                                        : "uint or ushort");
      goto done;
    }
    out->kind = ENIGMA_CPU_PARAM_BUILTIN;
    out->builtin = bi->builtin;
    out->builtinComponents = comps;
    goto done;
  }

  if (!stars && !refs) {
    st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                           "line %d: parameter '%s' of kernel '%s' is passed by value without a "
                           "builtin attribute; buffers are `device T*` / `constant T*` and "
                           "scalars `constant T& name [[buffer(n)]]`",
                           line, out->name, p->kernelName);
    goto done;
  }
  if (!space || !(is(space, "device") || is(space, "constant"))) {
    st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                           "line %d: parameter '%s' of kernel '%s' must be in the device or "
                           "constant address space%s",
                           line, out->name, p->kernelName,
                           space && is(space, "threadgroup")
                               ? " (threadgroup memory a launch sizes is a pointer with "
                                 "[[threadgroup(n)]])"
                               : "");
    goto done;
  }
  bool constantSpace = is(space, "constant");
  out->kind = refs && constantSpace ? ENIGMA_CPU_PARAM_SCALAR : ENIGMA_CPU_PARAM_BUFFER;
  out->readOnly = constantSpace || constPointee;
  if (attrName) {
    long idx = literalIndex(attrArg);
    if (idx < 0 || idx > MAX_BUFFER_INDEX) {
      st = enigmaCpuSetError(p->error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: parameter '%s' of kernel '%s': "
                             "[[buffer(n)]] needs a literal index in 0..%d",
                             line, out->name, p->kernelName, MAX_BUFFER_INDEX);
      goto done;
    }
    out->bufferIndex = (int32_t)idx;
  }

done:
  free(decl);
  return st;
}

/// A kernel instantiated from a template under a host name:
///   template [[host_name("name")]] [[kernel]] decltype(f<float>) f<float>;
/// Sets [*calleeBegin, *calleeEnd) to the instantiation's tokens (`f<float>`) and returns
/// true when `name` is such a host name.
/// The string token of `host_name("...")` at token i, or NULL.
static const Token *hostNameAt(const Tokens *t, size_t i) {
  if (i + 3 < t->size && t->data[i].kind == TOK_IDENT && is(&t->data[i], "host_name") &&
      isPunct(&t->data[i + 1], '(') && t->data[i + 2].kind == TOK_STRING &&
      t->data[i + 2].len >= 2 && isPunct(&t->data[i + 3], ')'))
    return &t->data[i + 2];
  return NULL;
}

static bool findHostNameInstance(const Tokens *t, const char *name, size_t *calleeBegin,
                                 size_t *calleeEnd) {
  size_t nameLen = strlen(name);
  for (size_t i = 0; i + 3 < t->size; ++i) {
    const Token *s = hostNameAt(t, i);
    if (!s || s->len != nameLen + 2 || memcmp(s->text + 1, name, nameLen) != 0)
      continue;
    size_t j = i + 4;
    while (j < t->size && !isPunct(&t->data[j], ';') && !is(&t->data[j], "decltype"))
      ++j;
    if (j + 1 >= t->size || !is(&t->data[j], "decltype") || !isPunct(&t->data[j + 1], '('))
      return false;
    size_t close = matching(t, j + 1, t->size);
    if (close == SIZE_MAX)
      return false;
    size_t end = close + 1;
    while (end < t->size && !isPunct(&t->data[end], ';'))
      ++end;
    if (end == close + 1 || end >= t->size || t->data[close + 1].kind != TOK_IDENT)
      return false;
    *calleeBegin = close + 1;
    *calleeEnd = end;
    return true;
  }
  return false;
}

/// Splits the `<...>` list whose `<` is token `open` (before `end`) at its top-level commas:
/// entry n is the tokens [begins[n], ends[n]). Returns the number of entries (at most `cap`).
static size_t splitAngleList(const Tokens *t, size_t open, size_t end, size_t *begins,
                             size_t *ends, size_t cap) {
  size_t n = 0, start = open + 1;
  int depth = 0;
  for (size_t k = open + 1; k < end && n < cap; ++k) {
    const Token *tk = &t->data[k];
    if (isPunct(tk, '<') || isPunct(tk, '(')) {
      ++depth;
    } else if ((isPunct(tk, '>') || isPunct(tk, ')')) && depth > 0) {
      --depth;
    } else if (depth == 0 && (isPunct(tk, ',') || isPunct(tk, '>'))) {
      begins[n] = start;
      ends[n++] = k;
      start = k + 1;
      if (isPunct(tk, '>'))
        break;
    }
  }
  return n;
}

/// Replaces the template parameters of the definition at `at` (`template <typename T, ...>`
/// before it) by the instantiation's arguments (`f<float>`, tokens [cb, ce)) in the parameter
/// type names, so that `device T*` reads `device float*`.
static void substituteTemplateArgs(const Tokens *t, size_t at, size_t cb, size_t ce,
                                   EnigmaCpuSignature *sig) {
  size_t tmpl = SIZE_MAX;
  for (size_t k = at; k-- > 0 && at - k < 64;) {
    if (isPunct(&t->data[k], ';') || isPunct(&t->data[k], '}'))
      break;
    if (is(&t->data[k], "template") && k + 1 < t->size && isPunct(&t->data[k + 1], '<')) {
      tmpl = k + 1;
      break;
    }
  }
  if (tmpl == SIZE_MAX || cb + 1 >= ce || !isPunct(&t->data[cb + 1], '<'))
    return;
  // Parameter names: the last identifier of each top-level entry of `template <...>`;
  // arguments: the token runs of the instantiation's `<...>`.
  size_t paramBegin[16], paramEnd[16], argBegin[16], argEnd[16];
  size_t numParams = splitAngleList(t, tmpl, t->size, paramBegin, paramEnd, 16);
  size_t numArgs = splitAngleList(t, cb + 1, ce, argBegin, argEnd, 16);
  const Token *names[16];
  size_t numNames = 0;
  for (size_t n = 0; n < numParams; ++n)
    if (paramEnd[n] > paramBegin[n] && t->data[paramEnd[n] - 1].kind == TOK_IDENT)
      names[numNames++] = &t->data[paramEnd[n] - 1];
    else
      return; // a parameter we cannot name: leave the types as written
  for (size_t i = 0; i < sig->numParams; ++i) {
    char *type = sig->params[i].typeName;
    if (!type)
      continue;
    EnigmaCpuString out = {0};
    const char *c = type;
    while (*c) {
      size_t len = 0;
      while (isIdentChar(c[len]))
        ++len;
      bool replaced = false;
      if (len > 0 && (c == type || !isIdentChar(c[-1]))) {
        for (size_t n = 0; n < numNames && n < numArgs && !replaced; ++n) {
          if (names[n]->len == len && memcmp(names[n]->text, c, len) == 0) {
            const Token *toks[32];
            size_t m = 0;
            for (size_t k = argBegin[n]; k < argEnd[n] && m < 32; ++k)
              toks[m++] = &t->data[k];
            char *arg = joinTokens(toks, m);
            if (arg)
              enigmaCpuStringAppend(&out, arg, strlen(arg));
            free(arg);
            replaced = true;
          }
        }
      }
      if (!replaced)
        enigmaCpuStringAppend(&out, c, len ? len : 1);
      c += len ? len : 1;
    }
    char *substituted = enigmaCpuStringTake(&out);
    if (substituted) {
      free(type);
      sig->params[i].typeName = substituted;
    }
  }
}

/// The token index of the name in the definition `kernel void <name>(` (or `[[kernel]] void`),
/// or SIZE_MAX; `*nonKernel` (if given) tells whether a function of that name that is not a
/// kernel was seen.
static size_t findKernelDefinition(const Tokens *t, const char *name, size_t nameLen,
                                   bool *nonKernel) {
  for (size_t i = 0; i + 1 < t->size; ++i) {
    const Token *tk = &t->data[i];
    if (tk->kind != TOK_IDENT || tk->len != nameLen || memcmp(tk->text, name, nameLen) != 0 ||
        !isPunct(&t->data[i + 1], '('))
      continue;
    if (isKernelAt(t, i))
      return i;
    if (nonKernel)
      *nonKernel = true;
  }
  return SIZE_MAX;
}

EnigmaRuntimeStatus enigmaCpuParseSignature(const char *source, size_t length,
                                            const char *kernelName, EnigmaCpuSignature *sig,
                                            EnigmaRuntimeError *error) {
  memset(sig, 0, sizeof(*sig));
  Tokens toks = {0};
  EnigmaRuntimeStatus st = ENIGMA_RUNTIME_OK;
  if (!tokenize(source, length, &toks)) {
    free(toks.data);
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  }
  Parser p = {&toks, kernelName, error};
  size_t nameLen = strlen(kernelName);

  bool nonKernel = false;
  size_t at = findKernelDefinition(&toks, kernelName, nameLen, &nonKernel);
  // A template kernel instantiated under a host name is called by its instantiation.
  size_t calleeBegin = 0, calleeEnd = 0;
  if (at == SIZE_MAX && findHostNameInstance(&toks, kernelName, &calleeBegin, &calleeEnd)) {
    const Token *fn = &toks.data[calleeBegin];
    at = findKernelDefinition(&toks, fn->text, fn->len, NULL);
    if (at != SIZE_MAX) {
      const Token *callee[64];
      size_t m = 0;
      for (size_t k = calleeBegin; k < calleeEnd && m < 64; ++k)
        callee[m++] = &toks.data[k];
      sig->callee = joinTokens(callee, m);
      if (!sig->callee) {
        free(toks.data);
        return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
      }
    }
  }
  if (at == SIZE_MAX) {
    EnigmaCpuString found = {0};
    for (size_t i = 0; i + 1 < toks.size; ++i)
      if (toks.data[i].kind == TOK_IDENT && isPunct(&toks.data[i + 1], '(') &&
          isKernelAt(&toks, i)) {
        enigmaCpuStringAppend(&found, found.size ? ", " : "", found.size ? 2 : 0);
        enigmaCpuStringAppend(&found, toks.data[i].text, toks.data[i].len);
      }
    // Template kernels instantiated under host names are found by those names.
    for (size_t i = 0; i + 3 < toks.size; ++i) {
      const Token *hostName = hostNameAt(&toks, i);
      if (hostName) {
        enigmaCpuStringAppend(&found, found.size ? ", " : "", found.size ? 2 : 0);
        enigmaCpuStringAppend(&found, hostName->text + 1, hostName->len - 2);
      }
    }
    char *names = enigmaCpuStringTake(&found);
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                           "kernel '%s' not found in the MSL source%s (kernels found: %s)",
                           kernelName,
                           nonKernel ? "; a function of that name exists but is not declared "
                                       "`kernel void`"
                                     : "",
                           names && *names ? names : "none");
    free(names);
    free(toks.data);
    return st;
  }

  size_t open = at + 1;
  size_t close = matching(&toks, open, toks.size);
  if (close == SIZE_MAX) {
    st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                           "line %d: unbalanced parentheses in the declaration "
                           "of kernel '%s'",
                           toks.data[at].line, kernelName);
    free(toks.data);
    return st;
  }

  // Split the parameter list at top-level commas.
  size_t cap = 8;
  sig->params = calloc(cap, sizeof(EnigmaCpuParamDesc));
  if (!sig->params) {
    free(toks.data);
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  }
  bool empty = close == open + 1 || (close == open + 2 && is(&toks.data[open + 1], "void"));
  size_t start = open + 1;
  int depth = 0;
  for (size_t i = open + 1; !empty && i <= close && st == ENIGMA_RUNTIME_OK; ++i) {
    const Token *tk = &toks.data[i];
    if (i < close && (isPunct(tk, '(') || isPunct(tk, '[') || isPunct(tk, '<')))
      ++depth;
    else if (i < close && (isPunct(tk, ')') || isPunct(tk, ']') || isPunct(tk, '>')))
      --depth;
    if (i == close || (depth == 0 && isPunct(tk, ','))) {
      if (i == start) {
        st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                               "line %d: empty parameter in the declaration of "
                               "kernel '%s'",
                               tk->line, kernelName);
        break;
      }
      if (sig->numParams == cap) {
        EnigmaCpuParamDesc *d = realloc(sig->params, 2 * cap * sizeof(EnigmaCpuParamDesc));
        if (!d) {
          st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
          break;
        }
        memset(d + cap, 0, cap * sizeof(EnigmaCpuParamDesc));
        sig->params = d;
        cap *= 2;
      }
      st = parseParam(&p, start, i, sig->numParams, &sig->params[sig->numParams]);
      ++sig->numParams;
      start = i + 1;
    }
  }

  if (st == ENIGMA_RUNTIME_OK) {
    // Buffer indices: explicit ones must be unique; parameters without an
    // attribute take the lowest free index in declaration order, as Metal's
    // compiler assigns them.
    for (size_t i = 0; i < sig->numParams && st == ENIGMA_RUNTIME_OK; ++i)
      for (size_t j = i + 1; j < sig->numParams; ++j)
        if (sig->params[i].bufferIndex >= 0 &&
            sig->params[i].bufferIndex == sig->params[j].bufferIndex) {
          st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                                 "kernel '%s': parameters '%s' and '%s' both "
                                 "use [[buffer(%d)]]",
                                 kernelName, sig->params[i].name, sig->params[j].name,
                                 sig->params[i].bufferIndex);
          break;
        }
    for (size_t i = 0; i < sig->numParams && st == ENIGMA_RUNTIME_OK; ++i) {
      EnigmaCpuParamDesc *pd = &sig->params[i];
      if (pd->kind == ENIGMA_CPU_PARAM_BUILTIN || pd->kind == ENIGMA_CPU_PARAM_THREADGROUP ||
          pd->bufferIndex >= 0)
        continue;
      for (int32_t idx = 0;; ++idx) {
        bool used = false;
        for (size_t j = 0; j < sig->numParams; ++j)
          used |= sig->params[j].bufferIndex == idx;
        if (!used) {
          pd->bufferIndex = idx;
          break;
        }
      }
    }
  }
  if (st == ENIGMA_RUNTIME_OK) {
    sig->argParam = malloc((sig->numParams + 1) * sizeof(uint32_t));
    if (!sig->argParam)
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  }
  if (st == ENIGMA_RUNTIME_OK) {
    for (size_t i = 0; i < sig->numParams; ++i)
      if (sig->params[i].kind == ENIGMA_CPU_PARAM_BUFFER ||
          sig->params[i].kind == ENIGMA_CPU_PARAM_SCALAR)
        sig->argParam[sig->numArgs++] = (uint32_t)i;
    // Launch arguments are ordered by buffer index (insertion sort: a kernel
    // has a handful of them).
    for (size_t a = 1; a < sig->numArgs; ++a) {
      uint32_t v = sig->argParam[a];
      size_t b = a;
      for (; b > 0 && sig->params[sig->argParam[b - 1]].bufferIndex > sig->params[v].bufferIndex;
           --b)
        sig->argParam[b] = sig->argParam[b - 1];
      sig->argParam[b] = v;
    }
    for (size_t a = 0; a < sig->numArgs; ++a)
      sig->params[sig->argParam[a]].argIndex = (int32_t)a;
    // Two [[threadgroup(n)]] parameters cannot share an index.
    for (size_t i = 0; i < sig->numParams && st == ENIGMA_RUNTIME_OK; ++i)
      for (size_t j = i + 1; j < sig->numParams; ++j)
        if (sig->params[i].threadgroupIndex >= 0 &&
            sig->params[i].threadgroupIndex == sig->params[j].threadgroupIndex) {
          st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                                 "kernel '%s': parameters '%s' and '%s' both use "
                                 "[[threadgroup(%d)]]",
                                 kernelName, sig->params[i].name, sig->params[j].name,
                                 sig->params[i].threadgroupIndex);
          break;
        }
  }
  if (st == ENIGMA_RUNTIME_OK && sig->callee)
    substituteTemplateArgs(&toks, at, calleeBegin, calleeEnd, sig);
  free(toks.data);
  if (st != ENIGMA_RUNTIME_OK)
    enigmaCpuSignatureFree(sig);
  return st;
}

void enigmaCpuSignatureFree(EnigmaCpuSignature *sig) {
  if (!sig)
    return;
  for (size_t i = 0; i < sig->numParams; ++i) {
    free(sig->params[i].name);
    free(sig->params[i].typeName);
  }
  free(sig->params);
  free(sig->argParam);
  free(sig->callee);
  memset(sig, 0, sizeof(*sig));
}

/*===-- Function constants ------------------------------------------------===*/
/*
 * `constant T name [[function_constant(i)]];` declarations (and the
 * is_function_constant_defined(name) queries) are found with the same token
 * stream; FunctionConstants.c rewrites them into initialized constants.
 */

typedef struct FunctionConstantType {
  const char *name;
  uint32_t size;
  char kind; /* 'b' bool, 'i' signed, 'u' unsigned, 'f' float */
} FunctionConstantType;

/* The scalar types Metal allows for function constants, in MSL and C spellings. */
static const FunctionConstantType kFunctionConstantTypes[] = {
    {"bool", 1, 'b'},           {"char", 1, 'i'},          {"signed char", 1, 'i'},
    {"int8_t", 1, 'i'},         {"uchar", 1, 'u'},         {"unsigned char", 1, 'u'},
    {"uint8_t", 1, 'u'},        {"short", 2, 'i'},         {"int16_t", 2, 'i'},
    {"ushort", 2, 'u'},         {"unsigned short", 2, 'u'}, {"uint16_t", 2, 'u'},
    {"int", 4, 'i'},            {"int32_t", 4, 'i'},       {"uint", 4, 'u'},
    {"unsigned int", 4, 'u'},   {"unsigned", 4, 'u'},      {"uint32_t", 4, 'u'},
    {"long", 8, 'i'},           {"int64_t", 8, 'i'},       {"ulong", 8, 'u'},
    {"unsigned long", 8, 'u'},  {"uint64_t", 8, 'u'},      {"half", 2, 'f'},
    {"float", 4, 'f'},
};

static EnigmaRuntimeStatus parseFunctionConstant(const Tokens *t, size_t open, const char *source,
                                                 EnigmaCpuFunctionConstantDesc *out,
                                                 EnigmaRuntimeError *error) {
  /* open: the first '[' of `[[ function_constant ( N ) ]]`. */
  const Token *at = &t->data[open];
  const Token *num = &t->data[open + 4];
  char *end = NULL;
  char digits[32];
  size_t n = num->len < sizeof(digits) - 1 ? num->len : sizeof(digits) - 1;
  memcpy(digits, num->text, n);
  digits[n] = '\0';
  unsigned long index = strtoul(digits, &end, 0);
  if (num->kind != TOK_NUMBER || *end || index > 65535)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: function constant index '%.*s' is not an integer in "
                             "[0, 65535]",
                             at->line, (int)num->len, num->text);
  size_t close = open + 8; /* one past the second ']' */
  /* The declaration: from after the previous ';', '{' or '}' up to the attribute. */
  size_t begin = open;
  while (begin > 0 && !isPunct(&t->data[begin - 1], ';') && !isPunct(&t->data[begin - 1], '{') &&
         !isPunct(&t->data[begin - 1], '}'))
    --begin;
  size_t a = begin;
  if (a < open && is(&t->data[a], "constant"))
    ++a;
  else
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: a function constant must be declared "
                             "`constant T name [[function_constant(%lu)]];` at program scope",
                             at->line, index);
  if (a < open && is(&t->data[a], "const"))
    ++a;
  if (open < a + 2 || t->data[open - 1].kind != TOK_IDENT || close >= t->size ||
      !isPunct(&t->data[close], ';'))
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: a function constant must be declared "
                             "`constant T name [[function_constant(%lu)]];` (no initializer)",
                             at->line, index);
  const Token *name = &t->data[open - 1];
  const Token *typeToks[8];
  size_t numType = open - 1 - a;
  if (numType > 8)
    numType = 8;
  for (size_t i = 0; i < numType; ++i)
    typeToks[i] = &t->data[a + i];
  char *typeName = joinTokens(typeToks, numType);
  if (!typeName)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  const char *spelled = strncmp(typeName, "metal::", 7) == 0 ? typeName + 7 : typeName;
  const FunctionConstantType *type = NULL;
  for (size_t i = 0; i < sizeof(kFunctionConstantTypes) / sizeof(kFunctionConstantTypes[0]); ++i)
    if (strcmp(spelled, kFunctionConstantTypes[i].name) == 0)
      type = &kFunctionConstantTypes[i];
  if (!type) {
    EnigmaRuntimeStatus st = enigmaCpuSetError(
        error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
        "line %d: function constant '%.*s' has type '%s'; the CPU runtime supports scalar "
        "function constants (bool, char, uchar, short, ushort, int, uint, long, ulong, half, "
        "float)",
        at->line, (int)name->len, name->text, typeName);
    free(typeName);
    return st;
  }
  out->name = enigmaCpuStrndup(name->text, name->len);
  out->typeName = typeName;
  if (!out->name)
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  out->index = (uint32_t)index;
  out->size = type->size;
  out->kind = type->kind;
  out->required = true;
  out->line = at->line;
  out->attrBegin = (size_t)(at->text - source);
  const Token *last = &t->data[close - 1];
  out->attrEnd = (size_t)(last->text + last->len - source);
  return ENIGMA_RUNTIME_OK;
}

EnigmaRuntimeStatus enigmaCpuParseFunctionConstants(const char *source, size_t length,
                                                    EnigmaCpuFunctionConstants *fcs,
                                                    EnigmaRuntimeError *error) {
  memset(fcs, 0, sizeof(*fcs));
  Tokens toks = {0};
  if (!tokenize(source, length, &toks)) {
    free(toks.data);
    return enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
  }
  EnigmaRuntimeStatus st = ENIGMA_RUNTIME_OK;
  size_t capC = 0, capQ = 0;
  for (size_t i = 0; i < toks.size && st == ENIGMA_RUNTIME_OK; ++i) {
    const Token *tk = &toks.data[i];
    if (i + 7 < toks.size && isPunct(tk, '[') &&
        isPunct(&toks.data[i + 1], '[') && is(&toks.data[i + 2], "function_constant")) {
      if (!(isPunct(&toks.data[i + 3], '(') && isPunct(&toks.data[i + 5], ')') &&
            isPunct(&toks.data[i + 6], ']') && isPunct(&toks.data[i + 7], ']'))) {
        st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                               "line %d: expected [[function_constant(index)]]", tk->line);
        break;
      }
      if (fcs->numConstants == capC) {
        capC = capC ? 2 * capC : 4;
        EnigmaCpuFunctionConstantDesc *d =
            realloc(fcs->constants, capC * sizeof(EnigmaCpuFunctionConstantDesc));
        if (!d) {
          st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
          break;
        }
        fcs->constants = d;
      }
      EnigmaCpuFunctionConstantDesc *fc = &fcs->constants[fcs->numConstants];
      memset(fc, 0, sizeof(*fc));
      ++fcs->numConstants;
      st = parseFunctionConstant(&toks, i, source, fc, error);
      for (size_t j = 0; st == ENIGMA_RUNTIME_OK && j + 1 < fcs->numConstants; ++j) {
        const EnigmaCpuFunctionConstantDesc *other = &fcs->constants[j];
        if (other->index == fc->index || strcmp(other->name, fc->name) == 0)
          st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                                 "line %d: function constant '%s' (index %u) is declared "
                                 "twice, or shares its index with '%s' (line %d)",
                                 fc->line, fc->name, fc->index, other->name, other->line);
      }
      i += 7;
    }
  }
  /* is_function_constant_defined(name): makes the constant optional. */
  for (size_t i = 0; i < toks.size && st == ENIGMA_RUNTIME_OK; ++i) {
    const Token *tk = &toks.data[i];
    if (tk->kind != TOK_IDENT || !is(tk, "is_function_constant_defined"))
      continue;
    if (!(i + 3 < toks.size && isPunct(&toks.data[i + 1], '(') &&
          toks.data[i + 2].kind == TOK_IDENT && isPunct(&toks.data[i + 3], ')'))) {
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: expected is_function_constant_defined(name)", tk->line);
      break;
    }
    const Token *name = &toks.data[i + 2];
    size_t which = SIZE_MAX;
    for (size_t j = 0; j < fcs->numConstants; ++j)
      if (strlen(fcs->constants[j].name) == name->len &&
          memcmp(fcs->constants[j].name, name->text, name->len) == 0)
        which = j;
    if (which == SIZE_MAX) {
      st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_UNSUPPORTED,
                             "line %d: is_function_constant_defined(%.*s): '%.*s' is not a "
                             "function constant of this source",
                             tk->line, (int)name->len, name->text, (int)name->len, name->text);
      break;
    }
    fcs->constants[which].required = false;
    if (fcs->numQueries == capQ) {
      capQ = capQ ? 2 * capQ : 4;
      EnigmaCpuDefinedQuery *d = realloc(fcs->queries, capQ * sizeof(EnigmaCpuDefinedQuery));
      if (!d) {
        st = enigmaCpuSetError(error, ENIGMA_RUNTIME_ERROR_SYSTEM, "out of memory");
        break;
      }
      fcs->queries = d;
    }
    const Token *last = &toks.data[i + 3];
    fcs->queries[fcs->numQueries++] = (EnigmaCpuDefinedQuery){
        (size_t)(tk->text - source), (size_t)(last->text + last->len - source), (uint32_t)which};
    i += 3;
  }
  free(toks.data);
  if (st != ENIGMA_RUNTIME_OK)
    enigmaCpuFunctionConstantsFree(fcs);
  return st;
}

void enigmaCpuFunctionConstantsFree(EnigmaCpuFunctionConstants *fcs) {
  if (!fcs)
    return;
  for (size_t i = 0; i < fcs->numConstants; ++i) {
    free(fcs->constants[i].name);
    free(fcs->constants[i].typeName);
  }
  free(fcs->constants);
  free(fcs->queries);
  memset(fcs, 0, sizeof(*fcs));
}
