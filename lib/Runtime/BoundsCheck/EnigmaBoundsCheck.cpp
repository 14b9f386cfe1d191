//===- EnigmaBoundsCheck.cpp - Exact buffer bounds checks for CPU kernels -===//
//
// An LLVM pass plugin that the CPU runtime loads into the host clang when it
// compiles a kernel (clang++ -fpass-plugin=EnigmaBoundsCheck.so). It makes the
// runtime's out-of-bounds detection exact: guard pages alone cannot see an
// access in the few bytes between a buffer's end and the next page boundary
// (the buffer's start is 16-byte aligned, as in Metal), nor one just before
// its start on the same page.
//
// The pass runs at the end of the optimization pipeline (so it checks the
// accesses that remain, with their final sizes: a vectorized float4 load is
// one 16-byte check) and guards every load, store, atomic, memory intrinsic
// (memcpy, memset...) and masked or gathered vector access whose address may
// point into a kernel buffer. Accesses whose address provably comes from the
// stack, a global or thread_local (threadgroup memory) variable, or the
// runtime's threadgroup descriptor (and what its callbacks return) are left
// alone.
//
// Where the address provably derives from kernel parameter k (the launcher
// passes each parameter through a marker call, __enigma_param(p, k), that the
// pass recognizes and then removes; kernels that are not inlined into the
// launcher are followed through their call sites), the check is inline:
//
//   off = (uintptr)ptr - __enigma_param_bounds[k].lo   (stores: __enigma_param_write_bounds)
//   if (off > .size || off + size > .size)                     ; unlikely
//     __enigma_param_bounds_fail(ptr, size, access, k, where)  ; access: 1 read, 2 write, 3 both
//
// which reports the access against parameter k's buffer wherever it lands
// (even beyond the guard regions). Any other address gets a call
// __enigma_bounds_check(ptr, size, access, where), which looks the address up in the
// launch's table of guarded buffers and reports it when it falls in a
// buffer's guarded region but not entirely inside the buffer's bytes. Reports
// go to the scheduler, which names the kernel, buffer, index and thread, and
// `where`: the access's source position ("shift.metal:6:10", or the file and
// line a #line directive gave) when the kernel has debug line tables (the
// runtime compiles exact kernels with -gline-tables-only), else null. Masked and gathered accesses
// are checked lane by lane, for the enabled lanes only (a disabled lane passes a null pointer,
// which the check ignores). The launcher defines both symbols (ENIGMA_CPU_DEFINE_BOUNDS_CHECK in
// enigma/Runtime/MetalLaunch.h) as forwarders to the scheduler's slow paths; the pass never
// instruments the check.
//
// At the start of the pipeline, InternalizeKernelPass makes the module's hidden external
// functions internal (the kernel's .so exports only enigma_cpu_* symbols), so the kernel is
// compiled only where the launcher inlines it.
//
// Integer divisions and remainders whose divisor may be zero (or, signed, -1
// with a dividend that may be INT_MIN) get a check too: the host traps on
// them, and this way the report names the source position
// (__enigma_trap(kind, where): 1 division by zero, 2 INT_MIN / -1).
//
// Race checking (docs/cpu-runtime.md#race-checking): when the module defines
// __enigma_race_access (enigma/Runtime/MetalRaceCheck.h does, for kernels compiled with
// -DENIGMA_CPU_RACE_CHECK), every load, store, atomic and memory intrinsic that may touch a
// buffer or a kernel-scope `threadgroup` variable (a thread_local global outside the header's
// namespace) also calls
//
//   __enigma_race_access(ptr, size, flags, where, tgBase, tgName, tgSize)
//
// after its bounds check: flags are 1 read, 2 write, 4 atomic, 8 threadgroup memory, 16 done
// whole by every lane (simdgroup_matrix loads and stores, MetalSimdgroupMatrix.h), 64 an async
// copy (MetalAsyncCopy*.h), 32 (no access) the launcher declaring a threadgroup variable; for
// threadgroup memory tgBase/tgName/tgSize are the variable's address (in the calling OS
// thread), its source name and size. A second pass, at the start of the pipeline, puts
// __enigma_race_barrier(mem_flags) before every call of metal::threadgroup_barrier, whose
// argument inlining would erase.
//
// The pass is also registered as `enigma-bounds-check` for
// `opt -load-pass-plugin=... -passes=enigma-bounds-check` (lit tests).
//
//===----------------------------------------------------------------------===//

#include "llvm/Analysis/ValueTracking.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Plugins/PassPlugin.h"
#include "llvm/Support/Path.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

using namespace llvm;

// Lanes.cpp: the lane-loop form of kernels with SIMD-group functions.
PreservedAnalyses enigmaLanesRun(Module &m, ModuleAnalysisManager &mam);
PreservedAnalyses enigmaLanesPrune(Module &m);

namespace {

/// The functions of the lane-loop form (Lanes.cpp, enigma/Runtime/MetalLaunch.h): the step's
/// arguments are the descriptor, the thread and its runtime-owned frame and exchange area; the
/// driver is the runtime's own code.
constexpr StringLiteral kLanesStepName = "__enigma_lanes_step";
constexpr StringLiteral kLanesDriverName = "enigma_cpu_run_lanes";

struct LanesPass : PassInfoMixin<LanesPass> {
  PreservedAnalyses run(Module &m, ModuleAnalysisManager &mam) { return enigmaLanesRun(m, mam); }
  static bool isRequired() { return true; }
};
struct LanesPrunePass : PassInfoMixin<LanesPrunePass> {
  PreservedAnalyses run(Module &m, ModuleAnalysisManager &) { return enigmaLanesPrune(m); }
  static bool isRequired() { return true; }
};

constexpr StringLiteral kCheckName = "__enigma_bounds_check";
constexpr StringLiteral kParamFailName = "__enigma_param_bounds_fail";
constexpr StringLiteral kTrapName = "__enigma_trap";
constexpr uint32_t kTrapDivideByZero = 1, kTrapDivideOverflow = 2;
constexpr StringLiteral kMarkerName = "__enigma_param";
constexpr StringLiteral kParamTableName = "__enigma_param_bounds";
constexpr StringLiteral kParamWriteTableName = "__enigma_param_write_bounds";
constexpr StringLiteral kLauncherName = "enigma_cpu_run";
/// Mangled prefix of the Metal header's internal namespace, metal::__enigma.
constexpr StringLiteral kHeaderNamespacePrefix = "_ZN5metal8__enigma";
/// metal::__enigma::__exchange(const void*, unsigned, unsigned long*): returns exchange slots.
constexpr StringLiteral kExchangeName = "_ZN5metal8__enigma10__exchangeE";
constexpr uint32_t kRead = 1, kWrite = 2;
/// Race checking (see the file comment): defined by enigma/Runtime/MetalRaceCheck.h when the
/// kernel is compiled with ENIGMA_CPU_RACE_CHECK; their presence turns the mode on.
constexpr StringLiteral kRaceAccessName = "__enigma_race_access";
constexpr StringLiteral kRaceBarrierName = "__enigma_race_barrier";
/// metal::threadgroup_barrier(metal::mem_flags), before inlining.
constexpr StringLiteral kBarrierName = "_ZN5metal19threadgroup_barrierENS_9mem_flagsE";
/// Real address spaces: globals to make thread_local, and the marker of guard-pages-only
/// kernels (enigma/Runtime/MetalAddressSpaces.h).
constexpr StringLiteral kThreadLocalAnnotation = "enigma.thread_local";
constexpr StringLiteral kGuardPagesOnlyName = "__enigma_guard_pages_only";
constexpr uint32_t kRaceAtomic = 4, kRaceThreadgroup = 8, kRaceSimdgroup = 16, kRaceDeclare = 32,
                   kRaceAsyncCopy = 64;

/// Where an address may point.
struct Origin {
  /// Threadgroup: a kernel-scope `threadgroup` variable (a thread_local global that is not
  /// the header's); not a buffer, but the race check watches it.
  enum Kind { NotBuffer, Param, Unknown, Threadgroup } kind;
  unsigned param = 0;                 // for Param
  const GlobalVariable *tg = nullptr; // for Threadgroup
  bool operator==(const Origin &o) const {
    return kind == o.kind && (kind != Param || param == o.param) &&
           (kind != Threadgroup || tg == o.tg);
  }
  /// Whether a bounds check is needed (threadgroup memory is never a buffer).
  bool mayBeBuffer() const { return kind == Param || kind == Unknown; }
};

/// The enabled lanes of a scalable masked load/store/gather/scatter, checked one by one in a
/// loop before `at` (the number of lanes is only known at run time).
struct LaneCheck {
  IntrinsicInst *at;
  Value *addr; // the base pointer, or the vector of pointers (gather)
  Value *mask;
  bool gather;
  uint64_t elemBytes, stride;
  uint32_t access;
};

/// One check to insert before `at`.
struct Check {
  Instruction *at;
  Value *ptr;
  Value *size; // i64
  uint32_t access;
  Origin origin;
};

/// Whether the module was compiled for race checking: it defines the race hook.
static bool raceMode(const Module &m) {
  const Function *f = m.getFunction(kRaceAccessName);
  return f && !f->isDeclaration();
}

class Instrumenter {
public:
  explicit Instrumenter(Module &m)
      : mod(m), dl(m.getDataLayout()), ctx(m.getContext()), i8(Type::getInt8Ty(ctx)),
        i32(Type::getInt32Ty(ctx)), i64(Type::getInt64Ty(ctx)),
        intPtr(m.getDataLayout().getIntPtrType(m.getContext())) {
    ptrTy = PointerType::getUnqual(ctx);
    check = m.getOrInsertFunction(kCheckName, Type::getVoidTy(ctx), ptrTy, i64, i32, ptrTy);
    paramFail =
        m.getOrInsertFunction(kParamFailName, Type::getVoidTy(ctx), ptrTy, i64, i32, i32, ptrTy);
    trap = m.getOrInsertFunction(kTrapName, Type::getVoidTy(ctx), i32, ptrTy);
    paramTable = m.getGlobalVariable(kParamTableName, /*AllowInternal=*/true);
    paramWriteTable = m.getGlobalVariable(kParamWriteTableName, /*AllowInternal=*/true);
    marker = m.getFunction(kMarkerName);
    if (raceMode(m))
      raceAccess = m.getOrInsertFunction(kRaceAccessName, Type::getVoidTy(ctx), ptrTy, i64, i32,
                                         ptrTy, ptrTy, ptrTy, i64);
  }

  bool run(Function &f);
  /// Replaces every marker call by the pointer it marks.
  bool removeMarkers();
  /// Race checking: the launcher declares every threadgroup variable when it starts.
  bool declareThreadgroupVariables();

private:
  Origin originOf(const Value *ptr, unsigned depth = 0) const;
  Origin originOfObject(const Value *obj, unsigned depth) const;
  /// The store size of `t` as an i64 (vscale * N, computed before `at`, for scalable types).
  Value *bytes(Type *t, Instruction *at) const {
    TypeSize size = dl.getTypeStoreSize(t);
    if (!size.isScalable())
      return ConstantInt::get(i64, size.getFixedValue());
    return IRBuilder<>(at).CreateTypeSize(i64, size);
  }
  void collect(Instruction &inst, SmallVectorImpl<Check> &out);
  void collectMasked(IntrinsicInst &ii, SmallVectorImpl<Check> &out);
  void emit(const Check &c);
  void emitRace(const Check &c);
  void emitBounds(const Check &c);
  /// A threadgroup variable's source name, as a string constant.
  Constant *threadgroupName(const GlobalVariable *gv);
  Constant *stringConstant(const std::string &text, const char *name);
  void emitLaneChecks(const struct LaneCheck &lc);
  bool checkDivision(BinaryOperator &div);
  Value *sourcePosition(const Instruction *at);

public:
  /// Per-lane checks of scalable masked accesses: a loop over the lanes at run time.
  SmallVector<struct LaneCheck, 4> laneChecks;

  Module &mod;
  const DataLayout &dl;
  LLVMContext &ctx;
  Type *i8, *i32, *i64, *intPtr;
  PointerType *ptrTy;
  FunctionCallee check, paramFail, trap;
  /// Set in race-checking mode: __enigma_race_access(ptr, size, flags, where, tgBase,
  /// tgName, tgSize) before every access that may touch a buffer or threadgroup memory.
  FunctionCallee raceAccess;
  GlobalVariable *paramTable, *paramWriteTable;
  Function *marker;
  StringMap<Constant *> positions;
};

/// True for files of the Metal-compatibility header and the generated
/// launcher: a position there says nothing about the kernel's source.
static bool isRuntimeFile(StringRef path) {
  StringRef name = sys::path::filename(path);
  if (name.ends_with(".metal")) // the kernel's source, whatever the kernel is called
    return false;
  return name == "launch.cpp" || name.starts_with("metal_") ||
         (name.starts_with("Metal") && name.ends_with(".h")) || name == "CpuABI.h";
}

/// "file:line:col" of the access, as a C string constant, or null. The
/// position is the innermost one (through inlining) in the kernel's own
/// source, not in the runtime's header; files are named as the compiler saw
/// them, except that the kernel's .metal file (compiled from a scratch
/// directory) is named without its directory.
Value *Instrumenter::sourcePosition(const Instruction *at) {
  const DILocation *loc = at->getDebugLoc().get();
  for (; loc; loc = loc->getInlinedAt())
    if (loc->getLine() && !isRuntimeFile(loc->getFilename()))
      break;
  if (!loc)
    return ConstantPointerNull::get(ptrTy);
  std::string file = loc->getFilename().str();
  if (StringRef(file).ends_with(".metal"))
    file = sys::path::filename(file).str();
  else if (!loc->getDirectory().empty() && !sys::path::is_absolute(file) &&
           !StringRef(file).ends_with(".py"))
    file = (loc->getDirectory() + "/" + file).str();
  std::string text = file + ":" + std::to_string(loc->getLine());
  if (loc->getColumn())
    text += ":" + std::to_string(loc->getColumn());
  return stringConstant(text, "enigma.access.position");
}

Constant *Instrumenter::stringConstant(const std::string &text, const char *name) {
  Constant *&c = positions[text];
  if (!c) {
    Constant *init = ConstantDataArray::getString(ctx, text);
    auto *gv = new GlobalVariable(mod, init->getType(), /*isConstant=*/true,
                                  GlobalValue::PrivateLinkage, init, name);
    gv->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    gv->setAlignment(Align(1));
    c = gv;
  }
  return c;
}

/// Whether `ptr` points into the threadgroup descriptor (EnigmaCpuGroup): the launcher's
/// first argument, or the pointer the header keeps in its thread_local
/// `metal::__enigma::__group` (any variable of the header's internal namespace).
static bool isGroupPointer(const Value *ptr) {
  const Value *obj = getUnderlyingObject(ptr, /*MaxLookup=*/0);
  if (const auto *arg = dyn_cast<Argument>(obj))
    return arg->getParent()->getName() == kLauncherName ||
           (arg->getParent()->getName() == kLanesStepName && arg->getArgNo() == 0);
  const auto *load = dyn_cast<LoadInst>(obj);
  if (!load)
    return false;
  const Value *from = getUnderlyingObject(load->getPointerOperand(), /*MaxLookup=*/0);
  if (const auto *ii = dyn_cast<IntrinsicInst>(from))
    if (ii->getIntrinsicID() == Intrinsic::threadlocal_address)
      from = ii->getArgOperand(0);
  const auto *global = dyn_cast<GlobalVariable>(from);
  return global && global->getName().starts_with(kHeaderNamespacePrefix);
}

/// The origin of one underlying object (see originOf).
Origin Instrumenter::originOfObject(const Value *obj, unsigned depth) const {
  // Kernel-scope `threadgroup` variables are `static thread_local` (the header's own
  // thread_locals are in metal::__enigma).
  auto threadLocal = [](const Value *v) -> Origin {
    const auto *gv = dyn_cast<GlobalVariable>(v);
    if (gv && gv->isThreadLocal() && !gv->getName().starts_with(kHeaderNamespacePrefix))
      return {Origin::Threadgroup, 0, gv};
    return {Origin::NotBuffer};
  };
  if (isa<GlobalValue>(obj))
    return threadLocal(obj);
  if (isa<AllocaInst>(obj) || isGroupPointer(obj))
    return {Origin::NotBuffer};
  if (const auto *call = dyn_cast<CallInst>(obj)) {
    if (const auto *ii = dyn_cast<IntrinsicInst>(call))
      if (ii->getIntrinsicID() == Intrinsic::threadlocal_address)
        return threadLocal(ii->getArgOperand(0)->stripPointerCasts());
    if (marker && call->getCalledFunction() == marker && call->arg_size() == 2)
      if (const auto *index = dyn_cast<ConstantInt>(call->getArgOperand(1)))
        return {Origin::Param, (unsigned)index->getZExtValue()};
    // What the scheduler's callbacks return (the SIMD-group exchange slots),
    // directly or through the header's metal::__enigma::__exchange.
    if (const auto *callee = dyn_cast<LoadInst>(call->getCalledOperand()->stripPointerCasts()))
      if (isGroupPointer(callee->getPointerOperand()))
        return {Origin::NotBuffer};
    if (const Function *f = call->getCalledFunction())
      if (f->getName().starts_with(kExchangeName))
        return {Origin::NotBuffer};
    return {Origin::Unknown};
  }
  if (const auto *arg = dyn_cast<Argument>(obj)) {
    const Function *f = arg->getParent();
    // The launcher's arguments: the threadgroup descriptor and thread range.
    if (f->getName() == kLauncherName || f->getName() == kLanesStepName)
      return {Origin::NotBuffer};
    // A kernel (or helper) that was not inlined: what its callers pass, if
    // they all agree and the function has no other uses.
    if (depth >= 4 || f->use_empty())
      return {Origin::Unknown};
    std::optional<Origin> all;
    for (const Use &use : f->uses()) {
      const auto *cb = dyn_cast<CallBase>(use.getUser());
      if (!cb || !cb->isCallee(&use) || cb->arg_size() <= arg->getArgNo())
        return {Origin::Unknown};
      Origin o = originOf(cb->getArgOperand(arg->getArgNo()), depth + 1);
      if (o.kind == Origin::Unknown || (all && !(*all == o)))
        return {Origin::Unknown};
      all = o;
    }
    return *all;
  }
  // A pointer field of the launcher's threadgroup descriptor (the argument
  // array, the scheduler's state) is runtime memory.
  if (const auto *load = dyn_cast<LoadInst>(obj))
    if (isGroupPointer(load->getPointerOperand()))
      return {Origin::NotBuffer};
  return {Origin::Unknown};
}

/// NotBuffer when the address provably points to memory that is no kernel
/// argument (a stack slot, a global or thread_local variable, the threadgroup
/// descriptor); Param k when it provably derives from kernel parameter k (a
/// buffer or a `constant T&` scalar); Unknown otherwise.
Origin Instrumenter::originOf(const Value *ptr, unsigned depth) const {
  if (!ptr->getType()->isPointerTy())
    return {Origin::Unknown};
  SmallVector<const Value *, 4> objects;
  getUnderlyingObjects(ptr, objects, /*LI=*/nullptr, /*MaxLookup=*/0);
  std::optional<Origin> all;
  for (const Value *obj : objects) {
    Origin o = originOfObject(obj, depth);
    if (o.kind == Origin::Unknown)
      return o;
    if (all && !(*all == o)) {
      // Some objects are buffers, some are not: check them all generically.
      return {Origin::Unknown};
    }
    all = o;
  }
  return all ? *all : Origin{Origin::Unknown};
}

void Instrumenter::collectMasked(IntrinsicInst &ii, SmallVectorImpl<Check> &out) {
  Intrinsic::ID id = ii.getIntrinsicID();
  bool isStore = id == Intrinsic::masked_store || id == Intrinsic::masked_scatter ||
                 id == Intrinsic::masked_compressstore;
  uint32_t access = isStore ? kWrite : kRead;
  Type *dataTy = isStore ? ii.getArgOperand(0)->getType() : ii.getType();
  auto *vecTy = dyn_cast<FixedVectorType>(dataTy);
  Value *addr = ii.getArgOperand(isStore ? 1 : 0);
  Value *mask = ii.getArgOperand(isStore ? 2 : 1);
  if (!vecTy) {
    // Scalable vectors (SVE): the lane count is vscale * N.
    auto *svTy = dyn_cast<ScalableVectorType>(dataTy);
    if (!svTy)
      return;
    Type *elemTy = svTy->getElementType();
    uint64_t elemBytes = dl.getTypeStoreSize(elemTy);
    bool gather = id == Intrinsic::masked_gather || id == Intrinsic::masked_scatter;
    Origin o = gather ? Origin{Origin::Unknown} : originOf(addr);
    if (o.kind == Origin::NotBuffer)
      return;
    IRBuilder<> b(&ii);
    if (id == Intrinsic::masked_expandload || id == Intrinsic::masked_compressstore) {
      Value *count =
          b.CreateAddReduce(b.CreateZExt(mask, VectorType::get(i64, svTy->getElementCount())));
      out.push_back({&ii, addr, b.CreateMul(count, ConstantInt::get(i64, elemBytes)), access, o});
      return;
    }
    if (dl.getTypeSizeInBits(elemTy) % 8 != 0) { // bit-packed: the whole vector if any lane
      Value *any = b.CreateOrReduce(mask);
      out.push_back({&ii,
                     b.CreateSelect(any, addr, ConstantPointerNull::get(ptrTy)),
                     bytes(svTy, &ii),
                     access,
                     {Origin::Unknown}});
      return;
    }
    laneChecks.push_back(
        {&ii, addr, mask, gather, elemBytes, (uint64_t)dl.getTypeAllocSize(elemTy), access});
    return;
  }
  Type *elemTy = vecTy->getElementType();
  uint64_t elemBytes = dl.getTypeStoreSize(elemTy);
  unsigned lanes = vecTy->getNumElements();

  if (id == Intrinsic::masked_expandload || id == Intrinsic::masked_compressstore) {
    // The enabled lanes read or write consecutive elements from `addr`.
    Origin o = originOf(addr);
    if (o.kind == Origin::NotBuffer)
      return;
    IRBuilder<> b(&ii);
    Value *bits = b.CreateBitCast(mask, IntegerType::get(ctx, lanes));
    Value *count = b.CreateZExtOrTrunc(b.CreateUnaryIntrinsic(Intrinsic::ctpop, bits), i64);
    out.push_back({&ii, addr, b.CreateMul(count, ConstantInt::get(i64, elemBytes)), access, o});
    return;
  }

  bool gather = id == Intrinsic::masked_gather || id == Intrinsic::masked_scatter;
  Origin base = gather ? Origin{Origin::Unknown} : originOf(addr);
  if (base.kind == Origin::NotBuffer)
    return;
  // Lane i's address, or null when the lane is disabled.
  IRBuilder<> b(&ii);
  Value *null = ConstantPointerNull::get(ptrTy);
  uint64_t stride = dl.getTypeAllocSize(elemTy);
  bool bitPacked = dl.getTypeSizeInBits(elemTy) % 8 != 0;
  if (bitPacked && !gather) {
    // Vectors of i1 and the like are bit-packed: check the whole vector when
    // any lane is enabled.
    // (Generic check: a null pointer would fail a parameter's fast path.)
    Value *any = b.CreateOrReduce(mask);
    out.push_back(
        {&ii, b.CreateSelect(any, addr, null), bytes(vecTy, &ii), access, {Origin::Unknown}});
    return;
  }
  for (unsigned lane = 0; lane < lanes; ++lane) {
    Value *on = b.CreateExtractElement(mask, lane);
    auto *known = dyn_cast<ConstantInt>(on);
    if (known && known->isZero())
      continue; // a constant mask: the lane is never accessed
    Value *p = gather      ? b.CreateExtractElement(addr, lane)
               : lane == 0 ? addr
                           : b.CreateConstInBoundsGEP1_64(i8, addr, lane * stride);
    Origin o = gather ? originOf(p) : base;
    if (o.kind == Origin::NotBuffer)
      continue;
    if (!known) {
      p = b.CreateSelect(on, p, null);
      o = {Origin::Unknown}; // null must take the generic check, which ignores it
    }
    out.push_back({&ii, p, ConstantInt::get(i64, elemBytes), access, o});
  }
}

void Instrumenter::collect(Instruction &inst, SmallVectorImpl<Check> &out) {
  auto add = [&](Value *ptr, Value *size, uint32_t access) {
    Origin o = originOf(ptr);
    if (o.kind != Origin::NotBuffer)
      out.push_back({&inst, ptr, size, access, o});
  };
  if (auto *li = dyn_cast<LoadInst>(&inst)) {
    if (li->getType()->isSized())
      add(li->getPointerOperand(), bytes(li->getType(), &inst), kRead);
    return;
  }
  if (auto *si = dyn_cast<StoreInst>(&inst)) {
    Type *t = si->getValueOperand()->getType();
    if (t->isSized())
      add(si->getPointerOperand(), bytes(t, &inst), kWrite);
    return;
  }
  if (auto *rmw = dyn_cast<AtomicRMWInst>(&inst)) {
    add(rmw->getPointerOperand(), bytes(rmw->getValOperand()->getType(), &inst), kRead | kWrite);
    return;
  }
  if (auto *cx = dyn_cast<AtomicCmpXchgInst>(&inst)) {
    add(cx->getPointerOperand(), bytes(cx->getNewValOperand()->getType(), &inst), kRead | kWrite);
    return;
  }
  auto *ii = dyn_cast<IntrinsicInst>(&inst);
  if (!ii)
    return; // calls to other functions: their bodies are checked where defined
  if (auto *mt = dyn_cast<AnyMemTransferInst>(ii)) {
    Value *len = IRBuilder<>(ii).CreateZExtOrTrunc(mt->getLength(), i64);
    add(mt->getRawDest(), len, kWrite);
    add(mt->getRawSource(), len, kRead);
    return;
  }
  if (auto *ms = dyn_cast<AnyMemSetInst>(ii)) {
    add(ms->getRawDest(), IRBuilder<>(ii).CreateZExtOrTrunc(ms->getLength(), i64), kWrite);
    return;
  }
  if (auto *mp = dyn_cast<MemSetPatternInst>(ii)) {
    IRBuilder<> b(ii);
    Value *count = b.CreateZExtOrTrunc(mp->getLength(), i64);
    add(mp->getRawDest(), b.CreateMul(count, bytes(mp->getValue()->getType(), ii)), kWrite);
    return;
  }
  switch (ii->getIntrinsicID()) {
  case Intrinsic::masked_load:
  case Intrinsic::masked_store:
  case Intrinsic::masked_gather:
  case Intrinsic::masked_scatter:
  case Intrinsic::masked_expandload:
  case Intrinsic::masked_compressstore:
    collectMasked(*ii, out);
    return;
  // Intrinsics that take a pointer without accessing the memory behind it
  // (or access only the stack).
  case Intrinsic::prefetch:
  case Intrinsic::lifetime_start:
  case Intrinsic::lifetime_end:
  case Intrinsic::invariant_start:
  case Intrinsic::invariant_end:
  case Intrinsic::launder_invariant_group:
  case Intrinsic::strip_invariant_group:
  case Intrinsic::threadlocal_address:
  case Intrinsic::var_annotation:
  case Intrinsic::ptr_annotation:
  case Intrinsic::objectsize:
  case Intrinsic::stacksave:
  case Intrinsic::stackrestore:
  case Intrinsic::vastart:
  case Intrinsic::vaend:
  case Intrinsic::vacopy:
    return;
  default:
    break;
  }
  // Any other intrinsic that accesses memory through a pointer argument (a
  // target-specific masked load, say): check at least the byte it starts at.
  if (!ii->mayReadOrWriteMemory())
    return;
  uint32_t access = (ii->mayReadFromMemory() ? kRead : 0) | (ii->mayWriteToMemory() ? kWrite : 0);
  for (Value *arg : ii->args())
    if (arg->getType()->isPointerTy())
      add(arg, ConstantInt::get(i64, 1), access);
}

void Instrumenter::emit(const Check &c) {
  if (c.origin.mayBeBuffer())
    emitBounds(c);
  if (raceAccess)
    emitRace(c);
}

/// Whether `at` is (inlined from) a header file whose name starts with `prefix`: the
/// simdgroup_matrix functions, which every lane of a SIMD-group performs whole on the CPU (the
/// GPU splits the elements between the lanes), and the SIMD-group async copies.
static bool inHeaderFile(const Instruction *at, StringRef prefix) {
  for (const DILocation *loc = at->getDebugLoc().get(); loc; loc = loc->getInlinedAt())
    if (sys::path::filename(loc->getFilename()).starts_with(prefix))
      return true;
  return false;
}

/// The race check's hook before the access (after its bounds check: an out-of-bounds access
/// is reported as such).
void Instrumenter::emitRace(const Check &c) {
  if (c.origin.kind == Origin::NotBuffer)
    return;
  uint32_t flags = c.access;
  const Instruction *at = c.at;
  if (isa<AtomicRMWInst>(at) || isa<AtomicCmpXchgInst>(at) ||
      (isa<LoadInst>(at) && cast<LoadInst>(at)->isAtomic()) ||
      (isa<StoreInst>(at) && cast<StoreInst>(at)->isAtomic()))
    flags |= kRaceAtomic;
  if (inHeaderFile(at, "MetalSimdgroupMatrix.h"))
    flags |= kRaceSimdgroup;
  if (inHeaderFile(at, "MetalAsyncCopy")) // MetalAsyncCopy.h, MetalAsyncCopyIntrinsics.h
    flags |= kRaceAsyncCopy;
  IRBuilder<> b(c.at);
  Value *null = ConstantPointerNull::get(ptrTy);
  Value *base = null, *name = null;
  uint64_t tgSize = 0;
  if (c.origin.kind == Origin::Threadgroup) {
    flags |= kRaceThreadgroup;
    auto *gv = const_cast<GlobalVariable *>(c.origin.tg);
    base = b.CreateThreadLocalAddress(gv);
    tgSize = dl.getTypeAllocSize(gv->getValueType());
    name = threadgroupName(gv);
  }
  b.CreateCall(raceAccess, {c.ptr, c.size, ConstantInt::get(i32, flags), sourcePosition(c.at), base,
                            name, ConstantInt::get(i64, tgSize)})
      ->setDebugLoc(c.at->getDebugLoc());
}

Constant *Instrumenter::threadgroupName(const GlobalVariable *gv) {
  // _ZZ6reduceE4tile -> "reduce(...)::tile" -> "tile".
  std::string full = demangle(gv->getName().str());
  size_t colon = full.rfind("::");
  std::string shortName = colon == std::string::npos ? full : full.substr(colon + 2);
  // Real address spaces: the source rewrite declares `threadgroup T tile[N]` as tile__tg.
  if (shortName.size() > 4 && shortName.compare(shortName.size() - 4, 4, "__tg") == 0)
    shortName.resize(shortName.size() - 4);
  return stringConstant(shortName, "enigma.threadgroup.name");
}

bool Instrumenter::declareThreadgroupVariables() {
  Function *launcher = mod.getFunction(kLauncherName);
  if (!raceAccess || !launcher || launcher->isDeclaration())
    return false;
  IRBuilder<> b(&*launcher->getEntryBlock().getFirstInsertionPt());
  Value *null = ConstantPointerNull::get(ptrTy);
  bool changed = false;
  for (GlobalVariable &gv : mod.globals()) {
    StringRef name = gv.getName();
    // Not the header's, nor the guards of dynamically initialized thread_locals.
    if (!gv.isThreadLocal() || name.starts_with(kHeaderNamespacePrefix) ||
        name.starts_with("_ZGV") || name.starts_with("__tls") || !gv.getValueType()->isSized())
      continue;
    uint64_t size = dl.getTypeAllocSize(gv.getValueType());
    if (!size)
      continue;
    Value *base = b.CreateThreadLocalAddress(&gv);
    b.CreateCall(raceAccess, {base, ConstantInt::get(i64, 0),
                              ConstantInt::get(i32, kRaceThreadgroup | kRaceDeclare), null, base,
                              threadgroupName(&gv), ConstantInt::get(i64, size)});
    changed = true;
  }
  return changed;
}

void Instrumenter::emitBounds(const Check &c) {
  Value *access = ConstantInt::get(i32, c.access);
  // Stores check against the writable bytes (none for a write-protected argument).
  GlobalVariable *table = (c.access & kWrite) && paramWriteTable ? paramWriteTable : paramTable;
  auto *tableTy = table ? dyn_cast<ArrayType>(table->getValueType()) : nullptr;
  uint64_t word = dl.getTypeStoreSize(intPtr);
  if (c.origin.kind != Origin::Param || !tableTy ||
      (c.origin.param + 1) * 2 * word > dl.getTypeAllocSize(tableTy)) {
    IRBuilder<> b(c.at);
    b.CreateCall(check, {c.ptr, c.size, access, sourcePosition(c.at)})
        ->setDebugLoc(c.at->getDebugLoc());
    return;
  }
  // Inline: within parameter k's bytes, or report the access against k.
  IRBuilder<> b(c.at);
  uint64_t entry = c.origin.param * 2 * word;
  Value *lo = b.CreateLoad(intPtr, b.CreateConstInBoundsGEP1_64(i8, table, entry), "lo");
  Value *len = b.CreateLoad(intPtr, b.CreateConstInBoundsGEP1_64(i8, table, entry + word), "len");
  Value *off = b.CreateSub(b.CreatePtrToInt(c.ptr, intPtr), lo, "off");
  Value *end = b.CreateAdd(off, b.CreateZExtOrTrunc(c.size, intPtr), "end");
  Value *bad = b.CreateOr(b.CreateICmpUGT(off, len), b.CreateICmpUGT(end, len), "oob");
  Instruction *then = SplitBlockAndInsertIfThen(bad, c.at, /*Unreachable=*/false,
                                                MDBuilder(ctx).createUnlikelyBranchWeights());
  IRBuilder<> tb(then);
  tb.CreateCall(paramFail, {c.ptr, c.size, access, ConstantInt::get(i32, c.origin.param),
                            sourcePosition(c.at)})
      ->setDebugLoc(c.at->getDebugLoc());
}

void Instrumenter::emitLaneChecks(const LaneCheck &lc) {
  auto *vecTy = cast<VectorType>(lc.mask->getType());
  Value *position = sourcePosition(lc.at);
  Value *null = ConstantPointerNull::get(ptrTy);
  SplitBlockAndInsertForEachLane(
      vecTy->getElementCount(), i64, lc.at->getIterator(), [&](IRBuilderBase &b, Value *lane) {
        Value *on = b.CreateExtractElement(lc.mask, lane);
        Value *p = lc.gather
                       ? b.CreateExtractElement(lc.addr, lane)
                       : b.CreateInBoundsGEP(i8, lc.addr,
                                             b.CreateMul(lane, ConstantInt::get(i64, lc.stride)));
        b.CreateCall(check, {b.CreateSelect(on, p, null), ConstantInt::get(i64, lc.elemBytes),
                             ConstantInt::get(i32, lc.access), position});
      });
}

/// An integer division or remainder the host would trap on (x86 raises #DE for a zero
/// divisor and for INT_MIN / -1; Metal leaves both undefined): reported before it happens,
/// with its source position, through __enigma_trap.
bool Instrumenter::checkDivision(BinaryOperator &div) {
  Instruction::BinaryOps opcode = div.getOpcode();
  bool isSigned = opcode == Instruction::SDiv || opcode == Instruction::SRem;
  if (!isSigned && opcode != Instruction::UDiv && opcode != Instruction::URem)
    return false;
  Value *dividend = div.getOperand(0), *divisor = div.getOperand(1);
  SimplifyQuery query(dl, &div);
  bool zeroPossible = !isKnownNonZero(divisor, query);
  // INT_MIN / -1: not when the divisor is a constant without a -1 lane, or the dividend is
  // known to be non-negative.
  bool minusOnePossible = true;
  if (auto *c = dyn_cast<Constant>(divisor)) {
    minusOnePossible = false;
    unsigned lanes = 1;
    if (auto *vt = dyn_cast<FixedVectorType>(c->getType()))
      lanes = vt->getNumElements();
    else if (c->getType()->isVectorTy())
      minusOnePossible = true; // scalable: cannot look at every lane
    for (unsigned i = 0; i < lanes && !minusOnePossible; ++i) {
      Constant *lane = c->getType()->isVectorTy() ? c->getAggregateElement(i) : c;
      auto *ci = dyn_cast_or_null<ConstantInt>(lane);
      minusOnePossible = !ci || ci->isMinusOne();
    }
  }
  bool overflowPossible = isSigned && minusOnePossible && !isKnownNonNegative(dividend, query);
  if (!zeroPossible && !overflowPossible)
    return false;
  Value *position = sourcePosition(&div);
  auto anyLane = [](IRBuilder<> &b, Value *v) {
    return v->getType()->isVectorTy() ? b.CreateOrReduce(v) : v;
  };
  auto guard = [&](Value *cond, uint32_t kind) {
    Instruction *then = SplitBlockAndInsertIfThen(cond, &div, /*Unreachable=*/false,
                                                  MDBuilder(ctx).createUnlikelyBranchWeights());
    IRBuilder<> tb(then);
    tb.CreateCall(trap, {ConstantInt::get(i32, kind), position})->setDebugLoc(div.getDebugLoc());
  };
  if (zeroPossible) {
    IRBuilder<> b(&div);
    Value *zero = Constant::getNullValue(divisor->getType());
    guard(anyLane(b, b.CreateICmpEQ(divisor, zero)), kTrapDivideByZero);
  }
  if (overflowPossible) {
    IRBuilder<> b(&div);
    auto *elemTy = cast<IntegerType>(divisor->getType()->getScalarType());
    Value *min =
        ConstantInt::get(divisor->getType(), APInt::getSignedMinValue(elemTy->getBitWidth()));
    Value *minusOne = Constant::getAllOnesValue(divisor->getType());
    Value *overflow = b.CreateAnd(b.CreateICmpEQ(dividend, min), b.CreateICmpEQ(divisor, minusOne));
    guard(anyLane(b, overflow), kTrapDivideOverflow);
  }
  return true;
}

bool Instrumenter::run(Function &f) {
  if (f.isDeclaration() || f.getName() == kCheckName || f.getName() == kParamFailName ||
      f.getName() == kTrapName || f.getName() == kRaceAccessName ||
      f.getName() == kRaceBarrierName || f.getName() == kLanesDriverName)
    return false;
  SmallVector<Check, 64> checks;
  SmallVector<Instruction *, 64> insts;
  SmallVector<BinaryOperator *, 8> divisions;
  for (Instruction &inst : instructions(f)) {
    insts.push_back(&inst);
    if (auto *bin = dyn_cast<BinaryOperator>(&inst))
      if (bin->isIntDivRem())
        divisions.push_back(bin);
  }
  for (Instruction *inst : insts)
    collect(*inst, checks);
  for (const Check &c : checks)
    emit(c);
  bool changed = !checks.empty() || !laneChecks.empty();
  for (const LaneCheck &lc : laneChecks)
    emitLaneChecks(lc);
  laneChecks.clear();
  for (BinaryOperator *div : divisions)
    changed |= checkDivision(*div);
  return changed;
}

bool Instrumenter::removeMarkers() {
  if (!marker)
    return false;
  for (User *user : make_early_inc_range(marker->users())) {
    auto *call = dyn_cast<CallInst>(user);
    if (!call || call->getCalledFunction() != marker)
      continue;
    call->replaceAllUsesWith(call->getArgOperand(0));
    call->eraseFromParent();
  }
  if (marker->use_empty())
    marker->eraseFromParent();
  return true;
}

struct BoundsCheckPass : PassInfoMixin<BoundsCheckPass> {
  PreservedAnalyses run(Module &m, ModuleAnalysisManager &) {
    // A kernel compiled with real address spaces and guard pages only loads the plugin for
    // ThreadLocalPass alone (enigma/Runtime/MetalAddressSpaces.h defines the marker).
    if (m.getNamedValue(kGuardPagesOnlyName))
      return PreservedAnalyses::all();
    Instrumenter inst(m);
    bool changed = false;
    for (Function &f : m)
      changed |= inst.run(f);
    // After every function: a kernel's checks look at its callers' markers.
    changed |= inst.removeMarkers();
    changed |= inst.declareThreadgroupVariables();
    return changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  // Also at -O0 and for optnone functions: a kernel compiled without
  // optimization must be checked too.
  static bool isRequired() { return true; }
};

/// Race checking: before each call of metal::threadgroup_barrier(mem_flags) (at the start
/// of the pipeline, before it is inlined and its argument disappears), a call
/// __enigma_race_barrier(flags) tells the runtime which memory the barrier orders.
struct RaceBarrierPass : PassInfoMixin<RaceBarrierPass> {
  PreservedAnalyses run(Module &m, ModuleAnalysisManager &) {
    Function *hook = m.getFunction(kRaceBarrierName);
    Function *barrier = m.getFunction(kBarrierName);
    if (!hook || hook->isDeclaration() || !barrier || hook->arg_size() != 1)
      return PreservedAnalyses::all();
    bool changed = false;
    for (User *user : make_early_inc_range(barrier->users())) {
      auto *cb = dyn_cast<CallBase>(user);
      if (!cb || cb->getCalledFunction() != barrier || cb->arg_size() != 1 ||
          !cb->getArgOperand(0)->getType()->isIntegerTy())
        continue;
      IRBuilder<> b(cb);
      Type *argTy = hook->getFunctionType()->getParamType(0);
      b.CreateCall(hook->getFunctionType(), hook,
                   {b.CreateZExtOrTrunc(cb->getArgOperand(0), argTy)})
          ->setDebugLoc(cb->getDebugLoc());
      changed = true;
    }
    return changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  static bool isRequired() { return true; }
};

/// Real address spaces (C++ for OpenCL, enigma/Runtime/MetalAddressSpaces.h): the language
/// has no thread_local, so the header marks the variables that must be (its threadgroup
/// descriptor pointer, kernel-scope `threadgroup` variables) with
/// __attribute__((annotate("enigma.thread_local"))); before any optimization they become
/// thread_local globals, exactly what `thread_local` gives in C++, and leave
/// llvm.global.annotations. (Not a section attribute: clang emits a variable with a section
/// that comes from a precompiled header as `constant`.)
///
/// It also makes C++ for OpenCL's dynamic initialization of program-scope variables run as in
/// C++ (`constant uint3 size = uint3(64, 1, 1);`, which shader cross-compilers emit): clang
/// makes the initializer an OpenCL kernel (spir_kernel), which becomes a plain function in
/// llvm.global_ctors again. A program-scope object with a destructor is rejected (clang
/// registers its destructor for a null object; Metal allows only `constant` program-scope
/// variables anyway), reported once, at the variable.
struct ThreadLocalPass : PassInfoMixin<ThreadLocalPass> {
  static bool fixGlobalConstructors(Module &m) {
    if (!m.getNamedMetadata("opencl.cxx.version"))
      return false;
    bool changed = false;
    if (GlobalVariable *ctors = m.getGlobalVariable("llvm.global_ctors"))
      if (auto *array = ctors->hasInitializer()
                            ? dyn_cast<ConstantArray>(ctors->getInitializer())
                            : nullptr)
        for (Use &op : array->operands())
          if (auto *entry = dyn_cast<ConstantStruct>(op.get()))
            if (auto *f = dyn_cast<Function>(entry->getOperand(1)->stripPointerCasts()))
              if (f->getCallingConv() == CallingConv::SPIR_KERNEL) {
                f->setCallingConv(CallingConv::C);
                changed = true;
              }
    for (Function &f : m) {
      if (f.isDeclaration() || !f.getName().starts_with("__cxx_global_var_init"))
        continue;
      bool destructor = false;
      DebugLoc at;
      for (Instruction &inst : instructions(f)) {
        if (!at)
          at = inst.getDebugLoc();
        if (auto *call = dyn_cast<CallBase>(&inst))
          if (Function *callee = call->getCalledFunction())
            destructor |= callee->getName() == "__cxa_atexit";
      }
      if (!destructor)
        continue;
      m.getContext().diagnose(DiagnosticInfoUnsupported(
          f,
          "a program-scope variable with a destructor is not supported (Metal allows only "
          "`constant` program-scope variables)",
          at));
      break;
    }
    return changed;
  }

  PreservedAnalyses run(Module &m, ModuleAnalysisManager &) {
    bool fixed = fixGlobalConstructors(m);
    GlobalVariable *annotations = m.getGlobalVariable("llvm.global.annotations");
    auto *array = annotations && annotations->hasInitializer()
                      ? dyn_cast<ConstantArray>(annotations->getInitializer())
                      : nullptr;
    if (!array)
      return fixed ? PreservedAnalyses::none() : PreservedAnalyses::all();
    SmallVector<Constant *, 8> kept;
    bool changed = false;
    for (Use &op : array->operands()) {
      auto *entry = dyn_cast<ConstantStruct>(op.get());
      auto *gv = entry ? dyn_cast<GlobalVariable>(entry->getOperand(0)->stripPointerCasts())
                       : nullptr;
      auto *str = entry ? dyn_cast<GlobalVariable>(entry->getOperand(1)->stripPointerCasts())
                        : nullptr;
      auto *text = str && str->hasInitializer()
                       ? dyn_cast<ConstantDataSequential>(str->getInitializer())
                       : nullptr;
      if (gv && text && text->isCString() && text->getAsCString() == kThreadLocalAnnotation) {
        gv->setThreadLocal(true);
        changed = true;
        continue;
      }
      kept.push_back(cast<Constant>(op.get()));
    }
    if (!changed)
      return fixed ? PreservedAnalyses::none() : PreservedAnalyses::all();
    if (kept.empty()) {
      annotations->eraseFromParent();
    } else {
      auto *type = ArrayType::get(array->getType()->getElementType(), kept.size());
      auto *replacement =
          new GlobalVariable(m, type, annotations->isConstant(), annotations->getLinkage(),
                             ConstantArray::get(type, kept), "", nullptr,
                             annotations->getThreadLocalMode());
      replacement->setSection(annotations->getSection());
      replacement->takeName(annotations);
      annotations->eraseFromParent();
    }
    return PreservedAnalyses::none();
  }
  static bool isRequired() { return true; }
};

/// Whole-kernel linkage: a kernel's .so is linked from this one module and exports only the
/// runtime's `enigma_cpu_*` symbols (default visibility), so every other function defined here
/// with hidden visibility (the kernel itself, the user's helper functions; the runtime compiles
/// with -fvisibility=hidden) can be internal. Then the kernel, called once from the launcher's
/// enigma_cpu_run, is inlined there and not also optimized and compiled on its own, which was
/// half of a small kernel's compile. The launcher's `__enigma_*` functions (the checks' entry
/// points, which this plugin calls later, and the race-check hooks) and functions in llvm.used
/// keep their linkage.
struct InternalizeKernelPass : PassInfoMixin<InternalizeKernelPass> {
  PreservedAnalyses run(Module &m, ModuleAnalysisManager &) {
    SmallPtrSet<const GlobalValue *, 8> used;
    for (const char *name : {"llvm.used", "llvm.compiler.used"}) {
      if (GlobalVariable *gv = m.getNamedGlobal(name))
        if (auto *init = dyn_cast_or_null<ConstantArray>(gv->getInitializer()))
          for (Value *op : init->operands())
            if (auto *g = dyn_cast<GlobalValue>(op->stripPointerCasts()))
              used.insert(g);
    }
    bool changed = false;
    for (Function &f : m) {
      if (f.isDeclaration() || !f.hasExternalLinkage() || !f.hasHiddenVisibility() ||
          used.count(&f) || f.getName().starts_with("__enigma") ||
          f.getName().starts_with("enigma_cpu_"))
        continue;
      f.setLinkage(GlobalValue::InternalLinkage);
      f.setVisibility(GlobalValue::DefaultVisibility); // local linkage takes default visibility
      changed = true;
    }
    return changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  static bool isRequired() { return true; }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "EnigmaBoundsCheck", "1", [](PassBuilder &pb) {
            pb.registerOptimizerLastEPCallback(
                [](ModulePassManager &mpm, OptimizationLevel, ThinOrFullLTOPhase) {
                  mpm.addPass(LanesPass());
                  mpm.addPass(BoundsCheckPass());
                });
            pb.registerPipelineParsingCallback(
                [](StringRef name, ModulePassManager &mpm, ArrayRef<PassBuilder::PipelineElement>) {
                  if (name == "enigma-lanes") {
                    mpm.addPass(LanesPass());
                    return true;
                  }
                  if (name == "enigma-lanes-prune") {
                    mpm.addPass(LanesPrunePass());
                    return true;
                  }
                  return false;
                });
            pb.registerPipelineParsingCallback(
                [](StringRef name, ModulePassManager &mpm, ArrayRef<PassBuilder::PipelineElement>) {
                  if (name != "enigma-bounds-check")
                    return false;
                  mpm.addPass(BoundsCheckPass());
                  return true;
                });
            pb.registerPipelineStartEPCallback([](ModulePassManager &mpm, OptimizationLevel) {
              mpm.addPass(ThreadLocalPass());
              mpm.addPass(RaceBarrierPass());
              mpm.addPass(LanesPrunePass());
              mpm.addPass(InternalizeKernelPass());
            });
            pb.registerPipelineParsingCallback(
                [](StringRef name, ModulePassManager &mpm, ArrayRef<PassBuilder::PipelineElement>) {
                  if (name != "enigma-internalize")
                    return false;
                  mpm.addPass(InternalizeKernelPass());
                  return true;
                });
            pb.registerPipelineParsingCallback(
                [](StringRef name, ModulePassManager &mpm, ArrayRef<PassBuilder::PipelineElement>) {
                  if (name != "enigma-thread-local")
                    return false;
                  mpm.addPass(ThreadLocalPass());
                  return true;
                });
            pb.registerPipelineParsingCallback(
                [](StringRef name, ModulePassManager &mpm, ArrayRef<PassBuilder::PipelineElement>) {
                  if (name != "enigma-race-barriers")
                    return false;
                  mpm.addPass(RaceBarrierPass());
                  return true;
                });
          }};
}
