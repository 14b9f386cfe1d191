//===-- Lanes.cpp - Kernels in lane-loop form for the CPU runtime ---------===//
//
// LanesPass turns one thread of a kernel (the launcher's enigma_cpu_lane_thread(group, t), the
// kernel inlined) into __enigma_lanes_step(group, t, resume, frame, pub, res, mask): the same code
// cut at its synchronization points (calls of metal::__enigma::__exchange, every SIMD-group
// function, and of metal::__enigma::__barrier, threadgroup_barrier), entered at the kernel's
// start (resume 0) or right after synchronization point k (resume k), returning at the next
// synchronization point (k << 1 for an exchange, (k << 1) | 1 for a barrier) or 0 when the
// thread returns. Values live across a synchronization point, and the thread's private memory
// (allocas), live in the thread's `frame`; values the launcher computes from the threadgroup
// descriptor alone (buffer pointers, sizes) are recomputed instead. An exchange stores the
// thread's value in its lane's slot of `pub` and hands `res` (the same area once the exchange
// is complete) and `mask` to the code after it as the exchange's result: the driver (enigma/Runtime/MetalLaunch.h, __runLanes) runs the lanes of
// each SIMD-group one after the other up to the same point, in the scheduler's order, and the
// exchange is complete (CpuABI.h's layout, shared flag cleared) before any lane goes on.
//
// That is exact only when every lane of a SIMD-group reaches the same exchanges, and every
// thread of the threadgroup the same barriers, with no lane active elsewhere: the pass accepts
// a kernel only when every branch that decides whether an exchange is reached has a condition
// uniform over the SIMD-group (over the threadgroup for barriers), by a small uniformity
// analysis (the threadgroup descriptor's fields and launch arguments are uniform, t / 32 is
// uniform over the SIMD-group, loads only from the descriptor and `constant` memory); any other
// kernel keeps the fibers (the step stays undefined and the weak reference null). Kernels whose
// only calls are to the two synchronization functions, declarations (libm) and intrinsics;
// anything else (helpers that were not inlined, indirect calls, async copies) keeps the fibers.
//
// Values uniform over the SIMD-group are computed once per step of a SIMD-group: the lane loop
// runs its first lane on a copy of the per-thread step that stores them into the step's cache,
// and the other lanes on one that loads them from there (loop-invariant loads, hoisted out of the
// lane loop) instead of computing them (planUniform: side-effect-free instructions, no pointers,
// in blocks every lane of the SIMD-group runs when one does, at most once per step).
//
// The lane loops are then vectorized across lanes (wrapInLaneLoop, enigmaLanesRun): the frames
// are value-major (a value's 32 lane slots consecutive), indices affine in the lane are
// recomputed rather than kept, the loops' iterations are marked parallel (Metal does not order
// different threads' accesses between synchronization points), branches on uniform values are
// unswitched, and what the lanes share is invariant or noalias. The runtime runs a checked
// launch that faults in this form again on fibers, for a report naming the exact thread.
//
//===----------------------------------------------------------------------===//

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SCCIterator.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/Analysis/PostDominators.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/InstCombine/InstCombine.h"
#include "llvm/Transforms/Scalar/EarlyCSE.h"
#include "llvm/Transforms/Scalar/GVN.h"
#include "llvm/Transforms/Scalar/LICM.h"
#include "llvm/Transforms/Scalar/LoopPassManager.h"
#include "llvm/Transforms/Scalar/SimpleLoopUnswitch.h"
#include "llvm/Transforms/Scalar/SimplifyCFG.h"
#include "llvm/Transforms/Scalar/LoopUnrollPass.h"
#include "llvm/Transforms/Vectorize/LoopVectorize.h"
#include "llvm/Transforms/Vectorize/SLPVectorizer.h"
#include "llvm/Transforms/Scalar/Scalarizer.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <cstdlib>
#include <functional>

using namespace llvm;

namespace enigma_lanes {

constexpr StringLiteral kThreadName = "enigma_cpu_lane_thread";
constexpr StringLiteral kStepName = "__enigma_lanes_step";
constexpr StringLiteral kExchangePrefix = "_ZN5metal8__enigma10__exchangeE";
constexpr StringLiteral kBarrierFn = "_ZN5metal8__enigma9__barrierEv";
constexpr StringLiteral kMarker = "__enigma_param";
constexpr StringLiteral kGroupVar = "_ZN5metal8__enigma7__groupE";
/// Fields of EnigmaCpuGroup (CpuABI.h) constant for a threadgroup: args .. threadCount.
constexpr uint64_t kGroupUniformBytes = 72;
constexpr unsigned kSlotBytes = 32;
/// CpuABI.h: the exchange area's shared flag, and the shared slots after it.
constexpr int64_t kSharedFlag = 32 * 32, kSharedSlots = kSharedFlag + 64;

enum Level { TG = 0, SG = 1, Divergent = 2 };

static bool debugOn() {
  const char *e = std::getenv("ENIGMA_LANES_DEBUG");
  return e && *e == '1';
}

static void note(const Twine &why) {
  if (debugOn())
    errs() << "enigma-lanes: " << why << "\n";
}

/// ENIGMA_LANES_DEBUG=12: the instructions `root` depends on (at most `limit`), each with its
/// uniformity level as `level` gives it.
template <class LevelFn>
static void dumpOperandTree(Value *root, size_t limit, const char *indent, LevelFn level) {
  if (std::getenv("ENIGMA_LANES_DEBUG")[1] != '2')
    return;
  SmallVector<Value *, 16> work{root};
  SmallPtrSet<Value *, 16> seen;
  while (!work.empty()) {
    Value *v = work.pop_back_val();
    auto *i = dyn_cast<Instruction>(v);
    if (!i || !seen.insert(v).second || seen.size() > limit)
      continue;
    errs() << indent << "[" << level(v) << "] ";
    i->print(errs());
    errs() << "\n";
    for (Value *op : i->operands())
      work.push_back(op);
  }
}

struct Sync {
  CallInst *call;
  bool barrier;
};

/// Values uniform over the SIMD-group computed once per step of a SIMD-group: the lane loop runs
/// its first lane on a copy of the per-thread step that also stores each such value (`slots`:
/// those some per-lane instruction uses) into the step's cache, and the other lanes on a copy
/// where every instruction of `uniform` is replaced by loads of those slots (loop-invariant,
/// hoisted out of the lane loop). `redirect`: the cached calls' "computed yet?" branches, which
/// the other lanes no longer take (their first lane always computed).
struct UniformPlan {
  SmallVector<Instruction *, 64> uniform;
  SmallVector<std::pair<Instruction *, uint64_t>, 32> slots;
  SmallVector<std::pair<BranchInst *, BasicBlock *>, 8> redirect;
  /// Stores into the frame of uniform values whose reloads are all in `uniform`: only the first
  /// lane's frame is read, the other lanes do not store.
  SmallVector<StoreInst *, 16> deadStores;
  uint64_t bytes = 0;
  unsigned flagTests = 0;
};
/// The cache: 64 flag bytes, 8 bytes per cached call (64 at most), then the uniform slots.
constexpr uint64_t kUniformSlotsAt = 64 + 8 * 64, kUniformSlotsMax = 16384;

class Transform {
public:
  Transform(Module &m, Function &thread, Function &step)
      : m(m), dl(m.getDataLayout()), thread(thread), step(step) {}
  bool run();

private:
  bool collect();
  void analyzeUniformity();
  Level levelOf(Value *v) const;
  bool checkConvergence();
  bool isRemat(Value *v, unsigned depth = 0) const;
  Value *remat(Value *v, Instruction *before, DenseMap<Value *, Value *> &made);
  bool build();
  Level strictLevel(Value *v) const;
  void planUniform();

  Module &m;
  const DataLayout &dl;
  Function &thread, &step;
  SmallVector<Sync, 16> syncs;
  DenseMap<Value *, Level> level;
  /// Launch parameters the kernel may write (by their marker index), and whether it writes
  /// memory of unknown origin: loads of parameters it never writes are uniform.
  SmallSet<uint64_t, 8> writtenParams;
  bool unknownWrites = false;
  std::optional<uint64_t> paramOf(const Value *ptr) const;

public:
  /// Bytes of a thread's frame (a multiple of 16 once built).
  uint64_t frameSize = 0;
  /// Entry points of the step: the start and one after each synchronization point.
  unsigned numEntries() const { return syncs.size() + 1; }
  /// Uniform calls computed once per step (cache: 64 flag bytes, then 8 bytes per call).
  unsigned cacheSlots = 0;
  UniformPlan plan;

private:
  /// The cached calls' "computed yet?" branch, the block taking the cached value, its phi.
  SmallVector<std::tuple<BranchInst *, BasicBlock *, PHINode *>, 8> cachedBranches;
  /// The stores of values live across a synchronization point into the frame, and their reloads.
  SmallVector<std::pair<StoreInst *, SmallVector<LoadInst *, 4>>, 16> frameStores;
};

/// The launch parameter (marker index) `ptr` points into, if it provably derives from one.
std::optional<uint64_t> Transform::paramOf(const Value *ptr) const {
  const Value *obj = getUnderlyingObject(ptr, /*MaxLookup=*/0);
  if (const auto *call = dyn_cast<CallInst>(obj))
    if (const Function *f = call->getCalledFunction())
      if (f->getName() == kMarker && call->arg_size() == 2)
        if (const auto *c = dyn_cast<ConstantInt>(call->getArgOperand(1)))
          return c->getZExtValue();
  return std::nullopt;
}

/// g->field at a constant offset below kGroupUniformBytes, or g->args[i] (the launch's argument
/// pointers): loads constant for the threadgroup.
static bool isGroupConstantLoad(const LoadInst *load, const Argument *g, const DataLayout &dl) {
  const Value *p = load->getPointerOperand();
  APInt off(dl.getIndexTypeSizeInBits(p->getType()), 0);
  const Value *base = p->stripAndAccumulateConstantOffsets(dl, off, /*AllowNonInbounds=*/true);
  if (base == g) {
    int64_t bytes = (int64_t)dl.getTypeStoreSize(load->getType()).getKnownMinValue();
    return off.getSExtValue() >= 0 &&
           off.getSExtValue() + bytes <= (int64_t)kGroupUniformBytes;
  }
  // g->args[i]: base is the load of g->args.
  if (const auto *argsLoad = dyn_cast<LoadInst>(base)) {
    APInt off2(dl.getIndexTypeSizeInBits(argsLoad->getPointerOperand()->getType()), 0);
    const Value *b2 = argsLoad->getPointerOperand()->stripAndAccumulateConstantOffsets(
        dl, off2, /*AllowNonInbounds=*/true);
    return b2 == g && off2 == 0 && off.getSExtValue() >= 0;
  }
  return false;
}

/// Whether `ptr` points into the exchange area an exchange returned, and at which constant offset
/// (when it is one).
static bool exchangeArea(const Value *ptr, const DataLayout &dl, std::optional<int64_t> &offset) {
  APInt off(dl.getIndexTypeSizeInBits(ptr->getType()), 0);
  const Value *base = ptr->stripAndAccumulateConstantOffsets(dl, off, /*AllowNonInbounds=*/true);
  offset.reset();
  if (const auto *call = dyn_cast<CallInst>(base))
    if (const Function *f = call->getCalledFunction())
      if (f->getName().starts_with(kExchangePrefix)) {
        offset = off.getSExtValue();
        return true;
      }
  const Value *obj = getUnderlyingObject(ptr, /*MaxLookup=*/0);
  if (const auto *call = dyn_cast<CallInst>(obj))
    if (const Function *f = call->getCalledFunction())
      return f->getName().starts_with(kExchangePrefix);
  return false;
}

/// The header's "first lane computes, the others copy" protocol (MetalSync.h, __reduce): a branch
/// on the exchange's shared flag.
static bool isSharedFlagTest(Value *cond, const DataLayout &dl) {
  auto *cmp = dyn_cast<ICmpInst>(cond);
  if (!cmp)
    return false;
  for (Value *op : cmp->operands())
    if (auto *load = dyn_cast<LoadInst>(op)) {
      std::optional<int64_t> off;
      if (exchangeArea(load->getPointerOperand(), dl, off) && off && *off == kSharedFlag)
        return true;
    }
  return false;
}

/// A private variable only exchanges write (their active-mask out-parameter).
static bool isMaskSlot(Value *ptr) {
  auto *ai = dyn_cast<AllocaInst>(ptr);
  if (!ai)
    return false;
  bool written = false;
  for (Use &u : ai->uses()) {
    auto *user = u.getUser();
    if (isa<LoadInst>(user))
      continue;
    if (auto *ii = dyn_cast<IntrinsicInst>(user))
      if (ii->isLifetimeStartOrEnd())
        continue;
    auto *call = dyn_cast<CallInst>(user);
    Function *f = call ? call->getCalledFunction() : nullptr;
    if (f && f->getName().starts_with(kExchangePrefix) && u.getOperandNo() == 2) {
      written = true;
      continue;
    }
    return false;
  }
  return written;
}

bool Transform::collect() {
  auto wrote = [&](const Value *ptr) {
    const Value *obj = getUnderlyingObject(ptr, /*MaxLookup=*/0);
    if (std::optional<uint64_t> p = paramOf(ptr)) {
      writtenParams.insert(*p);
      return;
    }
    if (isa<AllocaInst>(obj) || isa<GlobalValue>(obj) || obj == thread.getArg(0))
      return; // private memory, thread_locals, the descriptor (current, matrixLeader: >= 72)
    if (const auto *ii = dyn_cast<IntrinsicInst>(obj))
      if (ii->getIntrinsicID() == Intrinsic::threadlocal_address)
        return;
    if (const auto *call = dyn_cast<CallInst>(obj))
      if (const Function *f = call->getCalledFunction())
        if (f->getName().starts_with(kExchangePrefix))
          return; // the exchange's own area
    if (debugOn()) {
      errs() << "enigma-lanes: a write of unknown origin: ";
      obj->print(errs());
      errs() << "\n";
    }
    unknownWrites = true;
  };
  for (Instruction &inst : instructions(thread)) {
    if (auto *st = dyn_cast<StoreInst>(&inst))
      wrote(st->getPointerOperand());
    else if (auto *rmw = dyn_cast<AtomicRMWInst>(&inst))
      wrote(rmw->getPointerOperand());
    else if (auto *cx = dyn_cast<AtomicCmpXchgInst>(&inst))
      wrote(cx->getPointerOperand());
    else if (auto *mi = dyn_cast<AnyMemIntrinsic>(&inst))
      wrote(mi->getRawDest());
    else if (auto *cb = dyn_cast<CallBase>(&inst)) {
      Function *f = cb->getCalledFunction();
      bool sync = f && (f->getName().starts_with(kExchangePrefix) || f->getName() == kBarrierFn);
      if (!sync && !cb->onlyReadsMemory() && !isa<InlineAsm>(cb->getCalledOperand()) &&
          !(f && f->isIntrinsic() && (isa<DbgInfoIntrinsic>(cb) || f->getIntrinsicID() ==
                                          Intrinsic::threadlocal_address ||
                                      cast<IntrinsicInst>(cb)->isLifetimeStartOrEnd() ||
                                      f->onlyAccessesInaccessibleMemory())))
        for (Value *a : cb->args())
          if (a->getType()->isPointerTy())
            wrote(a);
    }
    if (auto *ai = dyn_cast<AllocaInst>(&inst)) {
      if (!ai->isStaticAlloca()) {
        note("dynamic alloca");
        return false;
      }
      continue;
    }
    auto *cb = dyn_cast<CallBase>(&inst);
    if (!cb)
      continue;
    if (!isa<CallInst>(cb)) {
      note("invoke or callbr");
      return false;
    }
    if (auto *asmv = dyn_cast<InlineAsm>(cb->getCalledOperand())) {
      if (!asmv->getAsmString().empty()) {
        note("inline asm");
        return false;
      }
      continue;
    }
    Function *callee = cb->getCalledFunction();
    if (!callee) {
      note("indirect call");
      return false;
    }
    if (callee->isIntrinsic())
      continue;
    StringRef name = callee->getName();
    if (name.starts_with(kExchangePrefix) && cb->arg_size() == 3) {
      syncs.push_back({cast<CallInst>(cb), false});
      continue;
    }
    if (name == kBarrierFn) {
      syncs.push_back({cast<CallInst>(cb), true});
      continue;
    }
    if (!callee->isDeclaration()) {
      note("call of " + name);
      return false;
    }
  }
  if (syncs.empty()) {
    note("no synchronization");
    return false;
  }
  if (syncs.size() > 100000) {
    note("too many synchronization points");
    return false;
  }
  return true;
}

Level Transform::levelOf(Value *v) const {
  if (isa<Constant>(v) && !isa<GlobalValue>(v))
    return TG;
  if (isa<GlobalValue>(v))
    return TG; // an address (thread_locals: the same OS thread for the whole threadgroup)
  auto it = level.find(v);
  return it == level.end() ? TG : it->second; // optimistic start; the fixpoint raises it
}

void Transform::analyzeUniformity() {
  Argument *g = thread.getArg(0), *t = thread.getArg(1);
  level[g] = TG;
  level[t] = Divergent;
  // A branch makes divergent the phis where paths from two of its successors meet before its
  // immediate post-dominator (or that post-dominator), and those of the blocks on a cycle
  // through it (a loop it exits: lanes leave at different iterations), following paths up to
  // the next synchronization point only (there the lanes of a converged kernel meet anyway).
  // Phis that only one successor reaches (inside one arm) are not affected.
  PostDominatorTree pdt(thread);
  SmallPtrSet<BasicBlock *, 16> syncBlocksA;
  for (const Sync &sy : syncs)
    syncBlocksA.insert(sy.call->getParent());
  DenseMap<BasicBlock *, SmallVector<Instruction *, 8>> phiControl;
  for (BasicBlock &bb : thread) {
    Instruction *term = bb.getTerminator();
    if (term->getNumSuccessors() < 2)
      continue;
    auto *node = pdt.getNode(&bb);
    BasicBlock *join = node && node->getIDom() ? node->getIDom()->getBlock() : nullptr;
    SmallPtrSet<BasicBlock *, 4> succs;
    DenseMap<BasicBlock *, unsigned> reachedFrom;
    SmallPtrSet<BasicBlock *, 32> region;
    for (BasicBlock *start : successors(&bb)) {
      if (!succs.insert(start).second)
        continue;
      SmallPtrSet<BasicBlock *, 32> seen;
      SmallVector<BasicBlock *, 32> work{start};
      while (!work.empty()) {
        BasicBlock *x = work.pop_back_val();
        if (!seen.insert(x).second)
          continue;
        ++reachedFrom[x];
        region.insert(x);
        if (x == join || syncBlocksA.count(x))
          continue;
        for (BasicBlock *sx : successors(x))
          work.push_back(sx);
      }
    }
    // Blocks of the region from which the branch is reached again (a cycle through it).
    SmallPtrSet<BasicBlock *, 32> cycle;
    SmallVector<BasicBlock *, 32> back(pred_begin(&bb), pred_end(&bb));
    while (!back.empty()) {
      BasicBlock *x = back.pop_back_val();
      if (!region.count(x) || !cycle.insert(x).second)
        continue;
      for (BasicBlock *px : predecessors(x))
        back.push_back(px);
    }
    for (BasicBlock *x : region)
      if ((reachedFrom[x] >= 2 || cycle.count(x) || x == join) && isa<PHINode>(x->begin()))
        phiControl[x].push_back(term);
  }
  auto condLevel = [&](Instruction *term) -> Level {
    if (auto *br = dyn_cast<BranchInst>(term))
      return br->isConditional() ? levelOf(br->getCondition()) : TG;
    if (auto *sw = dyn_cast<SwitchInst>(term))
      return levelOf(sw->getCondition());
    if (isa<ReturnInst>(term) || isa<UnreachableInst>(term))
      return TG;
    return Divergent;
  };
  bool changed = true;
  while (changed) {
    changed = false;
    for (Instruction &inst : instructions(thread)) {
      if (inst.getType()->isVoidTy())
        continue;
      Level l = TG;
      auto maxOps = [&](User *u) {
        for (Value *op : u->operands())
          if (!isa<BasicBlock>(op))
            l = std::max(l, levelOf(op));
      };
      if (auto *phi = dyn_cast<PHINode>(&inst)) {
        maxOps(phi);
        // The result of a reduction: what the first lane computed, or what the others copy
        // from the shared slot it stored to; the same for every lane (the flag only decides who
        // computes).
        bool protocol = false;
        for (Value *in : phi->incoming_values())
          if (auto *load = dyn_cast<LoadInst>(in)) {
            std::optional<int64_t> off;
            if (exchangeArea(load->getPointerOperand(), dl, off) && off && *off >= kSharedSlots)
              protocol = true;
          }
        for (Instruction *term : phiControl.lookup(phi->getParent())) {
          if (protocol) {
            auto *br = dyn_cast<BranchInst>(term);
            if (br && br->isConditional() && isSharedFlagTest(br->getCondition(), dl))
              continue;
          }
          l = std::max(l, condLevel(term));
        }
      } else if (auto *load = dyn_cast<LoadInst>(&inst)) {
        Level a = levelOf(load->getPointerOperand());
        std::optional<int64_t> exOff;
        if (load->isVolatile() || load->isAtomic())
          l = Divergent;
        else if (isMaskSlot(load->getPointerOperand()))
          l = SG; // the active mask an exchange stored: the same for all its lanes
        else if (a == Divergent)
          l = Divergent;
        else if (exchangeArea(load->getPointerOperand(), dl, exOff))
          // The lanes' published values and the shared slots read at a uniform place are the
          // same for every lane; the shared flag is not (the first lane sees it clear).
          l = exOff && *exOff >= kSharedFlag && *exOff < kSharedSlots ? Divergent : SG;
        else if (isGroupConstantLoad(load, g, dl) ||
                 load->getPointerAddressSpace() == 2 /* constant */ ||
                 load->hasMetadata(LLVMContext::MD_invariant_load))
          l = a;
        else if (std::optional<uint64_t> p = paramOf(load->getPointerOperand());
                 p && !unknownWrites && !writtenParams.count(*p))
          l = a; // a parameter the kernel does not write (buffers do not alias, as in Metal)
        else
          l = Divergent;
      } else if (auto *bin = dyn_cast<BinaryOperator>(&inst)) {
        // t / 32 (and t >> 5.., t & ~31) is uniform over the SIMD-group.
        auto *c = dyn_cast<ConstantInt>(bin->getOperand(1));
        if (bin->getOperand(0) == t && c &&
            ((bin->getOpcode() == Instruction::LShr && c->getZExtValue() >= 5) ||
             (bin->getOpcode() == Instruction::UDiv && c->getZExtValue() % 32 == 0 &&
              !c->isZero()) ||
             (bin->getOpcode() == Instruction::And && (c->getZExtValue() & 31) == 0)))
          l = SG;
        else
          maxOps(bin);
      } else if (isa<CastInst>(inst) || isa<GetElementPtrInst>(inst) || isa<CmpInst>(inst) ||
                 isa<SelectInst>(inst) || isa<ExtractElementInst>(inst) ||
                 isa<InsertElementInst>(inst) || isa<ShuffleVectorInst>(inst) ||
                 isa<ExtractValueInst>(inst) || isa<InsertValueInst>(inst) ||
                 isa<FreezeInst>(inst) || isa<UnaryOperator>(inst)) {
        maxOps(&inst);
      } else if (auto *call = dyn_cast<CallInst>(&inst)) {
        Function *callee = call->getCalledFunction();
        if (callee && callee->getName() == kMarker) {
          l = levelOf(call->getArgOperand(0));
        } else if (callee && callee->getName().starts_with(kExchangePrefix)) {
          l = SG; // the area of the SIMD-group's exchange (what is read from it: above)
        } else if (callee && (callee->isIntrinsic() || callee->doesNotAccessMemory() ||
                              callee->getName() == "expf" || callee->getName() == "exp" ||
                              callee->getName() == "logf" || callee->getName() == "log")) {
          // Pure functions of their arguments (libm's errno is off: -fno-math-errno).
          if (callee->isIntrinsic() && !callee->doesNotAccessMemory() &&
              !callee->onlyAccessesInaccessibleMemory())
            l = Divergent;
          else
            for (Value *a : call->args())
              l = std::max(l, levelOf(a));
        } else {
          l = Divergent;
        }
      } else {
        l = Divergent;
      }
      auto it = level.find(&inst);
      if (it == level.end() || it->second < l) {
        level[&inst] = l;
        changed = true;
      }
    }
  }
}

bool Transform::checkConvergence() {
  PostDominatorTree pdt(thread);
  for (const Sync &s : syncs) {
    BasicBlock *sb = s.call->getParent();
    Level need = s.barrier ? TG : SG;
    for (BasicBlock &b : thread) {
      Instruction *term = b.getTerminator();
      if (term->getNumSuccessors() < 2)
        continue;
      Value *cond = nullptr;
      if (auto *br = dyn_cast<BranchInst>(term))
        cond = br->getCondition();
      else if (auto *sw = dyn_cast<SwitchInst>(term))
        cond = sw->getCondition();
      Level l = cond ? levelOf(cond) : Divergent;
      if (l <= need)
        continue;
      if (debugOn() && cond) {
        errs() << "enigma-lanes: condition ";
        cond->print(errs());
        errs() << "\n";
        dumpOperandTree(cond, 30, "  ", [&](Value *v) { return levelOf(v); });
      }
      if (pdt.properlyDominates(sb, &b) && sb != &b)
        continue;
      for (BasicBlock *succ : successors(&b))
        if (pdt.dominates(sb, succ)) {
          note(Twine("a ") + (s.barrier ? "barrier" : "SIMD-group function") +
               " depends on a condition that is not uniform over the " +
               (s.barrier ? "threadgroup" : "SIMD-group") + " (line " +
               Twine(s.call->getDebugLoc() ? s.call->getDebugLoc().getLine() : 0) + ")");
          if (debugOn())
            thread.print(errs());
          return false;
        }
    }
  }
  return true;
}

/// Values recomputed at their uses instead of kept in the frame: expressions of constants, the
/// threadgroup descriptor's constant fields, the launch's arguments and their markers.
bool Transform::isRemat(Value *v, unsigned depth) const {
  if (isa<Constant>(v) || (isa<Argument>(v) && v != step.getArg(2)))
    return true;
  if (depth > 8)
    return false;
  auto *inst = dyn_cast<Instruction>(v);
  if (!inst)
    return false;
  Argument *g = step.getArg(0);
  if (auto *load = dyn_cast<LoadInst>(inst))
    return !load->isVolatile() && !load->isAtomic() && isGroupConstantLoad(load, g, dl) &&
           isRemat(load->getPointerOperand(), depth + 1);
  if (auto *call = dyn_cast<CallInst>(inst)) {
    Function *callee = call->getCalledFunction();
    return callee && callee->getName() == kMarker && isRemat(call->getArgOperand(0), depth + 1) &&
           isa<Constant>(call->getArgOperand(1));
  }
  if (isa<CastInst>(inst) || isa<GetElementPtrInst>(inst) || isa<BinaryOperator>(inst)) {
    if (isa<BinaryOperator>(inst) && cast<BinaryOperator>(inst)->isIntDivRem())
      return false;
    for (Value *op : inst->operands())
      if (!isRemat(op, depth + 1))
        return false;
    // The step's arguments are the same at every step of a thread (its index, its frame),
    // except `resume`; `res` is the last exchange's area, which the header's code only reads
    // before the thread's next exchange.
    for (Value *op : inst->operands())
      if (op == step.getArg(2))
        return false;
    return true;
  }
  return false;
}

Value *Transform::remat(Value *v, Instruction *before, DenseMap<Value *, Value *> &made) {
  if (isa<Constant>(v) || isa<Argument>(v))
    return v;
  auto it = made.find(v);
  if (it != made.end())
    return it->second;
  auto *inst = cast<Instruction>(v);
  Instruction *copy = inst->clone();
  for (Use &op : copy->operands())
    op.set(remat(op.get(), before, made));
  copy->insertBefore(before->getIterator());
  copy->setName(inst->getName() + ".remat");
  if (auto it = level.find(inst); it != level.end())
    level[copy] = it->second;
  made[v] = copy;
  return copy;
}

/// The uses of `inst` outside its block, each with where a value for it must be available: the
/// user, or for a phi the end of the incoming block (uses in its own block are left out).
static SmallVector<std::pair<Use *, Instruction *>, 8> usesElsewhere(Instruction *inst) {
  SmallVector<std::pair<Use *, Instruction *>, 8> out;
  for (Use &u : inst->uses()) {
    auto *user = cast<Instruction>(u.getUser());
    if (auto *phi = dyn_cast<PHINode>(user))
      out.push_back({&u, phi->getIncomingBlock(u)->getTerminator()});
    else if (user->getParent() != inst->getParent())
      out.push_back({&u, user});
  }
  return out;
}

bool Transform::build() {
  // 1. The thread's code, moved into the step function (with its debug info; the thread
  // function is emptied after).
  step.splice(step.end(), &thread);
  thread.getArg(0)->replaceAllUsesWith(step.getArg(0));
  thread.getArg(1)->replaceAllUsesWith(step.getArg(1));
  step.setSubprogram(thread.getSubprogram());
  thread.setSubprogram(nullptr);
  step.addFnAttrs(AttrBuilder(m.getContext(), thread.getAttributes().getFnAttrs()));
  Argument *g = step.getArg(0), *t = step.getArg(1), *resume = step.getArg(2);
  Argument *frame = step.getArg(3), *pub = step.getArg(4), *res = step.getArg(5);
  Argument *mask = step.getArg(6), *cache = step.getArg(7);
  LLVMContext &ctx = m.getContext();
  Type *i8 = Type::getInt8Ty(ctx), *i32 = Type::getInt32Ty(ctx), *i64 = Type::getInt64Ty(ctx);

  // Expensive pure calls (exp, log, pow...) of values uniform over the SIMD-group, executed at
  // most once per thread between two synchronization points: the first lane of the step to get
  // there computes, the others take its result from the step's cache (whose flags the lane loop
  // clears before its first lane). Bit-identical: the same call of the same arguments.
  SmallPtrSet<BasicBlock *, 16> syncBlocks;
  for (const Sync &sy : syncs)
    syncBlocks.insert(sy.call->getParent());
  auto inSyncFreeCycle = [&](BasicBlock *bb) {
    SmallPtrSet<BasicBlock *, 32> seen;
    SmallVector<BasicBlock *, 32> work(succ_begin(bb), succ_end(bb));
    while (!work.empty()) {
      BasicBlock *x = work.pop_back_val();
      if (x == bb)
        return true;
      if (syncBlocks.count(x) || !seen.insert(x).second)
        continue;
      for (BasicBlock *sx : successors(x))
        work.push_back(sx);
    }
    return false;
  };
  auto expensive = [](CallInst *call) {
    Function *f = call->getCalledFunction();
    if (!f || !call->getType()->isFloatingPointTy() || call->getType()->isX86_FP80Ty())
      return false;
    switch (f->getIntrinsicID()) {
    case Intrinsic::exp: case Intrinsic::exp2: case Intrinsic::exp10: case Intrinsic::log:
    case Intrinsic::log2: case Intrinsic::log10: case Intrinsic::pow: case Intrinsic::sin:
    case Intrinsic::cos: case Intrinsic::tan:
      return true;
    case Intrinsic::not_intrinsic:
      break;
    default:
      return false;
    }
    static const char *const libm[] = {"expf", "exp", "exp2f", "exp2", "logf", "log", "log2f",
                                       "log2", "log10f", "log10", "powf", "pow", "sinf", "sin",
                                       "cosf", "cos", "tanf", "tan", "tanhf", "tanh"};
    for (const char *name : libm)
      if (f->getName() == name)
        return f->isDeclaration() && f->doesNotAccessMemory();
    return false;
  };
  SmallVector<CallInst *, 8> cached;
  for (Instruction &inst : instructions(step))
    if (auto *call = dyn_cast<CallInst>(&inst))
      if (expensive(call) && levelOf(call) <= SG && !syncBlocks.count(call->getParent()) &&
          !inSyncFreeCycle(call->getParent()) && cached.size() < 64)
        cached.push_back(call);
  cacheSlots = cached.size();
  if (debugOn()) {
    errs() << "enigma-lanes: " << cached.size() << " uniform calls computed once per step\n";
    for (Instruction &inst : instructions(step))
      if (auto *call = dyn_cast<CallInst>(&inst))
        if (expensive(call)) {
          errs() << "  level " << levelOf(call) << ": ";
          call->print(errs());
          errs() << "\n";
          dumpOperandTree(call, 40, "    ", [&](Value *v) { return levelOf(v); });
        }
  }
  for (unsigned k = 0; k < cached.size(); ++k) {
    CallInst *call = cached[k];
    BasicBlock *head = call->getParent();
    BasicBlock *tail = head->splitBasicBlock(call->getNextNode(), "cached.join");
    BasicBlock *compute = head->splitBasicBlock(call, "cached.compute");
    BasicBlock *reuse = BasicBlock::Create(ctx, "cached.reuse", &step, tail);
    IRBuilder<> hb(head->getTerminator());
    Value *validPtr = hb.CreateInBoundsGEP(i8, cache, hb.getInt64(k));
    Value *slot = hb.CreateInBoundsGEP(i8, cache, hb.getInt64(64 + 8 * k));
    Value *valid = hb.CreateICmpNE(hb.CreateLoad(i8, validPtr), hb.getInt8(0));
    hb.CreateCondBr(valid, reuse, compute);
    head->getTerminator()->eraseFromParent();
    IRBuilder<> cb(compute->getTerminator());
    cb.CreateStore(call, slot);
    cb.CreateStore(cb.getInt8(1), validPtr);
    IRBuilder<> rb(reuse);
    Value *again = rb.CreateLoad(call->getType(), slot, call->getName() + ".cached");
    rb.CreateBr(tail);
    PHINode *phi = PHINode::Create(call->getType(), 2, call->getName() + ".uniform");
    phi->insertBefore(tail->begin());
    level[phi] = levelOf(call);
    cachedBranches.push_back({cast<BranchInst>(head->getTerminator()), reuse, phi});
    phi->addIncoming(call, compute);
    phi->addIncoming(again, reuse);
    call->replaceUsesWithIf(phi, [&](Use &u) {
      auto *user = cast<Instruction>(u.getUser());
      return user != phi && user->getParent() != compute;
    });
  }

  struct Cut {
    CallInst *call;
    bool barrier;
    BasicBlock *cont;
    uint32_t id;
  };
  SmallVector<Cut, 16> cuts;
  uint32_t nextId = 1;
  for (const Sync &s : syncs) {
    CallInst *call = s.call;
    BasicBlock *cont = SplitBlock(call->getParent(), call->getNextNode());
    cuts.push_back({call, s.barrier, cont, nextId++});
    if (!s.barrier)
      call->replaceAllUsesWith(res);
  }

  // The header's thread_local `metal::__enigma::__group` is the step's descriptor: no TLS
  // lookups (a dlopen'ed kernel's thread_locals cost a call each).
  // (Through llvm.threadlocal.address, or direct where clang accesses the variable directly.)
  for (Instruction &inst : make_early_inc_range(instructions(step)))
    if (auto *load = dyn_cast<LoadInst>(&inst)) {
      Value *p = load->getPointerOperand();
      if (auto *ii = dyn_cast<IntrinsicInst>(p);
          ii && ii->getIntrinsicID() == Intrinsic::threadlocal_address)
        p = ii->getArgOperand(0);
      if (isa<GlobalVariable>(p) && p->getName() == kGroupVar &&
          load->getType() == g->getType() && !load->isVolatile()) {
        load->replaceAllUsesWith(g);
        level.erase(load);
        load->eraseFromParent();
      }
    }

  // An exchange's mask result is the SIMD-group's mask, the same at every step (the driver's
  // `mask`): a thread-private variable that only receives it and is read is not kept in the
  // frame, its loads are the step's `mask` (a store per lane and exchange less).
  for (const Cut &c : cuts) {
    if (c.barrier)
      continue;
    auto *ai = dyn_cast<AllocaInst>(c.call->getArgOperand(2));
    if (!ai || !ai->getAllocatedType()->isIntegerTy(64))
      continue;
    bool onlyMask = true;
    for (User *u : ai->users()) {
      if (auto *call = dyn_cast<CallInst>(u)) {
        auto *ii = dyn_cast<IntrinsicInst>(call);
        bool cut = any_of(cuts, [&](const Cut &o) {
          return o.call == call && !o.barrier && call->getArgOperand(2) == ai &&
                 call->getArgOperand(0) != ai && call->getArgOperand(1) != ai;
        });
        onlyMask &= cut || (ii && ii->isLifetimeStartOrEnd());
      } else if (auto *load = dyn_cast<LoadInst>(u)) {
        onlyMask &= load->getType() == mask->getType() && !load->isVolatile();
      } else {
        onlyMask = false;
      }
    }
    if (!onlyMask)
      continue;
    for (User *u : make_early_inc_range(ai->users())) {
      auto *inst = cast<Instruction>(u);
      if (auto *load = dyn_cast<LoadInst>(inst)) {
        load->replaceAllUsesWith(mask);
        level.erase(load);
        load->eraseFromParent();
      } else if (auto *ii = dyn_cast<IntrinsicInst>(inst); ii && ii->isLifetimeStartOrEnd()) {
        ii->eraseFromParent();
      } else {
        cast<CallInst>(inst)->setArgOperand(2, ConstantPointerNull::get(
                                                   cast<PointerType>(ai->getType())));
      }
    }
    level.erase(ai);
    ai->eraseFromParent();
  }

  // 2. Values live into a continuation (across a synchronization point).
  SmallPtrSet<BasicBlock *, 16> contBlocks;
  for (const Cut &c : cuts)
    contBlocks.insert(c.cont);
  SmallVector<Instruction *, 64> across;
  for (Instruction &inst : instructions(step)) {
    if (isa<AllocaInst>(inst) || inst.getType()->isVoidTy())
      continue;
    BasicBlock *def = inst.getParent();
    bool live = false;
    SmallPtrSet<BasicBlock *, 32> seen;
    for (Use &u : inst.uses()) {
      auto *user = cast<Instruction>(u.getUser());
      BasicBlock *ub = user->getParent();
      if (auto *phi = dyn_cast<PHINode>(user))
        ub = phi->getIncomingBlock(u);
      else if (ub == def)
        continue;
      SmallVector<BasicBlock *, 32> work{ub};
      while (!work.empty() && !live) {
        BasicBlock *x = work.pop_back_val();
        if (x == def || !seen.insert(x).second)
          continue;
        if (contBlocks.count(x)) {
          live = true;
          break;
        }
        for (BasicBlock *p : predecessors(x))
          work.push_back(p);
      }
      if (live)
        break;
    }
    if (live)
      across.push_back(&inst);
  }

  // 3. The frames of a SIMD-group (`frame` is the SIMD-group's): the values live across that
  // cannot be recomputed first, each in an array of one slot per lane (value-major: lane l's
  // slot of a value at offset `off` of a thread's live area is at off * 32 + l * size, so the
  // lanes' slots are contiguous and the lane loop vectorizes), then every thread's allocas,
  // thread after thread (a thread's private arrays stay contiguous). A thread's share is
  // frameSize = liveSize + allocaSize bytes; the driver gives a SIMD-group 32 shares.
  uint64_t liveSize = 0, allocaSize = 0;
  // Offsets are aligned, and both areas' sizes are rounded up to the largest alignment (the
  // frames' base is 64-byte aligned).
  Align maxAlign(16);
  auto placeIn = [&](uint64_t &areaSize, uint64_t size, Align align) {
    maxAlign = std::max(maxAlign, align);
    areaSize = alignTo(areaSize, align);
    uint64_t off = areaSize;
    areaSize += std::max<uint64_t>(size, 1);
    return off;
  };
  BasicBlock *oldEntry = &step.getEntryBlock();
  BasicBlock *entry = BasicBlock::Create(ctx, "lanes.entry", &step, oldEntry);
  IRBuilder<> eb(entry);
  // The thread's lane (the driver's SIMD-groups start at multiples of 32).
  Value *laneOf = eb.CreateZExt(eb.CreateAnd(t, eb.getInt32(31)), i64, "lane");
  SmallVector<std::pair<GetElementPtrInst *, uint64_t>, 16> allocaSlots;
  auto liveSlot = [&](Type *ty, const Twine &name) -> Value * {
    uint64_t size = dl.getTypeAllocSize(ty);
    uint64_t off = placeIn(liveSize, size, dl.getPrefTypeAlign(ty));
    Value *at = eb.CreateAdd(eb.CreateMul(laneOf, eb.getInt64(size), "", true, true),
                             eb.getInt64(off * 32), "", true, true);
    return eb.CreateInBoundsGEP(i8, frame, at, name);
  };
  SmallVector<AllocaInst *, 16> allocas;
  for (Instruction &inst : instructions(step))
    if (auto *ai = dyn_cast<AllocaInst>(&inst))
      allocas.push_back(ai);
  // A variable a thread only writes and then hands to the exchange that ends the same step
  // (a SIMD-group function's argument) is read by that exchange alone: it stays a variable of
  // the step, not a frame slot (its stores become the stores into the exchange area).
  auto stepLocal = [&](AllocaInst *ai) {
    auto cutOf = [&](const BasicBlock *bb) -> const Cut * {
      for (const Cut &c : cuts)
        if (c.call->getParent() == bb)
          return &c;
      return nullptr;
    };
    for (User *u : ai->users()) {
      auto *inst = dyn_cast<Instruction>(u);
      if (!inst)
        return false;
      if (auto *ii = dyn_cast<IntrinsicInst>(inst); ii && ii->isLifetimeStartOrEnd())
        continue;
      const Cut *c = cutOf(inst->getParent());
      if (!c || c->barrier || c->call->getArgOperand(0) != ai ||
          c->call->getArgOperand(1) == ai || c->call->getArgOperand(2) == ai)
        return false;
      if (inst == c->call)
        continue;
      auto *store = dyn_cast<StoreInst>(inst);
      if (!store || store->getPointerOperand() != ai || store->getValueOperand() == ai ||
          !store->comesBefore(c->call))
        return false;
    }
    return true;
  };
  for (AllocaInst *ai : allocas) {
    if (stepLocal(ai)) {
      ai->moveBefore(*entry, entry->end());
      continue;
    }
    std::optional<TypeSize> size = ai->getAllocationSize(dl);
    if (!size || size->isScalable())
      return false;
    uint64_t off =
        placeIn(allocaSize, size->getFixedValue(), std::max(ai->getAlign(), Align(16)));
    // Its address once the live area's size is known (below).
    auto *slot = cast<GetElementPtrInst>(
        eb.CreateInBoundsGEP(i8, frame, eb.getInt64(off), ai->getName() + ".frame"));
    allocaSlots.push_back({slot, off});
    for (User *u : make_early_inc_range(ai->users()))
      if (auto *ii = dyn_cast<IntrinsicInst>(u))
        if (ii->isLifetimeStartOrEnd())
          ii->eraseFromParent();
    if (slot->getType() != ai->getType())
      return false;
    ai->replaceAllUsesWith(slot);
    level.erase(ai);
    ai->eraseFromParent();
  }
  // Integer values computed cheaply from values kept in the frame and recomputable ones (an
  // index j * 32 + lane from a loop counter j) are recomputed at their uses from those values'
  // slots instead of having their own: an index affine in the lane stays affine in the lane
  // loop, whose accesses then vectorize as consecutive loads instead of gathers. Only where the
  // values they come from cannot change between the computation and a use (every path from
  // a definition of one of them to a use passes the computation again).
  DenseMap<Instruction *, unsigned> acrossIndex;
  for (unsigned i = 0; i < across.size(); ++i)
    acrossIndex[across[i]] = i;
  std::function<bool(Value *, unsigned, SmallVectorImpl<Instruction *> &)> cheapTree =
      [&](Value *x, unsigned depth, SmallVectorImpl<Instruction *> &leaves) {
        if (isa<Constant>(x) || isRemat(x))
          return true;
        auto *i = dyn_cast<Instruction>(x);
        if (!i || depth > 6 || !i->getType()->isIntegerTy() || i->getType()->isIntegerTy(1))
          return false;
        if (depth > 0 && acrossIndex.count(i)) {
          leaves.push_back(i);
          return true;
        }
        if (auto *bo = dyn_cast<BinaryOperator>(i)) {
          if (bo->isIntDivRem())
            return false;
        } else if (!isa<ZExtInst, SExtInst, TruncInst>(i)) {
          return false;
        }
        for (Value *op : i->operands())
          if (!cheapTree(op, depth + 1, leaves))
            return false;
        return true;
      };
  auto stableFor = [&](Instruction *l, Instruction *v) {
    BasicBlock *bl = l->getParent(), *bv = v->getParent();
    if (bl == bv)
      return true;
    SmallPtrSet<BasicBlock *, 16> useBlocks;
    for (Use &u : v->uses()) {
      auto *user = cast<Instruction>(u.getUser());
      auto *phi = dyn_cast<PHINode>(user);
      useBlocks.insert(phi ? phi->getIncomingBlock(u) : user->getParent());
    }
    if (useBlocks.count(bl))
      return false;
    SmallVector<BasicBlock *, 32> work(successors(bl));
    SmallPtrSet<BasicBlock *, 32> seen;
    while (!work.empty()) {
      BasicBlock *b = work.pop_back_val();
      if (b == bv || !seen.insert(b).second)
        continue;
      if (useBlocks.count(b))
        return false;
      for (BasicBlock *succ : successors(b))
        work.push_back(succ);
    }
    return true;
  };
  SmallPtrSet<Instruction *, 8> partial, leavesOfPartial;
  for (Instruction *inst : across) {
    SmallVector<Instruction *, 4> leaves;
    if (isRemat(inst) || isa<PHINode>(inst) || leavesOfPartial.count(inst) ||
        !cheapTree(inst, 0, leaves) || leaves.empty())
      continue;
    if (!all_of(leaves, [&](Instruction *l) { return !partial.count(l) && stableFor(l, inst); }))
      continue;
    partial.insert(inst);
    leavesOfPartial.insert(leaves.begin(), leaves.end());
  }
  // A frame-kept value's slot, its type and its entry in frameStores (for reloads).
  DenseMap<Instruction *, std::pair<Value *, unsigned>> slotOf;

  for (Instruction *inst : across) {
    if (partial.count(inst))
      continue;
    if (isRemat(inst)) {
      for (auto [u, at] : usesElsewhere(inst)) {
        DenseMap<Value *, Value *> made;
        u->set(remat(inst, at, made));
      }
      continue;
    }
    Type *ty = inst->getType();
    if (!ty->isSized())
      return false;
    // A pointer into something recomputable (a launch argument, the exchange area, the frame):
    // its offset goes to the frame and the pointer is rebuilt from the base, so the bounds
    // checks still see which parameter it points into.
    if (ty->isPointerTy()) {
      Value *obj = const_cast<Value *>(getUnderlyingObject(inst, /*MaxLookup=*/0));
      if (obj != inst && isRemat(obj) && obj->getType() == ty) {
        Value *slot = liveSlot(i64, inst->getName() + ".off");
        Instruction *after = isa<PHINode>(inst) ? &*inst->getParent()->getFirstInsertionPt()
                                                : inst->getNextNode();
        auto uses = usesElsewhere(inst);
        {
          IRBuilder<> sb(after);
          DenseMap<Value *, Value *> made;
          Value *base = remat(obj, after, made);
          Value *diff = sb.CreateSub(sb.CreatePtrToInt(inst, i64), sb.CreatePtrToInt(base, i64));
          sb.CreateStore(diff, slot);
        }
        for (auto [u, at] : uses) {
          IRBuilder<> ub(at);
          DenseMap<Value *, Value *> made;
          Value *base = remat(obj, at, made);
          Value *o = ub.CreateLoad(i64, slot, inst->getName() + ".reoff");
          level[cast<Instruction>(o)] = levelOf(inst);
          Value *rebuilt = ub.CreateGEP(i8, base, o, inst->getName() + ".rebuilt");
          if (auto *ri = dyn_cast<Instruction>(rebuilt))
            level[ri] = levelOf(inst);
          u->set(rebuilt);
        }
        continue;
      }
    }
    // Booleans are kept as bytes (a vectorized lane loop stores and loads bytes).
    bool boolean = ty->isIntegerTy(1);
    Value *slot = liveSlot(boolean ? i8 : ty, inst->getName() + ".live");
    Instruction *after = isa<PHINode>(inst) ? &*inst->getParent()->getFirstInsertionPt()
                                            : inst->getNextNode();
    auto uses = usesElsewhere(inst);
    Value *stored = inst;
    if (boolean) {
      stored = new ZExtInst(inst, i8, inst->getName() + ".byte", after->getIterator());
      level[cast<Instruction>(stored)] = levelOf(inst);
    }
    frameStores.push_back({new StoreInst(stored, slot, after->getIterator()), {}});
    if (!boolean)
      slotOf[inst] = {slot, (unsigned)frameStores.size() - 1};
    for (auto [u, at] : uses) {
      auto *reload =
          new LoadInst(boolean ? i8 : ty, slot, inst->getName() + ".reload", at->getIterator());
      level[reload] = levelOf(inst); // each lane stored the same value
      frameStores.back().second.push_back(reload);
      Value *value = reload;
      if (boolean) {
        value = new TruncInst(reload, ty, inst->getName() + ".bool", at->getIterator());
        level[cast<Instruction>(value)] = levelOf(inst);
      }
      u->set(value);
    }
  }

  // The partially recomputed values, at each use in another block: their expression again,
  // from reloads of the values kept in the frame.
  for (Instruction *inst : across) {
    if (!partial.count(inst))
      continue;
    for (auto [u, at] : usesElsewhere(inst)) {
      DenseMap<Value *, Value *> made;
      std::function<Value *(Value *)> again = [&](Value *x) -> Value * {
        if (isa<Constant>(x))
          return x;
        if (auto it = made.find(x); it != made.end())
          return it->second;
        Value *r;
        auto *i = dyn_cast<Instruction>(x);
        if (i && i != inst && slotOf.count(i)) {
          auto [slot, index] = slotOf.lookup(i);
          auto *reload = new LoadInst(i->getType(), slot, i->getName() + ".reload",
                                      at->getIterator());
          level[reload] = levelOf(i);
          frameStores[index].second.push_back(reload);
          r = reload;
        } else if (isRemat(x)) {
          DenseMap<Value *, Value *> rmade;
          r = remat(x, at, rmade);
        } else {
          Instruction *copy = i->clone();
          for (Use &op : copy->operands())
            op.set(again(op.get()));
          copy->insertBefore(at->getIterator());
          copy->setName(i->getName() + ".again");
          level[copy] = levelOf(i);
          r = copy;
        }
        made[x] = r;
        return r;
      };
      u->set(again(inst));
    }
  }

  // 4. The synchronization points end the step; their continuations are entries.
  for (const Cut &c : cuts) {
    IRBuilder<> b(c.call);
    if (!c.barrier) {
      Value *value = c.call->getArgOperand(0), *size = c.call->getArgOperand(1);
      Value *maskPtr = c.call->getArgOperand(2);
      Value *lane = b.CreateAnd(t, b.getInt32(31));
      Value *dst = b.CreateInBoundsGEP(i8, pub, b.CreateMul(b.CreateZExt(lane, i64),
                                                               b.getInt64(kSlotBytes)));
      if (!isa<ConstantPointerNull>(value))
        b.CreateMemCpy(dst, MaybeAlign(1), value, MaybeAlign(1), b.CreateZExt(size, i64));
      if (!isa<ConstantPointerNull>(maskPtr))
        b.CreateStore(mask, maskPtr);
    }
    BasicBlock *bb = c.call->getParent();
    level.erase(c.call);
    c.call->eraseFromParent();
    bb->getTerminator()->eraseFromParent();
    ReturnInst::Create(ctx, ConstantInt::get(i32, (c.id << 1) | (c.barrier ? 1 : 0)), bb);
  }
  for (BasicBlock &bb : step)
    if (auto *ret = dyn_cast<ReturnInst>(bb.getTerminator()))
      if (!ret->getReturnValue()) {
        ReturnInst::Create(ctx, ConstantInt::get(i32, 0), &bb);
        ret->eraseFromParent();
      }

  // 5. Dispatch on `resume`.
  BasicBlock *sizeBlock = BasicBlock::Create(ctx, "lanes.size", &step, oldEntry);
  if (maxAlign > Align(64))
    return false;
  liveSize = alignTo(liveSize, maxAlign);
  allocaSize = alignTo(allocaSize, maxAlign);
  frameSize = liveSize + allocaSize;
  // The allocas: after the 32 live areas, the lane's share.
  for (auto &[slot, off] : allocaSlots) {
    IRBuilder<> ab(slot);
    Value *at = ab.CreateAdd(ab.CreateMul(laneOf, ab.getInt64(allocaSize), "", true, true),
                             ab.getInt64(32 * liveSize + off), "", true, true);
    slot->setOperand(1, at);
  }
  ReturnInst::Create(ctx, ConstantInt::get(i32, frameSize), sizeBlock);
  SwitchInst *sw = eb.CreateSwitch(resume, oldEntry, cuts.size() + 1);
  sw->addCase(ConstantInt::get(cast<IntegerType>(i32), 0xffffffffu), sizeBlock);
  for (const Cut &c : cuts)
    sw->addCase(ConstantInt::get(cast<IntegerType>(i32), c.id), c.cont);
  if (frameSize > (1u << 20))
    return false;
  return true;
}

/// The level of a value of the step (the per-thread step, after build): what the analysis found
/// for the kernel's instructions and build() recorded for those it made; anything else divergent.
Level Transform::strictLevel(Value *v) const {
  if (isa<Constant>(v))
    return TG;
  if (auto *a = dyn_cast<Argument>(v)) {
    if (a->getParent() != &step)
      return Divergent;
    switch (a->getArgNo()) {
    case 0: // the descriptor
    case 2: // resume
      return TG;
    case 5: // res
    case 6: // mask
      return SG;
    default:
      return Divergent;
    }
  }
  auto it = level.find(v);
  return it == level.end() ? Divergent : it->second;
}

/// Which instructions of the step the first lane computes for the SIMD-group (UniformPlan): values
/// uniform over the SIMD-group, of instructions without side effects (no pointers: the bounds
/// checks trace pointers to the parameters), in blocks every lane of the SIMD-group runs when
/// one does (no control dependence, even indirect, on a branch that is not uniform over the
/// SIMD-group) and at most once per step (on no cycle: loops without a synchronization point).
/// The first lane then computes each of them at the same point of the same step as every other
/// lane, with the same operands: the same bits.
void Transform::planUniform() {
  Function &f = step;
  if (f.size() > 5000)
    return;
  Argument *res = f.getArg(5);
  PostDominatorTree pdt(f);
  // Control dependences: for an edge a -> s, the post-dominator tree's path from s up to a's
  // immediate post-dominator (excluded).
  DenseMap<BasicBlock *, SmallVector<BasicBlock *, 4>> controlledBy;
  auto divergentBranch = [&](BasicBlock *bb) {
    Instruction *term = bb->getTerminator();
    if (auto *br = dyn_cast<BranchInst>(term))
      return br->isConditional() && strictLevel(br->getCondition()) > SG;
    if (auto *sw = dyn_cast<SwitchInst>(term))
      return strictLevel(sw->getCondition()) > SG;
    return term->getNumSuccessors() > 1;
  };
  for (BasicBlock &bb : f) {
    if (bb.getTerminator()->getNumSuccessors() < 2)
      continue;
    auto *node = pdt.getNode(&bb);
    if (!node)
      continue;
    auto *stop = node->getIDom();
    for (BasicBlock *succ : successors(&bb)) {
      for (auto *n = pdt.getNode(succ); n && n != stop; n = n->getIDom()) {
        if (!n->getBlock())
          break;
        controlledBy[n->getBlock()].push_back(&bb);
      }
    }
  }
  SmallPtrSet<BasicBlock *, 32> divergentCtl; // run by part of the SIMD-group, or in a cycle
  for (BasicBlock &bb : f)
    if (!pdt.getNode(&bb))
      divergentCtl.insert(&bb);
  for (scc_iterator<Function *> it = scc_begin(&f); !it.isAtEnd(); ++it)
    if (it.hasCycle())
      for (BasicBlock *bb : *it)
        divergentCtl.insert(bb);
  for (bool changed = true; changed;) {
    changed = false;
    for (BasicBlock &bb : f) {
      if (divergentCtl.count(&bb))
        continue;
      for (BasicBlock *a : controlledBy.lookup(&bb))
        if (divergentCtl.count(a) || divergentBranch(a)) {
          divergentCtl.insert(&bb);
          changed = true;
          break;
        }
    }
  }
  auto pure = [&](Instruction &inst) {
    Type *ty = inst.getType();
    if (ty->isVoidTy() || ty->isTokenTy() || ty->isPtrOrPtrVectorTy() || !ty->isSized() ||
        !ty->isFirstClassType() || ty->isStructTy() || ty->isArrayTy() || ty->isX86_FP80Ty())
      return false;
    if (isa<PHINode>(inst) || isa<BinaryOperator>(inst) || isa<UnaryOperator>(inst) ||
        isa<CastInst>(inst) || isa<CmpInst>(inst) || isa<SelectInst>(inst) ||
        isa<ExtractElementInst>(inst) || isa<InsertElementInst>(inst) ||
        isa<ShuffleVectorInst>(inst) || isa<ExtractValueInst>(inst) || isa<FreezeInst>(inst))
      return true;
    if (auto *load = dyn_cast<LoadInst>(&inst)) {
      if (load->isVolatile() || load->isAtomic())
        return false;
      // From the exchange's area, only the lanes' published values at a known place (the
      // shared flag and slots change while the step runs: the first lane computes into them).
      const Value *p = load->getPointerOperand();
      if (getUnderlyingObject(p, /*MaxLookup=*/0) == res) {
        APInt off(dl.getIndexTypeSizeInBits(p->getType()), 0);
        const Value *base = p->stripAndAccumulateConstantOffsets(dl, off, true);
        int64_t bytes = (int64_t)dl.getTypeStoreSize(load->getType()).getFixedValue();
        return base == res && off.getSExtValue() >= 0 &&
               off.getSExtValue() + bytes <= kSharedFlag;
      }
      return true;
    }
    if (auto *call = dyn_cast<CallInst>(&inst)) {
      Function *callee = call->getCalledFunction();
      return callee && callee->getName() != kMarker && call->doesNotAccessMemory() &&
             !call->isConvergent() && !call->mayHaveSideEffects();
    }
    return false;
  };
  SmallPtrSet<Instruction *, 32> chosen;
  for (BasicBlock &bb : f) {
    if (divergentCtl.count(&bb))
      continue;
    for (Instruction &inst : bb)
      if (strictLevel(&inst) <= SG && pure(inst)) {
        chosen.insert(&inst);
        plan.uniform.push_back(&inst);
      }
  }
  uint64_t bytes = 0;
  for (Instruction *inst : plan.uniform) {
    bool boundary = false;
    for (User *u : inst->users())
      if (!chosen.count(cast<Instruction>(u)))
        boundary = true;
    if (!boundary)
      continue;
    Type *ty = inst->getType();
    bytes = alignTo(bytes, dl.getPrefTypeAlign(ty));
    plan.slots.push_back({inst, kUniformSlotsAt + bytes});
    bytes += std::max<uint64_t>(dl.getTypeAllocSize(ty).getFixedValue(), 1);
  }
  plan.bytes = alignTo(bytes, 16);
  if (plan.bytes > kUniformSlotsMax || plan.slots.empty()) {
    plan.uniform.clear();
    plan.slots.clear();
    plan.bytes = 0;
  }
  for (auto &[br, reuse, phi] : cachedBranches)
    if (!divergentCtl.count(phi->getParent()))
      plan.redirect.push_back({br, reuse});
  // The header's "first lane computes, the others copy" test of the exchange's shared flag
  // (MetalSync.h: the lane that finds it clear computes and sets it to 1; the driver clears it
  // between steps): the first lane took it in this step, so for the others it is set.
  for (BasicBlock &bb : f) {
    auto *br = dyn_cast<BranchInst>(bb.getTerminator());
    if (divergentCtl.count(&bb) || !br || !br->isConditional())
      continue;
    auto *cmp = dyn_cast<ICmpInst>(br->getCondition());
    if (!cmp || !cmp->isEquality())
      continue;
    auto *load = dyn_cast<LoadInst>(cmp->getOperand(0));
    auto *zero = dyn_cast<ConstantInt>(cmp->getOperand(1));
    if (!load || !zero || !zero->isZero() || load->isVolatile() ||
        !load->getType()->isIntegerTy(32))
      continue;
    const Value *p = load->getPointerOperand();
    APInt off(dl.getIndexTypeSizeInBits(p->getType()), 0);
    if (p->stripAndAccumulateConstantOffsets(dl, off, true) != res ||
        off.getSExtValue() != kSharedFlag)
      continue;
    // eq 0: the flag is clear on the true edge; set on the false one.
    plan.redirect.push_back(
        {br, br->getSuccessor(cmp->getPredicate() == ICmpInst::ICMP_EQ ? 1 : 0)});
    ++plan.flagTests;
  }
  if (!plan.uniform.empty())
    for (auto &[store, reloads] : frameStores)
      if (strictLevel(store->getValueOperand()) <= SG &&
          all_of(reloads, [&](LoadInst *r) { return chosen.count(r) != 0; }))
        plan.deadStores.push_back(store);
  note(Twine(plan.uniform.size()) + " uniform values computed once per SIMD-group (" +
       Twine(plan.slots.size()) + " slots, " + Twine(plan.bytes) + " bytes; " +
       Twine(plan.deadStores.size()) + " frame stores by the first lane only, " +
       Twine(plan.flagTests) + " shared-flag tests by the first lane only)");
  if (debugOn() && std::getenv("ENIGMA_LANES_DEBUG")[1] == '3')
    for (Instruction *inst : plan.uniform) {
      errs() << "  uniform: ";
      inst->print(errs());
      errs() << "\n";
    }
}

bool Transform::run() {
  if (thread.arg_size() != 2 || step.arg_size() != 8)  // (the per-thread step)
    return false;
  if (!collect())
    return false;
  analyzeUniformity();
  if (!checkConvergence())
    return false;
  if (!build()) {
    note("cannot build the step function");
    return false;
  }
  if (verifyFunction(step, debugOn() ? &errs() : nullptr)) {
    note("the step function does not verify");
    return false;
  }
  if (const char *e = std::getenv("ENIGMA_LANES_UNIFORM"); !e || *e != '0')
    planUniform();
  note(Twine("kernel in lane-loop form, ") + Twine(syncs.size()) +
       " synchronization points");
  return true;
}

/// The step of one thread (built in `one`, the arguments of the header's per-thread step) becomes
/// the loop over a SIMD-group's lanes the driver calls: step(g, first, end, resume, frames, pub,
/// res, mask) runs threads first..end-1 (setting g->current; the SIMD-group's frames, lane
/// slots value-major, at `frames`) and returns their common exit, ~0u if they differ; resume =
/// ~0u returns a thread's share of the frames. The first lane runs alone (it computes the
/// uniform values), then a loop over the others. The per-thread code is inlined into one loop per entry point (with
/// that entry's `resume`, so only its region remains), or into a single loop for kernels with
/// more than 31 synchronization points.
static bool wrapInLaneLoop(Module &m, Function &one, Function &step, uint64_t frameSize,
                           unsigned numEntries, unsigned cacheSlots, const UniformPlan &plan) {
  LLVMContext &ctx = m.getContext();
  Type *i8 = Type::getInt8Ty(ctx), *i32 = Type::getInt32Ty(ctx);
  Argument *g = step.getArg(0), *first = step.getArg(1), *end = step.getArg(2);
  Argument *resume = step.getArg(3), *frames = step.getArg(4), *pub = step.getArg(5);
  Argument *res = step.getArg(6), *mask = step.getArg(7);
  DISubprogram *sp = one.getSubprogram();
  if (sp) {
    // The inlined code's locations need a caller location in a subprogram of the step.
    step.setSubprogram(sp);
    one.setSubprogram(nullptr);
  }
  // The first lane's copy of the per-thread step stores the uniform values others use into the
  // cache; in the others' (`one` itself), they are loads of the cache.
  Function *firstLane = &one;
  bool split = !plan.slots.empty() || !plan.redirect.empty() || !plan.deadStores.empty();
  if (split) {
    ValueToValueMapTy vmap;
    firstLane = CloneFunction(&one, vmap);
    firstLane->setName("__enigma_lanes_first");
    firstLane->setSubprogram(nullptr);
    Argument *c1 = firstLane->getArg(7), *c2 = one.getArg(7);
    for (auto &[inst, off] : plan.slots) {
      auto *copy = cast<Instruction>(vmap[inst]);
      Instruction *after = isa<PHINode>(copy) ? &*copy->getParent()->getFirstInsertionPt()
                                              : copy->getNextNode();
      IRBuilder<> sb(after);
      sb.CreateStore(copy, sb.CreateInBoundsGEP(i8, c1, sb.getInt64(off)));
    }
    for (auto &[inst, off] : plan.slots) {
      Instruction *at = isa<PHINode>(inst) ? &*inst->getParent()->getFirstInsertionPt() : inst;
      IRBuilder<> lb(at);
      Value *v = lb.CreateLoad(inst->getType(), lb.CreateInBoundsGEP(i8, c2, lb.getInt64(off)),
                               inst->getName() + ".sg");
      inst->replaceAllUsesWith(v);
    }
    for (StoreInst *store : plan.deadStores)
      store->eraseFromParent();
    for (Instruction *inst : plan.uniform)
      inst->dropAllReferences();
    for (Instruction *inst : plan.uniform)
      inst->eraseFromParent();
    for (auto &[br, reuse] : plan.redirect) {
      BasicBlock *bb = br->getParent();
      for (BasicBlock *succ : successors(bb))
        if (succ != reuse)
          succ->removePredecessor(bb);
      BranchInst::Create(reuse, bb);
      br->eraseFromParent();
    }
  }
  BasicBlock *entry = BasicBlock::Create(ctx, "entry", &step);
  BasicBlock *size = BasicBlock::Create(ctx, "size", &step);
  BasicBlock *bad = BasicBlock::Create(ctx, "lanes.diverged", &step);
  IRBuilder<> eb0(entry);
  Value *cache = eb0.CreateAlloca(ArrayType::get(i8, kUniformSlotsAt + plan.bytes), nullptr,
                                  "uniform.cache");
  cast<AllocaInst>(cache)->setAlignment(Align(16));
  IRBuilder<> b(size);
  b.CreateRet(b.getInt32((uint32_t)frameSize));
  b.SetInsertPoint(bad);
  b.CreateRet(b.getInt32(0xffffffffu));
  // One loop per entry point, each calling the thread's step with a constant `resume` (so once
  // inlined, only that entry's region remains), unless there are many: then one loop.
  bool perEntry = numEntries <= 32;
  SmallVector<CallInst *, 32> calls;
  SmallVector<PHINode *, 32> lanePhis;
  SmallVector<BranchInst *, 32> laneLatches;
  auto makeLoop = [&](Value *entryValue, const Twine &name) {
    BasicBlock *loop = BasicBlock::Create(ctx, name, &step);
    BasicBlock *latch = BasicBlock::Create(ctx, name + ".next", &step);
    BasicBlock *done = BasicBlock::Create(ctx, name + ".done", &step);
    BasicBlock *pre = BasicBlock::Create(ctx, name + ".pre", &step, loop);
    IRBuilder<> lb(pre);
    if (cacheSlots)
      lb.CreateMemSet(cache, lb.getInt8(0), lb.getInt64(cacheSlots), MaybeAlign(16));
    Value *start, *e0start;
    BasicBlock *from;
    {
      // The first lane, then the loop over the others (whose exit must be the first's).
      BasicBlock *firstDone = BasicBlock::Create(ctx, name + ".first", &step, loop);
      lb.CreateStore(first, lb.CreateInBoundsGEP(i8, g, lb.getInt64(72)));
      CallInst *call = lb.CreateCall(firstLane->getFunctionType(), firstLane,
                                     {g, first, entryValue, frames, pub, res, mask, cache});
      if (sp)
        call->setDebugLoc(DILocation::get(ctx, sp->getLine(), 0, sp));
      calls.push_back(call);
      start = lb.CreateAdd(first, lb.getInt32(1));
      e0start = call;
      lb.CreateBr(firstDone);
      lb.SetInsertPoint(firstDone);
      lb.CreateCondBr(lb.CreateICmpULT(start, end), loop, done);
      from = firstDone;
    }
    lb.SetInsertPoint(loop);
    PHINode *t = lb.CreatePHI(i32, 2, "t");
    PHINode *diverged = lb.CreatePHI(lb.getInt1Ty(), 2, "diverged");
    t->addIncoming(start, from);
    diverged->addIncoming(lb.getFalse(), from);
    lanePhis.push_back(t);
    // EnigmaCpuGroup.current (CpuABI.h; MetalLaunch.h asserts the offset).
    lb.CreateStore(t, lb.CreateInBoundsGEP(i8, g, lb.getInt64(72)));
    // The SIMD-group's frames (each lane finds its slots from its lane index).
    CallInst *call =
        lb.CreateCall(one.getFunctionType(), &one, {g, t, entryValue, frames, pub, res, mask, cache});
    if (sp)
      call->setDebugLoc(DILocation::get(ctx, sp->getLine(), 0, sp));
    calls.push_back(call);
    Value *e0n = e0start;
    // A lane stopping elsewhere than the first is recorded, not a loop exit (the loop keeps a
    // single exit, so it vectorizes); the driver traps on it.
    Value *div1 = lb.CreateOr(diverged, lb.CreateICmpNE(call, e0n));
    lb.CreateBr(latch);
    lb.SetInsertPoint(latch);
    Value *t1 = lb.CreateAdd(t, lb.getInt32(1));
    t->addIncoming(t1, latch);
    diverged->addIncoming(div1, latch);
    BranchInst *back = lb.CreateCondBr(lb.CreateICmpULT(t1, end), loop, done);
    laneLatches.push_back(back);
    lb.SetInsertPoint(done);
    PHINode *anyDiverged = lb.CreatePHI(lb.getInt1Ty(), 2, "any.diverged");
    anyDiverged->addIncoming(lb.getFalse(), from);
    anyDiverged->addIncoming(div1, latch);
    BasicBlock *ok = BasicBlock::Create(ctx, name + ".ret", &step);
    lb.CreateCondBr(anyDiverged, bad, ok);
    lb.SetInsertPoint(ok);
    lb.CreateRet(e0start);
    return pre;
  };
  b.SetInsertPoint(entry);
  if (perEntry) {
    SwitchInst *sw = b.CreateSwitch(resume, size, numEntries);
    for (unsigned k = 0; k < numEntries; ++k)
      sw->addCase(cast<ConstantInt>(b.getInt32(k)),
                  makeLoop(b.getInt32(k), "lanes" + Twine(k)));
  } else {
    b.CreateCondBr(b.CreateICmpEQ(resume, b.getInt32(0xffffffffu)), size,
                   makeLoop(resume, "lanes"));
  }
  // EnigmaCpuGroup.current is the thread the loop runs (it stores it for the runtime's
  // reports): the thread's code reads its argument instead (one lane's load of it would
  // otherwise be another lane's once the loop is vectorized).
  for (Function *f : {&one, firstLane}) {
    for (Instruction &inst : make_early_inc_range(instructions(*f)))
      if (auto *load = dyn_cast<LoadInst>(&inst)) {
        APInt off(64, 0);
        const Value *base = load->getPointerOperand()->stripAndAccumulateConstantOffsets(
            m.getDataLayout(), off, /*AllowNonInbounds=*/true);
        if (base == f->getArg(0) && off == 72 && load->getType() == i32 && !load->isVolatile()) {
          load->replaceAllUsesWith(f->getArg(1));
          load->eraseFromParent();
        }
      }
    if (firstLane == &one)
      break;
  }
  for (CallInst *call : calls) {
    InlineFunctionInfo ifi;
    if (!InlineFunction(*call, ifi).isSuccess())
      return false;
  }
  // A SIMD-group starts at a multiple of 32 and has at most 32 threads: in the loops, thread
  // t's lane t & 31 is t - first and its SIMD-group t >> 5 is first >> 5 (affine in the loop:
  // its slots and its lane's accesses are consecutive, so the loop vectorizes).
  for (PHINode *t : lanePhis)
    for (User *u : make_early_inc_range(t->users())) {
      auto *bo = dyn_cast<BinaryOperator>(u);
      auto *c = bo ? dyn_cast<ConstantInt>(bo->getOperand(1)) : nullptr;
      if (!c || bo->getOperand(0) != t)
        continue;
      IRBuilder<> pb(bo);
      if (bo->getOpcode() == Instruction::And && c->getZExtValue() == 31)
        bo->replaceAllUsesWith(pb.CreateSub(t, first, "lane", true, true));
      else if (bo->getOpcode() == Instruction::LShr && c->getZExtValue() == 5)
        bo->replaceAllUsesWith(pb.CreateLShr(first, c, "simdgroup"));
    }
  for (User *u : make_early_inc_range(first->users()))
    if (auto *bo = dyn_cast<BinaryOperator>(u))
      if (bo->getOpcode() == Instruction::And && bo->getOperand(0) == first)
        if (auto *c = dyn_cast<ConstantInt>(bo->getOperand(1)); c && c->getZExtValue() == 31)
          bo->replaceAllUsesWith(ConstantInt::get(bo->getType(), 0));
  // The lanes' iterations are parallel: between two synchronization points Metal does not
  // order one thread's memory accesses against another's (a kernel that relies on it races,
  // which the race checker reports; race-checked launches run on fibers). Each lane's own
  // accesses keep their order. Every access in a lane loop joins the loop's access group.
  for (BranchInst *back : laneLatches) {
    BasicBlock *header = back->getSuccessor(0);
    BasicBlock *latch = back->getParent();
    // The loop's blocks: those between the header and the latch.
    SmallPtrSet<BasicBlock *, 32> body;
    SmallVector<BasicBlock *, 32> work{latch};
    while (!work.empty()) {
      BasicBlock *bb = work.pop_back_val();
      if (!body.insert(bb).second || bb == header)
        continue;
      for (BasicBlock *p : predecessors(bb))
        work.push_back(p);
    }
    MDNode *group = MDNode::getDistinct(ctx, {});
    for (BasicBlock *bb : body)
      for (Instruction &inst : *bb)
        if (inst.mayReadOrWriteMemory())
          inst.setMetadata(LLVMContext::MD_access_group, group);
    MDNode *parallel =
        MDNode::get(ctx, {MDString::get(ctx, "llvm.loop.parallel_accesses"), group});
    MDNode *self = MDNode::getDistinct(ctx, {nullptr, parallel});
    self->replaceOperandWith(0, self);
    back->setMetadata(LLVMContext::MD_loop, self);
  }
  // What the lanes share does not change during a step: the descriptor's constant fields and
  // the launch's argument pointers (invariant loads), and the parameter markers are pure (not
  // synchronization: without `convergent`, they and the loads hoist out of the lane loops,
  // which can then be unswitched and vectorized).
  MDNode *invariant = MDNode::get(ctx, {});
  if (Function *marker = m.getFunction(kMarker))
    marker->removeFnAttr(Attribute::Convergent);
  for (Instruction &inst : instructions(step)) {
    if (auto *load = dyn_cast<LoadInst>(&inst)) {
      if (!load->isVolatile() && !load->isAtomic() && isGroupConstantLoad(load, g, m.getDataLayout()))
        load->setMetadata(LLVMContext::MD_invariant_load, invariant);
    } else if (auto *call = dyn_cast<CallInst>(&inst)) {
      if (Function *callee = call->getCalledFunction(); callee && callee->getName() == kMarker)
        call->removeFnAttr(Attribute::Convergent);
    }
  }
  // The SIMD-group's frames and exchange areas are distinct memory. So is the descriptor,
  // once the lanes no longer publish it in metal::__enigma::__group (the driver does, once
  // per threadgroup: MetalLaunch.h, __runLanes), if nothing in the step reads it back.
  for (unsigned k : {4u, 5u, 6u})
    step.addParamAttr(k, Attribute::NoAlias);
  if (GlobalVariable *groupVar = m.getGlobalVariable(kGroupVar, /*AllowInternal=*/true)) {
    bool read = false;
    SmallVector<StoreInst *, 8> publish;
    // Its uses in the step: direct, or through llvm.threadlocal.address.
    SmallVector<std::pair<Instruction *, Value *>, 8> uses;
    for (User *u : groupVar->users())
      if (auto *inst = dyn_cast<Instruction>(u); inst && inst->getFunction() == &step) {
        auto *ii = dyn_cast<IntrinsicInst>(inst);
        if (ii && ii->getIntrinsicID() == Intrinsic::threadlocal_address) {
          for (User *v : ii->users())
            uses.push_back({cast<Instruction>(v), ii});
        } else {
          uses.push_back({inst, groupVar});
        }
      }
    for (auto &[inst, address] : uses) {
      auto *store = dyn_cast<StoreInst>(inst);
      if (store && store->getPointerOperand() == address && store->getValueOperand() == g)
        publish.push_back(store);
      else
        read = true;
    }
    if (!read) {
      for (StoreInst *store : publish)
        store->eraseFromParent();
      step.addParamAttr(0, Attribute::NoAlias);
    }
  }
  one.eraseFromParent();
  if (firstLane != &one)
    firstLane->eraseFromParent();
  return true;
}

/// The scalar remainder loops the loop vectorizer left after a lane loop's vector loop (marked
/// vectorized, without vector instructions) asked to be vectorized 4 wide. Whether any was.
static bool remainderVF4(Function &step) {
  LLVMContext &ctx = step.getContext();
  bool changed = false;
  for (BasicBlock &bb : step) {
    Instruction *term = bb.getTerminator();
    MDNode *loop = term ? term->getMetadata(LLVMContext::MD_loop) : nullptr;
    if (!loop || any_of(bb, [](Instruction &i) { return i.getType()->isVectorTy(); }))
      continue;
    bool vectorized = false, parallel = false;
    SmallVector<Metadata *, 4> keep{nullptr};
    for (unsigned i = 1; i < loop->getNumOperands(); ++i) {
      auto *md = dyn_cast_or_null<MDNode>(loop->getOperand(i).get());
      auto *name = md && md->getNumOperands() ? dyn_cast<MDString>(md->getOperand(0)) : nullptr;
      StringRef n = name ? name->getString() : "";
      vectorized |= n == "llvm.loop.isvectorized";
      parallel |= n == "llvm.loop.parallel_accesses";
      if (!n.starts_with("llvm.loop.isvectorized") && !n.starts_with("llvm.loop.vectorize.") &&
          !n.starts_with("llvm.loop.interleave."))
        keep.push_back(md);
    }
    if (!vectorized || !parallel)
      continue;
    Type *i32 = Type::getInt32Ty(ctx);
    keep.push_back(MDNode::get(ctx, {MDString::get(ctx, "llvm.loop.vectorize.width"),
                                     ConstantAsMetadata::get(ConstantInt::get(i32, 4))}));
    keep.push_back(MDNode::get(ctx, {MDString::get(ctx, "llvm.loop.vectorize.enable"),
                                     ConstantAsMetadata::get(ConstantInt::getTrue(ctx))}));
    keep.push_back(MDNode::get(ctx, {MDString::get(ctx, "llvm.loop.interleave.count"),
                                     ConstantAsMetadata::get(ConstantInt::get(i32, 1))}));
    MDNode *self = MDNode::getDistinct(ctx, keep);
    self->replaceOperandWith(0, self);
    term->setMetadata(LLVMContext::MD_loop, self);
    changed = true;
  }
  return changed;
}

/// Empties the thread template (its code lives on in the step function, or is not needed).
static void emptyThread(Function &thread) {
  thread.deleteBody();
  BasicBlock *bb = BasicBlock::Create(thread.getContext(), "", &thread);
  ReturnInst::Create(thread.getContext(), bb);
  thread.setLinkage(GlobalValue::ExternalLinkage);
}

} // namespace enigma_lanes

/// At the end of the optimization pipeline, before the bounds checks (which then check the
/// step function's accesses like the kernel's).
PreservedAnalyses enigmaLanesRun(Module &m, ModuleAnalysisManager &mam) {
  using namespace enigma_lanes;
  Function *thread = m.getFunction(kThreadName);
  Function *step = m.getFunction(kStepName);
  if (!thread || thread->isDeclaration()) {
    note("no thread template");
    return PreservedAnalyses::all();
  }
  if (!step || !step->isDeclaration())
    note("no step declaration");
  if (step && step->isDeclaration() && step->arg_size() == 8) {
    // The per-thread step, then the lane loop around it.
    Type *ptrTy = step->getArg(0)->getType(), *i32 = Type::getInt32Ty(m.getContext());
    auto *oneTy = FunctionType::get(
        i32, {ptrTy, i32, i32, ptrTy, ptrTy, ptrTy, Type::getInt64Ty(m.getContext()), ptrTy},
        false);
    Function *one = Function::Create(oneTy, GlobalValue::InternalLinkage, "__enigma_lanes_one", m);
    Transform tr(m, *thread, *one);
    bool ok = tr.run() &&
              wrapInLaneLoop(m, *one, *step, tr.frameSize, tr.numEntries(), tr.cacheSlots,
                             tr.plan) &&
              !verifyFunction(*step, debugOn() ? &errs() : nullptr);
    if (ok) {
      FunctionAnalysisManager &fam =
          mam.getResult<FunctionAnalysisManagerModuleProxy>(m).getManager();
      fam.invalidate(*step, PreservedAnalyses::none());
      if (debugOn() && std::getenv("ENIGMA_LANES_DEBUG")[1] == '5')
        m.print(errs(), nullptr); // the module before the step's clean-up, for opt experiments
      FunctionPassManager fpm;
      fpm.addPass(SimplifyCFGPass());
      fpm.addPass(InstCombinePass());
      fpm.addPass(EarlyCSEPass(/*UseMemorySSA=*/true));
      LoopPassManager lpm;
      lpm.addPass(LICMPass(LICMOptions()));
      lpm.addPass(SimpleLoopUnswitchPass(/*NonTrivial=*/true));
      fpm.addPass(createFunctionToLoopPassAdaptor(std::move(lpm), /*UseMemorySSA=*/true));
      fpm.addPass(SimplifyCFGPass());
      fpm.addPass(InstCombinePass());
      fpm.addPass(GVNPass());
      fpm.addPass(SimplifyCFGPass());
      // The lane loops vectorized across lanes: their small vector values (a float2) scalarized
      // first (the loop vectorizer takes scalars), small constant loops the kernel kept
      // (-fno-unroll-loops) unrolled.
      ScalarizerPassOptions scalarize;
      scalarize.ScalarizeLoadStore = true;
      // (ENIGMA_LANES_VECTORIZE=0 at compile time: not vectorized, for comparisons.)
      const char *ve = std::getenv("ENIGMA_LANES_VECTORIZE");
      bool vectorize = !(ve && ve[0] == '0' && !ve[1]);
      if (vectorize)
        fpm.addPass(ScalarizerPass(scalarize));
      fpm.addPass(InstCombinePass());
      LoopPassManager unroll;
      unroll.addPass(LoopFullUnrollPass(/*OptLevel=*/2));
      fpm.addPass(createFunctionToLoopPassAdaptor(std::move(unroll)));
      fpm.addPass(InstCombinePass());
      fpm.addPass(SimplifyCFGPass());
      if (vectorize)
        fpm.addPass(LoopVectorizePass());
      fpm.addPass(InstCombinePass());
      fpm.addPass(SimplifyCFGPass());
      // The lanes a vector loop leaves (the first lane runs alone: 31 lanes, 24 in 8-wide
      // vectors, 7 in the scalar remainder loop) vectorized again, 4 wide (remainderVF4).
      FunctionPassManager again;
      if (vectorize)
        again.addPass(LoopVectorizePass());
      again.addPass(InstCombinePass());
      again.addPass(SimplifyCFGPass());
      if (vectorize)
        again.addPass(SLPVectorizerPass());
      again.addPass(InstCombinePass());
      // A lane loop's branches on values uniform over the SIMD-group are unswitched (each lane
      // loop then runs one path, straight, and vectorizes): the unswitching threshold raised
      // for this function only (the option is the process's; restored after).
      auto &options = cl::getRegisteredOptions();
      auto *threshold = static_cast<cl::opt<int> *>(options.lookup("unswitch-threshold"));
      int saved = threshold ? (int)*threshold : 0;
      if (threshold)
        *threshold = 2000;
      fpm.run(*step, fam);
      if (vectorize && remainderVF4(*step))
        fam.invalidate(*step, PreservedAnalyses::none());
      again.run(*step, fam);
      if (threshold)
        *threshold = saved;
      if (debugOn()) {
        unsigned vectorized = 0;
        for (BasicBlock &bb : *step)
          if (MDNode *loop = bb.getTerminator()->getMetadata(LLVMContext::MD_loop))
            for (const MDOperand &op : loop->operands())
              if (auto *md = dyn_cast_or_null<MDNode>(op.get()))
                if (auto *name = md->getNumOperands() ? dyn_cast<MDString>(md->getOperand(0))
                                                      : nullptr;
                    name && name->getString() == "llvm.loop.isvectorized" &&
                    any_of(bb, [](Instruction &i) { return i.getType()->isVectorTy(); }))
                  ++vectorized; // (a vector body; its remainder loop is marked too)
        note(Twine(vectorized) + " loops vectorized");
      }
      ok = !verifyFunction(*step, debugOn() ? &errs() : nullptr);
      if (debugOn() && std::getenv("ENIGMA_LANES_DEBUG")[1] == '4')
        step->print(errs());
    }
    for (StringRef name : {"__enigma_lanes_one", "__enigma_lanes_first"})
      if (Function *left = m.getFunction(name))
        left->eraseFromParent();
    if (!ok) {
      if (!step->isDeclaration())
        step->deleteBody();
      step->setLinkage(GlobalValue::ExternalWeakLinkage);
    } else {
      // Exported (not needed by the runtime, which calls it through enigma_cpu_run_lanes):
      // tests and tools tell a kernel in lane-loop form by it.
      step->setLinkage(GlobalValue::ExternalLinkage);
      step->setVisibility(GlobalValue::DefaultVisibility);
    }
  }
  emptyThread(*thread);
  return PreservedAnalyses::none();
}

/// At the start of the pipeline: a kernel without SIMD-group functions or barriers needs no
/// lane-loop form; emptying its thread template saves compiling the kernel twice.
PreservedAnalyses enigmaLanesPrune(Module &m) {
  using namespace enigma_lanes;
  Function *thread = m.getFunction(kThreadName);
  if (!thread || thread->isDeclaration())
    return PreservedAnalyses::all();
  bool sync = false;
  for (Function &f : m)
    if ((f.getName().starts_with(kExchangePrefix) || f.getName() == kBarrierFn) && !f.use_empty())
      sync = true;
  if (sync)
    return PreservedAnalyses::all();
  note("no synchronization in the module");
  emptyThread(*thread);
  return PreservedAnalyses::none();
}
