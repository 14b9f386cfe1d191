# Installation and the `Enigma` CMake package (docs/installing.md).
#
# Every installed Enigma library and tool goes into one export set, EnigmaTargets, installed as
# <prefix>/lib/cmake/enigma/EnigmaTargets.cmake with the namespace Enigma:: and loaded by
# EnigmaConfig.cmake, so a downstream project writes
#
#   find_package(Enigma CONFIG REQUIRED)
#   target_link_libraries(my-tool PRIVATE Enigma::MLIREnigma Enigma::MLIREnigmaGPUToEnigma)
#
# How targets get there:
#   - MLIR libraries (add_mlir_library and its dialect/conversion/translation variants): upstream
#     add_mlir_library installs each library through add_mlir_library_install(), which puts it in
#     MLIR's own export set (MLIRTargets). This file redefines add_mlir_library_install() so that
#     every add_mlir_*_library in this project is installed once, into EnigmaTargets, instead.
#     A new library anywhere under lib/ is therefore installed and exported without any
#     install rule of its own (unless it passes DISABLE_INSTALL).
#   - Other libraries and tools call enigma_install_library() / enigma_install_tool().
#   - enigma_finalize_install(), called once at the end of the top-level CMakeLists.txt, installs
#     the headers, the export set and the package configuration files.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ENIGMA_INSTALL_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/enigma" CACHE STRING
    "Where EnigmaConfig.cmake is installed, relative to the prefix")

# The package version is the library version (enigma-c/Version.h), so the two never disagree.
file(STRINGS "${ENIGMA_SOURCE_DIR}/include/enigma-c/Version.h" enigma_version_line
     REGEX "^#define ENIGMA_VERSION_STRING \"[0-9]+\\.[0-9]+\\.[0-9]+\"")
string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" ENIGMA_VERSION "${enigma_version_line}")
if(NOT ENIGMA_VERSION)
  message(FATAL_ERROR "No ENIGMA_VERSION_STRING in include/enigma-c/Version.h")
endif()

# Installed binaries find Enigma's shared libraries beside them ($ORIGIN/../lib) and MLIR/LLVM's
# (libMLIR.so lives only in LLVM's own lib directory on Debian) where they were found at build
# time (not with ENIGMA_STATIC_LLVM: nothing of LLVM's is needed then). Set per target: the build tree's RPATHs are left as LLVM's CMake sets them.
set(ENIGMA_INSTALL_RPATH_DEPS)
if(ENIGMA_ENABLE_MLIR AND LLVM_LIBRARY_DIR AND NOT ENIGMA_STATIC_LLVM)
  set(ENIGMA_INSTALL_RPATH_DEPS "${LLVM_LIBRARY_DIR}")
endif()

function(enigma_set_install_rpath target)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set(origin "\$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
  elseif(type STREQUAL "SHARED_LIBRARY" OR type STREQUAL "MODULE_LIBRARY")
    set(origin "\$ORIGIN")
  else()
    return()
  endif()
  set_target_properties(${target} PROPERTIES INSTALL_RPATH "${origin};${ENIGMA_INSTALL_RPATH_DEPS}")
endfunction()

# Installs library `target` (static, shared or module) into the EnigmaTargets export set.
function(enigma_install_library target)
  enigma_set_install_rpath(${target})
  install(TARGETS ${target}
    EXPORT EnigmaTargets
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
    INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  set_property(GLOBAL APPEND PROPERTY ENIGMA_EXPORTED_TARGETS ${target})
endfunction()

# Installs executable `target` into bin/, exported as Enigma::<target> (for downstream lit
# configurations that want the installed enigma-opt).
function(enigma_install_tool target)
  enigma_set_install_rpath(${target})
  install(TARGETS ${target}
    EXPORT EnigmaTargets
    RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
  set_property(GLOBAL APPEND PROPERTY ENIGMA_EXPORTED_TOOLS ${target})
endfunction()

if(ENIGMA_ENABLE_MLIR)
  if(NOT COMMAND add_mlir_library_install)
    message(FATAL_ERROR "cmake/EnigmaInstall.cmake must be included after AddMLIR")
  endif()
  # Replaces AddMLIR.cmake's add_mlir_library_install (which add_mlir_library calls for every
  # library not marked DISABLE_INSTALL): the library is installed into EnigmaTargets, not into
  # MLIR's export set, and recorded where upstream records it.
  function(add_mlir_library_install name)
    enigma_install_library(${name})
    set_property(GLOBAL APPEND PROPERTY MLIR_ALL_LIBS ${name})
    set_property(GLOBAL APPEND PROPERTY MLIR_EXPORTS ${name})
  endfunction()
endif()

# The exported link interface of an installed MLIR library: the build links each upstream MLIR
# library named in LINK_LIBS as a static archive target (MLIRIR, MLIRPass, ...) and the tools
# put libMLIR.so first (mlir_target_link_libraries with MLIR_LINK_MLIR_DYLIB), so the archives
# contribute nothing. Installed, those names would drag static copies of MLIR into a downstream
# link; they are replaced by the `MLIR` target (libMLIR.so). Upstream MLIR C API archives
# (MLIRCAPI*) are not part of libMLIR.so and are kept. The build tree is unchanged.
function(enigma_use_mlir_dylib_in_install_interface target)
  get_target_property(type ${target} TYPE)
  if(NOT type STREQUAL "STATIC_LIBRARY")
    return()
  endif()
  get_target_property(libs ${target} INTERFACE_LINK_LIBRARIES)
  if(NOT libs)
    return()
  endif()
  set(new_libs)
  set(replaced FALSE)
  foreach(item IN LISTS libs)
    set(name "${item}")
    if(name MATCHES "^\\$<LINK_ONLY:(.*)>$")
      set(name "${CMAKE_MATCH_1}")
    endif()
    set(in_dylib FALSE)
    if(TARGET "${name}" AND name MATCHES "^MLIR." AND NOT name MATCHES "^MLIRCAPI")
      get_target_property(imported "${name}" IMPORTED)
      if(imported)
        set(in_dylib TRUE)
      endif()
    endif()
    if(in_dylib)
      list(APPEND new_libs "$<BUILD_INTERFACE:${item}>")
      set(replaced TRUE)
    else()
      list(APPEND new_libs "${item}")
    endif()
  endforeach()
  if(replaced)
    list(APPEND new_libs "$<INSTALL_INTERFACE:MLIR>")
  endif()
  set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${new_libs}")
endfunction()

# Headers, the export set and the package files. Call once, after every add_subdirectory.
function(enigma_finalize_install)
  # Public headers, ODS (.td) files for downstream TableGen, and the Metal-compatibility headers
  # of include/enigma/Runtime (the CPU runtime embeds its own copy; these are for reference and
  # for compiling MSL by hand).
  install(DIRECTORY "${ENIGMA_SOURCE_DIR}/include/enigma" "${ENIGMA_SOURCE_DIR}/include/enigma-c"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
    PATTERN "CMakeLists.txt" EXCLUDE)
  if(ENIGMA_ENABLE_MLIR)
    # The TableGen-generated declarations and definitions the headers include.
    install(DIRECTORY "${ENIGMA_BINARY_DIR}/include/enigma"
      DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
      FILES_MATCHING PATTERN "*.inc"
      PATTERN "CMakeFiles" EXCLUDE)
  endif()

  get_property(exported GLOBAL PROPERTY ENIGMA_EXPORTED_TARGETS)
  if(ENIGMA_ENABLE_MLIR AND MLIR_LINK_MLIR_DYLIB)
    foreach(target IN LISTS exported)
      enigma_use_mlir_dylib_in_install_interface(${target})
    endforeach()
  endif()
  get_property(tools GLOBAL PROPERTY ENIGMA_EXPORTED_TOOLS)

  install(EXPORT EnigmaTargets
    NAMESPACE Enigma::
    FILE EnigmaTargets.cmake
    DESTINATION "${ENIGMA_INSTALL_CMAKE_DIR}")

  # Values EnigmaConfig.cmake.in substitutes.
  set(ENIGMA_CONFIG_LIBRARIES)
  foreach(target IN LISTS exported)
    list(APPEND ENIGMA_CONFIG_LIBRARIES "Enigma::${target}")
  endforeach()
  set(ENIGMA_CONFIG_TOOLS)
  foreach(target IN LISTS tools)
    list(APPEND ENIGMA_CONFIG_TOOLS "Enigma::${target}")
  endforeach()
  set(ENIGMA_CONFIG_MLIR_DIR "${MLIR_DIR}")
  set(ENIGMA_CONFIG_LLVM_VERSION_MAJOR "${LLVM_VERSION_MAJOR}")
  set(ENIGMA_CONFIG_INCLUDE_DIR "${CMAKE_INSTALL_INCLUDEDIR}")
  set(ENIGMA_CONFIG_BIN_DIR "${CMAKE_INSTALL_BINDIR}")
  set(ENIGMA_CONFIG_LIB_DIR "${CMAKE_INSTALL_LIBDIR}")
  configure_package_config_file(
    "${ENIGMA_SOURCE_DIR}/cmake/EnigmaConfig.cmake.in"
    "${ENIGMA_BINARY_DIR}/cmake/EnigmaConfig.cmake"
    INSTALL_DESTINATION "${ENIGMA_INSTALL_CMAKE_DIR}"
    PATH_VARS ENIGMA_CONFIG_INCLUDE_DIR ENIGMA_CONFIG_BIN_DIR ENIGMA_CONFIG_LIB_DIR)
  # 0.x: a minor version may break the C++ API.
  write_basic_package_version_file(
    "${ENIGMA_BINARY_DIR}/cmake/EnigmaConfigVersion.cmake"
    VERSION "${ENIGMA_VERSION}"
    COMPATIBILITY SameMinorVersion)
  install(FILES
    "${ENIGMA_BINARY_DIR}/cmake/EnigmaConfig.cmake"
    "${ENIGMA_BINARY_DIR}/cmake/EnigmaConfigVersion.cmake"
    DESTINATION "${ENIGMA_INSTALL_CMAKE_DIR}")
endfunction()
