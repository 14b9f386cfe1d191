/*===-- enigma-c/Version.h - Library version ---------------------*- C -*-===*/

#ifndef ENIGMA_C_VERSION_H
#define ENIGMA_C_VERSION_H

#include "enigma-c/Support.h"

#define ENIGMA_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/// Returns the library version, e.g. "0.1.0". The string is static: the caller must not free it.
ENIGMA_CAPI_EXPORTED const char *enigmaGetVersion(void);

#ifdef __cplusplus
}
#endif

#endif /* ENIGMA_C_VERSION_H */
