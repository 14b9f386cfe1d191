//===- EmitEnigma.cpp - enigma operations as MSL --------------------------===//
//
// Thread queries read the builtin parameters the signature declares; barriers, cross-lane
// operations, atomics and SIMD-group matrices print as the Metal functions of the same names.
// Cross-lane and atomic operations are limited to the element types Metal's functions accept
// (others are errors, not conversions).
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

#include "llvm/ADT/TypeSwitch.h"

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

namespace {
struct EnigmaEmitter {
  KernelPrinter &p;
  Operation *op;

  /// `fn(value[, ushort(lane)])`; a signed integer min/max reads the value as signed.
  LogicalResult laneOp(Value value, Value result, const std::string &fn, bool isSignedMinMax,
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

  /// The C value passed to / returned from an atomic of the root's element type.
  std::string atomicValueType(Value root) {
    std::string elem = p.plan.rootElementType(root);
    if (elem == "atomic_int")
      return "int";
    if (elem == "atomic_uint")
      return "uint";
    return "float";
  }

  FailureOr<std::pair<std::string, std::string>> atomicTarget(Value memref, ValueRange indices) {
    FailureOr<std::string> ref = p.elementRef(memref, indices, op);
    if (failed(ref))
      return failure();
    Value root = p.plan.rootOf.lookup(memref);
    return std::make_pair("&" + *ref, atomicValueType(root));
  }

  std::string toAtomicValue(Value value, const std::string &valueType) {
    if (valueType == "int")
      return "int(" + p.expr(value) + ")";
    return p.expr(value);
  }

  std::string fromAtomicValue(const std::string &e, const std::string &valueType) {
    if (valueType == "int")
      return "uint(" + e + ")";
    return e;
  }

  /// MSL's atomic functions only take memory_order_relaxed (through MSL 4.0): an ordered
  /// atomic is the relaxed one between fences, C++'s fence-based mapping (a release fence
  /// before, an acquire fence after). MSL 3.2's atomic_thread_fence only takes seq_cst (up to
  /// MSL 4.0), which is both an acquire and a release fence. The fence orders device and
  /// threadgroup memory at the scope of the atomic's memory. See docs/msl-translation.md.
  void fence(Value memref) {
    auto space = getAddressSpace(llvm::cast<MemRefType>(memref.getType()));
    const char *scope = space && *space == AddressSpace::Threadgroup ? "thread_scope_threadgroup"
                                                                     : "thread_scope_device";
    p.indent() << "atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, "
                  "memory_order_seq_cst, "
               << scope << ");\n";
  }
  void fenceBefore(Value memref, MemoryOrder order) {
    if (releases(order))
      fence(memref);
  }
  void fenceAfter(Value memref, MemoryOrder order) {
    if (acquires(order))
      fence(memref);
  }

  /// "&base[linear]" for a SIMD-group matrix load/store (device or threadgroup memory).
  FailureOr<std::string> matrixAddress(Value memref, ValueRange indices) {
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
};
} // namespace

LogicalResult KernelPrinter::emitEnigmaOp(Operation *op) {
  if (isMetalBuiltinOp(op))
    return emitBuiltinOp(op);
  if (isAsyncCopyOp(op))
    return emitAsyncCopyOp(op);
  EnigmaEmitter e{*this, op};
  if (std::optional<Builtin> builtin = getQueryBuiltin(op)) {
    std::string rhs = getBuiltinName(*builtin);
    if (auto dim = op->getAttrOfType<DimAttr>("dim"))
      rhs += "." + std::string(kLaneNames[static_cast<unsigned>(dim.getValue())]);
    return declare(op->getResult(0), rhs, op);
  }
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ReturnOp) { return success(); })
      .Case([&](ThreadgroupAllocOp) { return success(); }) // declared at kernel scope
      .Case([&](FunctionConstantOp constant) -> LogicalResult {
        // Declared at file scope (MSLEmitter.cpp); read into a local like any other value.
        const auto *names = plan.functionConstantNames;
        if (!names || !names->count(constant.getIndex()))
          return op->emitError("cannot translate to MSL: internal error: function constant ")
                 << constant.getIndex() << " was not declared";
        return declare(constant.getResult(), names->lookup(constant.getIndex()), op);
      })
      .Case([&](ThreadgroupBarrierOp barrier) {
        indent() << "threadgroup_barrier(" << memFlags(barrier.getFlags()) << ");\n";
        return success();
      })
      .Case([&](SimdgroupBarrierOp barrier) {
        indent() << "simdgroup_barrier(" << memFlags(barrier.getFlags()) << ");\n";
        return success();
      })
      .Case<SimdReduceOp, QuadReduceOp>([&](auto reduce) {
        bool isMinMax = reduce.getKind() == ReduceKind::Min || reduce.getKind() == ReduceKind::Max;
        std::string fn = std::string(llvm::isa<SimdReduceOp>(op) ? "simd_" : "quad_") +
                         reduceName(reduce.getKind());
        return e.laneOp(reduce.getValue(), reduce.getResult(), fn,
                        isMinMax && !reduce.getIsUnsigned(), std::nullopt);
      })
      .Case<SimdScanOp, QuadScanOp>([&](auto scan) {
        std::string fn =
            std::string(llvm::isa<SimdScanOp>(op) ? "simd_" : "quad_") + scanName(scan.getKind());
        return e.laneOp(scan.getValue(), scan.getResult(), fn, false, std::nullopt);
      })
      .Case<SimdShuffleOp, QuadShuffleOp>([&](auto shuffle) {
        std::string fn = std::string(llvm::isa<SimdShuffleOp>(op) ? "simd_" : "quad_") +
                         shuffleName(shuffle.getKind());
        return e.laneOp(shuffle.getValue(), shuffle.getResult(), fn, false, shuffle.getLane());
      })
      .Case<SimdBroadcastOp, QuadBroadcastOp>([&](auto broadcast) {
        return e.laneOp(broadcast.getValue(), broadcast.getResult(),
                        llvm::isa<SimdBroadcastOp>(op) ? "simd_broadcast" : "quad_broadcast", false,
                        broadcast.getLane());
      })
      .Case([&](MatmulOp matmul) -> LogicalResult {
        // Metal's `*` with a matrix operand is the linear-algebra product.
        if (failed(typeName(matmul.getLhs().getType(), op)) ||
            failed(typeName(matmul.getRhs().getType(), op)))
          return failure();
        return declare(matmul.getResult(), expr(matmul.getLhs()) + " * " + expr(matmul.getRhs()),
                       op);
      })
      .Case([&](DeterminantOp determinant) -> LogicalResult {
        if (failed(typeName(determinant.getMatrix().getType(), op)))
          return failure();
        return declare(determinant.getResult(),
                       "determinant(" + expr(determinant.getMatrix()) + ")", op);
      })
      .Case([&](AtomicRMWOp rmw) -> LogicalResult {
        auto target = e.atomicTarget(rmw.getMemref(), rmw.getIndices());
        if (failed(target))
          return failure();
        auto [address, valueType] = *target;
        e.fenceBefore(rmw.getMemref(), rmw.getOrder());
        std::string call = std::string(atomicName(rmw.getKind())) + "(" + address + ", " +
                           e.toAtomicValue(rmw.getValue(), valueType) + ", memory_order_relaxed)";
        if (failed(declare(rmw.getResult(), e.fromAtomicValue(call, valueType), op)))
          return failure();
        e.fenceAfter(rmw.getMemref(), rmw.getOrder());
        return success();
      })
      .Case([&](AtomicLoadOp load) -> LogicalResult {
        auto target = e.atomicTarget(load.getMemref(), load.getIndices());
        if (failed(target))
          return failure();
        auto [address, valueType] = *target;
        // seq_cst: a fence before as well, so that a seq_cst store followed by a seq_cst load
        // of another location cannot be reordered (the store-buffering case).
        e.fenceBefore(load.getMemref(), load.getOrder());
        if (failed(declare(
                load.getResult(),
                e.fromAtomicValue("atomic_load_explicit(" + address + ", memory_order_relaxed)",
                                  valueType),
                op)))
          return failure();
        e.fenceAfter(load.getMemref(), load.getOrder());
        return success();
      })
      .Case([&](AtomicStoreOp store) -> LogicalResult {
        auto target = e.atomicTarget(store.getMemref(), store.getIndices());
        if (failed(target))
          return failure();
        auto [address, valueType] = *target;
        e.fenceBefore(store.getMemref(), store.getOrder());
        indent() << "atomic_store_explicit(" << address << ", "
                 << e.toAtomicValue(store.getValue(), valueType) << ", memory_order_relaxed);\n";
        e.fenceAfter(store.getMemref(), store.getOrder());
        return success();
      })
      .Case([&](AtomicCmpXchgOp cmpxchg) -> LogicalResult {
        auto target = e.atomicTarget(cmpxchg.getMemref(), cmpxchg.getIndices());
        if (failed(target))
          return failure();
        auto [address, valueType] = *target;
        // The success order's release part precedes the loop, its acquire part (which covers
        // the failure order's, never stronger) follows it.
        e.fenceBefore(cmpxchg.getMemref(), cmpxchg.getOrder());
        // Metal only has the weak compare-exchange: retry while it fails spuriously, i.e.
        // while the value it observed is still the expected one.
        std::string expected = plan.tempNames.lookup(op);
        if (valueType == "float") {
          // Compare-exchange is defined on the bits (like C++'s), and Metal has it for
          // atomic_uint, not atomic_float: exchange the bits through an atomic_uint view of
          // the same device memory.
          auto space = getAddressSpace(llvm::cast<MemRefType>(cmpxchg.getMemref().getType()));
          if (!space || *space != AddressSpace::Device)
            return emitUnsupported(op, "f32 compare-exchange is only expressible on device "
                                       "memory");
          std::string expectedBits = "as_type<uint>(" + expr(cmpxchg.getExpected()) + ")";
          indent() << "uint " << expected << " = " << expectedBits << ";\n";
          indent() << "while (!atomic_compare_exchange_weak_explicit((device atomic_uint*)"
                   << address << ", &" << expected << ", as_type<uint>(" << expr(cmpxchg.getValue())
                   << "), memory_order_relaxed, memory_order_relaxed) && " << expected
                   << " == " << expectedBits << ") {\n";
          indent() << "}\n";
          if (failed(declare(cmpxchg.getResult(), "as_type<float>(" + expected + ")", op)))
            return failure();
          e.fenceAfter(cmpxchg.getMemref(), cmpxchg.getOrder());
          return success();
        }
        std::string expectedIn = e.toAtomicValue(cmpxchg.getExpected(), valueType);
        indent() << valueType << " " << expected << " = " << expectedIn << ";\n";
        indent() << "while (!atomic_compare_exchange_weak_explicit(" << address << ", &" << expected
                 << ", " << e.toAtomicValue(cmpxchg.getValue(), valueType)
                 << ", memory_order_relaxed, memory_order_relaxed) && " << expected
                 << " == " << expectedIn << ") {\n";
        indent() << "}\n";
        if (failed(declare(cmpxchg.getResult(), e.fromAtomicValue(expected, valueType), op)))
          return failure();
        e.fenceAfter(cmpxchg.getMemref(), cmpxchg.getOrder());
        return success();
      })
      .Case([&](SimdgroupMatrixFillOp fill) -> LogicalResult {
        FailureOr<std::string> t = typeName(fill.getType(), op);
        FailureOr<std::string> elem = typeName(fill.getValue().getType(), op);
        if (failed(t) || failed(elem))
          return failure();
        return declare(
            fill.getResult(),
            "make_filled_simdgroup_matrix<" + *elem + ", 8, 8>(" + expr(fill.getValue()) + ")", op);
      })
      .Case([&](SimdgroupMatrixLoadOp load) -> LogicalResult {
        FailureOr<std::string> t = typeName(load.getType(), op);
        FailureOr<std::string> address = e.matrixAddress(load.getMemref(), load.getIndices());
        if (failed(t) || failed(address))
          return failure();
        indent() << *t << " " << nameOf(load.getResult()) << ";\n";
        indent() << "simdgroup_load(" << nameOf(load.getResult()) << ", " << *address << ", ulong("
                 << expr(load.getStride()) << "), ulong2(0, 0), "
                 << (load.getTranspose() ? "true" : "false") << ");\n";
        return success();
      })
      .Case([&](SimdgroupMatrixStoreOp store) -> LogicalResult {
        FailureOr<std::string> address = e.matrixAddress(store.getMemref(), store.getIndices());
        if (failed(address) || failed(typeName(store.getValue().getType(), op)))
          return failure();
        indent() << "simdgroup_store(" << expr(store.getValue()) << ", " << *address << ", ulong("
                 << expr(store.getStride()) << "), ulong2(0, 0), "
                 << (store.getTranspose() ? "true" : "false") << ");\n";
        return success();
      })
      .Case([&](SimdgroupMatrixMultiplyAccumulateOp mma) -> LogicalResult {
        FailureOr<std::string> t = typeName(mma.getType(), op);
        if (failed(t))
          return failure();
        indent() << *t << " " << nameOf(mma.getResult()) << ";\n";
        indent() << "simdgroup_multiply_accumulate(" << nameOf(mma.getResult()) << ", "
                 << expr(mma.getA()) << ", " << expr(mma.getB()) << ", " << expr(mma.getC())
                 << ");\n";
        return success();
      })
      .Default([&](Operation *) { return emitUnsupported(op); });
}
