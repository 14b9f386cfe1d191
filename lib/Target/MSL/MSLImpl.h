//===- MSLImpl.h - Internals of the MSL translation -------------*- C++ -*-===//
//
// Shared by the files of the translation: the prepare step's result (KernelPlan) and the
// printer (KernelPrinter), whose op families are split over Emit*.cpp.
//
// The prepare step decides everything that needs a whole-kernel view: C names of values,
// threadgroup allocations declared at kernel scope, which builtins the signature needs, and how
// each buffer is used (read/write, atomic). It records its decisions beside the IR instead of
// rewriting the IR: the caller's module (the C API hands it in by handle) is never mutated, and
// the same module can be translated any number of times.
//
//===----------------------------------------------------------------------===//

#ifndef ENIGMA_LIB_TARGET_MSL_MSLIMPL_H
#define ENIGMA_LIB_TARGET_MSL_MSLIMPL_H

#include "TypeMapping.h"

#include "enigma/Dialect/Enigma/IR/EnigmaDialect.h"
#include "enigma/Target/MSL/MSLEmitter.h"

#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

#include <functional>
#include <string>

namespace mlir::enigma::msl {

//===----------------------------------------------------------------------===//
// Builtins
//===----------------------------------------------------------------------===//

/// Metal builtins in the fixed order they appear in kernel signatures (after the buffers).
enum class Builtin : unsigned {
  ThreadPositionInGrid,
  ThreadPositionInThreadgroup,
  ThreadgroupPositionInGrid,
  ThreadsPerThreadgroup,
  ThreadgroupsPerGrid,
  ThreadsPerGrid,
  ThreadIndexInThreadgroup,
  ThreadIndexInSimdgroup,
  SimdgroupIndexInThreadgroup,
  ThreadsPerSimdgroup,
  SimdgroupsPerThreadgroup,
};
constexpr unsigned kNumBuiltins = 11;

/// The MSL type (uint3 or uint) and the name (== attribute name) of a builtin parameter.
const char *getBuiltinType(Builtin builtin);
const char *getBuiltinName(Builtin builtin);

/// The builtin a thread/grid query op reads, if `op` is one.
std::optional<Builtin> getQueryBuiltin(Operation *op);

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

/// Hands out legal, unique C identifiers: source names are legalized (invalid characters,
/// reserved C++/MSL words, reserved identifier forms) and de-duplicated with _1, _2, ...
class Namer {
public:
  Namer();
  /// A fresh identifier based on `base` (legalized). Deterministic.
  std::string unique(llvm::StringRef base);
  /// Marks `name` as taken without legalization.
  void reserve(llvm::StringRef name) { used.insert(name); }
  /// `base` made a legal identifier that is not a reserved word (not yet unique).
  static std::string legalize(llvm::StringRef base);
  /// Whether `name` is reserved: a reserved word, or a name a macro may have (all-uppercase
  /// with an underscore, ENIGMA_*, containing "__").
  static bool isReserved(llvm::StringRef name);

private:
  llvm::StringSet<> used;
};

/// The source name a location carries (NameLoc, possibly inside a FusedLoc/CallSiteLoc).
llvm::StringRef getSourceName(Location loc);

//===----------------------------------------------------------------------===//
// Prepare
//===----------------------------------------------------------------------===//

/// How a memory root (a kernel buffer, a threadgroup allocation or a thread-local array) is used.
struct RootUse {
  bool read = false;
  bool write = false;
  Operation *firstAtomic = nullptr;
  Operation *firstPlain = nullptr;
  bool atomicUnsigned = false;
  Operation *signedMinMax = nullptr;
  Operation *unsignedMinMax = nullptr;
  bool isAtomic() const { return firstAtomic != nullptr; }
};

/// Everything the printer needs that is decided over the whole kernel.
struct KernelPlan {
  KernelOp kernel;
  std::string entryName;
  /// C names of values that live in variables, parameters or arrays.
  llvm::DenseMap<Value, std::string> names;
  /// Extra unique names some ops need for temporaries (atomic_cmpxchg's expected value).
  llvm::DenseMap<Operation *, std::string> tempNames;
  /// Temporaries for the parallel copy of scf.for iter_args at the yield (swaps).
  llvm::DenseMap<Value, std::string> nextNames;
  /// Threadgroup allocations, declared at kernel scope in this order.
  llvm::SmallVector<ThreadgroupAllocOp> threadgroupAllocs;
  /// Which builtins the body reads.
  bool builtinUsed[kNumBuiltins] = {};
  /// MSL names of the module's function constants by index, declared at file scope (owned by
  /// the translation; set by prepareKernel).
  const llvm::DenseMap<int64_t, std::string> *functionConstantNames = nullptr;
  /// The memory root of every memref value.
  llvm::DenseMap<Value, Value> rootOf;
  llvm::MapVector<Value, RootUse> roots;
  /// Signature names of the `enigma.signed` scalar parameters. Their body variable (in
  /// `names`) is a different one: the unsigned copy the kernel starts with (`uint n_u = n;`),
  /// since every integer value is held unsigned.
  llvm::DenseMap<Value, std::string> paramNames;

  /// The MSL element type a root is declared with ("float", "int", "atomic_int", ...).
  std::string rootElementType(Value root) const;
  /// Whether `root` is a kernel argument marked `enigma.signed` (declared with Metal's signed
  /// type; its values are still held unsigned in the body).
  bool isSignedParam(Value value) const;
};

/// Runs the prepare step on one kernel. `entryNames` keeps entry points unique in the module.
/// Emits diagnostics and fails on anything the printer cannot express.
/// `functionConstantNames` (index -> file-scope name) are reserved in the kernel's names.
FailureOr<KernelPlan>
prepareKernel(KernelOp kernel, Namer &entryNames,
              const llvm::DenseMap<int64_t, std::string> *functionConstantNames = nullptr);

//===----------------------------------------------------------------------===//
// Printer
//===----------------------------------------------------------------------===//

/// Vector component names by lane.
inline constexpr const char *kLaneNames[] = {"x", "y", "z", "w"};

/// A uint index expression: a constant when static, else C text (an atom or parenthesized).
struct IndexExpr {
  std::optional<int64_t> constant;
  std::string text;
  static IndexExpr of(int64_t value);
  static IndexExpr of(std::string text) { return IndexExpr{std::nullopt, std::move(text)}; }
  bool isConstant(int64_t value) const { return constant && *constant == value; }
};
IndexExpr addIndex(const IndexExpr &a, const IndexExpr &b);
IndexExpr mulIndex(const IndexExpr &a, const IndexExpr &b);

/// A memref as the printer addresses it: element (i0, i1, ...) is
///   base[offset + i0 * strides[0] + i1 * strides[1] + ...].
/// Entries are std::nullopt when unknown (dynamic in the type and not provided by the IR).
struct MemRefView {
  std::string base;
  AddressSpace space = AddressSpace::Device;
  std::optional<IndexExpr> offset;
  llvm::SmallVector<std::optional<IndexExpr>> strides;
  llvm::SmallVector<std::optional<IndexExpr>> sizes;
  Value root;
};

/// Prints one prepared kernel. Never mutates IR; every failure is reported at its op.
class KernelPrinter {
public:
  /// `text` is what `os` writes to (the whole MSL so far), for the source map's line numbers.
  KernelPrinter(KernelPlan &plan, llvm::raw_ostream &os, const std::string &text)
      : plan(plan), os(os), text(text) {}

  LogicalResult printKernel(MSLKernelInfo *info);

  // --- Helpers shared by the op families -------------------------------------------------
  /// The C expression of a value: its variable name, or the literal of a constant.
  std::string expr(Value value);
  /// The MSL value type of `type`, or an error at `op`.
  FailureOr<std::string> typeName(Type type, Operation *op);
  /// The signed twin of an integer type for signed operations, or an error at `op`.
  FailureOr<std::string> signedTypeName(Type type, Operation *op);
  /// `value` viewed as signed: int(x), short4(x), ... (for i1: -int(x), the sign-extension).
  FailureOr<std::string> asSigned(Value value, Operation *op);
  llvm::raw_ostream &indent();
  /// Declares `result` as `T name = rhs;`.
  LogicalResult declare(Value result, llvm::StringRef rhs, Operation *op);
  /// The variable name of a value (not a literal).
  std::string nameOf(Value value);

  /// Declares `op`'s single result as an elementwise function of its operands. `fn` receives
  /// the operand expressions; for vector results with `scalarize`, it is called once per lane
  /// with lane expressions and the lanes are gathered with the vector constructor.
  LogicalResult emitElementwise(Operation *op,
                                const std::function<std::string(llvm::ArrayRef<std::string>)> &fn,
                                bool scalarize);

  /// The view of a memref value (computed on first use).
  FailureOr<MemRefView> getView(Value memref, Operation *user);
  /// The linear element offset (a uint expression) of `indices` in `view`, plus `extra`.
  FailureOr<std::string> linearIndex(const MemRefView &view, ValueRange indices, Operation *user,
                                     int64_t extra = 0);
  /// "base[linear]" for a memref access.
  FailureOr<std::string> elementRef(Value memref, ValueRange indices, Operation *user);

  // --- Op families (Emit*.cpp) -------------------------------------------------------------
  LogicalResult emitOp(Operation *op);
  LogicalResult emitBlock(Block &block);
  LogicalResult emitArithOp(Operation *op);
  LogicalResult emitMathOp(Operation *op);
  LogicalResult emitSCFOp(Operation *op);
  LogicalResult emitMemRefOp(Operation *op);
  LogicalResult emitVectorOp(Operation *op);
  LogicalResult emitEnigmaOp(Operation *op);
  /// Metal standard-library calls (EnigmaMathOps.td); EmitBuiltins.cpp.
  LogicalResult emitBuiltinOp(Operation *op);
  /// SIMD-group async copies and their wait (EmitAsyncCopy.cpp).
  LogicalResult emitAsyncCopyOp(Operation *op);

  KernelPlan &plan;

private:
  LogicalResult emitParallelCopy(Operation *op, ValueRange sources, ArrayRef<Value> dests);
  FailureOr<MemRefView> computeView(Value memref, Operation *user);

  /// Records, in `sourceMap`, that the MSL printed next comes from `op`'s position.
  void noteSourcePosition(Operation *op);

  llvm::raw_ostream &os;
  const std::string &text;
  size_t linesCountedTo = 0; ///< text[0, linesCountedTo) holds `linesBefore` newlines
  unsigned linesBefore = 0;
  std::vector<MSLSourcePosition> sourceMap;
  unsigned indentLevel = 1;
  /// Set when a value was used that the prepare step did not name (a translation bug); the
  /// kernel then fails instead of printing a placeholder.
  bool unnamedValue = false;
  llvm::DenseMap<Value, std::string> constants;
  llvm::DenseMap<Value, MemRefView> views;
};

/// Whether `op` is a call of a Metal standard-library function (has `getMetalBuiltin()`).
bool isMetalBuiltinOp(Operation *op);
/// The names of the Metal functions those ops call (reserved: a variable must not shadow them).
llvm::SmallVector<llvm::StringRef> getMetalBuiltinNames();

/// Whether `op` is an async copy or async-copy wait (EmitAsyncCopy.cpp).
bool isAsyncCopyOp(Operation *op);
/// The (destination, source) memrefs of an async copy.
std::optional<std::pair<Value, Value>> getAsyncCopyMemRefs(Operation *op);
/// Writes the file-scope declarations of the AIR intrinsics if an op of `tops` uses them.
void emitAsyncCopyDeclarations(llvm::ArrayRef<Operation *> tops, llvm::raw_ostream &os);

/// Emits "'<op>' cannot be translated to MSL" style errors consistently.
InFlightDiagnostic emitUnsupported(Operation *op, llvm::StringRef why = {});

} // namespace mlir::enigma::msl

#endif // ENIGMA_LIB_TARGET_MSL_MSLIMPL_H
