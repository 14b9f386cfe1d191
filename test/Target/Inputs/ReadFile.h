/*===- ReadFile.h - A whole file as a NUL-terminated string, for C tests -===*/
#ifndef ENIGMA_TEST_READFILE_H
#define ENIGMA_TEST_READFILE_H

#include <stdio.h>
#include <stdlib.h>

/// The contents of `path` (malloc'ed, NUL-terminated; its length in *length), or NULL.
static char *readFile(const char *path, size_t *length) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = malloc((size_t)n + 1);
  if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(data);
    return NULL;
  }
  fclose(f);
  data[n] = '\0';
  *length = (size_t)n;
  return data;
}

#endif
