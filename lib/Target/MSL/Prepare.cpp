//===- Prepare.cpp - The prepare step of the MSL translation --------------===//
//
// Whole-kernel decisions, made before printing and recorded in a KernelPlan (see MSLImpl.h for
// why the IR itself is not rewritten):
//   - names: source names from NameLocs, legalized and de-duplicated, else v<N>;
//   - threadgroup allocations: collected to be declared once at kernel scope;
//   - builtins: which thread/grid queries the body makes (they become parameters; the table of
//     builtin inputs is here, generated from the queries' ODS);
//   - memory: the root of every memref and how each root is used (read, written, atomic), which
//     decides `device const T*` versus `device T*` and atomic element types, and rejects
//     mixing atomic and plain accesses.
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::enigma;
using namespace mlir::enigma::msl;

//===----------------------------------------------------------------------===//
// Builtins
//===----------------------------------------------------------------------===//

/// The builtin-input table from the queries' ODS accessors, in the order of `OpTs`.
template <typename... OpTs> static llvm::ArrayRef<BuiltinInput> builtinInputTable() {
  static const BuiltinInput table[] = {{TypeID::get<OpTs>(), OpTs::getMetalBuiltinInput(),
                                        OpTs::getMetalBuiltinInputType()}...};
  return table;
}

llvm::ArrayRef<BuiltinInput> msl::getBuiltinInputs() {
  // The signature order: the uint3 inputs, then the uint ones.
  return builtinInputTable<ThreadPositionInGridOp, ThreadPositionInThreadgroupOp,
                           ThreadgroupPositionInGridOp, ThreadsPerThreadgroupOp,
                           ThreadgroupsPerGridOp, ThreadsPerGridOp, ThreadIndexInThreadgroupOp,
                           ThreadIndexInSimdgroupOp, SimdgroupIndexInThreadgroupOp,
                           ThreadsPerSimdgroupOp, SimdgroupsPerThreadgroupOp>();
}

std::optional<unsigned> msl::getQueryBuiltin(Operation *op) {
  std::optional<RegisteredOperationName> name = op->getRegisteredInfo();
  if (!name)
    return std::nullopt;
  for (auto [index, input] : llvm::enumerate(getBuiltinInputs()))
    if (input.op == name->getTypeID())
      return index;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

// C++ keywords and alternative tokens, MSL keywords and address spaces, every type name MSL
// predefines that a kernel may spell, and every function, macro and constant the printer emits
// (a local variable with one of these names would shadow it).
static const char *const kReservedWords[] = {
    // C++
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char16_t", "char32_t", "char8_t", "class", "compl", "concept",
    "const", "const_cast", "consteval", "constexpr", "constinit", "continue", "co_await",
    "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
    "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
    "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
    "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast",
    "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef",
    "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t",
    "while", "xor", "xor_eq", "main", "std", "NULL",
    // MSL
    "kernel", "vertex", "fragment", "compute", "device", "constant", "threadgroup", "thread",
    "threadgroup_imageblock", "ray_data", "object_data", "visible", "stitchable", "metal", "half",
    "bfloat", "uchar", "ushort", "uint", "ulong", "size_t", "ptrdiff_t", "int8_t", "uint8_t",
    "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "vec", "packed_vec",
    "atomic", "atomic_int", "atomic_uint", "atomic_float", "atomic_bool", "memory_order",
    "memory_order_relaxed", "mem_flags", "simdgroup_matrix", "texture", "sampler", "array",
    "array_ref",
    // Every macro the Metal Shading Language specification defines (the all-uppercase ones
    // with an underscore are also caught by isMacroLikeName below; listed for completeness).
    "INFINITY", "NAN", "MAXFLOAT", "MAXHALF", "MAXBFLOAT", "HUGE_VALF", "HUGE_VALH",
    "HUGE_VALBF", "METAL_FUNC", "__METAL_VERSION__", "__HAVE_NATIVE_DOUBLE__", "CHAR_BIT",
    "SCHAR_MAX", "SCHAR_MIN", "UCHAR_MAX", "CHAR_MAX", "CHAR_MIN", "USHRT_MAX", "SHRT_MAX",
    "SHRT_MIN", "UINT_MAX", "INT_MAX", "INT_MIN", "ULONG_MAX", "LONG_MAX", "LONG_MIN",
    "FLT_DIG", "FLT_MANT_DIG", "FLT_MAX_10_EXP", "FLT_MAX_EXP", "FLT_MIN_10_EXP", "FLT_MIN_EXP",
    "FLT_RADIX", "FLT_MAX", "FLT_MIN", "FLT_EPSILON", "FLT_DECIMAL_DIG", "HALF_DIG",
    "HALF_MANT_DIG", "HALF_MAX_10_EXP", "HALF_MAX_EXP", "HALF_MIN_10_EXP", "HALF_MIN_EXP",
    "HALF_RADIX", "HALF_MAX", "HALF_MIN", "HALF_EPSILON", "HALF_DECIMAL_DIG", "BFLOAT_DIG",
    "BFLOAT_MANT_DIG", "BFLOAT_MAX_10_EXP", "BFLOAT_MAX_EXP", "BFLOAT_MIN_10_EXP",
    "BFLOAT_MIN_EXP", "BFLOAT_RADIX", "BFLOAT_MAX", "BFLOAT_MIN", "BFLOAT_EPSILON",
    "BFLOAT_DECIMAL_DIG", "DBL_DIG", "DBL_MANT_DIG", "DBL_MAX_10_EXP", "DBL_MAX_EXP",
    "DBL_MIN_10_EXP", "DBL_MIN_EXP", "DBL_RADIX", "DBL_MAX", "DBL_MIN", "DBL_EPSILON",
    "M_E_F", "M_LOG2E_F", "M_LOG10E_F", "M_LN2_F", "M_LN10_F", "M_PI_F", "M_PI_2_F", "M_PI_4_F",
    "M_1_PI_F", "M_2_PI_F", "M_2_SQRTPI_F", "M_SQRT2_F", "M_SQRT1_2_F", "M_E_H", "M_LOG2E_H",
    "M_LOG10E_H", "M_LN2_H", "M_LN10_H", "M_PI_H", "M_PI_2_H", "M_PI_4_H", "M_1_PI_H", "M_2_PI_H",
    "M_2_SQRTPI_H", "M_SQRT2_H", "M_SQRT1_2_H", "M_E_BF", "M_LOG2E_BF", "M_LOG10E_BF", "M_LN2_BF",
    "M_LN10_BF", "M_PI_BF", "M_PI_2_BF", "M_PI_4_BF", "M_1_PI_BF", "M_2_PI_BF", "M_2_SQRTPI_BF",
    "M_SQRT2_BF", "M_SQRT1_2_BF",
    // functions the printer calls
    "as_type", "abs", "fabs", "min", "max", "fmin", "fmax", "select", "sqrt", "rsqrt", "exp",
    "exp2", "log", "log2", "log10", "pow", "sin", "cos", "tan", "asin", "acos", "atan", "atan2",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "fma", "floor", "ceil", "round", "rint",
    "trunc", "copysign", "fmod", "isnan", "isinf", "isfinite", "isnormal", "signbit", "clz", "ctz",
    "popcount", "mulhi", "threadgroup_barrier", "simdgroup_barrier", "make_filled_simdgroup_matrix",
    "simdgroup_load", "simdgroup_store", "simdgroup_multiply_accumulate", "simd_broadcast",
    "simd_shuffle", "simd_shuffle_up", "simd_shuffle_down", "simd_shuffle_xor",
    "simd_shuffle_rotate_up", "simd_shuffle_rotate_down", "quad_broadcast", "quad_shuffle",
    "quad_shuffle_up", "quad_shuffle_down", "quad_shuffle_xor", "quad_shuffle_rotate_up",
    "quad_shuffle_rotate_down", "atomic_load_explicit", "atomic_store_explicit",
    "atomic_exchange_explicit", "atomic_compare_exchange_weak_explicit",
    "atomic_fetch_add_explicit", "atomic_fetch_sub_explicit", "atomic_fetch_min_explicit",
    "atomic_fetch_max_explicit", "atomic_fetch_and_explicit", "atomic_fetch_or_explicit",
    "atomic_fetch_xor_explicit", "atomic_thread_fence", "memory_order_seq_cst",
    "thread_scope_device", "thread_scope_threadgroup", "transpose", "determinant"};

Namer::Namer() {
  for (const char *word : kReservedWords)
    used.insert(word);
  for (llvm::StringRef builtin : getMetalBuiltinNames())
    used.insert(builtin);
  // Vector, packed vector and matrix type names.
  for (const char *scalar : {"bool", "char", "uchar", "short", "ushort", "int", "uint", "long",
                             "ulong", "half", "float", "bfloat", "double"}) {
    for (const char *n : {"2", "3", "4", "8", "16"}) {
      used.insert(std::string(scalar) + n);
      used.insert(std::string("packed_") + scalar + n);
    }
    for (const char *m : {"2x2", "2x3", "2x4", "3x2", "3x3", "3x4", "4x2", "4x3", "4x4", "8x8"})
      used.insert(std::string(scalar) + m);
    used.insert(std::string("simdgroup_") + scalar + "8x8");
  }
  for (const char *prefix : {"simd_", "quad_"})
    for (const char *fn :
         {"sum", "product", "min", "max", "and", "or", "xor", "prefix_inclusive_sum",
          "prefix_exclusive_sum", "prefix_inclusive_product", "prefix_exclusive_product"})
      used.insert(std::string(prefix) + fn);
  for (const BuiltinInput &input : getBuiltinInputs())
    used.insert(input.name);
}

std::string Namer::legalize(llvm::StringRef base) {
  std::string s;
  s.reserve(base.size() + 2);
  for (char c : base) {
    char legal = (llvm::isAlnum(c) || c == '_') ? c : '_';
    // "__" anywhere is reserved in C++: collapse runs of underscores.
    if (legal == '_' && !s.empty() && s.back() == '_')
      continue;
    s.push_back(legal);
  }
  if (s.empty() || s == "_")
    return "v";
  if (llvm::isDigit(s[0]))
    s.insert(0, "v");
  else if (s[0] == '_' && s.size() > 1 && llvm::isUpper(s[1]))
    s.insert(0, "v");
  return s;
}

// Names a macro may have: the Metal compiler's (and the C/C++ library's) macros are
// all-uppercase with an underscore (FLT_EPSILON, M_PI_F, INT_MAX, METAL_FUNC...), the CPU
// runtime's header defines ENIGMA_* macros and include guards, and names with "__" are the
// implementation's. A local variable spelled like a macro would be replaced by the macro's
// expansion, so these are reserved as a class. Single-word uppercase names (A, N, TILE) stay
// usable; the few single-word macros (NAN, INFINITY, MAXFLOAT...) are in kReservedWords.
static bool isMacroLikeName(llvm::StringRef name) {
  if (name.starts_with("ENIGMA_") || name.starts_with("__") || name.contains("__"))
    return true;
  if (!name.contains('_'))
    return false;
  bool hasUpper = false;
  for (char c : name) {
    if (llvm::isLower(c))
      return false;
    hasUpper |= llvm::isUpper(c);
  }
  return hasUpper;
}

bool Namer::isReserved(llvm::StringRef name) {
  static const Namer reservedOnly;
  // A trailing underscore never names a macro (none ends with one), so a reserved word with
  // the suffix rule's "_" is free.
  if (name.ends_with("_"))
    return reservedOnly.used.contains(name);
  return reservedOnly.used.contains(name) || isMacroLikeName(name);
}

std::string Namer::unique(llvm::StringRef base) {
  std::string legal = legalize(base);
  // Reserved words get a trailing underscore: float -> float_, FLT_EPSILON -> FLT_EPSILON_.
  if (isReserved(legal))
    legal += "_";
  if (used.insert(legal).second)
    return legal;
  for (unsigned i = 1;; ++i) {
    std::string candidate = legal + (legal.back() == '_' ? "" : "_") + std::to_string(i);
    // A de-duplicated name must not be a reserved one either (ENIGMA_C1_ -> ENIGMA_C1_2 is a
    // macro of the CPU header; X -> X_1 looks like a macro): it gets the trailing "_" too.
    if (isReserved(candidate))
      candidate += "_";
    if (used.insert(candidate).second)
      return candidate;
  }
}

llvm::StringRef msl::getSourceName(Location loc) {
  if (auto name = llvm::dyn_cast<NameLoc>(loc))
    return name.getName().getValue();
  if (auto fused = llvm::dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations())
      if (llvm::StringRef name = getSourceName(inner); !name.empty())
        return name;
    return {};
  }
  if (auto callSite = llvm::dyn_cast<CallSiteLoc>(loc))
    return getSourceName(callSite.getCallee());
  return {};
}

//===----------------------------------------------------------------------===//
// Memory roots and uses
//===----------------------------------------------------------------------===//

bool KernelPlan::isSignedParam(Value value) const {
  KernelOp k = kernel; // op handles are values; their accessors are not const
  auto arg = llvm::dyn_cast<BlockArgument>(value);
  if (!k || !arg || arg.getOwner() != &k.getBody().front())
    return false;
  return k.isSignedArg(arg.getArgNumber());
}

std::string KernelPlan::rootElementType(Value root) const {
  auto type = llvm::cast<MemRefType>(root.getType());
  bool isSigned = isSignedParam(root);
  auto it = roots.find(root);
  if (it != roots.end() && it->second.isAtomic()) {
    if (type.getElementType().isF32())
      return "atomic_float";
    // A signed parameter is atomic_int unless an unsigned min/max needs atomic_uint (every
    // other atomic is the same on the bits either way); other memory is atomic_uint as soon as
    // one atomic says unsigned.
    if (isSigned)
      return it->second.unsignedMinMax ? "atomic_uint" : "atomic_int";
    return it->second.atomicUnsigned ? "atomic_uint" : "atomic_int";
  }
  if (isSigned)
    return getSignedTypeName(type.getElementType()).value_or("<invalid>");
  return getValueTypeName(type.getElementType()).value_or("<invalid>");
}

namespace {
enum class MemUse { None, Read, Write, ReadWrite };

struct Preparer {
  KernelOp kernel;
  KernelPlan &plan;
  Namer names;
  unsigned autoCounter = 0;
  unsigned tgCounter = 0;

  Preparer(KernelOp kernel, KernelPlan &plan) : kernel(kernel), plan(plan) {}

  std::string nameFor(Location loc, llvm::StringRef fallbackPrefix = "v") {
    llvm::StringRef source = getSourceName(loc);
    if (!source.empty())
      return names.unique(source);
    if (fallbackPrefix == "tg")
      return names.unique("tg" + std::to_string(tgCounter++));
    return names.unique("v" + std::to_string(autoCounter++));
  }

  LogicalResult run();
  LogicalResult nameOp(Operation *op);
  LogicalResult trackMemory(Operation *op);
  LogicalResult recordUse(Operation *op, Value memref, MemUse use, bool atomic);
};
} // namespace

/// How a memory op uses its memref operand (and whether atomically); std::nullopt for ops that
/// are not memory ops (a memref operand is then an error).
static std::optional<std::pair<MemUse, bool>> classifyMemoryUse(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<std::pair<MemUse, bool>>>(op)
      .Case<memref::LoadOp, vector::LoadOp, vector::TransferReadOp, SimdgroupMatrixLoadOp>(
          [](auto) { return std::make_pair(MemUse::Read, false); })
      .Case<memref::StoreOp, vector::StoreOp, vector::TransferWriteOp, SimdgroupMatrixStoreOp>(
          [](auto) { return std::make_pair(MemUse::Write, false); })
      .Case<AtomicLoadOp>([](auto) { return std::make_pair(MemUse::Read, true); })
      .Case<AtomicStoreOp>([](auto) { return std::make_pair(MemUse::Write, true); })
      .Case<AtomicRMWOp, AtomicCmpXchgOp>(
          [](auto) { return std::make_pair(MemUse::ReadWrite, true); })
      .Case<memref::DimOp>([](auto) { return std::make_pair(MemUse::None, false); })
      .Default([](Operation *) { return std::nullopt; });
}

static bool isViewOp(Operation *op) {
  return llvm::isa<memref::ReinterpretCastOp, memref::CastOp, memref::SubViewOp>(op);
}

LogicalResult Preparer::recordUse(Operation *op, Value memref, MemUse use, bool atomic) {
  auto rootIt = plan.rootOf.find(memref);
  if (rootIt == plan.rootOf.end())
    return op->emitError("cannot translate to MSL: memref operand has no known origin (only "
                         "kernel buffers, threadgroup allocations, memref.alloca and views of "
                         "them are supported)");
  Value root = rootIt->second;
  RootUse &info = plan.roots[root];
  if (use == MemUse::None)
    return success();
  if (use == MemUse::Read || use == MemUse::ReadWrite)
    info.read = true;
  if (use == MemUse::Write || use == MemUse::ReadWrite)
    info.write = true;
  if (atomic) {
    if (!info.firstAtomic)
      info.firstAtomic = op;
    bool isUnsigned = op->hasAttr("is_unsigned");
    if (isUnsigned)
      info.atomicUnsigned = true;
    if (auto rmw = llvm::dyn_cast<AtomicRMWOp>(op))
      if (rmw.getKind() == AtomicKind::Min || rmw.getKind() == AtomicKind::Max) {
        Operation *&minMax = isUnsigned ? info.unsignedMinMax : info.signedMinMax;
        if (!minMax)
          minMax = op;
      }
  } else if (!info.firstPlain) {
    info.firstPlain = op;
  }
  return success();
}

LogicalResult Preparer::trackMemory(Operation *op) {
  // Roots and views.
  if (llvm::isa<ThreadgroupAllocOp, memref::AllocaOp>(op)) {
    plan.rootOf[op->getResult(0)] = op->getResult(0);
    plan.roots[op->getResult(0)];
  } else if (isViewOp(op)) {
    auto it = plan.rootOf.find(op->getOperand(0));
    if (it == plan.rootOf.end())
      return op->emitError("cannot translate to MSL: view of a memref with unknown origin");
    plan.rootOf[op->getResult(0)] = it->second;
  } else {
    for (Value result : op->getResults())
      if (llvm::isa<MemRefType>(result.getType()))
        return op->emitError("cannot translate to MSL: '")
               << op->getName() << "' produces a memref; only kernel buffers, "
               << "enigma.threadgroup_alloc, memref.alloca, memref.reinterpret_cast, "
                  "memref.subview and memref.cast do";
  }
  for (Region &region : op->getRegions())
    for (Block &block : region)
      for (BlockArgument arg : block.getArguments())
        if (llvm::isa<MemRefType>(arg.getType()))
          return op->emitError("cannot translate to MSL: memrefs cannot be carried through "
                               "region arguments");

  // Async copies read their source and write their destination.
  if (std::optional<std::pair<Value, Value>> copy = getAsyncCopyMemRefs(op))
    return failure(failed(recordUse(op, copy->first, MemUse::Write, false)) ||
                   failed(recordUse(op, copy->second, MemUse::Read, false)));

  // Uses.
  std::optional<std::pair<MemUse, bool>> use = classifyMemoryUse(op);
  for (Value operand : op->getOperands()) {
    if (!llvm::isa<MemRefType>(operand.getType()))
      continue;
    if (isViewOp(op) && operand == op->getOperand(0))
      continue;
    if (!use)
      return op->emitError("cannot translate to MSL: '")
             << op->getName() << "' takes a memref operand";
    if (failed(recordUse(op, operand, use->first, use->second)))
      return failure();
  }
  return success();
}

LogicalResult Preparer::nameOp(Operation *op) {
  if (std::optional<unsigned> input = getQueryBuiltin(op))
    plan.builtinUsed.set(*input);

  if (auto forOp = llvm::dyn_cast<scf::ForOp>(op)) {
    plan.names[forOp.getInductionVar()] = nameFor(forOp.getInductionVar().getLoc());
    for (auto [iterArg, result] : llvm::zip(forOp.getRegionIterArgs(), forOp.getResults())) {
      Location loc = getSourceName(iterArg.getLoc()).empty() ? forOp.getLoc() : iterArg.getLoc();
      std::string name = nameFor(loc);
      plan.names[iterArg] = name;
      plan.names[result] = name;
      plan.nextNames[iterArg] = names.unique(name + "_next");
    }
    return success();
  }
  if (auto whileOp = llvm::dyn_cast<scf::WhileOp>(op)) {
    for (BlockArgument arg : whileOp.getBeforeArguments())
      plan.names[arg] = nameFor(arg.getLoc());
    for (auto [arg, result] : llvm::zip(whileOp.getAfterArguments(), whileOp.getResults())) {
      Location loc = getSourceName(arg.getLoc()).empty() ? whileOp.getLoc() : arg.getLoc();
      std::string name = nameFor(loc);
      plan.names[arg] = name;
      plan.names[result] = name;
    }
    return success();
  }
  if (llvm::isa<arith::ConstantOp, memref::ReinterpretCastOp, memref::CastOp, memref::SubViewOp>(
          op))
    return success();
  if (auto alloc = llvm::dyn_cast<ThreadgroupAllocOp>(op)) {
    plan.names[alloc.getResult()] = nameFor(alloc.getLoc(), "tg");
    plan.threadgroupAllocs.push_back(alloc);
    return success();
  }
  if (auto cmpxchg = llvm::dyn_cast<AtomicCmpXchgOp>(op)) {
    plan.names[cmpxchg.getResult()] = nameFor(op->getLoc());
    plan.tempNames[op] = names.unique(plan.names[cmpxchg.getResult()] + "_expected");
    return success();
  }
  for (Value result : op->getResults())
    plan.names[result] = nameFor(op->getLoc());
  for (Region &region : op->getRegions())
    for (Block &block : region)
      for (BlockArgument arg : block.getArguments())
        plan.names[arg] = nameFor(arg.getLoc());
  return success();
}

LogicalResult Preparer::run() {
  plan.kernel = kernel;
  plan.builtinUsed.resize(getBuiltinInputs().size());
  Block &entry = kernel.getBody().front();
  if (!llvm::hasSingleElement(kernel.getBody()))
    return kernel.emitError("cannot translate to MSL: kernels must have a single block");
  for (BlockArgument arg : entry.getArguments()) {
    plan.names[arg] = nameFor(arg.getLoc());
    // A signed scalar parameter the body uses is copied into its unsigned held type first
    // thing; the body reads the copy.
    if (!llvm::isa<MemRefType>(arg.getType()) && kernel.isSignedArg(arg.getArgNumber()) &&
        !arg.use_empty()) {
      plan.paramNames[arg] = plan.names[arg];
      plan.names[arg] = names.unique(plan.names[arg] + "_u");
    }
    if (llvm::isa<MemRefType>(arg.getType())) {
      plan.rootOf[arg] = arg;
      plan.roots[arg];
    }
  }
  WalkResult walk = kernel.getBody().walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (failed(nameOp(op)) || failed(trackMemory(op)))
      return WalkResult::interrupt();
    for (Region &region : op->getRegions())
      if (!region.empty() && !region.hasOneBlock()) {
        op->emitError("cannot translate to MSL: unstructured control flow (multi-block "
                      "region)");
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  // Per-root checks: access against the declaration, atomic versus plain accesses.
  for (auto &[root, use] : plan.roots) {
    if (use.isAtomic() && use.firstPlain) {
      InFlightDiagnostic diag = use.firstPlain->emitError(
          "cannot translate to MSL: this memory is accessed atomically elsewhere, so it is "
          "declared with an atomic element type and every access to it must be atomic");
      diag.attachNote(use.firstAtomic->getLoc()) << "atomic access here";
      return failure();
    }
    if (use.isAtomic() && use.signedMinMax && plan.rootElementType(root) == "atomic_uint") {
      InFlightDiagnostic diag = use.signedMinMax->emitError(
          "cannot translate to MSL: signed atomic min/max on memory that other atomics use as "
          "unsigned (atomic_uint)");
      return failure();
    }
    auto arg = llvm::dyn_cast<BlockArgument>(root);
    if (!arg || arg.getOwner() != &entry)
      continue;
    unsigned i = arg.getArgNumber();
    auto type = llvm::cast<MemRefType>(arg.getType());
    std::optional<AddressSpace> space = getAddressSpace(type);
    if (space && *space == AddressSpace::Constant && use.write)
      return kernel.emitError("cannot translate to MSL: constant-space buffer argument #")
             << i << " is written";
    if (std::optional<Access> declared = kernel.getDeclaredAccess(i)) {
      if (*declared == Access::Read && use.write)
        return kernel.emitError("buffer argument #")
               << i << " is declared #enigma.access<read> but the kernel writes it";
      if (*declared == Access::Write && use.read)
        return kernel.emitError("buffer argument #")
               << i << " is declared #enigma.access<write> but the kernel reads it";
    }
  }
  return success();
}

FailureOr<KernelPlan>
msl::prepareKernel(KernelOp kernel, Namer &entryNames,
                   const llvm::DenseMap<int64_t, std::string> *functionConstantNames) {
  KernelPlan plan;
  plan.entryName = entryNames.unique("enigma_kernel_" + kernel.getSymName().str());
  plan.functionConstantNames = functionConstantNames;
  Preparer preparer(kernel, plan);
  // A local named like a file-scope function constant would shadow it.
  if (functionConstantNames)
    for (const auto &entry : *functionConstantNames)
      preparer.names.reserve(entry.second);
  if (failed(preparer.run()))
    return failure();
  return plan;
}
