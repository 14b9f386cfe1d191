//===- Version.c - Enigma version query -----------------------------------===//
//
// The version string is part of every cache key (compiled kernels, compiled pipelines), so a
// rebuilt library with another version never reuses stale artifacts.
//
//===----------------------------------------------------------------------===//

#include "enigma-c/Version.h"

const char *enigmaGetVersion(void) { return ENIGMA_VERSION_STRING; }
