//===- CompileCAPI.cpp - C API of the compile driver (enigma-c/Compiler.h) ===//

#include "enigma-c/Compiler.h"

#include "enigma/Compiler/CompileDriver.h"

#include <cstring>
#include <new>

struct EnigmaCompileResultImpl {
  mlir::enigma::CompileResult result;
  std::string diagnosticsJSON;
  std::string diagnosticsText;
};

void enigmaCompileOptionsInit(EnigmaCompileOptions *options) {
  if (!options)
    return;
  options->vecWidth = 0;
  options->dumpDir = nullptr;
  options->sourceName = nullptr;
}

static mlir::enigma::CompileOptions toOptions(const EnigmaCompileOptions *options) {
  mlir::enigma::CompileOptions opts;
  if (options) {
    opts.vecWidth = options->vecWidth;
    if (options->dumpDir)
      opts.dumpDir = options->dumpDir;
    if (options->sourceName)
      opts.sourceName = options->sourceName;
  }
  return opts;
}

EnigmaCompileResult enigmaCompileTrace(const char *trace, size_t length,
                                       const EnigmaCompileOptions *options) {
  auto *impl = new (std::nothrow) EnigmaCompileResultImpl();
  if (!impl)
    return nullptr;
  llvm::StringRef text = trace ? llvm::StringRef(trace, length) : llvm::StringRef();
  impl->result = mlir::enigma::compileTrace(text, toOptions(options));
  impl->diagnosticsJSON = impl->result.diagnosticsJSON();
  impl->diagnosticsText = impl->result.diagnosticsText();
  return impl;
}

EnigmaCompileResult enigmaCompileMLIR(const char *text, size_t length,
                                      const EnigmaCompileOptions *options) {
  auto *impl = new (std::nothrow) EnigmaCompileResultImpl();
  if (!impl)
    return nullptr;
  // The parser needs a buffer, even an empty one.
  llvm::StringRef source = text ? llvm::StringRef(text, length) : llvm::StringRef("");
  impl->result = mlir::enigma::compileMLIR(source, toOptions(options));
  impl->diagnosticsJSON = impl->result.diagnosticsJSON();
  impl->diagnosticsText = impl->result.diagnosticsText();
  return impl;
}

bool enigmaCompileResultSucceeded(EnigmaCompileResult result) {
  return result && result->result.succeeded;
}

const char *enigmaCompileResultGetMLIR(EnigmaCompileResult result) {
  return result ? result->result.mlir.c_str() : "";
}

const char *enigmaCompileResultGetMSL(EnigmaCompileResult result) {
  return result ? result->result.msl.c_str() : "";
}

const char *enigmaCompileResultGetMetadata(EnigmaCompileResult result) {
  return result ? result->result.metadata.c_str() : "";
}

const char *enigmaCompileResultGetDiagnostics(EnigmaCompileResult result) {
  return result ? result->diagnosticsJSON.c_str() : "";
}

const char *enigmaCompileResultGetDiagnosticsText(EnigmaCompileResult result) {
  return result ? result->diagnosticsText.c_str() : "";
}

void enigmaCompileResultDestroy(EnigmaCompileResult result) { delete result; }

size_t enigmaCompilerGetPipeline(unsigned vecWidth, char *buffer, size_t capacity) {
  std::string pipeline = mlir::enigma::getPipelineString(vecWidth);
  if (buffer && capacity > 0) {
    size_t n = std::min(pipeline.size(), capacity - 1);
    std::memcpy(buffer, pipeline.data(), n);
    buffer[n] = '\0';
  }
  return pipeline.size();
}
