# lit configuration of the Enigma test suite (check-enigma).
import os

import lit.formats
import lit.util

config.name = "Enigma"
config.test_format = lit.formats.ShTest(not lit.util.which("bash"))
config.suffixes = [".mlir", ".test", ".c", ".json", ".metal", ".ll"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.enigma_obj_root, "test")

# Our tools first, then LLVM's (FileCheck, not, count, split-file).
path = os.path.pathsep.join(
    [config.enigma_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])]
)
config.environment["PATH"] = path
config.environment["ENIGMA_CAPI_LIB"] = os.path.join(config.enigma_lib_dir, "libEnigmaCAPI.so")
config.environment["PYTHONPATH"] = os.path.join(config.enigma_src_root, "python")
# Keep the CPU runtime's kernel cache inside the build tree during tests.
config.environment["ENIGMA_CACHE_DIR"] = os.path.join(config.enigma_obj_root, "test", "kernel-cache")

config.substitutions.append(("%enigma_src_root", config.enigma_src_root))
config.substitutions.append(("%enigma_lib_dir", config.enigma_lib_dir))
config.substitutions.append(("%host_cxx", config.host_cxx))
config.substitutions.append(("%host_cc", config.host_cc))
config.substitutions.append(("%python", "python3"))

if config.enigma_have_mlir:
    config.available_features.add("mlir")

# The CPU runtime's LLVM pass plugin (lib/Runtime/BoundsCheck), built with LLVM.
_plugin = os.path.join(config.enigma_lib_dir, "EnigmaBoundsCheck.so")
if os.path.exists(_plugin):
    config.available_features.add("bounds-check-plugin")
    config.substitutions.append(("%bounds_plugin", _plugin))
    config.substitutions.append(("%bounds_mode", "EXACT"))
else:
    config.substitutions.append(("%bounds_mode", "GUARD"))
