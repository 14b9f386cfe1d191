/*===-- Error.c - Error messages and strings of the CPU runtime -----------===*/

#include "CpuRuntime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *enigmaCpuVFormat(const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0)
    return NULL;
  char *s = malloc((size_t)n + 1);
  if (!s)
    return NULL;
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

char *enigmaCpuFormat(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = enigmaCpuVFormat(fmt, ap);
  va_end(ap);
  return s;
}

char *enigmaCpuStrndup(const char *s, size_t n) {
  char *r = malloc(n + 1);
  if (!r)
    return NULL;
  memcpy(r, s, n);
  r[n] = '\0';
  return r;
}

EnigmaRuntimeStatus enigmaCpuSetError(EnigmaRuntimeError *error, EnigmaRuntimeStatus status,
                                      const char *fmt, ...) {
  if (!error)
    return status;
  free(error->message);
  va_list ap;
  va_start(ap, fmt);
  error->message = enigmaCpuVFormat(fmt, ap);
  va_end(ap);
  error->status = status;
  return status;
}

void enigmaRuntimeErrorDestroy(EnigmaRuntimeError *error) {
  if (!error)
    return;
  free(error->message);
  error->message = NULL;
  error->status = ENIGMA_RUNTIME_OK;
}

void enigmaCpuStringAppend(EnigmaCpuString *s, const char *text, size_t n) {
  if (s->failed)
    return;
  if (s->size + n + 1 > s->capacity) {
    size_t cap = s->capacity ? s->capacity : 256;
    while (cap < s->size + n + 1)
      cap *= 2;
    char *d = realloc(s->data, cap);
    if (!d) {
      s->failed = true;
      return;
    }
    s->data = d;
    s->capacity = cap;
  }
  memcpy(s->data + s->size, text, n);
  s->size += n;
  s->data[s->size] = '\0';
}

void enigmaCpuStringPrintf(EnigmaCpuString *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *t = enigmaCpuVFormat(fmt, ap);
  va_end(ap);
  if (!t) {
    s->failed = true;
    return;
  }
  enigmaCpuStringAppend(s, t, strlen(t));
  free(t);
}

char *enigmaCpuStringTake(EnigmaCpuString *s) {
  char *r = s->failed ? NULL : s->data;
  if (s->failed)
    free(s->data);
  else if (!r)
    r = enigmaCpuStrndup("", 0);
  s->data = NULL;
  s->size = s->capacity = 0;
  s->failed = false;
  return r;
}

void enigmaCpuStringFree(EnigmaCpuString *s) {
  free(s->data);
  s->data = NULL;
  s->size = s->capacity = 0;
  s->failed = false;
}
