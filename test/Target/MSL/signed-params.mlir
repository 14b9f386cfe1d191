// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// Parameters marked `enigma.signed` are declared with Metal's signed types (char, short, int,
// long; atomic_int); the body still holds every integer in the unsigned type of its width, so
// loads convert to it, stores convert from it, signed scalars are copied into an unsigned
// local first, and vector accesses reinterpret the memory through the unsigned vector type.

!d8 = memref<?xi8, #enigma.address_space<device>>
!d16 = memref<?xi16, #enigma.address_space<device>>
!d32 = memref<?xi32, #enigma.address_space<device>>
!d64 = memref<?xi64, #enigma.address_space<device>>
!c16 = memref<8xi16, #enigma.address_space<constant>>

// Every width read, written and read-written; every width as a scalar; unmarked integers
// keep the unsigned spelling.
// CHECK-LABEL: kernel void enigma_kernel_widths(device const char* r8 {{\[\[}}buffer(0)]],
// CHECK-NEXT: device char* w8 {{\[\[}}buffer(1)]],
// CHECK-NEXT: device char* rw8 {{\[\[}}buffer(2)]],
// CHECK-NEXT: device const short* r16 {{\[\[}}buffer(3)]],
// CHECK-NEXT: device short* w16 {{\[\[}}buffer(4)]],
// CHECK-NEXT: device short* rw16 {{\[\[}}buffer(5)]],
// CHECK-NEXT: device const int* r32 {{\[\[}}buffer(6)]],
// CHECK-NEXT: device int* w32 {{\[\[}}buffer(7)]],
// CHECK-NEXT: device int* rw32 {{\[\[}}buffer(8)]],
// CHECK-NEXT: device const long* r64 {{\[\[}}buffer(9)]],
// CHECK-NEXT: device long* w64 {{\[\[}}buffer(10)]],
// CHECK-NEXT: device long* rw64 {{\[\[}}buffer(11)]],
// CHECK-NEXT: constant short* c16 {{\[\[}}buffer(12)]],
// CHECK-NEXT: device const int* unused {{\[\[}}buffer(13)]],
// CHECK-NEXT: constant char& s8 {{\[\[}}buffer(14)]],
// CHECK-NEXT: constant short& s16 {{\[\[}}buffer(15)]],
// CHECK-NEXT: constant int& s32 {{\[\[}}buffer(16)]],
// CHECK-NEXT: constant long& s64 {{\[\[}}buffer(17)]],
// CHECK-NEXT: device uint* u32 {{\[\[}}buffer(18)]],
// CHECK-NEXT: constant uint& n {{\[\[}}buffer(19)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// The scalars' unsigned copies come first; a body value named like one gets another name.
// CHECK-NEXT: uchar s8_u = s8;
// CHECK-NEXT: ushort s16_u = s16;
// CHECK-NEXT: uint s32_u = s32;
// CHECK-NEXT: ulong s64_u = s64;
// CHECK-NEXT: uint t = thread_position_in_grid.x;
// CHECK-NEXT: uchar x8 = r8[t];
// CHECK-NEXT: w8[t] = x8;
// CHECK-NEXT: uchar y8 = rw8[t];
// CHECK-NEXT: uchar q8 = uchar(char(y8) / char(s8_u));
// CHECK-NEXT: rw8[t] = q8;
// CHECK-NEXT: ushort x16 = r16[t];
// CHECK-NEXT: w16[t] = x16;
// CHECK-NEXT: ushort y16 = rw16[t];
// CHECK-NEXT: ushort sh16 = ushort(short(y16) >> short(s16_u));
// CHECK-NEXT: rw16[t] = sh16;
// CHECK-NEXT: ushort k16 = c16[t];
// CHECK-NEXT: uint x32 = r32[t];
// CHECK-NEXT: uint e32 = uint(short(k16));
// CHECK-NEXT: uint sum = x32 + e32;
// CHECK-NEXT: w32[t] = sum;
// CHECK-NEXT: uint y32 = rw32[t];
// CHECK-NEXT: bool lt = int(y32) < int(s32_u);
// CHECK-NEXT: uint s32_u_1 = lt ? y32 : s32_u;
// CHECK-NEXT: rw32[t] = s32_u_1;
// CHECK-NEXT: ulong x64 = r64[t];
// CHECK-NEXT: w64[t] = x64;
// CHECK-NEXT: ulong y64 = rw64[t];
// CHECK-NEXT: ulong z64 = ulong(long(y64) / long(s64_u));
// CHECK-NEXT: rw64[t] = z64;
// CHECK-NEXT: ulong w = ulong(int(y32));
// CHECK-NEXT: w64[t] = w;
// CHECK-NEXT: u32[t] = n;
// CHECK-NEXT: }
enigma.kernel @widths(
    %r8: !d8 {enigma.buffer_index = 0 : i32, enigma.signed} loc("r8"),
    %w8: !d8 {enigma.buffer_index = 1 : i32, enigma.signed} loc("w8"),
    %rw8: !d8 {enigma.buffer_index = 2 : i32, enigma.signed} loc("rw8"),
    %r16: !d16 {enigma.buffer_index = 3 : i32, enigma.signed} loc("r16"),
    %w16: !d16 {enigma.buffer_index = 4 : i32, enigma.signed} loc("w16"),
    %rw16: !d16 {enigma.buffer_index = 5 : i32, enigma.signed} loc("rw16"),
    %r32: !d32 {enigma.buffer_index = 6 : i32, enigma.signed} loc("r32"),
    %w32: !d32 {enigma.buffer_index = 7 : i32, enigma.signed} loc("w32"),
    %rw32: !d32 {enigma.buffer_index = 8 : i32, enigma.signed} loc("rw32"),
    %r64: !d64 {enigma.buffer_index = 9 : i32, enigma.signed} loc("r64"),
    %w64: !d64 {enigma.buffer_index = 10 : i32, enigma.signed} loc("w64"),
    %rw64: !d64 {enigma.buffer_index = 11 : i32, enigma.signed} loc("rw64"),
    %c16: !c16 {enigma.buffer_index = 12 : i32, enigma.signed} loc("c16"),
    %unused: !d32 {enigma.buffer_index = 13 : i32, enigma.signed} loc("unused"),
    %s8: i8 {enigma.buffer_index = 14 : i32, enigma.scalar, enigma.signed} loc("s8"),
    %s16: i16 {enigma.buffer_index = 15 : i32, enigma.scalar, enigma.signed} loc("s16"),
    %s32: i32 {enigma.buffer_index = 16 : i32, enigma.scalar, enigma.signed} loc("s32"),
    %s64: i64 {enigma.buffer_index = 17 : i32, enigma.scalar, enigma.signed} loc("s64"),
    %u32: !d32 {enigma.buffer_index = 18 : i32} loc("u32"),
    %n: i32 {enigma.buffer_index = 19 : i32, enigma.scalar} loc("n")) {
  %t = enigma.thread_position_in_grid x loc("t")
  %x8 = memref.load %r8[%t] : !d8 loc("x8")
  memref.store %x8, %w8[%t] : !d8
  %y8 = memref.load %rw8[%t] : !d8 loc("y8")
  %q8 = arith.divsi %y8, %s8 : i8 loc("q8")
  memref.store %q8, %rw8[%t] : !d8
  %x16 = memref.load %r16[%t] : !d16 loc("x16")
  memref.store %x16, %w16[%t] : !d16
  %y16 = memref.load %rw16[%t] : !d16 loc("y16")
  %sh16 = arith.shrsi %y16, %s16 : i16 loc("sh16")
  memref.store %sh16, %rw16[%t] : !d16
  %k16 = memref.load %c16[%t] : !c16 loc("k16")
  %x32 = memref.load %r32[%t] : !d32 loc("x32")
  %e32 = arith.extsi %k16 : i16 to i32 loc("e32")
  %sum = arith.addi %x32, %e32 : i32 loc("sum")
  memref.store %sum, %w32[%t] : !d32
  %y32 = memref.load %rw32[%t] : !d32 loc("y32")
  %lt = arith.cmpi slt, %y32, %s32 : i32 loc("lt")
  %m32 = arith.select %lt, %y32, %s32 : i32 loc("s32_u")
  memref.store %m32, %rw32[%t] : !d32
  %x64 = memref.load %r64[%t] : !d64 loc("x64")
  memref.store %x64, %w64[%t] : !d64
  %y64 = memref.load %rw64[%t] : !d64 loc("y64")
  %z64 = arith.divsi %y64, %s64 : i64 loc("z64")
  memref.store %z64, %rw64[%t] : !d64
  %w = arith.extsi %y32 : i32 to i64 loc("w")
  memref.store %w, %w64[%t] : !d64
  memref.store %n, %u32[%t] : !d32
  enigma.return
}

// Atomics: a signed buffer is atomic_int, also when its atomics say `unsigned` (add, and, or,
// xor, exchange, compare-exchange, load and store are the same on the bits); only an unsigned
// min/max makes it atomic_uint. Unmarked buffers keep their rule (atomic_uint as soon as one
// atomic is unsigned).
// CHECK-LABEL: kernel void enigma_kernel_atomics(device atomic_int* smin {{\[\[}}buffer(0)]],
// CHECK-NEXT: device atomic_int* uadd {{\[\[}}buffer(1)]],
// CHECK-NEXT: device atomic_uint* umax {{\[\[}}buffer(2)]],
// CHECK-NEXT: device atomic_uint* plain {{\[\[}}buffer(3)]],
// CHECK-NEXT: constant int& v {{\[\[}}buffer(4)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// CHECK-NEXT: uint v_u = v;
// CHECK-NEXT: uint t = thread_position_in_grid.x;
// CHECK-NEXT: uint a = uint(atomic_fetch_min_explicit(&smin[t], int(v_u), memory_order_relaxed));
// CHECK-NEXT: uint b = uint(atomic_load_explicit(&smin[t], memory_order_relaxed));
// CHECK-NEXT: uint c = uint(atomic_fetch_add_explicit(&uadd[t], int(v_u), memory_order_relaxed));
// CHECK-NEXT: atomic_store_explicit(&uadd[t], int(b), memory_order_relaxed);
// CHECK-NEXT: int d_expected = int(c);
// CHECK-NEXT: while (!atomic_compare_exchange_weak_explicit(&uadd[t], &d_expected, int(a), memory_order_relaxed, memory_order_relaxed) && d_expected == int(c)) {
// CHECK-NEXT: }
// CHECK-NEXT: uint d = uint(d_expected);
// CHECK-NEXT: uint e = atomic_fetch_max_explicit(&umax[t], v_u, memory_order_relaxed);
// CHECK-NEXT: uint f = atomic_fetch_add_explicit(&umax[t], e, memory_order_relaxed);
// CHECK-NEXT: uint g = atomic_fetch_add_explicit(&plain[t], d, memory_order_relaxed);
// CHECK-NEXT: }
enigma.kernel @atomics(
    %smin: !d32 {enigma.buffer_index = 0 : i32, enigma.signed} loc("smin"),
    %uadd: !d32 {enigma.buffer_index = 1 : i32, enigma.signed} loc("uadd"),
    %umax: !d32 {enigma.buffer_index = 2 : i32, enigma.signed} loc("umax"),
    %plain: !d32 {enigma.buffer_index = 3 : i32} loc("plain"),
    %v: i32 {enigma.buffer_index = 4 : i32, enigma.scalar, enigma.signed} loc("v")) {
  %t = enigma.thread_position_in_grid x loc("t")
  %a = enigma.atomic_rmw <min> %v, %smin[%t] : !d32 loc("a")
  %b = enigma.atomic_load %smin[%t] : !d32 loc("b")
  %c = enigma.atomic_rmw <add> unsigned %v, %uadd[%t] : !d32 loc("c")
  enigma.atomic_store unsigned %b, %uadd[%t] : !d32
  %d = enigma.atomic_cmpxchg unsigned %c, %a, %uadd[%t] : !d32 loc("d")
  %e = enigma.atomic_rmw <max> unsigned %v, %umax[%t] : !d32 loc("e")
  %f = enigma.atomic_rmw <add> %e, %umax[%t] : !d32 loc("f")
  %g = enigma.atomic_rmw <add> unsigned %d, %plain[%t] : !d32 loc("g")
  enigma.return
}

// Vector accesses (what enigma-vectorize makes of a signed kernel): the memory is read and
// written through the unsigned vector type, packed or (with a proven alignment) aligned; the
// same bits, and signed and unsigned variants of a type may alias.
// CHECK-LABEL: kernel void enigma_kernel_vectors(device const char* a8 {{\[\[}}buffer(0)]],
// CHECK-NEXT: device short* b16 {{\[\[}}buffer(1)]],
// CHECK-NEXT: device int* c32 {{\[\[}}buffer(2)]],
// CHECK-NEXT: device const long* d64 {{\[\[}}buffer(3)]],
// CHECK-NEXT: device long* e64 {{\[\[}}buffer(4)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// CHECK-NEXT: uint t = thread_position_in_grid.x;
// CHECK-NEXT: uchar4 v8 = uchar4(*(device const packed_uchar4*)(a8 + t));
// CHECK-NEXT: ushort4 v16 = ushort4(*(device const packed_ushort4*)(b16 + t));
// CHECK-NEXT: *(device packed_ushort4*)(b16 + t) = packed_ushort4(v16);
// CHECK-NEXT: uint4 v32 = *(device const uint4*)(c32 + t);
// CHECK-NEXT: *(device uint4*)(c32 + t) = v32;
// CHECK-NEXT: ulong4 v64 = ulong4(*(device const packed_ulong4*)(d64 + t));
// CHECK-NEXT: *(device packed_ulong4*)(e64 + t) = packed_ulong4(v64);
// CHECK-NEXT: }
enigma.kernel @vectors(
    %a8: !d8 {enigma.buffer_index = 0 : i32, enigma.signed} loc("a8"),
    %b16: !d16 {enigma.buffer_index = 1 : i32, enigma.signed} loc("b16"),
    %c32: !d32 {enigma.buffer_index = 2 : i32, enigma.signed} loc("c32"),
    %d64: !d64 {enigma.buffer_index = 3 : i32, enigma.signed} loc("d64"),
    %e64: !d64 {enigma.buffer_index = 4 : i32, enigma.signed} loc("e64")) {
  %t = enigma.thread_position_in_grid x loc("t")
  %v8 = vector.load %a8[%t] : !d8, vector<4xi8> loc("v8")
  %v16 = vector.load %b16[%t] : !d16, vector<4xi16> loc("v16")
  vector.store %v16, %b16[%t] : !d16, vector<4xi16>
  %v32 = vector.load %c32[%t] {alignment = 16 : i64} : !d32, vector<4xi32> loc("v32")
  vector.store %v32, %c32[%t] {alignment = 16 : i64} : !d32, vector<4xi32>
  %c0_i64 = arith.constant 0 : i64
  %v64 = vector.transfer_read %d64[%t], %c0_i64 {in_bounds = [true]} : !d64, vector<4xi64> loc("v64")
  vector.transfer_write %v64, %e64[%t] {in_bounds = [true]} : vector<4xi64>, !d64
  enigma.return
}
