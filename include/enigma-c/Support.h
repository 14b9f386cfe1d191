/*===-- enigma-c/Support.h - Shared C API conventions ------------*- C -*-===*\
|*                                                                            *|
|* Conventions every Enigma C API header follows:                             *|
|*  - functions are named enigma<Noun><Verb>, handles are Enigma<Noun>;       *|
|*  - every function documents who owns what it returns;                      *|
|*  - errors come back as an EnigmaStatus code plus a message, never abort.   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef ENIGMA_C_SUPPORT_H
#define ENIGMA_C_SUPPORT_H

#if defined(_WIN32)
#define ENIGMA_CAPI_EXPORTED __declspec(dllexport)
#else
#define ENIGMA_CAPI_EXPORTED __attribute__((visibility("default")))
#endif

#endif /* ENIGMA_C_SUPPORT_H */
