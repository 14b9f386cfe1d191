# ENIGMA_STATIC_LLVM: link MLIR and LLVM from the static archives of the installed LLVM (Debian's
# llvm-22-dev / libmlir-22-dev ship them beside libLLVM.so and libMLIR.so), so that
# libEnigmaCAPI.so, enigma-opt and enigma-translate need no LLVM package at run time. The Python
# wheel (pyproject.toml) builds this way; the normal development build links libMLIR.so and
# libLLVM.so (MLIR_LINK_MLIR_DYLIB) and is unaffected.
#
# Included by the top-level CMakeLists.txt after find_package(MLIR), before AddLLVM/AddMLIR.
#
# Debian's LLVM is built with LLVM_LINK_LLVM_DYLIB, so its exported static MLIR archives name
# the shared `LLVM` target (libLLVM.so) as their LLVM dependency instead of the component
# archives. Here the imported `LLVM` target is pointed at an empty archive whose link interface
# is every LLVM component archive: every static MLIR archive then pulls static LLVM. The linker
# takes only the objects that are referenced, so naming all components costs link time, not size.
#
# The bounds-check plugin (lib/Runtime/BoundsCheck) links no LLVM at all in this mode: it is
# loaded into the host clang and uses that clang's LLVM.

set(MLIR_LINK_MLIR_DYLIB OFF)
set(LLVM_LINK_LLVM_DYLIB OFF)

if(NOT TARGET LLVM)
  message(FATAL_ERROR "ENIGMA_STATIC_LLVM: LLVMConfig.cmake defined no LLVM target")
endif()

file(GLOB enigma_llvm_archives "${LLVM_LIBRARY_DIR}/libLLVM*.a")
if(NOT enigma_llvm_archives)
  message(FATAL_ERROR "ENIGMA_STATIC_LLVM: no LLVM static archives (libLLVM*.a) in "
                      "${LLVM_LIBRARY_DIR}; install llvm-${LLVM_VERSION_MAJOR}-dev")
endif()
if(NOT EXISTS "${LLVM_LIBRARY_DIR}/libMLIRIR.a")
  message(FATAL_ERROR "ENIGMA_STATIC_LLVM: no MLIR static archives in ${LLVM_LIBRARY_DIR}; "
                      "install libmlir-${LLVM_VERSION_MAJOR}-dev")
endif()

# An empty ar archive stands in for libLLVM.so.
set(enigma_llvm_stub "${CMAKE_BINARY_DIR}/lib/libenigma-llvm-static-stub.a")
file(WRITE "${enigma_llvm_stub}" "!<arch>\n")

# The system libraries LLVMSupport needs (its exported interface names libz3.so, zlib and zstd;
# z3 is only referenced by objects Enigma does not use, and --as-needed drops unused ones).
find_package(ZLIB REQUIRED)
# libzstd-dev is optional: the runtime library (libzstd1, part of every Debian system) will do.
find_library(ENIGMA_ZSTD_LIBRARY NAMES zstd libzstd.so.1)
set(enigma_llvm_system_libs ${ZLIB_LIBRARIES} ${CMAKE_DL_LIBS} rt m pthread)
if(ENIGMA_ZSTD_LIBRARY)
  list(APPEND enigma_llvm_system_libs ${ENIGMA_ZSTD_LIBRARY})
endif()
# LLVMSupport's exported interface names zstd::libzstd_shared, which Debian's LLVMConfig.cmake
# does not define (a dylib build never links LLVMSupport).
if(NOT TARGET zstd::libzstd_shared)
  if(NOT ENIGMA_ZSTD_LIBRARY)
    message(FATAL_ERROR "ENIGMA_STATIC_LLVM: libzstd not found (apt-get install libzstd1)")
  endif()
  add_library(zstd::libzstd_shared UNKNOWN IMPORTED)
  set_target_properties(zstd::libzstd_shared PROPERTIES IMPORTED_LOCATION "${ENIGMA_ZSTD_LIBRARY}")
endif()

get_target_property(enigma_llvm_configs LLVM IMPORTED_CONFIGURATIONS)
set_target_properties(LLVM PROPERTIES
  IMPORTED_LOCATION "${enigma_llvm_stub}"
  IMPORTED_NO_SONAME TRUE
  INTERFACE_LINK_LIBRARIES "${enigma_llvm_archives};${enigma_llvm_system_libs}")
foreach(config IN LISTS enigma_llvm_configs)
  set_target_properties(LLVM PROPERTIES
    IMPORTED_LOCATION_${config} "${enigma_llvm_stub}"
    IMPORTED_NO_SONAME_${config} TRUE)
endforeach()

# lld resolves archives in any order (the component archives are listed unordered) and links the
# large static images faster than ld.bfd (measured: 17 s for the three binaries with lld, 31 s
# with ld.bfd and the group below, on a loaded 2-core machine).
if(NOT LLVM_USE_LINKER)
  find_program(ENIGMA_LLD NAMES ld.lld ld.lld-${LLVM_VERSION_MAJOR}
               HINTS ${LLVM_TOOLS_BINARY_DIR})
  if(ENIGMA_LLD AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(LLVM_USE_LINKER lld)
  else()
    # ld.bfd/gold resolve an archive only against what precedes it: one group of every MLIR
    # and LLVM archive, placed after all of them (every static MLIR archive names `LLVM`),
    # resolves any order.
    file(GLOB enigma_mlir_archives "${LLVM_LIBRARY_DIR}/libMLIR*.a")
    set_property(TARGET LLVM PROPERTY INTERFACE_LINK_LIBRARIES -Wl,--start-group
      ${enigma_mlir_archives} ${enigma_llvm_archives} -Wl,--end-group ${enigma_llvm_system_libs})
  endif()
endif()
# Only the shared libraries actually referenced become dependencies.
add_link_options(LINKER:--as-needed)
message(STATUS "ENIGMA_STATIC_LLVM: linking MLIR and LLVM statically from ${LLVM_LIBRARY_DIR}")

# Every upstream archive an Enigma library uses must be in its LINK_LIBS: libMLIR.so provides
# everything in the dylib build, so only this static link notices a missing one.
