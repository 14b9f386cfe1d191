//===- EmitEnigma.cpp - enigma operations as MSL --------------------------===//
//
// Thread queries read the builtin parameters the signature declares; barriers, cross-lane
// operations, atomics and SIMD-group matrices print as the Metal functions of the same names.
// Cross-lane and atomic operations are limited to the element types Metal's functions accept
// (others are errors, not conversions).
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

using namespace mlir;
using namespace mlir::enigma;
using namespace mlir::enigma::msl;

static std::string memFlags(MemFlags flags) {
  if (flags == MemFlags::None)
    return "mem_flags::mem_none";
  std::string out;
  auto add = [&](MemFlags bit, const char *name) {
    if (!bitEnumContainsAll(flags, bit))
      return;
    if (!out.empty())
      out += " | ";
    out += std::string("mem_flags::") + name;
  };
  add(MemFlags::Device, "mem_device");
  add(MemFlags::Threadgroup, "mem_threadgroup");
  add(MemFlags::Texture, "mem_texture");
  add(MemFlags::ThreadgroupImageblock, "mem_threadgroup_imageblock");
  return out;
}

/// Element types Metal's SIMD-group and quad-group functions take: 16/32-bit integers, half
/// and float, as scalars or vectors.
static bool isLaneType(Type type) {
  if (auto vec = llvm::dyn_cast<VectorType>(type); vec && vec.getRank() != 1)
    return false; // Metal matrices are not lane values
  Type elem = getElementTypeOrSelf(type);
  if (elem.isF32() || elem.isF16())
    return true;
  unsigned width = getIntegerWidth(elem);
  return width == 16 || width == 32;
}

static const char *reduceName(ReduceKind kind) {
  switch (kind) {
  case ReduceKind::Sum:
    return "sum";
  case ReduceKind::Product:
    return "product";
  case ReduceKind::Min:
    return "min";
  case ReduceKind::Max:
    return "max";
  case ReduceKind::And:
    return "and";
  case ReduceKind::Or:
    return "or";
  case ReduceKind::Xor:
    return "xor";
  }
  return "";
}

static const char *scanName(ScanKind kind) {
  switch (kind) {
  case ScanKind::InclusiveSum:
    return "prefix_inclusive_sum";
  case ScanKind::ExclusiveSum:
    return "prefix_exclusive_sum";
  case ScanKind::InclusiveProduct:
    return "prefix_inclusive_product";
  case ScanKind::ExclusiveProduct:
    return "prefix_exclusive_product";
  }
  return "";
}

static const char *shuffleName(ShuffleKind kind) {
  switch (kind) {
  case ShuffleKind::Index:
    return "shuffle";
  case ShuffleKind::Up:
    return "shuffle_up";
  case ShuffleKind::Down:
    return "shuffle_down";
  case ShuffleKind::Xor:
    return "shuffle_xor";
  case ShuffleKind::RotateUp:
    return "shuffle_rotate_up";
  case ShuffleKind::RotateDown:
    return "shuffle_rotate_down";
  }
  return "";
}

static const char *atomicName(AtomicKind kind) {
  switch (kind) {
  case AtomicKind::Add:
    return "atomic_fetch_add_explicit";
  case AtomicKind::Sub:
    return "atomic_fetch_sub_explicit";
  case AtomicKind::Min:
    return "atomic_fetch_min_explicit";
  case AtomicKind::Max:
    return "atomic_fetch_max_explicit";
  case AtomicKind::And:
    return "atomic_fetch_and_explicit";
  case AtomicKind::Or:
    return "atomic_fetch_or_explicit";
  case AtomicKind::Xor:
    return "atomic_fetch_xor_explicit";
  case AtomicKind::Exchange:
    return "atomic_exchange_explicit";
  }
  return "";
}

/// Whether an order has a release part (a fence before the relaxed atomic) or an acquire part
/// (a fence after it).
static bool releases(MemoryOrder order) {
  return order == MemoryOrder::Release || order == MemoryOrder::AcqRel ||
         order == MemoryOrder::SeqCst;
}
static bool acquires(MemoryOrder order) {
  return order == MemoryOrder::Acquire || order == MemoryOrder::AcqRel ||
         order == MemoryOrder::SeqCst;
}

/// `fn(value[, ushort(lane)])`; a signed integer min/max reads the value as signed.
static LogicalResult printLaneOp(KernelPrinter &p, Operation *op, Value value, Value result,
                                 const std::string &fn, bool isSignedMinMax,
                                 std::optional<Value> lane) {
  if (!isLaneType(value.getType()))
    return emitUnsupported(op, "Metal's SIMD-group and quad-group functions take 16/32-bit "
                               "integers, half and float (scalars or vectors)");
  std::string operand = p.expr(value);
  FailureOr<std::string> t = p.typeName(result.getType(), op);
  if (failed(t))
    return failure();
  bool viaSigned = isSignedMinMax && getIntegerWidth(value.getType()) != 0;
  if (viaSigned) {
    FailureOr<std::string> s = p.asSigned(value, op);
    if (failed(s))
      return failure();
    operand = *s;
  }
  std::string call = fn + "(" + operand;
  if (lane)
    call += ", ushort(" + p.expr(*lane) + ")";
  call += ")";
  if (viaSigned)
    call = *t + "(" + call + ")";
  return p.declare(result, call, op);
}

/// "simd_" or "quad_": the prefix of the Metal function of a cross-lane op.
template <typename OpT> static std::string lanePrefix() {
  return llvm::is_one_of<OpT, SimdReduceOp, SimdScanOp, SimdShuffleOp>::value ? "simd_" : "quad_";
}

template <typename OpT> static LogicalResult printReduce(KernelPrinter &p, OpT reduce) {
  bool isMinMax = reduce.getKind() == ReduceKind::Min || reduce.getKind() == ReduceKind::Max;
  return printLaneOp(p, reduce, reduce.getValue(), reduce.getResult(),
                     lanePrefix<OpT>() + reduceName(reduce.getKind()),
                     isMinMax && !reduce.getIsUnsigned(), std::nullopt);
}
LogicalResult msl::printOperation(KernelPrinter &p, SimdReduceOp op) { return printReduce(p, op); }
LogicalResult msl::printOperation(KernelPrinter &p, QuadReduceOp op) { return printReduce(p, op); }

template <typename OpT> static LogicalResult printScan(KernelPrinter &p, OpT scan) {
  return printLaneOp(p, scan, scan.getValue(), scan.getResult(),
                     lanePrefix<OpT>() + scanName(scan.getKind()), false, std::nullopt);
}
LogicalResult msl::printOperation(KernelPrinter &p, SimdScanOp op) { return printScan(p, op); }
LogicalResult msl::printOperation(KernelPrinter &p, QuadScanOp op) { return printScan(p, op); }

template <typename OpT> static LogicalResult printShuffle(KernelPrinter &p, OpT shuffle) {
  return printLaneOp(p, shuffle, shuffle.getValue(), shuffle.getResult(),
                     lanePrefix<OpT>() + shuffleName(shuffle.getKind()), false,
                     shuffle.getLane());
}
LogicalResult msl::printOperation(KernelPrinter &p, SimdShuffleOp op) {
  return printShuffle(p, op);
}
LogicalResult msl::printOperation(KernelPrinter &p, QuadShuffleOp op) {
  return printShuffle(p, op);
}

LogicalResult msl::printOperation(KernelPrinter &p, SimdBroadcastOp op) {
  return printLaneOp(p, op, op.getValue(), op.getResult(), "simd_broadcast", false, op.getLane());
}
LogicalResult msl::printOperation(KernelPrinter &p, QuadBroadcastOp op) {
  return printLaneOp(p, op, op.getValue(), op.getResult(), "quad_broadcast", false, op.getLane());
}

//===----------------------------------------------------------------------===//
// Queries, function constants, barriers, matrices
//===----------------------------------------------------------------------===//

LogicalResult msl::printQuery(KernelPrinter &p, Operation *op, unsigned index) {
  std::string rhs = getBuiltinInputs()[index].name.str();
  if (auto dim = op->getAttrOfType<DimAttr>("dim"))
    rhs += "." + std::string(kLaneNames[static_cast<unsigned>(dim.getValue())]);
  return p.declare(op->getResult(0), rhs, op);
}

LogicalResult msl::printOperation(KernelPrinter &p, FunctionConstantOp constant) {
  // Declared at file scope (MSLEmitter.cpp); read into a local like any other value.
  const auto *names = p.plan.functionConstantNames;
  if (!names || !names->count(constant.getIndex()))
    return constant.emitError("cannot translate to MSL: internal error: function constant ")
           << constant.getIndex() << " was not declared";
  return p.declare(constant.getResult(), names->lookup(constant.getIndex()), constant);
}

LogicalResult msl::printOperation(KernelPrinter &p, ThreadgroupBarrierOp barrier) {
  p.ostream() << "threadgroup_barrier(" << memFlags(barrier.getFlags()) << ");\n";
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, SimdgroupBarrierOp barrier) {
  p.ostream() << "simdgroup_barrier(" << memFlags(barrier.getFlags()) << ");\n";
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, MatmulOp matmul) {
  // Metal's `*` with a matrix operand is the linear-algebra product.
  if (failed(p.typeName(matmul.getLhs().getType(), matmul)) ||
      failed(p.typeName(matmul.getRhs().getType(), matmul)))
    return failure();
  return p.declare(matmul.getResult(), p.expr(matmul.getLhs()) + " * " + p.expr(matmul.getRhs()),
                   matmul);
}

LogicalResult msl::printOperation(KernelPrinter &p, DeterminantOp determinant) {
  if (failed(p.typeName(determinant.getMatrix().getType(), determinant)))
    return failure();
  return p.declare(determinant.getResult(), "determinant(" + p.expr(determinant.getMatrix()) + ")",
                   determinant);
}

//===----------------------------------------------------------------------===//
// Atomics
//===----------------------------------------------------------------------===//

namespace {
/// The element an atomic operates on: `&base[linear]` and the C type of the values passed to
/// and returned from the atomic function ("int", "uint" or "float", from the root's element
/// type).
struct AtomicTarget {
  std::string address;
  std::string valueType;

  std::string toAtomic(KernelPrinter &p, Value value) const {
    if (valueType == "int")
      return "int(" + p.expr(value) + ")";
    return p.expr(value);
  }
  std::string fromAtomic(const std::string &e) const {
    if (valueType == "int")
      return "uint(" + e + ")";
    return e;
  }
};
} // namespace

static FailureOr<AtomicTarget> getAtomicTarget(KernelPrinter &p, Operation *op, Value memref,
                                               ValueRange indices) {
  FailureOr<std::string> ref = p.elementRef(memref, indices, op);
  if (failed(ref))
    return failure();
  std::string elem = p.plan.rootElementType(p.plan.rootOf.lookup(memref));
  std::string valueType = elem == "atomic_int" ? "int" : elem == "atomic_uint" ? "uint" : "float";
  return AtomicTarget{"&" + *ref, valueType};
}

/// MSL's atomic functions only take memory_order_relaxed (through MSL 4.0): an ordered
/// atomic is the relaxed one between fences, C++'s fence-based mapping (a release fence
/// before, an acquire fence after). MSL 3.2's atomic_thread_fence only takes seq_cst (up to
/// MSL 4.0), which is both an acquire and a release fence. The fence orders device and
/// threadgroup memory at the scope of the atomic's memory. See docs/msl-translation.md.
static void printFence(KernelPrinter &p, Value memref) {
  auto space = getAddressSpace(llvm::cast<MemRefType>(memref.getType()));
  const char *scope = space && *space == AddressSpace::Threadgroup ? "thread_scope_threadgroup"
                                                                   : "thread_scope_device";
  p.ostream() << "atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, "
                 "memory_order_seq_cst, "
              << scope << ");\n";
}

/// Prints the atomic that `printAtomic` prints between the fences `order` needs.
static LogicalResult printOrdered(KernelPrinter &p, Value memref, MemoryOrder order,
                                  llvm::function_ref<LogicalResult()> printAtomic) {
  if (releases(order))
    printFence(p, memref);
  if (failed(printAtomic()))
    return failure();
  if (acquires(order))
    printFence(p, memref);
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, AtomicRMWOp rmw) {
  FailureOr<AtomicTarget> target = getAtomicTarget(p, rmw, rmw.getMemref(), rmw.getIndices());
  if (failed(target))
    return failure();
  return printOrdered(p, rmw.getMemref(), rmw.getOrder(), [&] {
    std::string call = std::string(atomicName(rmw.getKind())) + "(" + target->address + ", " +
                       target->toAtomic(p, rmw.getValue()) + ", memory_order_relaxed)";
    return p.declare(rmw.getResult(), target->fromAtomic(call), rmw);
  });
}

LogicalResult msl::printOperation(KernelPrinter &p, AtomicLoadOp load) {
  FailureOr<AtomicTarget> target = getAtomicTarget(p, load, load.getMemref(), load.getIndices());
  if (failed(target))
    return failure();
  // seq_cst: a fence before as well, so that a seq_cst store followed by a seq_cst load of
  // another location cannot be reordered (the store-buffering case).
  return printOrdered(p, load.getMemref(), load.getOrder(), [&] {
    return p.declare(load.getResult(),
                     target->fromAtomic("atomic_load_explicit(" + target->address +
                                        ", memory_order_relaxed)"),
                     load);
  });
}

LogicalResult msl::printOperation(KernelPrinter &p, AtomicStoreOp store) {
  FailureOr<AtomicTarget> target =
      getAtomicTarget(p, store, store.getMemref(), store.getIndices());
  if (failed(target))
    return failure();
  return printOrdered(p, store.getMemref(), store.getOrder(), [&] {
    p.ostream() << "atomic_store_explicit(" << target->address << ", "
                << target->toAtomic(p, store.getValue()) << ", memory_order_relaxed);\n";
    return success();
  });
}

LogicalResult msl::printOperation(KernelPrinter &p, AtomicCmpXchgOp cmpxchg) {
  FailureOr<AtomicTarget> target =
      getAtomicTarget(p, cmpxchg, cmpxchg.getMemref(), cmpxchg.getIndices());
  if (failed(target))
    return failure();
  // A float compare-exchange goes through an atomic_uint view, which needs device memory.
  auto space = getAddressSpace(llvm::cast<MemRefType>(cmpxchg.getMemref().getType()));
  bool isFloat = target->valueType == "float";
  if (isFloat && (!space || *space != AddressSpace::Device))
    return emitUnsupported(cmpxchg, "f32 compare-exchange is only expressible on device memory");
  // The success order's release part precedes the loop, its acquire part (which covers the
  // failure order's, never stronger) follows it.
  return printOrdered(p, cmpxchg.getMemref(), cmpxchg.getOrder(), [&] {
    raw_indented_ostream &os = p.ostream();
    // Metal only has the weak compare-exchange: retry while it fails spuriously, i.e. while
    // the value it observed is still the expected one.
    std::string expected = p.plan.tempNames.lookup(cmpxchg);
    if (isFloat) {
      // Compare-exchange is defined on the bits (like C++'s), and Metal has it for
      // atomic_uint, not atomic_float: exchange the bits through an atomic_uint view of the
      // same device memory.
      std::string expectedBits = "as_type<uint>(" + p.expr(cmpxchg.getExpected()) + ")";
      os << "uint " << expected << " = " << expectedBits << ";\n";
      os << "while (!atomic_compare_exchange_weak_explicit((device atomic_uint*)"
         << target->address << ", &" << expected << ", as_type<uint>("
         << p.expr(cmpxchg.getValue()) << "), memory_order_relaxed, memory_order_relaxed) && "
         << expected << " == " << expectedBits << ") {\n";
      os << "}\n";
      return p.declare(cmpxchg.getResult(), "as_type<float>(" + expected + ")", cmpxchg);
    }
    std::string expectedIn = target->toAtomic(p, cmpxchg.getExpected());
    os << target->valueType << " " << expected << " = " << expectedIn << ";\n";
    os << "while (!atomic_compare_exchange_weak_explicit(" << target->address << ", &"
       << expected << ", " << target->toAtomic(p, cmpxchg.getValue())
       << ", memory_order_relaxed, memory_order_relaxed) && " << expected << " == " << expectedIn
       << ") {\n";
    os << "}\n";
    return p.declare(cmpxchg.getResult(), target->fromAtomic(expected), cmpxchg);
  });
}

//===----------------------------------------------------------------------===//
// SIMD-group matrices
//===----------------------------------------------------------------------===//

/// "&base[linear]" for a SIMD-group matrix load/store (device or threadgroup memory).
static FailureOr<std::string> matrixAddress(KernelPrinter &p, Operation *op, Value memref,
                                            ValueRange indices) {
  auto type = llvm::cast<MemRefType>(memref.getType());
  std::optional<AddressSpace> space = getAddressSpace(type);
  if (!space || (*space != AddressSpace::Device && *space != AddressSpace::Threadgroup))
    return emitUnsupported(op, "simdgroup_load/simdgroup_store take device or threadgroup "
                               "memory");
  FailureOr<std::string> ref = p.elementRef(memref, indices, op);
  if (failed(ref))
    return failure();
  return "&" + *ref;
}

LogicalResult msl::printOperation(KernelPrinter &p, SimdgroupMatrixFillOp fill) {
  FailureOr<std::string> t = p.typeName(fill.getType(), fill);
  FailureOr<std::string> elem = p.typeName(fill.getValue().getType(), fill);
  if (failed(t) || failed(elem))
    return failure();
  return p.declare(fill.getResult(),
                   "make_filled_simdgroup_matrix<" + *elem + ", 8, 8>(" +
                       p.expr(fill.getValue()) + ")",
                   fill);
}

/// `, ulong(stride), ulong2(0, 0), transpose);`: the tail of simdgroup_load/simdgroup_store.
static std::string matrixAccessTail(KernelPrinter &p, Value stride, bool transpose) {
  return ", ulong(" + p.expr(stride) + "), ulong2(0, 0), " + (transpose ? "true" : "false") +
         ");\n";
}

LogicalResult msl::printOperation(KernelPrinter &p, SimdgroupMatrixLoadOp load) {
  FailureOr<std::string> t = p.typeName(load.getType(), load);
  FailureOr<std::string> address = matrixAddress(p, load, load.getMemref(), load.getIndices());
  if (failed(t) || failed(address))
    return failure();
  std::string result = p.nameOf(load.getResult());
  p.ostream() << *t << " " << result << ";\n";
  p.ostream() << "simdgroup_load(" << result << ", " << *address
              << matrixAccessTail(p, load.getStride(), load.getTranspose());
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, SimdgroupMatrixStoreOp store) {
  FailureOr<std::string> address =
      matrixAddress(p, store, store.getMemref(), store.getIndices());
  if (failed(address) || failed(p.typeName(store.getValue().getType(), store)))
    return failure();
  p.ostream() << "simdgroup_store(" << p.expr(store.getValue()) << ", " << *address
              << matrixAccessTail(p, store.getStride(), store.getTranspose());
  return success();
}

LogicalResult msl::printOperation(KernelPrinter &p, SimdgroupMatrixMultiplyAccumulateOp mma) {
  FailureOr<std::string> t = p.typeName(mma.getType(), mma);
  if (failed(t))
    return failure();
  std::string result = p.nameOf(mma.getResult());
  p.ostream() << *t << " " << result << ";\n";
  p.ostream() << "simdgroup_multiply_accumulate(" << result << ", " << p.expr(mma.getA()) << ", "
              << p.expr(mma.getB()) << ", " << p.expr(mma.getC()) << ");\n";
  return success();
}
