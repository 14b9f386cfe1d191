//===- MSLImpl.h - Internals of the MSL translation -------------*- C++ -*-===//
//
// Shared by the files of the translation: the prepare step's result (KernelPlan), the table of
// builtin inputs, and the printer (KernelPrinter) with the declarations of its per-operation
// printers, defined by dialect in Emit*.cpp and dispatched by KernelPrinter::emitOp.
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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/IndentedOstream.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace mlir::enigma::msl {

//===----------------------------------------------------------------------===//
// Builtin inputs
//===----------------------------------------------------------------------===//

/// A Metal builtin input that a thread/grid query op reads; the kernel declares it as the
/// parameter `type name [[name]]`.
struct BuiltinInput {
  TypeID op;
  llvm::StringRef name;
  llvm::StringRef type;
};

/// The one table of builtin inputs, in the fixed order they appear in kernel signatures (after
/// the buffers). Names and types come from ODS (`metalBuiltin` of EnigmaThreadOps.td); the
/// order is the translation's (docs/msl-translation.md).
llvm::ArrayRef<BuiltinInput> getBuiltinInputs();

/// The index in getBuiltinInputs() of the input a query op reads, if `op` is one.
std::optional<unsigned> getQueryBuiltin(Operation *op);

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
  /// Which builtin inputs the body reads (indexed like getBuiltinInputs()).
  llvm::BitVector builtinUsed;
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
  /// Whether `value` is a kernel argument marked `enigma.signed` (declared with Metal's signed
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
///
/// `emitOp` dispatches each operation with one TypeSwitch to a `printOperation` overload (or
/// the shared implementation of a small family of ops), declared below by the file that
/// defines it. Output goes through a raw_indented_ostream: a printer writes whole lines and
/// the stream indents them (one level per nested block).
class KernelPrinter {
public:
  /// `text` is what `out` writes to (the whole MSL so far), for the source map's line numbers.
  KernelPrinter(KernelPlan &plan, llvm::raw_ostream &out, const std::string &text)
      : plan(plan), os(out), text(text) {}

  LogicalResult printKernel(MSLKernelInfo *info);
  LogicalResult emitOp(Operation *op);
  /// Prints the operations of `block` except the terminator of a nested region (its parent
  /// op prints what the terminator means).
  LogicalResult emitBlock(Block &block);

  raw_indented_ostream &ostream() { return os; }

  // --- Helpers shared by the printers ----------------------------------------------------
  /// The C expression of a value: its variable name, or the literal of a constant.
  std::string expr(Value value);
  /// Constants print nothing: their uses print `literal` (arith.constant).
  void setConstant(Value value, std::string literal) { constants[value] = std::move(literal); }
  /// The MSL value type of `type`, or an error at `op`.
  FailureOr<std::string> typeName(Type type, Operation *op);
  /// The signed twin of an integer type for signed operations, or an error at `op`.
  FailureOr<std::string> signedTypeName(Type type, Operation *op);
  /// `value` viewed as signed: int(x), short4(x), ... (for i1: -int(x), the sign-extension).
  FailureOr<std::string> asSigned(Value value, Operation *op);
  /// Declares `result` as `T name = rhs;`.
  LogicalResult declare(Value result, llvm::StringRef rhs, Operation *op);
  /// The variable name of a value (not a literal).
  std::string nameOf(Value value);

  /// Declares `op`'s single result as an elementwise function of its operands. `fn` receives
  /// the operand expressions; for vector results with `scalarize`, it is called once per lane
  /// with lane expressions and the lanes are gathered with the vector constructor.
  LogicalResult
  emitElementwise(Operation *op,
                  llvm::function_ref<std::string(llvm::ArrayRef<std::string>)> fn,
                  bool scalarize);

  /// Assigns `sources` to the variables of `dests` as one parallel copy (scf yields).
  LogicalResult emitParallelCopy(Operation *op, ValueRange sources, ArrayRef<Value> dests);

  /// The view of a memref value (computed on first use).
  FailureOr<MemRefView> getView(Value memref, Operation *user);
  /// The linear element offset (a uint expression) of `indices` in `view`, plus `extra`.
  FailureOr<std::string> linearIndex(const MemRefView &view, ValueRange indices, Operation *user,
                                     int64_t extra = 0);
  /// "base[linear]" for a memref access.
  FailureOr<std::string> elementRef(Value memref, ValueRange indices, Operation *user);

  KernelPlan &plan;

private:
  FailureOr<MemRefView> computeView(Value memref, Operation *user);
  /// Records, in `sourceMap`, that the MSL printed next comes from `op`'s position.
  void noteSourcePosition(Operation *op);

  raw_indented_ostream os;
  const std::string &text;
  size_t linesCountedTo = 0; ///< text[0, linesCountedTo) holds `linesBefore` newlines
  unsigned linesBefore = 0;
  std::vector<MSLSourcePosition> sourceMap;
  /// Set when a value was used that the prepare step did not name (a translation bug); the
  /// kernel then fails instead of printing a placeholder.
  bool unnamedValue = false;
  llvm::DenseMap<Value, std::string> constants;
  llvm::DenseMap<Value, MemRefView> views;
};

//===----------------------------------------------------------------------===//
// Operation printers (dispatched by KernelPrinter::emitOp)
//===----------------------------------------------------------------------===//

// arith, ub and math (EmitArith.cpp). The families take the C operator or Metal function.
LogicalResult printOperation(KernelPrinter &p, arith::ConstantOp op);
LogicalResult printOperation(KernelPrinter &p, ub::PoisonOp op);
/// `a op b` (wrapping integer or float arithmetic); for i1, `boolForm` (empty: an error).
LogicalResult printBinary(KernelPrinter &p, Operation *op, llvm::StringRef cOp,
                          llvm::StringRef boolForm = {});
/// `T(S(a) op S(b))` through the signed twin type.
LogicalResult printSignedBinary(KernelPrinter &p, Operation *op, llvm::StringRef cOp);
/// `a op b` on unsigned integers (division, remainder, logical shift).
LogicalResult printUnsignedBinary(KernelPrinter &p, Operation *op, llvm::StringRef cOp);
/// A call of a Metal function that accepts scalars and vectors alike.
LogicalResult printCall(KernelPrinter &p, Operation *op, llvm::StringRef function);
/// arith.minsi/maxsi: Metal's min/max on the signed twin.
LogicalResult printSignedMinMax(KernelPrinter &p, Operation *op, llvm::StringRef function);
LogicalResult printOperation(KernelPrinter &p, arith::CeilDivUIOp op);
/// arith.ceildivsi (`ceil`) and arith.floordivsi.
LogicalResult printSignedDivRounded(KernelPrinter &p, Operation *op, bool ceil);
LogicalResult printOperation(KernelPrinter &p, arith::CmpIOp op);
LogicalResult printOperation(KernelPrinter &p, arith::SelectOp op);
/// `T(x)` (or `T(S(x))` when `signExtendSource`): extensions and int/float conversions; with
/// `truncToBool`, a truncation to i1: `(x & 1) != 0`.
LogicalResult printConversion(KernelPrinter &p, Operation *op, bool signExtendSource,
                              bool truncToBool = false);
LogicalResult printOperation(KernelPrinter &p, arith::TruncIOp op);
LogicalResult printOperation(KernelPrinter &p, arith::IndexCastOp op);
LogicalResult printOperation(KernelPrinter &p, arith::IndexCastUIOp op);
LogicalResult printOperation(KernelPrinter &p, arith::FPToSIOp op);
LogicalResult printOperation(KernelPrinter &p, arith::FPToUIOp op);
LogicalResult printOperation(KernelPrinter &p, arith::TruncFOp op);
LogicalResult printOperation(KernelPrinter &p, arith::BitcastOp op);
/// arith.addf/subf: Metal matrices add and subtract with the C operators.
LogicalResult printAddSubF(KernelPrinter &p, Operation *op, llvm::StringRef cOp);
LogicalResult printOperation(KernelPrinter &p, arith::NegFOp op);
/// arith.minimumf (`isMin`) and arith.maximumf.
LogicalResult printMinimumMaximumF(KernelPrinter &p, Operation *op, bool isMin);
LogicalResult printOperation(KernelPrinter &p, arith::CmpFOp op);
LogicalResult printOperation(KernelPrinter &p, arith::AddUIExtendedOp op);
/// arith.mului_extended and arith.mulsi_extended (`isSigned`).
LogicalResult printMulExtended(KernelPrinter &p, Operation *op, bool isSigned);
LogicalResult printOperation(KernelPrinter &p, math::AbsIOp op);

// scf (EmitSCF.cpp).
LogicalResult printOperation(KernelPrinter &p, scf::ForOp op);
LogicalResult printOperation(KernelPrinter &p, scf::IfOp op);
LogicalResult printOperation(KernelPrinter &p, scf::WhileOp op);

// memref and vector (EmitMemory.cpp).
LogicalResult printOperation(KernelPrinter &p, memref::LoadOp op);
LogicalResult printOperation(KernelPrinter &p, memref::StoreOp op);
LogicalResult printOperation(KernelPrinter &p, memref::AllocaOp op);
LogicalResult printOperation(KernelPrinter &p, memref::DimOp op);
/// memref.reinterpret_cast, memref.cast and memref.subview print nothing.
LogicalResult printView(KernelPrinter &p, Operation *op);
LogicalResult printOperation(KernelPrinter &p, vector::LoadOp op);
LogicalResult printOperation(KernelPrinter &p, vector::StoreOp op);
LogicalResult printOperation(KernelPrinter &p, vector::TransferReadOp op);
LogicalResult printOperation(KernelPrinter &p, vector::TransferWriteOp op);
LogicalResult printOperation(KernelPrinter &p, vector::ExtractOp op);
LogicalResult printOperation(KernelPrinter &p, vector::InsertOp op);
LogicalResult printOperation(KernelPrinter &p, vector::BroadcastOp op);
LogicalResult printOperation(KernelPrinter &p, vector::FromElementsOp op);
LogicalResult printOperation(KernelPrinter &p, vector::TransposeOp op);
LogicalResult printOperation(KernelPrinter &p, vector::FMAOp op);
LogicalResult printOperation(KernelPrinter &p, vector::ReductionOp op);

// enigma (EmitEnigma.cpp).
/// A thread/grid query: reads builtin input `index` of getBuiltinInputs().
LogicalResult printQuery(KernelPrinter &p, Operation *op, unsigned index);
LogicalResult printOperation(KernelPrinter &p, FunctionConstantOp op);
LogicalResult printOperation(KernelPrinter &p, ThreadgroupBarrierOp op);
LogicalResult printOperation(KernelPrinter &p, SimdgroupBarrierOp op);
LogicalResult printOperation(KernelPrinter &p, SimdReduceOp op);
LogicalResult printOperation(KernelPrinter &p, QuadReduceOp op);
LogicalResult printOperation(KernelPrinter &p, SimdScanOp op);
LogicalResult printOperation(KernelPrinter &p, QuadScanOp op);
LogicalResult printOperation(KernelPrinter &p, SimdShuffleOp op);
LogicalResult printOperation(KernelPrinter &p, QuadShuffleOp op);
LogicalResult printOperation(KernelPrinter &p, SimdBroadcastOp op);
LogicalResult printOperation(KernelPrinter &p, QuadBroadcastOp op);
LogicalResult printOperation(KernelPrinter &p, MatmulOp op);
LogicalResult printOperation(KernelPrinter &p, DeterminantOp op);
LogicalResult printOperation(KernelPrinter &p, AtomicRMWOp op);
LogicalResult printOperation(KernelPrinter &p, AtomicLoadOp op);
LogicalResult printOperation(KernelPrinter &p, AtomicStoreOp op);
LogicalResult printOperation(KernelPrinter &p, AtomicCmpXchgOp op);
LogicalResult printOperation(KernelPrinter &p, SimdgroupMatrixFillOp op);
LogicalResult printOperation(KernelPrinter &p, SimdgroupMatrixLoadOp op);
LogicalResult printOperation(KernelPrinter &p, SimdgroupMatrixStoreOp op);
LogicalResult printOperation(KernelPrinter &p, SimdgroupMatrixMultiplyAccumulateOp op);

// Metal standard-library calls (EmitBuiltins.cpp).
/// What the printer needs of an op with `getMetalBuiltin()` (EnigmaMathOps.td).
struct BuiltinCall {
  llvm::StringRef function;
  /// Call Metal's signed overload (integer ops without `unsigned`).
  bool viaSigned = false;
};
/// The call `op` is, if it has `getMetalBuiltin()`.
std::optional<BuiltinCall> getBuiltinCall(Operation *op);
LogicalResult printBuiltinCall(KernelPrinter &p, Operation *op, const BuiltinCall &call);
/// The names of the Metal functions those ops call (reserved: a variable must not shadow them).
llvm::SmallVector<llvm::StringRef> getMetalBuiltinNames();

// SIMD-group async copies (EmitAsyncCopy.cpp).
LogicalResult printOperation(KernelPrinter &p, AsyncCopy1dD2TOp op);
LogicalResult printOperation(KernelPrinter &p, AsyncCopy1dT2DOp op);
LogicalResult printOperation(KernelPrinter &p, AsyncCopy2dD2TOp op);
LogicalResult printOperation(KernelPrinter &p, AsyncCopy2dT2DOp op);
LogicalResult printOperation(KernelPrinter &p, AsyncCopyWaitOp op);
/// The (destination, source) memrefs of an async copy.
std::optional<std::pair<Value, Value>> getAsyncCopyMemRefs(Operation *op);
/// Writes the file-scope declarations of the AIR intrinsics if an op of `tops` uses them.
void emitAsyncCopyDeclarations(llvm::ArrayRef<Operation *> tops, llvm::raw_ostream &os);

/// Emits "'<op>' cannot be translated to MSL" style errors consistently.
InFlightDiagnostic emitUnsupported(Operation *op, llvm::StringRef why = {});

} // namespace mlir::enigma::msl

#endif // ENIGMA_LIB_TARGET_MSL_MSLIMPL_H
