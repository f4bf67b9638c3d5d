// gntfuzz_pass.cpp - an LLVM pass plugin (clang -fpass-plugin=build/seam/gntfuzz-pass.so) that
// gives the world the scheduling points and memory-order events clang's own instrumentation lacks.
//
// Why: target code is built with -fsanitize-coverage=trace-loads,trace-stores, which calls a hook
// before every load and store, but emits nothing for cmpxchg, atomicrmw, fence or inline asm. The
// gap before a read-modify-write is a race window (XSA-396's), and a weak-memory world must see
// the fences and the orders of atomics. So, in every function with a body, this pass inserts plain
// external calls (the ABI of harness/seam/seam_hooks.h; C11 orders: relaxed 0 .. seq_cst 5):
//   __gntfuzz_rmw(addr, size, order)          before each cmpxchg (its success order) and atomicrmw
//   __gntfuzz_fence(kind)                     before each fence but syncscope("singlethread") ones
//                                             (compiler/signal fences): seq_cst FULL 0, acquire
//                                             LOAD 2, release and acq_rel RELEASE 3
//   __gntfuzz_atomic_load(addr, size, order)  before an acquire or seq_cst atomic load
//   __gntfuzz_atomic_store(addr, size, order) after a release or seq_cst atomic store
// and, for inline asm, reads the text (lower-cased; tokens split at blanks, ';', and literal "\n"
// or "\t" escapes):
//   - RMW: a `lock` prefix, x86 xchg/cmpxchg/xadd (any b/w/l/q suffix, cmpxchg8b/16b), or arm64's
//     exclusives and LSE atomics (ldxr/ldaxr/stxr/stlxr, ldrex/strex, cas*, swp*, ld<op>*,
//     st<op>*): __gntfuzz_rmw(ptr, size, 5) before the asm for each distinct pointer operand
//     (memory constraints "=*m"/"+m"/"Q" and pointer-typed register inputs; not immediates nor
//     asm goto labels). size: the locked mnemonic's width suffix (b 1, w 2, l 4, q 8, cmpxchg8b
//     8, cmpxchg16b 16, Arm b 1, h 2); else the operand's pointee (elementtype) size when it is
//     1, 2, 4, 8 or 16 bytes; else the widest integer operand or result (the register side of
//     the swap); else 1. Mini-OS's "+m"(*__xg(p)) points at an 800-byte dummy struct, which is
//     why the suffix comes first. An RMW asm with no pointer operand (Linux's x86 mb(): `lock;
//     addl $0,-4(%rsp)`) gets __gntfuzz_fence(FULL) instead.
//   - fences: mfence FULL, sfence STORE 1, lfence LOAD 2; Arm dmb/dsb with option ish, sy, osh,
//     nsh or none FULL, ishst, st, oshst, nshst STORE, ishld, ld, oshld, nshld LOAD: one
//     __gntfuzz_fence per barrier, in text order, after any RMW hooks.
//   - anything else (an empty `asm volatile("" ::: "memory")` compiler barrier included) gets no
//     hook: a compiler barrier orders no CPU.
// The instrumented instruction stays as it was. Each call carries the instruction's debug location
// and !nosanitize metadata. Not instrumented: functions named __gntfuzz_* or __sanitizer_*, naked
// ones, no_sanitize("coverage") (nosanitize_coverage) and disable_sanitizer_instrumentation ones,
// and atomics on the profile or coverage counters (__profc_*, __sancov_*).
//
// It runs at the end of the optimisation pipeline (OptimizerLast, which clang 14 also runs at -O0)
// and, registered before clang's sanitizer passes, ahead of SanitizerCoverage, ASan and the
// profile lowering, which then see our calls as ordinary calls. `opt -load-pass-plugin=...
// -passes=gntfuzz` runs it alone. GNTFUZZ_PASS_VERBOSE=1 prints per-module counts on stderr.
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <cstdlib>
#include <string>

using namespace llvm;

namespace {

// C11 memory orders (__ATOMIC_*) and enum seam_fence_kind (harness/seam/seam.h).
enum : uint32_t { ORD_RELAXED = 0, ORD_ACQUIRE = 2, ORD_RELEASE = 3, ORD_ACQ_REL = 4, ORD_SEQ_CST = 5 };
enum : uint32_t { FENCE_FULL = 0, FENCE_STORE = 1, FENCE_LOAD = 2, FENCE_RELEASE = 3 };

uint32_t c11Order(AtomicOrdering O)
{
	switch (O) {
	case AtomicOrdering::Acquire: return ORD_ACQUIRE;
	case AtomicOrdering::Release: return ORD_RELEASE;
	case AtomicOrdering::AcquireRelease: return ORD_ACQ_REL;
	case AtomicOrdering::SequentiallyConsistent: return ORD_SEQ_CST;
	default: return ORD_RELAXED; // NotAtomic, Unordered, Monotonic
	}
}

bool startsWith(StringRef S, StringRef P) { return S.size() >= P.size() && S.substr(0, P.size()) == P; }

// ---- inline asm text ----

struct AsmFacts {
	bool Rmw = false;
	unsigned Width = 0;              // from the RMW mnemonic's suffix, 0 if it has none
	SmallVector<uint32_t, 2> Fences; // fence kinds in text order
};

// x86 width suffix of `Tok` if it is Base followed by nothing or b/w/l/q: 0 none, -1 no match.
int x86Width(StringRef Tok, StringRef Base)
{
	if (!startsWith(Tok, Base))
		return -1;
	StringRef R = Tok.substr(Base.size());
	if (R.empty()) return 0;
	if (R == "b") return 1;
	if (R == "w") return 2;
	if (R == "l") return 4;
	if (R == "q") return 8;
	return -1;
}

// Width of an x86 swap mnemonic (xchg*, cmpxchg*, xadd*): 0 no suffix, -1 not one.
int x86SwapWidth(StringRef Tok)
{
	if (Tok == "cmpxchg8b") return 8;
	if (Tok == "cmpxchg16b") return 16;
	for (StringRef B : {"cmpxchg", "xchg", "xadd"}) {
		int W = x86Width(Tok, B);
		if (W >= 0) return W;
	}
	return -1;
}

// Width of the instruction after a lock prefix, if it carries an x86 suffix (0 if unknown).
unsigned lockedWidth(StringRef Tok)
{
	int W = x86SwapWidth(Tok);
	if (W >= 0) return W;
	for (StringRef B : {"add", "adc", "and", "btc", "btr", "bts", "dec", "inc", "neg", "not", "or", "sbb",
			    "sub", "xor"}) {
		W = x86Width(Tok, B);
		if (W >= 0) return W;
	}
	return 0;
}

// arm64 exclusives and LSE atomics, arm32 exclusives: 0 no size suffix, 1/2 b/h, -1 not one.
int armRmwWidth(StringRef Tok)
{
	auto Sized = [](StringRef R) -> int { return R.empty() ? 0 : R == "b" ? 1 : R == "h" ? 2 : -1; };
	for (StringRef B : {"ldaxr", "ldxr", "stlxr", "stxr", "ldaxp", "ldxp", "stlxp", "stxp"})
		if (startsWith(Tok, B)) return Sized(Tok.substr(B.size()));
	for (StringRef B : {"ldrex", "strex"})
		if (startsWith(Tok, B)) {
			StringRef R = Tok.substr(B.size());
			return R == "d" ? 8 : Sized(R);
		}
	// cas, swp and the LSE ops take an acquire/release letter pair, then b/h.
	auto Lse = [&](StringRef R) -> int {
		for (StringRef Ord : {"al", "a", "l", ""})
			if (startsWith(R, Ord)) {
				int W = Sized(R.substr(Ord.size()));
				if (W >= 0) return W;
			}
		return -1;
	};
	if (Tok == "casp" || Tok == "caspa" || Tok == "caspl" || Tok == "caspal") return 16;
	for (StringRef B : {"cas", "swp"})
		if (startsWith(Tok, B)) return Lse(Tok.substr(B.size()));
	for (StringRef Op : {"add", "clr", "eor", "set", "smax", "smin", "umax", "umin"}) {
		if (startsWith(Tok, "ld") && startsWith(Tok.substr(2), Op)) return Lse(Tok.substr(2 + Op.size()));
		if (startsWith(Tok, "st") && startsWith(Tok.substr(2), Op)) return Lse(Tok.substr(2 + Op.size()));
	}
	return -1;
}

// Fence kind of an Arm dmb/dsb option; -1 if `Opt` is not an option (then the barrier is full).
int armBarrierKind(StringRef Opt)
{
	if (Opt == "ish" || Opt == "sy" || Opt == "osh" || Opt == "nsh") return FENCE_FULL;
	if (Opt == "ishst" || Opt == "st" || Opt == "oshst" || Opt == "nshst") return FENCE_STORE;
	if (Opt == "ishld" || Opt == "ld" || Opt == "oshld" || Opt == "nshld") return FENCE_LOAD;
	return -1;
}

AsmFacts scanAsm(StringRef Text)
{
	AsmFacts F;
	std::string S;
	S.reserve(Text.size());
	for (size_t i = 0; i < Text.size(); i++) {
		char C = Text[i];
		if (C == '\\' && i + 1 < Text.size() && (Text[i + 1] == 'n' || Text[i + 1] == 't')) {
			S += ' '; // a "\n\t" left as text by a macro that escaped it once too often
			i++;
			continue;
		}
		S += (C == ';' || isspace((unsigned char)C)) ? ' ' : (char)tolower((unsigned char)C);
	}
	SmallVector<StringRef, 16> Toks;
	StringRef(S).split(Toks, ' ', -1, false);
	for (size_t i = 0; i < Toks.size(); i++) {
		StringRef T = Toks[i];
		StringRef Next = i + 1 < Toks.size() ? Toks[i + 1] : StringRef();
		int W;
		if (T == "lock") {
			F.Rmw = true;
			if (!F.Width) F.Width = lockedWidth(Next);
		} else if ((W = x86SwapWidth(T)) >= 0 || (W = armRmwWidth(T)) >= 0) {
			F.Rmw = true;
			if (!F.Width) F.Width = W;
		} else if (T == "mfence") {
			F.Fences.push_back(FENCE_FULL);
		} else if (T == "sfence") {
			F.Fences.push_back(FENCE_STORE);
		} else if (T == "lfence") {
			F.Fences.push_back(FENCE_LOAD);
		} else if (T == "dmb" || T == "dsb") {
			int K = armBarrierKind(Next);
			F.Fences.push_back(K < 0 ? FENCE_FULL : (uint32_t)K);
			if (K >= 0) i++;
		}
	}
	return F;
}

// ---- the pass ----

struct Counts {
	unsigned Rmw = 0, Fence = 0, Load = 0, Store = 0, Asm = 0;
};

class Instrumenter {
	Module &M;
	const DataLayout &DL;
	LLVMContext &Ctx;
	Type *VoidPtr, *I32;
	FunctionCallee RmwFn, FenceFn, LoadFn, StoreFn;

public:
	Counts N;

	explicit Instrumenter(Module &Mod) : M(Mod), DL(Mod.getDataLayout()), Ctx(Mod.getContext())
	{
#if LLVM_VERSION_MAJOR >= 17
		VoidPtr = PointerType::getUnqual(Ctx);
#else
		VoidPtr = Type::getInt8PtrTy(Ctx);
#endif
		I32 = Type::getInt32Ty(Ctx);
	}

	// The hooks are declared on first use: a module without atomics gets no declarations.
	FunctionCallee hook(FunctionCallee &Fn, StringRef Name, bool WithAddr)
	{
		if (!Fn) {
			Type *Void = Type::getVoidTy(Ctx);
			Fn = WithAddr ? M.getOrInsertFunction(Name, Void, VoidPtr, I32, I32)
				      : M.getOrInsertFunction(Name, Void, I32);
		}
		return Fn;
	}
	FunctionCallee rmwFn() { return hook(RmwFn, "__gntfuzz_rmw", true); }
	FunctionCallee fenceFn() { return hook(FenceFn, "__gntfuzz_fence", false); }
	FunctionCallee loadFn() { return hook(LoadFn, "__gntfuzz_atomic_load", true); }
	FunctionCallee storeFn() { return hook(StoreFn, "__gntfuzz_atomic_store", true); }

	static bool skipFunction(const Function &F)
	{
		StringRef Name = F.getName();
		return F.isDeclaration() || startsWith(Name, "__gntfuzz_") || startsWith(Name, "__sanitizer_") ||
		       F.hasFnAttribute(Attribute::Naked) ||
		       F.hasFnAttribute(Attribute::DisableSanitizerInstrumentation) ||
		       F.hasFnAttribute(Attribute::NoSanitizeCoverage);
	}

	// Atomics the instrumentation itself made (atomic profile counters, say): not the library's.
	static bool isCounter(const Value *Ptr)
	{
		const auto *GV = dyn_cast<GlobalVariable>(getUnderlyingObject(Ptr));
		if (!GV) return false;
		StringRef Name = GV->getName(), Sec = GV->getSection();
		return startsWith(Name, "__profc_") || startsWith(Name, "__sancov_") ||
		       Sec.find("__llvm_prf_cnts") != StringRef::npos || Sec.find("__sancov") != StringRef::npos;
	}

	uint32_t sizeOf(Type *T)
	{
		if (!T->isSized()) return 0;
#if LLVM_VERSION_MAJOR >= 16
		uint64_t S = DL.getTypeStoreSize(T).getFixedValue();
#else
		uint64_t S = DL.getTypeStoreSize(T).getFixedSize();
#endif
		return S > UINT32_MAX ? UINT32_MAX : (uint32_t)S;
	}

	CallInst *emit(Instruction *At, bool After, FunctionCallee Fn, ArrayRef<Value *> Args)
	{
		IRBuilder<> B(After ? At->getNextNode() : At);
		SmallVector<Value *, 3> A(Args.begin(), Args.end());
		if (!A.empty() && A[0]->getType()->isPointerTy())
			A[0] = B.CreatePointerBitCastOrAddrSpaceCast(A[0], VoidPtr);
		CallInst *C = B.CreateCall(Fn, A);
		DebugLoc DLoc = At->getDebugLoc();
		if (!DLoc)
			if (DISubprogram *SP = At->getFunction()->getSubprogram())
				DLoc = DILocation::get(Ctx, 0, 0, SP); // a call in a function with debug info needs one
		C->setDebugLoc(DLoc);
		C->setMetadata("nosanitize", MDNode::get(Ctx, {}));
		return C;
	}

	Value *c32(uint32_t V) { return ConstantInt::get(I32, V); }

	void rmw(Instruction *I, Value *Ptr, Type *ValTy, AtomicOrdering O)
	{
		if (isCounter(Ptr)) return;
		emit(I, false, rmwFn(), {Ptr, c32(sizeOf(ValTy)), c32(c11Order(O))});
		N.Rmw++;
	}

	// Size of the memory an asm pointer operand names, when the mnemonic did not say.
	uint32_t asmOperandSize(CallBase *CB, unsigned ArgNo, Value *Ptr)
	{
		Type *Elt = nullptr;
		Attribute A = CB->getParamAttr(ArgNo, Attribute::ElementType);
		if (A.isValid()) Elt = A.getValueAsType();
#if LLVM_VERSION_MAJOR < 17
		auto *PT = cast<PointerType>(Ptr->getType());
		if (!Elt && !PT->isOpaque()) Elt = PT->getPointerElementType();
#endif
		uint32_t S = Elt ? sizeOf(Elt) : 0;
		if (S == 1 || S == 2 || S == 4 || S == 8 || S == 16) return S;
		// The register side of the swap has the access width.
		uint32_t Widest = 0;
		if (CB->getType()->isIntegerTy()) Widest = sizeOf(CB->getType());
		if (auto *ST = dyn_cast<StructType>(CB->getType()))
			for (Type *E : ST->elements())
				if (E->isIntegerTy()) Widest = std::max(Widest, sizeOf(E));
		for (Value *V : CB->args())
			if (V->getType()->isIntegerTy()) Widest = std::max(Widest, sizeOf(V->getType()));
		return Widest >= 1 && Widest <= 16 ? Widest : 1;
	}

	// Which operands of an asm call may name memory: pointers bound to a memory or register
	// constraint, not immediates ("i", "n", "s", "X") nor asm goto's labels (blockaddress).
	static SmallVector<bool, 8> addressOperands(CallBase *CB, const InlineAsm *IA)
	{
		SmallVector<bool, 8> Addr(CB->arg_size(), true);
		unsigned Arg = 0;
		for (const InlineAsm::ConstraintInfo &C : IA->ParseConstraints()) {
#if LLVM_VERSION_MAJOR >= 15
			if (C.Type == InlineAsm::isLabel) continue;
#endif
			if (C.Type == InlineAsm::isClobber || (C.Type == InlineAsm::isOutput && !C.isIndirect)) continue;
			if (Arg >= Addr.size()) break;
			bool Imm = !C.Codes.empty();
			for (const std::string &Code : C.Codes)
				Imm = Imm && (Code == "i" || Code == "n" || Code == "s" || Code == "X" || Code == "E" || Code == "F");
			Addr[Arg++] = !Imm;
		}
		for (unsigned i = 0; i < Addr.size(); i++) {
			Value *V = CB->getArgOperand(i);
			Addr[i] = Addr[i] && V->getType()->isPointerTy() &&
				  !isa<BlockAddress>(V->stripPointerCasts()) && !isa<Function>(V->stripPointerCasts());
		}
		return Addr;
	}

	void inlineAsm(CallBase *CB, const InlineAsm *IA)
	{
		AsmFacts F = scanAsm(IA->getAsmString());
		if (!F.Rmw && F.Fences.empty()) return;
		N.Asm++;
		if (F.Rmw) {
			SmallPtrSet<Value *, 4> Seen;
			SmallVector<bool, 8> Addr = addressOperands(CB, IA);
			for (unsigned i = 0; i < CB->arg_size(); i++) {
				Value *P = CB->getArgOperand(i);
				if (!Addr[i] || !Seen.insert(P).second) continue;
				uint32_t S = F.Width ? F.Width : asmOperandSize(CB, i, P);
				emit(CB, false, rmwFn(), {P, c32(S), c32(ORD_SEQ_CST)});
				N.Rmw++;
			}
			if (Seen.empty()) {
				emit(CB, false, fenceFn(), {c32(FENCE_FULL)});
				N.Fence++;
			}
		}
		for (uint32_t K : F.Fences) {
			emit(CB, false, fenceFn(), {c32(K)});
			N.Fence++;
		}
	}

	void function(Function &F)
	{
		SmallVector<Instruction *, 32> Work;
		for (BasicBlock &BB : F)
			for (Instruction &I : BB) {
				if (I.hasMetadata("nosanitize")) continue;
				if (isa<AtomicCmpXchgInst>(I) || isa<AtomicRMWInst>(I) || isa<FenceInst>(I))
					Work.push_back(&I);
				else if (auto *L = dyn_cast<LoadInst>(&I)) {
					if (L->isAtomic() && L->getSyncScopeID() != SyncScope::SingleThread &&
					    c11Order(L->getOrdering()) > ORD_RELAXED)
						Work.push_back(&I);
				} else if (auto *S = dyn_cast<StoreInst>(&I)) {
					if (S->isAtomic() && S->getSyncScopeID() != SyncScope::SingleThread &&
					    c11Order(S->getOrdering()) > ORD_RELAXED)
						Work.push_back(&I);
				} else if (auto *CB = dyn_cast<CallBase>(&I)) {
					if (isa<InlineAsm>(CB->getCalledOperand())) Work.push_back(&I);
				}
			}
		for (Instruction *I : Work) {
			if (auto *X = dyn_cast<AtomicCmpXchgInst>(I)) {
				rmw(I, X->getPointerOperand(), X->getCompareOperand()->getType(), X->getSuccessOrdering());
			} else if (auto *R = dyn_cast<AtomicRMWInst>(I)) {
				rmw(I, R->getPointerOperand(), R->getValOperand()->getType(), R->getOrdering());
			} else if (auto *Fe = dyn_cast<FenceInst>(I)) {
				if (Fe->getSyncScopeID() == SyncScope::SingleThread) continue;
				AtomicOrdering O = Fe->getOrdering();
				uint32_t K = O == AtomicOrdering::SequentiallyConsistent ? FENCE_FULL
					     : O == AtomicOrdering::Acquire	     ? FENCE_LOAD
										     : FENCE_RELEASE;
				emit(I, false, fenceFn(), {c32(K)});
				N.Fence++;
			} else if (auto *L = dyn_cast<LoadInst>(I)) {
				if (isCounter(L->getPointerOperand())) continue;
				emit(I, false, loadFn(),
				     {L->getPointerOperand(), c32(sizeOf(L->getType())), c32(c11Order(L->getOrdering()))});
				N.Load++;
			} else if (auto *S = dyn_cast<StoreInst>(I)) {
				if (isCounter(S->getPointerOperand())) continue;
				emit(I, true, storeFn(),
				     {S->getPointerOperand(), c32(sizeOf(S->getValueOperand()->getType())),
				      c32(c11Order(S->getOrdering()))});
				N.Store++;
			} else if (auto *CB = dyn_cast<CallBase>(I)) {
				inlineAsm(CB, cast<InlineAsm>(CB->getCalledOperand()));
			}
		}
	}

	bool run()
	{
		// Once per module, whichever extension point ran it first.
		if (M.getNamedMetadata("gntfuzz.instrumented")) return false;
		M.getOrInsertNamedMetadata("gntfuzz.instrumented");
		for (Function &F : M)
			if (!skipFunction(F)) function(F);
		if (getenv("GNTFUZZ_PASS_VERBOSE"))
			errs() << "gntfuzz-pass: " << M.getSourceFileName() << ": " << N.Rmw << " rmw, " << N.Fence
			       << " fence, " << N.Load << " atomic_load, " << N.Store << " atomic_store hooks ("
			       << N.Asm << " asm statements)\n";
		return N.Rmw + N.Fence + N.Load + N.Store > 0;
	}
};

struct GntfuzzPass : PassInfoMixin<GntfuzzPass> {
	PreservedAnalyses run(Module &M, ModuleAnalysisManager &)
	{
		Instrumenter In(M);
		return In.run() ? PreservedAnalyses::none() : PreservedAnalyses::all();
	}
	static bool isRequired() { return true; } // run in optnone (-O0) functions' modules too
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo()
{
	return {LLVM_PLUGIN_API_VERSION, "gntfuzz", "1", [](PassBuilder &PB) {
			PB.registerOptimizerLastEPCallback([](ModulePassManager &MPM, OptimizationLevel
#if LLVM_VERSION_MAJOR >= 20
							      , ThinOrFullLTOPhase
#endif
						       ) { MPM.addPass(GntfuzzPass()); });
			PB.registerPipelineParsingCallback(
				[](StringRef Name, ModulePassManager &MPM, ArrayRef<PassBuilder::PipelineElement>) {
					if (Name != "gntfuzz") return false;
					MPM.addPass(GntfuzzPass());
					return true;
				});
		}};
}
