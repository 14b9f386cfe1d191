//===- CompileDriver.cpp - Trace (or MLIR) -> MLIR -> MSL in one call -----===//
//
// Contexts are expensive to create (dialect loading dominates a small compile), so compiles
// borrow one from a pool: a context is used by one compile at a time, which keeps concurrent
// compiles safe without locking MLIR itself. Contexts are retired after a number of compiles so
// that the types, attributes and locations they intern stay bounded.
//
//===----------------------------------------------------------------------===//

#include "enigma/Compiler/CompileDriver.h"

#include "enigma/InitAll.h"
#include "enigma/Target/Trace/TraceImport.h"
#include "enigma/Target/GPU/Target.h"
#include "enigma/Target/MSL/MSLEmitter.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <mutex>

using namespace mlir;
using namespace mlir::enigma;

namespace {

/// Compiles a context serves before it is retired.
constexpr unsigned kContextLifetime = 256;

struct PooledContext {
  std::unique_ptr<MLIRContext> context;
  unsigned uses = 0;
};

class ContextPool {
public:
  PooledContext acquire() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!free.empty()) {
        PooledContext ctx = std::move(free.back());
        free.pop_back();
        return ctx;
      }
    }
    DialectRegistry registry;
    registerAllDialects(registry);
    PooledContext ctx;
    ctx.context = std::make_unique<MLIRContext>(registry, MLIRContext::Threading::DISABLED);
    ctx.context->loadAllAvailableDialects();
    // Diagnostics go to Python users: the source line is what matters, not a generic op dump.
    ctx.context->printOpOnDiagnostic(false);
    return ctx;
  }

  void release(PooledContext ctx) {
    if (++ctx.uses >= kContextLifetime)
      return;
    std::lock_guard<std::mutex> lock(mutex);
    free.push_back(std::move(ctx));
  }

private:
  std::mutex mutex;
  std::vector<PooledContext> free;
};

ContextPool &getContextPool() {
  // Never destroyed: MLIR contexts must not be torn down during static destruction, after
  // libMLIR's own globals may be gone.
  static ContextPool *pool = new ContextPool();
  return *pool;
}

/// Borrows a context for the lifetime of one compile.
class ContextLease {
public:
  ContextLease() : ctx(getContextPool().acquire()) {}
  ~ContextLease() { getContextPool().release(std::move(ctx)); }
  MLIRContext *get() { return ctx.context.get(); }

private:
  PooledContext ctx;
};

StringRef severityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Remark:
    return "remark";
  case DiagnosticSeverity::Note:
    return "note";
  }
  return "error";
}

CompileDiagnostic toCompileDiagnostic(Diagnostic &diag) {
  CompileDiagnostic out;
  out.severity = severityName(diag.getSeverity()).str();
  if (std::optional<FileLineColLoc> file = findSourcePosition(diag.getLocation())) {
    out.file = file->getFilename().str();
    out.line = file->getLine();
    out.col = file->getColumn();
  }
  out.message = diag.str();
  return out;
}

/// Writes `text` to `<dir>/<name>`; failures become warnings (dumps never fail a compile).
/// Removes the numbered dump files (`NN-...`, the names this compiler writes) that an earlier
/// compile left in `dir`, so that a dump directory only ever shows one compile.
void clearDumpDir(StringRef dir, MLIRContext *ctx) {
  std::error_code ec;
  llvm::SmallVector<std::string, 16> stale;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
    StringRef name = llvm::sys::path::filename(it->path());
    size_t digits = 0;
    while (digits < name.size() && llvm::isDigit(name[digits]))
      ++digits;
    if (digits >= 2 && digits < name.size() && name[digits] == '-' &&
        (name.ends_with(".mlir") || name.ends_with(".metal") || name.ends_with(".json")) &&
        it->type() == llvm::sys::fs::file_type::regular_file)
      stale.push_back(it->path());
  }
  for (const std::string &path : stale)
    if (std::error_code rec = llvm::sys::fs::remove(path))
      emitWarning(UnknownLoc::get(ctx))
          << "cannot remove stale IR dump file '" << path << "': " << rec.message();
}

void writeDumpFile(StringRef dir, StringRef name, StringRef text, MLIRContext *ctx) {
  SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    emitWarning(UnknownLoc::get(ctx)) << "cannot write IR dump '" << path << "': " << ec.message();
    return;
  }
  os << text;
}

/// Writes the IR after every pass to `<dir>/NN-<pass-argument>.mlir`.
class DumpInstrumentation : public PassInstrumentation {
public:
  DumpInstrumentation(std::string dir, unsigned *counter) : dir(std::move(dir)), counter(counter) {}

  void runAfterPass(Pass *pass, Operation *op) override {
    std::string text;
    llvm::raw_string_ostream os(text);
    op->print(os, OpPrintingFlags().enableDebugInfo(true, /*prettyForm=*/true));
    StringRef arg = pass->getArgument();
    std::string name =
        llvm::formatv("{0:d2}-after-{1}.mlir", (*counter)++, arg.empty() ? pass->getName() : arg)
            .str();
    writeDumpFile(dir, name, text, op->getContext());
  }

private:
  std::string dir;
  unsigned *counter;
};

std::string printModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}

} // namespace

/// The pipeline elements run on the module (what `builtin.module(...)` wraps): the registered
/// enigma-pipeline, exactly what `enigma-opt --enigma-pipeline=vec-width=N` runs.
static std::string getModulePipeline(unsigned vecWidth) {
  return llvm::formatv("enigma-pipeline{{vec-width={0}}", vecWidth).str();
}

std::string mlir::enigma::getPipelineString(unsigned vecWidth) {
  return "builtin.module(" + getModulePipeline(vecWidth) + ")";
}

/// The part both entry points share: run `modulePipeline` (the elements `builtin.module(...)`
/// wraps) on `module`, dump the IR after every pass when asked, translate to MSL, and fill
/// `result` (mlir, msl, metadata, succeeded).
static void runPipelineAndTranslate(ModuleOp module, const std::string &modulePipeline,
                                    const CompileOptions &options, CompileResult &result) {
  registerAllPasses(); // the pipeline is parsed from text
  MLIRContext *ctx = module->getContext();
  const std::string &dumpDir = options.dumpDir;
  std::string pipeline = "builtin.module(" + modulePipeline + ")";
  PassManager pm(ctx, ModuleOp::getOperationName());
  {
    std::string parseErrors;
    llvm::raw_string_ostream errs(parseErrors);
    if (failed(parsePassPipeline(modulePipeline, pm, errs))) {
      emitError(module->getLoc()) << "cannot build pass pipeline '" << pipeline
                                  << "': " << parseErrors;
      return;
    }
  }
  unsigned counter = 2;
  if (!dumpDir.empty())
    pm.addInstrumentation(std::make_unique<DumpInstrumentation>(dumpDir, &counter));
  LogicalResult ran = pm.run(module);
  result.mlir = printModule(module);
  if (failed(ran))
    return;

  std::vector<MSLKernelInfo> kernels;
  {
    llvm::raw_string_ostream os(result.msl);
    if (failed(translateToMSL(module, os, &kernels))) {
      result.msl.clear();
      return;
    }
  }
  if (!dumpDir.empty() && !kernels.empty())
    writeDumpFile(dumpDir,
                  llvm::formatv("{0:d2}-{1}.metal", counter, kernels.front().entryName).str(),
                  result.msl, ctx);

  // Kernels in gpu.modules (upstream IR) may share a name across modules (outlining names
  // every kernel after its function): each gets "module", its gpu.module ("" at top level),
  // in the translation's order (top-level ops in order, each gpu.module's kernels in place).
  llvm::json::Array kernelsJson = kernelsToJSON(kernels);
  {
    SmallVector<std::string> modules;
    module.walk<WalkOrder::PreOrder>([&](KernelOp kernel) {
      auto parent = dyn_cast<gpu::GPUModuleOp>(kernel->getParentOp());
      modules.push_back(parent ? parent.getName().str() : "");
    });
    for (auto [json, moduleName] : llvm::zip(kernelsJson, modules))
      json.getAsObject()->try_emplace("module", moduleName);
  }
  llvm::json::Object metadata{{"pipeline", pipeline}, {"kernels", std::move(kernelsJson)}};
  llvm::raw_string_ostream(result.metadata) << llvm::json::Value(std::move(metadata));
  result.succeeded = true;
}

/// What both entry points do first: collect `ctx`'s diagnostics into `result` (for the
/// handler's lifetime) and, with a dump directory, empty it and write the input as `inputName`.
class CompileSession {
public:
  CompileSession(MLIRContext *ctx, const CompileOptions &options, CompileResult &result,
                 StringRef inputName, StringRef input)
      : handler(ctx, [&result](Diagnostic &diag) {
          result.diagnostics.push_back(toCompileDiagnostic(diag));
          for (Diagnostic &note : diag.getNotes())
            result.diagnostics.push_back(toCompileDiagnostic(note));
          return success();
        }) {
    const std::string &dumpDir = options.dumpDir;
    if (dumpDir.empty())
      return;
    if (std::error_code ec = llvm::sys::fs::create_directories(dumpDir))
      emitWarning(UnknownLoc::get(ctx))
          << "cannot create IR dump directory '" << dumpDir << "': " << ec.message();
    clearDumpDir(dumpDir, ctx);
    writeDumpFile(dumpDir, inputName, input, ctx);
  }

private:
  ScopedDiagnosticHandler handler;
};

CompileResult mlir::enigma::compileTrace(StringRef trace, const CompileOptions &options) {
  CompileResult result;
  ContextLease lease;
  MLIRContext *ctx = lease.get();
  CompileSession session(ctx, options, result, "00-trace.json", trace);
  const std::string &dumpDir = options.dumpDir;

  OwningOpRef<ModuleOp> module = importTrace(trace, ctx, "<trace>");
  if (!module)
    return result;
  if (!dumpDir.empty())
    writeDumpFile(dumpDir, "01-imported.mlir", printModule(*module), ctx);

  runPipelineAndTranslate(*module, getModulePipeline(options.vecWidth), options, result);
  return result;
}

/// Whether `module` holds only enigma.kernels at its top level (Enigma IR, compiled with
/// enigma-pipeline) rather than upstream IR (gpu, linalg, scf.parallel in host functions).
static bool isEnigmaOnly(ModuleOp module) {
  return llvm::all_of(module.getBody()->getOperations(),
                      [](Operation &op) { return isa<KernelOp>(op); });
}

std::string mlir::enigma::getMLIRModulePipeline(bool enigmaOnly, unsigned vecWidth) {
  if (enigmaOnly)
    return getModulePipeline(vecWidth);
  return llvm::formatv("gpu-lower-to-enigma-pipeline{{vec-width={0}}", vecWidth).str();
}

CompileResult mlir::enigma::compileMLIR(StringRef text, const CompileOptions &options) {
  CompileResult result;
  registerGPUCompositionPasses();
  // Upstream IR needs many more dialects than traces: one context per compile, not the pool.
  DialectRegistry registry;
  registerGPUCompositionDialects(registry);
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.printOpOnDiagnostic(false);
  MLIRContext *ctx = &context;
  CompileSession session(ctx, options, result, "01-input.mlir", text);
  std::string sourceName = options.sourceName.empty() ? "<mlir>" : options.sourceName;
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, ParserConfig(ctx), sourceName);
  if (!module)
    return result;
  if (failed(verify(*module)))
    return result;
  bool enigmaOnly = isEnigmaOnly(*module);
  runPipelineAndTranslate(*module, getMLIRModulePipeline(enigmaOnly, options.vecWidth), options,
                          result);
  return result;
}

std::string CompileResult::diagnosticsJSON() const {
  llvm::json::Array array;
  for (const CompileDiagnostic &diag : diagnostics)
    array.push_back(llvm::json::Object{{"severity", diag.severity},
                                       {"file", diag.file},
                                       {"line", diag.line},
                                       {"col", diag.col},
                                       {"message", diag.message}});
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(array));
  return text;
}

std::string CompileResult::diagnosticsText() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  for (const CompileDiagnostic &diag : diagnostics) {
    if (!diag.file.empty())
      os << diag.file << ":" << diag.line << ":" << diag.col << ": ";
    os << diag.severity << ": " << diag.message << "\n";
  }
  return text;
}
