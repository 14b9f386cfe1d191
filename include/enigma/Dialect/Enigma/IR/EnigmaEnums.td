//===- EnigmaEnums.td - Enumerations of the enigma dialect -*- tablegen -*-===//

#ifndef ENIGMA_ENUMS_TD
#define ENIGMA_ENUMS_TD

include "enigma/Dialect/Enigma/IR/EnigmaDialect.td"
include "mlir/IR/EnumAttr.td"

// Metal's four address spaces; used as the memory space of memref buffer types.
def Enigma_AddressSpace : I32EnumAttr<"AddressSpace", "Metal address space", [
    I32EnumAttrCase<"Device", 0, "device">,
    I32EnumAttrCase<"Constant", 1, "constant">,
    I32EnumAttrCase<"Threadgroup", 2, "threadgroup">,
    I32EnumAttrCase<"Thread", 3, "thread">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
}
def Enigma_AddressSpaceAttr
    : EnumAttr<Enigma_Dialect, Enigma_AddressSpace, "address_space"> {
  let assemblyFormat = "`<` $value `>`";
}

// How a kernel uses a buffer argument (drives `device const T*` vs `device T*`).
def Enigma_Access : I32EnumAttr<"Access", "buffer access mode", [
    I32EnumAttrCase<"Read", 0, "read">,
    I32EnumAttrCase<"Write", 1, "write">,
    I32EnumAttrCase<"ReadWrite", 2, "read_write">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
}
def Enigma_AccessAttr : EnumAttr<Enigma_Dialect, Enigma_Access, "access"> {
  let assemblyFormat = "`<` $value `>`";
}

// Component of a Metal `uint3` builtin.
def Enigma_Dim : I32EnumAttr<"Dim", "builtin vector component", [
    I32EnumAttrCase<"X", 0, "x">,
    I32EnumAttrCase<"Y", 1, "y">,
    I32EnumAttrCase<"Z", 2, "z">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
}
def Enigma_DimAttr : EnumAttr<Enigma_Dialect, Enigma_Dim, "dim">;

// Metal's `mem_flags` for barriers.
def Enigma_MemFlags : I32BitEnumAttr<"MemFlags", "Metal barrier memory flags", [
    I32BitEnumAttrCaseNone<"None", "none">,
    I32BitEnumAttrCaseBit<"Device", 0, "device">,
    I32BitEnumAttrCaseBit<"Threadgroup", 1, "threadgroup">,
    I32BitEnumAttrCaseBit<"Texture", 2, "texture">,
    I32BitEnumAttrCaseBit<"ThreadgroupImageblock", 3, "threadgroup_imageblock">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
  let separator = "|";
}
def Enigma_MemFlagsAttr : EnumAttr<Enigma_Dialect, Enigma_MemFlags, "mem_flags"> {
  let assemblyFormat = "`<` $value `>`";
}

// Reductions over a SIMD-group or quad-group (simd_sum, quad_max, ...).
def Enigma_ReduceKind : I32EnumAttr<"ReduceKind", "cross-lane reduction", [
    I32EnumAttrCase<"Sum", 0, "sum">,
    I32EnumAttrCase<"Product", 1, "product">,
    I32EnumAttrCase<"Min", 2, "min">,
    I32EnumAttrCase<"Max", 3, "max">,
    I32EnumAttrCase<"And", 4, "and">,
    I32EnumAttrCase<"Or", 5, "or">,
    I32EnumAttrCase<"Xor", 6, "xor">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
}
def Enigma_ReduceKindAttr : EnumAttr<Enigma_Dialect, Enigma_ReduceKind, "reduce"> {
  let assemblyFormat = "`<` $value `>`";
}

// Prefix scans (simd_prefix_inclusive_sum, ...).
def Enigma_ScanKind : I32EnumAttr<"ScanKind", "cross-lane prefix scan", [
    I32EnumAttrCase<"InclusiveSum", 0, "inclusive_sum">,
    I32EnumAttrCase<"ExclusiveSum", 1, "exclusive_sum">,
    I32EnumAttrCase<"InclusiveProduct", 2, "inclusive_product">,
    I32EnumAttrCase<"ExclusiveProduct", 3, "exclusive_product">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
}
def Enigma_ScanKindAttr : EnumAttr<Enigma_Dialect, Enigma_ScanKind, "scan"> {
  let assemblyFormat = "`<` $value `>`";
}

// Shuffles (simd_shuffle, simd_shuffle_up, ...).
def Enigma_ShuffleKind : I32EnumAttr<"ShuffleKind", "cross-lane shuffle", [
    I32EnumAttrCase<"Index", 0, "idx">,
    I32EnumAttrCase<"Up", 1, "up">,
    I32EnumAttrCase<"Down", 2, "down">,
    I32EnumAttrCase<"Xor", 3, "xor">,
    I32EnumAttrCase<"RotateUp", 4, "rotate_up">,
    I32EnumAttrCase<"RotateDown", 5, "rotate_down">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
}
def Enigma_ShuffleKindAttr : EnumAttr<Enigma_Dialect, Enigma_ShuffleKind, "shuffle"> {
  let assemblyFormat = "`<` $value `>`";
}

// Read-modify-write atomics (atomic_fetch_<kind>_explicit).
def Enigma_AtomicKind : I32EnumAttr<"AtomicKind", "atomic read-modify-write", [
    I32EnumAttrCase<"Add", 0, "add">,
    I32EnumAttrCase<"Sub", 1, "sub">,
    I32EnumAttrCase<"Min", 2, "min">,
    I32EnumAttrCase<"Max", 3, "max">,
    I32EnumAttrCase<"And", 4, "and">,
    I32EnumAttrCase<"Or", 5, "or">,
    I32EnumAttrCase<"Xor", 6, "xor">,
    I32EnumAttrCase<"Exchange", 7, "exchange">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
}
def Enigma_AtomicKindAttr : EnumAttr<Enigma_Dialect, Enigma_AtomicKind, "atomic"> {
  let assemblyFormat = "`<` $value `>`";
}

// C++/MSL memory orders of atomic operations (std::memory_order without consume).
def Enigma_MemoryOrder : I32EnumAttr<"MemoryOrder", "atomic memory order", [
    I32EnumAttrCase<"Relaxed", 0, "relaxed">,
    I32EnumAttrCase<"Acquire", 1, "acquire">,
    I32EnumAttrCase<"Release", 2, "release">,
    I32EnumAttrCase<"AcqRel", 3, "acq_rel">,
    I32EnumAttrCase<"SeqCst", 4, "seq_cst">]> {
  let cppNamespace = "::mlir::enigma";
  let genSpecializedAttr = 0;
}
def Enigma_MemoryOrderAttr : EnumAttr<Enigma_Dialect, Enigma_MemoryOrder, "memory_order"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // ENIGMA_ENUMS_TD
