# The Python package's native files, for `pip install .` (scikit-build-core; pyproject.toml).
# scikit-build-core installs only the `python` component (install.components): the C API
# library and the bounds-check plugin go into the `enigma` package directory, where
# python/enigma/_capi.py finds the library and the CPU runtime finds the plugin (beside the
# library); enigma-opt and enigma-translate go into the environment's scripts directory (PATH).
# Headers, archives and the CMake package of `cmake --install` are not part of the wheel.
if(NOT ENIGMA_ENABLE_MLIR)
  message(FATAL_ERROR "The Python package needs ENIGMA_ENABLE_MLIR=ON")
endif()
if(NOT ENIGMA_STATIC_LLVM)
  message(WARNING "Building the Python package without ENIGMA_STATIC_LLVM: it will need "
                  "libMLIR.so and libLLVM.so from ${LLVM_LIBRARY_DIR} at run time")
endif()
install(TARGETS EnigmaCAPI LIBRARY DESTINATION enigma COMPONENT python)
if(TARGET EnigmaBoundsCheck)
  install(TARGETS EnigmaBoundsCheck LIBRARY DESTINATION enigma COMPONENT python)
endif()
install(TARGETS enigma-opt enigma-translate
  RUNTIME DESTINATION "${SKBUILD_SCRIPTS_DIR}" COMPONENT python)
