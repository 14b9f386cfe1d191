// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// Memory orders of atomics: MSL's atomic functions take memory_order_relaxed only (up to MSL
// 4.0), so an ordered atomic is the relaxed one with MSL 3.2's
// atomic_thread_fence(mem_flags, memory_order_seq_cst, scope): before it for a release part,
// after it for an acquire part (seq_cst: both). The scope is the atomic's memory's.
// CHECK-LABEL: kernel void enigma_kernel_orders(device atomic_uint* buf {{\[\[}}buffer(0)]],
// CHECK-NEXT: device atomic_float* f {{\[\[}}buffer(1)]]) {
// CHECK-NEXT: threadgroup atomic_int tg[4];
// CHECK-NEXT: uint relaxed = atomic_fetch_add_explicit(&buf[0u], 1u, memory_order_relaxed);
// CHECK-NEXT: uint acq = atomic_fetch_add_explicit(&buf[0u], 1u, memory_order_relaxed);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: uint rel = atomic_exchange_explicit(&buf[0u], 1u, memory_order_relaxed);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: uint ar = atomic_fetch_max_explicit(&buf[0u], 1u, memory_order_relaxed);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: float sc = atomic_fetch_add_explicit(&f[0u], 2.0f, memory_order_relaxed);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: uint la = atomic_load_explicit(&buf[0u], memory_order_relaxed);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_threadgroup);
// CHECK-NEXT: uint ls = uint(atomic_load_explicit(&tg[0u], memory_order_relaxed));
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_threadgroup);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: atomic_store_explicit(&buf[0u], 1u, memory_order_relaxed);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_threadgroup);
// CHECK-NEXT: atomic_store_explicit(&tg[0u], int(1u), memory_order_relaxed);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_threadgroup);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: uint cas_expected = 1u;
// CHECK-NEXT: while (!atomic_compare_exchange_weak_explicit(&buf[0u], &cas_expected, la, memory_order_relaxed, memory_order_relaxed) && cas_expected == 1u) {
// CHECK-NEXT: }
// CHECK-NEXT: uint cas = cas_expected;
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: uint fcas_expected = as_type<uint>(2.0f);
// CHECK-NEXT: while (!atomic_compare_exchange_weak_explicit((device atomic_uint*)&f[0u], &fcas_expected, as_type<uint>(sc), memory_order_relaxed, memory_order_relaxed) && fcas_expected == as_type<uint>(2.0f)) {
// CHECK-NEXT: }
// CHECK-NEXT: float fcas = as_type<float>(fcas_expected);
// CHECK-NEXT: uint acas_expected = 1u;
// CHECK-NEXT: while (!atomic_compare_exchange_weak_explicit(&buf[0u], &acas_expected, la, memory_order_relaxed, memory_order_relaxed) && acas_expected == 1u) {
// CHECK-NEXT: }
// CHECK-NEXT: uint acas = acas_expected;
// CHECK-NEXT: atomic_thread_fence(mem_flags::mem_device | mem_flags::mem_threadgroup, memory_order_seq_cst, thread_scope_device);
// CHECK-NEXT: }
enigma.kernel @orders(%buf: memref<16xi32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("buf"),
                      %f: memref<16xf32, #enigma.address_space<device>> {enigma.buffer_index = 1 : i32} loc("f")) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i32
  %x = arith.constant 2.0 : f32
  %tg = enigma.threadgroup_alloc : memref<4xi32, #enigma.address_space<threadgroup>> loc("tg")
  %0 = enigma.atomic_rmw <add> %one, %buf[%c0] : memref<16xi32, #enigma.address_space<device>> loc("relaxed")
  %1 = enigma.atomic_rmw <add> %one, %buf[%c0] {order = #enigma.memory_order<acquire>} : memref<16xi32, #enigma.address_space<device>> loc("acq")
  %2 = enigma.atomic_rmw <exchange> %one, %buf[%c0] {order = #enigma.memory_order<release>} : memref<16xi32, #enigma.address_space<device>> loc("rel")
  %3 = enigma.atomic_rmw <max> unsigned %one, %buf[%c0] {order = #enigma.memory_order<acq_rel>} : memref<16xi32, #enigma.address_space<device>> loc("ar")
  %4 = enigma.atomic_rmw <add> %x, %f[%c0] {order = #enigma.memory_order<seq_cst>} : memref<16xf32, #enigma.address_space<device>> loc("sc")
  %5 = enigma.atomic_load %buf[%c0] {order = #enigma.memory_order<acquire>} : memref<16xi32, #enigma.address_space<device>> loc("la")
  %6 = enigma.atomic_load %tg[%c0] {order = #enigma.memory_order<seq_cst>} : memref<4xi32, #enigma.address_space<threadgroup>> loc("ls")
  enigma.atomic_store %one, %buf[%c0] {order = #enigma.memory_order<release>} : memref<16xi32, #enigma.address_space<device>>
  enigma.atomic_store %one, %tg[%c0] {order = #enigma.memory_order<seq_cst>} : memref<4xi32, #enigma.address_space<threadgroup>>
  %7 = enigma.atomic_cmpxchg %one, %5, %buf[%c0] {order = #enigma.memory_order<acq_rel>, failure_order = #enigma.memory_order<acquire>} : memref<16xi32, #enigma.address_space<device>> loc("cas")
  %8 = enigma.atomic_cmpxchg %x, %4, %f[%c0] {order = #enigma.memory_order<release>} : memref<16xf32, #enigma.address_space<device>> loc("fcas")
  %9 = enigma.atomic_cmpxchg %one, %5, %buf[%c0] {order = #enigma.memory_order<acquire>} : memref<16xi32, #enigma.address_space<device>> loc("acas")
  enigma.return
}
