// RUN: enigma-translate --to-msl %s | FileCheck %s
// RUN: %if msl-host-header %{ enigma-translate --to-msl %s | %host_cxx -std=c++17 -fsyntax-only -x c++ -I %enigma_src_root/include/enigma/Runtime - %}
// Source names come from NameLocs on ops and block arguments (also inside fused locations),
// legalized against C++/MSL reserved words and de-duplicated; values without one are v<N>.
// CHECK-LABEL: kernel void enigma_kernel_naming(device float* float_ {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant float& kernel_ {{\[\[}}buffer(1)]],
// CHECK-NEXT: constant float& v0 {{\[\[}}buffer(2)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// CHECK-NEXT: uint tid = thread_position_in_grid.x;
// CHECK-NEXT: float x = kernel_ + v0;
// CHECK-NEXT: float x_1 = x + x;
// CHECK-NEXT: float x_2 = x_1 + x_1;
// CHECK-NEXT: float my_var = x_2 * x_2;
// CHECK-NEXT: float v2nd = my_var * my_var;
// CHECK-NEXT: float _secret = v2nd * v2nd;
// CHECK-NEXT: float v_Upper = _secret * _secret;
// CHECK-NEXT: float sqrt_ = v_Upper * v_Upper;
// CHECK-NEXT: float float4_ = sqrt_ * sqrt_;
// CHECK-NEXT: float thread_position_in_grid_ = float4_ * float4_;
// CHECK-NEXT: float v0_1 = thread_position_in_grid_ * thread_position_in_grid_;
// CHECK-NEXT: float v1 = v0_1 * v0_1;
// CHECK-NEXT: float x_1_1 = v1 * v1;
// CHECK-NEXT: float a_b_c = x_1_1 * x_1_1;
// CHECK-NEXT: float simd_sum_ = a_b_c * a_b_c;
// CHECK-NEXT: float v2 = simd_sum_ * simd_sum_;
// CHECK-NEXT: float_[tid] = v2;
// CHECK-NEXT: }
enigma.kernel @naming(%float: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("float"("k.py":1:1)),
                      %kernel: f32 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("kernel"),
                      %noname: f32 {enigma.buffer_index = 2 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x loc("tid"("k.py":3:5))
  %a = arith.addf %kernel, %noname : f32 loc("x")
  %b = arith.addf %a, %a : f32 loc("x")
  %c = arith.addf %b, %b : f32 loc("x")
  %d = arith.mulf %c, %c : f32 loc(fused["k.py":7:1, "my var"("k.py":7:3)])
  %e = arith.mulf %d, %d : f32 loc("2nd")
  %f = arith.mulf %e, %e : f32 loc("__secret")
  %g = arith.mulf %f, %f : f32 loc("_Upper")
  %h = arith.mulf %g, %g : f32 loc("sqrt")
  %i = arith.mulf %h, %h : f32 loc("float4")
  %j = arith.mulf %i, %i : f32 loc("thread_position_in_grid")
  %k = arith.mulf %j, %j : f32 loc("v0")
  %l = arith.mulf %k, %k : f32
  %m = arith.mulf %l, %l : f32 loc("x_1")
  %n = arith.mulf %m, %m : f32 loc("a.b-c")
  %o = arith.mulf %n, %n : f32 loc("simd_sum")
  %p = arith.mulf %o, %o : f32 loc("")
  memref.store %p, %float[%tid] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}

// Entry points are legalized and unique too.
enigma.kernel @"my-kernel"() {
  enigma.return
}
// CHECK-LABEL: kernel void enigma_kernel_my_kernel() {
// CHECK-NEXT: }
enigma.kernel @my_kernel() {
  enigma.return
}

// Names that are macros of Metal (the spec's complete set) or of the CPU runtime's header
// (ENIGMA_*, include guards), and any all-uppercase name with an underscore, are reserved:
// a variable spelled like a macro would be replaced by its expansion.
// CHECK-LABEL: kernel void enigma_kernel_macro_names(device float* FLT_MAX_ {{\[\[}}buffer(0)]],
// CHECK-NEXT: constant float& INT_MAX_ {{\[\[}}buffer(1)]],
// CHECK-NEXT: uint3 thread_position_in_grid {{\[\[}}thread_position_in_grid]]) {
// CHECK-NEXT: uint ENIGMA_INLINE_ = thread_position_in_grid.x;
// CHECK-NEXT: float FLT_EPSILON_ = INT_MAX_ * INT_MAX_;
// CHECK-NEXT: float INT_MAX_1_ = FLT_EPSILON_ * FLT_EPSILON_;
// CHECK-NEXT: float INT_MIN_ = INT_MAX_1_ * INT_MAX_1_;
// CHECK-NEXT: float UINT_MAX_ = INT_MIN_ * INT_MIN_;
// CHECK-NEXT: float SHRT_MAX_ = UINT_MAX_ * UINT_MAX_;
// CHECK-NEXT: float SHRT_MIN_ = SHRT_MAX_ * SHRT_MAX_;
// CHECK-NEXT: float USHRT_MAX_ = SHRT_MIN_ * SHRT_MIN_;
// CHECK-NEXT: float CHAR_BIT_ = USHRT_MAX_ * USHRT_MAX_;
// CHECK-NEXT: float FLT_MAX_1_ = CHAR_BIT_ * CHAR_BIT_;
// CHECK-NEXT: float FLT_MIN_ = FLT_MAX_1_ * FLT_MAX_1_;
// CHECK-NEXT: float HALF_MAX_ = FLT_MIN_ * FLT_MIN_;
// CHECK-NEXT: float HALF_MIN_ = HALF_MAX_ * HALF_MAX_;
// CHECK-NEXT: float HALF_EPSILON_ = HALF_MIN_ * HALF_MIN_;
// CHECK-NEXT: float BFLOAT_MAX_ = HALF_EPSILON_ * HALF_EPSILON_;
// CHECK-NEXT: float BFLOAT_EPSILON_ = BFLOAT_MAX_ * BFLOAT_MAX_;
// CHECK-NEXT: float MAXFLOAT_ = BFLOAT_EPSILON_ * BFLOAT_EPSILON_;
// CHECK-NEXT: float MAXHALF_ = MAXFLOAT_ * MAXFLOAT_;
// CHECK-NEXT: float MAXBFLOAT_ = MAXHALF_ * MAXHALF_;
// CHECK-NEXT: float HUGE_VALF_ = MAXBFLOAT_ * MAXBFLOAT_;
// CHECK-NEXT: float HUGE_VALH_ = HUGE_VALF_ * HUGE_VALF_;
// CHECK-NEXT: float HUGE_VALBF_ = HUGE_VALH_ * HUGE_VALH_;
// CHECK-NEXT: float METAL_FUNC_ = HUGE_VALBF_ * HUGE_VALBF_;
// CHECK-NEXT: float M_PI_F_ = METAL_FUNC_ * METAL_FUNC_;
// CHECK-NEXT: float M_SQRT1_2_F_ = M_PI_F_ * M_PI_F_;
// CHECK-NEXT: float M_PI_H_ = M_SQRT1_2_F_ * M_SQRT1_2_F_;
// CHECK-NEXT: float M_LOG2E_H_ = M_PI_H_ * M_PI_H_;
// CHECK-NEXT: float M_PI_BF_ = M_LOG2E_H_ * M_LOG2E_H_;
// CHECK-NEXT: float M_2_SQRTPI_BF_ = M_PI_BF_ * M_PI_BF_;
// CHECK-NEXT: float ENIGMA_INLINE_1_ = M_2_SQRTPI_BF_ * M_2_SQRTPI_BF_;
// CHECK-NEXT: float ENIGMA_VEC_BINOP_ = ENIGMA_INLINE_1_ * ENIGMA_INLINE_1_;
// CHECK-NEXT: float ENIGMA_RUNTIME_METALTYPES_H_ = ENIGMA_VEC_BINOP_ * ENIGMA_VEC_BINOP_;
// CHECK-NEXT: float ENIGMA_RUNTIME_METAL_STDLIB_ = ENIGMA_RUNTIME_METALTYPES_H_ * ENIGMA_RUNTIME_METALTYPES_H_;
// CHECK-NEXT: float ENIGMA_C1_ = ENIGMA_RUNTIME_METAL_STDLIB_ * ENIGMA_RUNTIME_METAL_STDLIB_;
// CHECK-NEXT: float ENIGMA_C1_1_ = ENIGMA_C1_ * ENIGMA_C1_;
// CHECK-NEXT: float ENIGMA_C1_2_ = ENIGMA_C1_1_ * ENIGMA_C1_1_;
// CHECK-NEXT: float v_METAL_VERSION_ = ENIGMA_C1_2_ * ENIGMA_C1_2_;
// CHECK-NEXT: float v_ENIGMA_CPU_RUNTIME_ = v_METAL_VERSION_ * v_METAL_VERSION_;
// CHECK-NEXT: float INFINITY_ = v_ENIGMA_CPU_RUNTIME_ * v_ENIGMA_CPU_RUNTIME_;
// CHECK-NEXT: float NAN_ = INFINITY_ * INFINITY_;
// CHECK-NEXT: float NULL_ = NAN_ * NAN_;
// CHECK-NEXT: float BLOCK_SIZE_ = NULL_ * NULL_;
// CHECK-NEXT: float X = BLOCK_SIZE_ * BLOCK_SIZE_;
// CHECK-NEXT: float X_1_ = X * X;
// CHECK-NEXT: float N = X_1_ * X_1_;
// CHECK-NEXT: float Tile_Size = N * N;
// CHECK-NEXT: FLT_MAX_[ENIGMA_INLINE_] = Tile_Size;
// CHECK-NEXT: }
enigma.kernel @macro_names(%out: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32} loc("FLT_MAX"),
                           %x: f32 {enigma.buffer_index = 1 : i32, enigma.scalar} loc("INT_MAX")) {
  %tid = enigma.thread_position_in_grid x loc("ENIGMA_INLINE")
  %n0 = arith.mulf %x, %x : f32 loc("FLT_EPSILON")
  %n1 = arith.mulf %n0, %n0 : f32 loc("INT_MAX")
  %n2 = arith.mulf %n1, %n1 : f32 loc("INT_MIN")
  %n3 = arith.mulf %n2, %n2 : f32 loc("UINT_MAX")
  %n4 = arith.mulf %n3, %n3 : f32 loc("SHRT_MAX")
  %n5 = arith.mulf %n4, %n4 : f32 loc("SHRT_MIN")
  %n6 = arith.mulf %n5, %n5 : f32 loc("USHRT_MAX")
  %n7 = arith.mulf %n6, %n6 : f32 loc("CHAR_BIT")
  %n8 = arith.mulf %n7, %n7 : f32 loc("FLT_MAX")
  %n9 = arith.mulf %n8, %n8 : f32 loc("FLT_MIN")
  %n10 = arith.mulf %n9, %n9 : f32 loc("HALF_MAX")
  %n11 = arith.mulf %n10, %n10 : f32 loc("HALF_MIN")
  %n12 = arith.mulf %n11, %n11 : f32 loc("HALF_EPSILON")
  %n13 = arith.mulf %n12, %n12 : f32 loc("BFLOAT_MAX")
  %n14 = arith.mulf %n13, %n13 : f32 loc("BFLOAT_EPSILON")
  %n15 = arith.mulf %n14, %n14 : f32 loc("MAXFLOAT")
  %n16 = arith.mulf %n15, %n15 : f32 loc("MAXHALF")
  %n17 = arith.mulf %n16, %n16 : f32 loc("MAXBFLOAT")
  %n18 = arith.mulf %n17, %n17 : f32 loc("HUGE_VALF")
  %n19 = arith.mulf %n18, %n18 : f32 loc("HUGE_VALH")
  %n20 = arith.mulf %n19, %n19 : f32 loc("HUGE_VALBF")
  %n21 = arith.mulf %n20, %n20 : f32 loc("METAL_FUNC")
  %n22 = arith.mulf %n21, %n21 : f32 loc("M_PI_F")
  %n23 = arith.mulf %n22, %n22 : f32 loc("M_SQRT1_2_F")
  %n24 = arith.mulf %n23, %n23 : f32 loc("M_PI_H")
  %n25 = arith.mulf %n24, %n24 : f32 loc("M_LOG2E_H")
  %n26 = arith.mulf %n25, %n25 : f32 loc("M_PI_BF")
  %n27 = arith.mulf %n26, %n26 : f32 loc("M_2_SQRTPI_BF")
  %n28 = arith.mulf %n27, %n27 : f32 loc("ENIGMA_INLINE")
  %n29 = arith.mulf %n28, %n28 : f32 loc("ENIGMA_VEC_BINOP")
  %n30 = arith.mulf %n29, %n29 : f32 loc("ENIGMA_RUNTIME_METALTYPES_H")
  %n31 = arith.mulf %n30, %n30 : f32 loc("ENIGMA_RUNTIME_METAL_STDLIB")
  %n32 = arith.mulf %n31, %n31 : f32 loc("ENIGMA_C1")
  %n33 = arith.mulf %n32, %n32 : f32 loc("ENIGMA_C1")
  %n34 = arith.mulf %n33, %n33 : f32 loc("ENIGMA_C1_2")
  %n35 = arith.mulf %n34, %n34 : f32 loc("__METAL_VERSION__")
  %n36 = arith.mulf %n35, %n35 : f32 loc("__ENIGMA_CPU_RUNTIME__")
  %n37 = arith.mulf %n36, %n36 : f32 loc("INFINITY")
  %n38 = arith.mulf %n37, %n37 : f32 loc("NAN")
  %n39 = arith.mulf %n38, %n38 : f32 loc("NULL")
  %n40 = arith.mulf %n39, %n39 : f32 loc("BLOCK_SIZE")
  %n41 = arith.mulf %n40, %n40 : f32 loc("X")
  %n42 = arith.mulf %n41, %n41 : f32 loc("X")
  %n43 = arith.mulf %n42, %n42 : f32 loc("N")
  %n44 = arith.mulf %n43, %n43 : f32 loc("Tile_Size")
  memref.store %n44, %out[%tid] : memref<?xf32, #enigma.address_space<device>>
  enigma.return
}
