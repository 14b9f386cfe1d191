//===- Target.cpp - #enigma.target for gpu-module-to-binary ---------------===//
//
// The gpu::TargetAttrInterface model of #enigma.target. Serialization is the MSL translation of
// the gpu.module (so the object is exactly what `enigma-translate --to-msl` prints for it); a
// metallib object additionally runs Apple's `xcrun metal` and `xcrun metallib`, which exist only
// on macOS. The object carries the kernels' launch metadata twice: as a gpu kernel table (one
// #gpu.kernel_metadata per kernel, upstream's form) and as the JSON every Enigma client reads.
//
//===----------------------------------------------------------------------===//

#include "enigma/Target/GPU/Target.h"

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"
#include "enigma/Target/MSL/MSLEmitter.h"

#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::enigma;

namespace {

/// Whether `options` and `target` ask for a metallib (format=isa always gives MSL source).
bool wantsMetallib(TargetAttr target, const gpu::TargetOptions &options) {
  return target.isMetallib() &&
         options.getCompilationTarget() != gpu::CompilationTarget::Assembly;
}

/// Runs `xcrun <args>`; on failure reports through `module` and returns false.
bool runXcrun(Operation *module, StringRef xcrun, ArrayRef<std::string> args,
              StringRef stderrPath) {
  SmallVector<StringRef> argv{xcrun};
  for (const std::string &arg : args)
    argv.push_back(arg);
  std::optional<StringRef> redirects[] = {std::nullopt, std::nullopt, stderrPath};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(xcrun, argv, /*Env=*/std::nullopt, redirects,
                                         /*SecondsToWait=*/0, /*MemoryLimit=*/0, &message);
  if (status == 0)
    return true;
  std::string output;
  if (auto buffer = llvm::MemoryBuffer::getFile(stderrPath))
    output = (*buffer)->getBuffer().trim().str();
  InFlightDiagnostic diag = module->emitError("#enigma.target: `xcrun ");
  diag << llvm::join(args, " ") << "` failed";
  if (!message.empty())
    diag << " (" << message << ")";
  if (!output.empty())
    diag << ":\n" << output;
  return false;
}

/// MSL -> .air -> .metallib with Apple's toolchain.
std::optional<SmallVector<char, 0>> compileMetallib(Operation *module, TargetAttr target,
                                                    StringRef msl) {
  // ENIGMA_XCRUN names the xcrun to run (tests use a stand-in); otherwise it is found on PATH.
  llvm::ErrorOr<std::string> xcrun = std::make_error_code(std::errc::no_such_file_or_directory);
  if (std::optional<std::string> given = llvm::sys::Process::GetEnv("ENIGMA_XCRUN"))
    xcrun = *given;
  else
    xcrun = llvm::sys::findProgramByName("xcrun");
  if (!xcrun) {
    module->emitError("#enigma.target format \"metallib\" needs Apple's `xcrun metal` "
                      "(macOS with Xcode's command-line tools); it was not found on PATH. Use "
                      "format \"msl\" elsewhere: the MSL object runs on Enigma's CPU runtime");
    return std::nullopt;
  }
  SmallString<128> source, air, lib, log;
  auto make = [&](StringRef suffix, SmallString<128> &path) {
    return llvm::sys::fs::createTemporaryFile("enigma-target", suffix, path);
  };
  if (make("metal", source) || make("air", air) || make("metallib", lib) || make("log", log)) {
    module->emitError("#enigma.target: cannot create temporary files for xcrun");
    return std::nullopt;
  }
  llvm::scope_exit cleanup([&] {
    for (StringRef path : {source.str(), air.str(), lib.str(), log.str()})
      llvm::sys::fs::remove(path);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(source, ec);
    if (ec) {
      module->emitError("#enigma.target: cannot write ") << source << ": " << ec.message();
      return std::nullopt;
    }
    out << msl;
  }
  std::vector<std::string> compile{"-sdk", "macosx", "metal", "-c", source.str().str(), "-o",
                                   air.str().str()};
  SmallVector<StringRef> flags;
  target.getFlags().split(flags, ' ', -1, /*KeepEmpty=*/false);
  for (StringRef flag : flags)
    compile.push_back(flag.str());
  if (!runXcrun(module, *xcrun, compile, log))
    return std::nullopt;
  if (!runXcrun(module, *xcrun,
                {"-sdk", "macosx", "metallib", air.str().str(), "-o", lib.str().str()}, log))
    return std::nullopt;
  auto buffer = llvm::MemoryBuffer::getFile(lib, /*IsText=*/false);
  if (!buffer || (*buffer)->getBufferSize() == 0) {
    module->emitError("#enigma.target: xcrun metallib produced no library at ") << lib;
    return std::nullopt;
  }
  StringRef bytes = (*buffer)->getBuffer();
  return SmallVector<char, 0>(bytes.begin(), bytes.end());
}

/// One kernel's metadata as attributes: MSL entry point, coarsening, parameters in buffer order.
DictionaryAttr kernelMetadata(Builder &b, const MSLKernelInfo &info) {
  SmallVector<Attribute> params;
  for (const MSLParamInfo &param : info.params) {
    SmallVector<NamedAttribute> fields{
        b.getNamedAttr("name", b.getStringAttr(param.name)),
        b.getNamedAttr("buffer_index", b.getI32IntegerAttr(param.bufferIndex)),
        b.getNamedAttr("msl_type", b.getStringAttr(param.mslType)),
        b.getNamedAttr("element_type", b.getStringAttr(param.elementType)),
        b.getNamedAttr("is_scalar", b.getBoolAttr(param.isScalar))};
    if (!param.access.empty())
      fields.push_back(b.getNamedAttr("access", b.getStringAttr(param.access)));
    if (!param.implicit.empty())
      fields.push_back(b.getNamedAttr("implicit", b.getStringAttr(param.implicit)));
    params.push_back(b.getDictionaryAttr(fields));
  }
  return b.getDictionaryAttr({b.getNamedAttr("enigma.entry", b.getStringAttr(info.entryName)),
                              b.getNamedAttr("enigma.coarsen", b.getI32IntegerAttr(info.coarsen)),
                              b.getNamedAttr("enigma.params", b.getArrayAttr(params))});
}

class EnigmaTargetAttrImpl
    : public gpu::TargetAttrInterface::FallbackModel<EnigmaTargetAttrImpl> {
public:
  std::optional<SmallVector<char, 0>> serializeToObject(Attribute attribute, Operation *module,
                                                        const gpu::TargetOptions &options) const {
    auto target = cast<TargetAttr>(attribute);
    if (!isa<gpu::GPUModuleOp>(module)) {
      module->emitError("#enigma.target serializes gpu.module operations only");
      return std::nullopt;
    }
    if (options.getCompilationTarget() == gpu::CompilationTarget::Offload) {
      module->emitError("#enigma.target has no offload (LLVM IR) format: Metal kernels are "
                        "MSL; use gpu-module-to-binary's format isa, bin or fatbin");
      return std::nullopt;
    }
    std::string msl;
    llvm::raw_string_ostream os(msl);
    if (failed(translateToMSL(module, os)))
      return std::nullopt;
    if (wantsMetallib(target, options))
      return compileMetallib(module, target, msl);
    return SmallVector<char, 0>(msl.begin(), msl.end());
  }

  Attribute createObject(Attribute attribute, Operation *module,
                         const SmallVector<char, 0> &object,
                         const gpu::TargetOptions &options) const {
    auto target = cast<TargetAttr>(attribute);
    // The metadata is the translation's; translating again is cheap and does not mutate.
    std::vector<MSLKernelInfo> infos;
    std::string discarded;
    llvm::raw_string_ostream os(discarded);
    if (failed(translateToMSL(module, os, &infos)))
      return {};
    Builder b(module->getContext());
    SmallVector<gpu::KernelMetadataAttr> table;
    for (const MSLKernelInfo &info : infos) {
      auto kernel = dyn_cast_or_null<KernelOp>(
          SymbolTable::lookupSymbolIn(module, b.getStringAttr(info.kernelName)));
      if (!kernel)
        continue;
      table.push_back(gpu::KernelMetadataAttr::get(kernel, kernelMetadata(b, info)));
    }
    std::string json;
    llvm::raw_string_ostream(json) << llvm::json::Value(kernelsToJSON(infos));
    DictionaryAttr properties = b.getDictionaryAttr(
        {b.getNamedAttr("enigma.metadata", b.getStringAttr(json))});
    bool metallib = wantsMetallib(target, options);
    return gpu::ObjectAttr::get(
        module->getContext(), attribute,
        metallib ? gpu::CompilationTarget::Binary : gpu::CompilationTarget::Assembly,
        b.getStringAttr(StringRef(object.data(), object.size())), properties,
        gpu::KernelTableAttr::get(module->getContext(), table));
  }
};

} // namespace

void mlir::enigma::registerEnigmaTargetInterfaceExternalModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, EnigmaDialect *) {
    TargetAttr::attachInterface<EnigmaTargetAttrImpl>(*ctx);
  });
}
