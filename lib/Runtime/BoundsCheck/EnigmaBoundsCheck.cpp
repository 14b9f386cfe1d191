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
// one 16-byte check) and puts a call
//
//   __enigma_bounds_check(ptr, size, access)      ; access: 1 read, 2 write, 3 both
//
// before every load, store, atomic, memory intrinsic (memcpy, memset...) and
// masked or gathered vector access whose address may point into a kernel
// buffer. Accesses whose address provably comes from the stack, a global or
// thread_local (threadgroup memory) variable, or the launcher's group
// argument are left alone. Masked and gathered accesses are checked lane by
// lane, for the enabled lanes only (a disabled lane passes a null pointer,
// which the check ignores).
//
// The launcher the runtime generates defines __enigma_bounds_check (see
// ENIGMA_CPU_DEFINE_BOUNDS_CHECK in enigma/Runtime/MetalLaunch.h): it looks
// the address up in the launch's table of guarded buffers and, when it falls
// in a buffer's guarded region but not entirely inside the buffer's bytes,
// calls the scheduler, which reports the kernel, buffer, index and thread.
// The pass never instruments that function itself.
//
// The pass is also registered as `enigma-bounds-check` for
// `opt -load-pass-plugin=... -passes=enigma-bounds-check` (lit tests).
//
//===----------------------------------------------------------------------===//

#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Plugins/PassPlugin.h"

using namespace llvm;

namespace {

constexpr StringLiteral kCheckName = "__enigma_bounds_check";
constexpr StringLiteral kLauncherName = "enigma_cpu_run";
constexpr uint32_t kRead = 1, kWrite = 2;

/// One check to insert before `at`.
struct Check {
  Instruction *at;
  Value *ptr;
  Value *size; // i64
  uint32_t access;
};

class Instrumenter {
public:
  explicit Instrumenter(Module &m)
      : dl(m.getDataLayout()), ctx(m.getContext()), i8(Type::getInt8Ty(ctx)),
        i32(Type::getInt32Ty(ctx)), i64(Type::getInt64Ty(ctx)) {
    ptrTy = PointerType::getUnqual(ctx);
    check = m.getOrInsertFunction(kCheckName, Type::getVoidTy(ctx), ptrTy, i64, i32);
  }

  bool run(Function &f);

private:
  bool mayBeBuffer(Value *ptr, Function &f) const;
  Value *bytes(Type *t) const { return ConstantInt::get(i64, dl.getTypeStoreSize(t)); }
  void collect(Instruction &inst, Function &f, SmallVectorImpl<Check> &out);
  void collectMasked(IntrinsicInst &ii, SmallVectorImpl<Check> &out);
  void emit(const Check &c);

  const DataLayout &dl;
  LLVMContext &ctx;
  Type *i8, *i32, *i64;
  PointerType *ptrTy;
  FunctionCallee check;
};

/// False when the address provably points to memory that is no kernel buffer:
/// a stack slot, a global or thread_local variable (threadgroup memory is
/// one), or the threadgroup descriptor the launcher receives.
bool Instrumenter::mayBeBuffer(Value *ptr, Function &f) const {
  if (!ptr->getType()->isPointerTy())
    return true;
  const Value *obj = getUnderlyingObject(ptr, /*MaxLookup=*/0);
  if (isa<AllocaInst>(obj) || isa<GlobalValue>(obj))
    return false;
  if (const auto *ii = dyn_cast<IntrinsicInst>(obj))
    if (ii->getIntrinsicID() == Intrinsic::threadlocal_address)
      return false;
  if (isa<Argument>(obj) && f.getName() == kLauncherName)
    return false;
  return true;
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
  Function *f = ii.getFunction();
  if (!vecTy) {
    // Scalable vectors do not occur on the hosts the runtime supports; check
    // the first byte rather than nothing.
    if (addr->getType()->isPointerTy() && mayBeBuffer(addr, *f))
      out.push_back({&ii, addr, ConstantInt::get(i64, 1), access});
    return;
  }
  Type *elemTy = vecTy->getElementType();
  uint64_t elemBytes = dl.getTypeStoreSize(elemTy);
  unsigned lanes = vecTy->getNumElements();

  if (id == Intrinsic::masked_expandload || id == Intrinsic::masked_compressstore) {
    // The enabled lanes read or write consecutive elements from `addr`.
    if (!mayBeBuffer(addr, *f))
      return;
    IRBuilder<> b(&ii);
    Value *bits = b.CreateBitCast(mask, IntegerType::get(ctx, lanes));
    Value *count = b.CreateZExtOrTrunc(b.CreateUnaryIntrinsic(Intrinsic::ctpop, bits), i64);
    out.push_back({&ii, addr, b.CreateMul(count, ConstantInt::get(i64, elemBytes)), access});
    return;
  }

  bool gather = id == Intrinsic::masked_gather || id == Intrinsic::masked_scatter;
  if (!gather && !mayBeBuffer(addr, *f))
    return;
  // Lane i's address, or null when the lane is disabled.
  IRBuilder<> b(&ii);
  Value *null = ConstantPointerNull::get(ptrTy);
  uint64_t stride = dl.getTypeAllocSize(elemTy);
  bool bitPacked = dl.getTypeSizeInBits(elemTy) % 8 != 0;
  if (bitPacked && !gather) {
    // Vectors of i1 and the like are bit-packed: check the whole vector when
    // any lane is enabled.
    Value *any = b.CreateOrReduce(mask);
    out.push_back({&ii, b.CreateSelect(any, addr, null), bytes(vecTy), access});
    return;
  }
  for (unsigned lane = 0; lane < lanes; ++lane) {
    Value *on = b.CreateExtractElement(mask, lane);
    auto *known = dyn_cast<ConstantInt>(on);
    if (known && known->isZero())
      continue; // a constant mask: the lane is never accessed
    Value *p = gather       ? b.CreateExtractElement(addr, lane)
               : lane == 0 ? addr
                           : b.CreateConstInBoundsGEP1_64(i8, addr, lane * stride);
    if (gather && !mayBeBuffer(p, *f))
      continue;
    if (!known)
      p = b.CreateSelect(on, p, null);
    out.push_back({&ii, p, ConstantInt::get(i64, elemBytes), access});
  }
}

void Instrumenter::collect(Instruction &inst, Function &f, SmallVectorImpl<Check> &out) {
  auto add = [&](Value *ptr, Value *size, uint32_t access) {
    if (mayBeBuffer(ptr, f))
      out.push_back({&inst, ptr, size, access});
  };
  auto sizedScalar = [&](Type *t) { return t->isSized() && !dl.getTypeStoreSize(t).isScalable(); };

  if (auto *li = dyn_cast<LoadInst>(&inst)) {
    if (sizedScalar(li->getType()))
      add(li->getPointerOperand(), bytes(li->getType()), kRead);
    return;
  }
  if (auto *si = dyn_cast<StoreInst>(&inst)) {
    Type *t = si->getValueOperand()->getType();
    if (sizedScalar(t))
      add(si->getPointerOperand(), bytes(t), kWrite);
    return;
  }
  if (auto *rmw = dyn_cast<AtomicRMWInst>(&inst)) {
    add(rmw->getPointerOperand(), bytes(rmw->getValOperand()->getType()), kRead | kWrite);
    return;
  }
  if (auto *cx = dyn_cast<AtomicCmpXchgInst>(&inst)) {
    add(cx->getPointerOperand(), bytes(cx->getNewValOperand()->getType()), kRead | kWrite);
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
    add(mp->getRawDest(), b.CreateMul(count, bytes(mp->getValue()->getType())), kWrite);
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
  IRBuilder<> b(c.at);
  b.SetCurrentDebugLocation(c.at->getDebugLoc());
  CallInst *call = b.CreateCall(check, {c.ptr, c.size, ConstantInt::get(i32, c.access)});
  call->setDebugLoc(c.at->getDebugLoc());
}

bool Instrumenter::run(Function &f) {
  if (f.isDeclaration() || f.getName() == kCheckName)
    return false;
  SmallVector<Check, 64> checks;
  SmallVector<Instruction *, 64> insts;
  for (Instruction &inst : instructions(f))
    insts.push_back(&inst);
  for (Instruction *inst : insts)
    collect(*inst, f, checks);
  for (const Check &c : checks)
    emit(c);
  return !checks.empty();
}

struct BoundsCheckPass : PassInfoMixin<BoundsCheckPass> {
  PreservedAnalyses run(Module &m, ModuleAnalysisManager &) {
    Instrumenter inst(m);
    bool changed = false;
    for (Function &f : m)
      changed |= inst.run(f);
    return changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  // Also at -O0 and for optnone functions: a kernel compiled without
  // optimization must be checked too.
  static bool isRequired() { return true; }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "EnigmaBoundsCheck", "1", [](PassBuilder &pb) {
            pb.registerOptimizerLastEPCallback(
                [](ModulePassManager &mpm, OptimizationLevel, ThinOrFullLTOPhase) {
                  mpm.addPass(BoundsCheckPass());
                });
            pb.registerPipelineParsingCallback(
                [](StringRef name, ModulePassManager &mpm, ArrayRef<PassBuilder::PipelineElement>) {
                  if (name != "enigma-bounds-check")
                    return false;
                  mpm.addPass(BoundsCheckPass());
                  return true;
                });
          }};
}
