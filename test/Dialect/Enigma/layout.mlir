// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect | FileCheck %s
// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect | enigma-opt -split-input-file -allow-unregistered-dialect | FileCheck %s
// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -mlir-print-op-generic | enigma-opt -split-input-file -allow-unregistered-dialect | FileCheck %s

// The attribute prints CuTe notation, always with explicit strides.
// CHECK-LABEL: func.func @attrs
// CHECK-SAME: a = #enigma.layout<((2,4),8):((1,2),8)>
// CHECK-SAME: b = #enigma.layout<(4,8):(1,4)>
// CHECK-SAME: c = #enigma.layout<8:1>
// CHECK-SAME: d = #enigma.layout<(4,2):(-1,4)>
// CHECK-SAME: e = #enigma.tiler<(4,8)>
// CHECK-SAME: f = #enigma.tiler<(2,4):(1,8)>
// CHECK-SAME: g = #enigma.tiler<(_,4:2)>
func.func @attrs() attributes {
    a = #enigma.layout<((2,4),8):((1,2),8)>, b = #enigma.layout<(4,8)>, c = #enigma.layout<8>,
    d = #enigma.layout<(4,2):(-1,4)>, e = #enigma.tiler<(4,8)>, f = #enigma.tiler<(2,4):(1,8)>,
    g = #enigma.tiler<(_,4:2)>} {
  return
}

// -----

// Every layout op round-trips.
// CHECK-LABEL: func.func @ops
func.func @ops(%i: index, %j: index) {
  // CHECK: %[[L:.*]] = enigma.layout_constant #enigma.layout<(8,4):(1,8)>
  %l = enigma.layout_constant #enigma.layout<(8,4):(1,8)>
  // CHECK: enigma.layout_coalesce %[[L]]
  %0 = enigma.layout_coalesce %l
  // CHECK: enigma.layout_filter %[[L]]
  %1 = enigma.layout_filter %l
  // CHECK: enigma.layout_right_inverse %[[L]]
  %2 = enigma.layout_right_inverse %l
  // CHECK: enigma.layout_left_inverse %[[L]]
  %3 = enigma.layout_left_inverse %l
  // CHECK: enigma.layout_complement %[[L]] cotarget 64
  %4 = enigma.layout_complement %l cotarget 64
  // CHECK: enigma.layout_complement %[[L]]{{$}}
  %5 = enigma.layout_complement %l
  // CHECK: enigma.layout_composition %[[L]], %[[L]]
  %6 = enigma.layout_composition %l, %l
  // CHECK: enigma.layout_logical_divide %[[L]] by #enigma.tiler<(2,2)>
  %7 = enigma.layout_logical_divide %l by #enigma.tiler<(2,2)>
  // CHECK: enigma.layout_zipped_divide %[[L]] by #enigma.tiler<(2,2)>
  %8 = enigma.layout_zipped_divide %l by #enigma.tiler<(2,2)>
  // CHECK: enigma.layout_tiled_divide %[[L]] by #enigma.tiler<(2,2)>
  %9 = enigma.layout_tiled_divide %l by #enigma.tiler<(2,2)>
  // CHECK: enigma.layout_flat_divide %[[L]] by #enigma.tiler<(2,2)>
  %10 = enigma.layout_flat_divide %l by #enigma.tiler<(2,2)>
  // CHECK: enigma.layout_logical_product %[[L]] by #enigma.tiler<2:1>
  %11 = enigma.layout_logical_product %l by #enigma.tiler<2:1>
  // CHECK: enigma.layout_zipped_product %[[L]] by #enigma.tiler<(2,3)>
  %12 = enigma.layout_zipped_product %l by #enigma.tiler<(2,3)>
  // CHECK: enigma.layout_tiled_product %[[L]] by #enigma.tiler<(2,3)>
  %13 = enigma.layout_tiled_product %l by #enigma.tiler<(2,3)>
  // CHECK: enigma.layout_blocked_product %[[L]], %[[L]]
  %14 = enigma.layout_blocked_product %l, %l
  // CHECK: enigma.layout_raked_product %[[L]], %[[L]]
  %15 = enigma.layout_raked_product %l, %l
  // CHECK: %{{.*}}, %{{.*}} = enigma.layout_make_tv %[[L]], %[[L]]
  %16:2 = enigma.layout_make_tv %l, %l
  // CHECK: enigma.layout_mode %[[L]] [1]
  %17 = enigma.layout_mode %l [1]
  // CHECK: enigma.layout_size %[[L]]
  %18 = enigma.layout_size %l
  // CHECK: enigma.layout_cosize %[[L]]
  %19 = enigma.layout_cosize %l
  // CHECK: enigma.layout_apply %[[L]][%{{.*}}, %{{.*}}]
  %20 = enigma.layout_apply %l [%i, %j]
  // CHECK: enigma.layout_apply %[[L]][%{{.*}}]
  %21 = enigma.layout_apply %l [%i]
  "test.use"(%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16#0, %16#1, %17, %18, %19, %20, %21) : (!enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, index, index, index, index) -> ()
  return
}
