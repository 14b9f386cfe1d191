//===-- Error.c - Error reporting and checked arithmetic ------------------===//
//
// Every failure in the core goes through ltFail so that the message lands in
// the caller-owned EnigmaLayoutError and nothing is printed or aborted.
//
//===----------------------------------------------------------------------===//

#include "LayoutInternal.h"

#include <stdarg.h>
#include <stdio.h>

EnigmaLayoutStatus ltFail(EnigmaLayoutError *error, EnigmaLayoutStatus status, const char *format,
                          ...) {
  if (error) {
    error->status = status;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof(error->message), format, args);
    va_end(args);
  }
  return status;
}

void ltSucceed(EnigmaLayoutError *error) {
  if (error) {
    error->status = ENIGMA_LAYOUT_OK;
    error->message[0] = '\0';
  }
}

EnigmaLayoutStatus ltOverflow(int64_t a, char op, int64_t b, const char *what,
                              EnigmaLayoutError *error) {
  return ltFail(error, ENIGMA_LAYOUT_ERROR_OVERFLOW, "integer overflow computing %s (%lld %c %lld)",
                what, (long long)a, op, (long long)b);
}

const char *enigmaLayoutStatusGetName(EnigmaLayoutStatus status) {
  switch (status) {
  case ENIGMA_LAYOUT_OK:
    return "ok";
  case ENIGMA_LAYOUT_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case ENIGMA_LAYOUT_ERROR_PARSE:
    return "parse error";
  case ENIGMA_LAYOUT_ERROR_RANK_MISMATCH:
    return "rank mismatch";
  case ENIGMA_LAYOUT_ERROR_DIVISIBILITY:
    return "divisibility condition failed";
  case ENIGMA_LAYOUT_ERROR_TILER_EXCEEDS_TENSOR:
    return "tiler exceeds tensor";
  case ENIGMA_LAYOUT_ERROR_NOT_INJECTIVE:
    return "layout not injective";
  case ENIGMA_LAYOUT_ERROR_OVERFLOW:
    return "integer overflow";
  case ENIGMA_LAYOUT_ERROR_OUT_OF_MEMORY:
    return "out of memory";
  case ENIGMA_LAYOUT_ERROR_UNSUPPORTED:
    return "unsupported";
  }
  return "unknown status";
}
