//===- EmitAsyncCopy.cpp - SIMD-group async copies as MSL -----------------===//
//
// Metal has no documented API for its SIMD-group asynchronous copies; the AIR intrinsics exist
// (Apple's own kernels use them) and MSL can bind them by declaring functions with their AIR
// names as assembler labels, the technique of Philip Turner's metal_simdgroup_event header and
// of the reference DSL. The declarations are written once at file scope (a struct declared in a
// function has no linkage, which the intrinsic signatures need):
//
//   struct _simdgroup_event_t;
//   thread _simdgroup_event_t* __enigma_async_copy_1d_d2t(ulong, ulong,
//       ENIGMA_AIR_THREADGROUP void*, const device void*, ulong)
//       __asm("air.simdgroup_async_copy_1d.p3i8.p1i8");
//   ...
//
// ENIGMA_AIR_THREADGROUP is `threadgroup` (defined just before, unless already defined): the
// CPU runtime's header defines it empty because it maps `threadgroup` to a static thread_local
// declaration, which a pointer parameter cannot be.
//
// Each copy becomes one call whose pointers are `&buffer[offset]` (implicitly converted to the
// void pointers of the signature), and each wait one call of air.wait_simdgroup_events.
//
//===----------------------------------------------------------------------===//

#include "MSLImpl.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::enigma;
using namespace mlir::enigma::msl;

static constexpr const char *kEventType = "thread _simdgroup_event_t*";

static bool isAsyncCopyOp(Operation *op) {
  return llvm::isa<AsyncCopy1dD2TOp, AsyncCopy1dT2DOp, AsyncCopy2dD2TOp, AsyncCopy2dT2DOp,
                   AsyncCopyWaitOp>(op);
}

std::optional<std::pair<Value, Value>> msl::getAsyncCopyMemRefs(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<std::pair<Value, Value>>>(op)
      .Case<AsyncCopy1dD2TOp, AsyncCopy1dT2DOp, AsyncCopy2dD2TOp, AsyncCopy2dT2DOp>(
          [](auto copy) { return std::make_pair(copy.getDst(), copy.getSrc()); })
      .Default([](Operation *) { return std::nullopt; });
}

void msl::emitAsyncCopyDeclarations(llvm::ArrayRef<Operation *> tops, llvm::raw_ostream &os) {
  bool used = false;
  for (Operation *top : tops)
    top->walk([&](Operation *op) {
      if (!isAsyncCopyOp(op))
        return WalkResult::advance();
      used = true;
      return WalkResult::interrupt();
    });
  if (!used)
    return;
  // The 2-D signature: element size and alignment; destination pointer, elements per row, a
  // 1 (Metal's headers pass 1 here), tile (width, height); the same for the source; an origin
  // offset (long2) and the clamp mode (0: clamp to zero).
  os << "\n// SIMD-group async copies: Metal's AIR intrinsics, bound by name (undocumented;\n"
        "// Apple GPU family 9, M3 and later).\n"
        "#ifndef ENIGMA_AIR_THREADGROUP\n"
        "#define ENIGMA_AIR_THREADGROUP threadgroup\n"
        "#endif\n"
        "struct _simdgroup_event_t;\n"
        "thread _simdgroup_event_t* __enigma_async_copy_1d_d2t(ulong, ulong, "
        "ENIGMA_AIR_THREADGROUP void*, const device void*, ulong)\n"
        "    __asm(\"air.simdgroup_async_copy_1d.p3i8.p1i8\");\n"
        "thread _simdgroup_event_t* __enigma_async_copy_1d_t2d(ulong, ulong, device void*, "
        "const ENIGMA_AIR_THREADGROUP void*, ulong)\n"
        "    __asm(\"air.simdgroup_async_copy_1d.p1i8.p3i8\");\n"
        "thread _simdgroup_event_t* __enigma_async_copy_2d_d2t(ulong, ulong, "
        "ENIGMA_AIR_THREADGROUP void*, ulong, ulong, ulong2, const device void*, ulong, ulong, "
        "ulong2, long2, int)\n"
        "    __asm(\"air.simdgroup_async_copy_2d.p3i8.p1i8\");\n"
        "thread _simdgroup_event_t* __enigma_async_copy_2d_t2d(ulong, ulong, device void*, "
        "ulong, ulong, ulong2, const ENIGMA_AIR_THREADGROUP void*, ulong, ulong, ulong2, long2, "
        "int)\n"
        "    __asm(\"air.simdgroup_async_copy_2d.p1i8.p3i8\");\n"
        "void __enigma_wait_simdgroup_events(int, thread _simdgroup_event_t**)\n"
        "    __asm(\"air.wait_simdgroup_events\");\n";
}

/// `&memref[offset]`: the address of the first element copied.
static FailureOr<std::string> copyAddress(KernelPrinter &p, Operation *op, Value memref,
                                          Value offset) {
  FailureOr<std::string> ref = p.elementRef(memref, ValueRange{offset}, op);
  if (failed(ref))
    return failure();
  return "&" + *ref;
}

/// The operands every copy starts with: element size and alignment, and the destination and
/// source addresses (`size, dst, src`; the 2-D copy puts more between dst and src).
struct CopyOperands {
  std::string size, dst, src;
};

template <typename OpT>
static FailureOr<CopyOperands> getCopyOperands(KernelPrinter &p, OpT copy) {
  FailureOr<std::string> elem =
      p.typeName(llvm::cast<MemRefType>(copy.getDst().getType()).getElementType(), copy);
  FailureOr<std::string> dst = copyAddress(p, copy, copy.getDst(), copy.getDstOffset());
  FailureOr<std::string> src = copyAddress(p, copy, copy.getSrc(), copy.getSrcOffset());
  if (failed(elem) || failed(dst) || failed(src))
    return failure();
  return CopyOperands{"sizeof(" + *elem + "), alignof(" + *elem + ")", *dst, *src};
}

static LogicalResult declareEvent(KernelPrinter &p, Value event, const std::string &call) {
  p.ostream() << kEventType << " " << p.nameOf(event) << " = " << call << ";\n";
  return success();
}

template <typename OpT>
static LogicalResult printCopy1d(KernelPrinter &p, OpT copy, llvm::StringRef fn) {
  FailureOr<CopyOperands> o = getCopyOperands(p, copy);
  if (failed(o))
    return failure();
  return declareEvent(p, copy.getEvent(),
                      fn.str() + "(" + o->size + ", " + o->dst + ", " + o->src + ", ulong(" +
                          p.expr(copy.getCount()) + "))");
}

template <typename OpT>
static LogicalResult printCopy2d(KernelPrinter &p, OpT copy, llvm::StringRef fn) {
  FailureOr<CopyOperands> o = getCopyOperands(p, copy);
  if (failed(o))
    return failure();
  std::string tile =
      "ulong2(ulong(" + p.expr(copy.getCols()) + "), ulong(" + p.expr(copy.getRows()) + "))";
  return declareEvent(p, copy.getEvent(),
                      fn.str() + "(" + o->size + ", " + o->dst + ", ulong(" +
                          p.expr(copy.getDstRowStride()) + "), 1, " + tile + ", " + o->src +
                          ", ulong(" + p.expr(copy.getSrcRowStride()) + "), 1, " + tile +
                          ", long2(0), 0)");
}

LogicalResult msl::printOperation(KernelPrinter &p, AsyncCopy1dD2TOp copy) {
  return printCopy1d(p, copy, "__enigma_async_copy_1d_d2t");
}
LogicalResult msl::printOperation(KernelPrinter &p, AsyncCopy1dT2DOp copy) {
  return printCopy1d(p, copy, "__enigma_async_copy_1d_t2d");
}
LogicalResult msl::printOperation(KernelPrinter &p, AsyncCopy2dD2TOp copy) {
  return printCopy2d(p, copy, "__enigma_async_copy_2d_d2t");
}
LogicalResult msl::printOperation(KernelPrinter &p, AsyncCopy2dT2DOp copy) {
  return printCopy2d(p, copy, "__enigma_async_copy_2d_t2d");
}

LogicalResult msl::printOperation(KernelPrinter &p, AsyncCopyWaitOp wait) {
  raw_indented_ostream &os = p.ostream();
  auto events = wait.getEvents();
  if (events.size() == 1) {
    os << "__enigma_wait_simdgroup_events(1, &" << p.nameOf(events[0]) << ");\n";
    return success();
  }
  // A block of its own: the array's name (reserved, never a kernel variable's) does not
  // outlive the call.
  os << "{\n";
  {
    raw_indented_ostream::DelimitedScope scope(os);
    os << kEventType << " __enigma_events[] = {";
    llvm::interleaveComma(events, os, [&](Value event) { os << p.nameOf(event); });
    os << "};\n";
    os << "__enigma_wait_simdgroup_events(" << events.size() << ", __enigma_events);\n";
  }
  os << "}\n";
  return success();
}
