// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -canonicalize | FileCheck %s
// Static layout algebra folds through the C layout core; the results are CuTe's.

// CuTe's documented examples.
// CHECK-LABEL: func.func @cute_examples
// CHECK-DAG: enigma.layout_constant #enigma.layout<(2,3):(1,8)>
// CHECK-DAG: enigma.layout_constant #enigma.layout<(3,2):(2,12)>
// CHECK-DAG: enigma.layout_constant #enigma.layout<((2,2),3):((24,2),8)>
// CHECK-DAG: enigma.layout_constant #enigma.layout<((2,2),(2,3)):((4,1),(2,8))>
// CHECK-NOT: enigma.layout_complement
// CHECK-NOT: enigma.layout_composition
// CHECK-NOT: enigma.layout_logical_divide
func.func @cute_examples() {
  %a = enigma.layout_constant #enigma.layout<4:2>
  %c0 = enigma.layout_complement %a cotarget 24
  %b = enigma.layout_constant #enigma.layout<(2,2):(1,6)>
  %c1 = enigma.layout_complement %b cotarget 24
  %x = enigma.layout_constant #enigma.layout<(6,2):(8,2)>
  %y = enigma.layout_constant #enigma.layout<(4,3):(3,1)>
  %c2 = enigma.layout_composition %x, %y
  %t = enigma.layout_constant #enigma.layout<(4,2,3):(2,1,8)>
  %c3 = enigma.layout_logical_divide %t by #enigma.tiler<4:2>
  "test.use"(%c0, %c1, %c2, %c3) : (!enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout) -> ()
  return
}

// -----

// Queries fold to index constants.
// CHECK-LABEL: func.func @queries
// CHECK-DAG: %[[S:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C:.*]] = arith.constant 28 : index
// CHECK: "test.use"(%[[S]], %[[C]])
func.func @queries() {
  %l = enigma.layout_constant #enigma.layout<(4,4):(1,8)>
  %s = enigma.layout_size %l
  %c = enigma.layout_cosize %l
  "test.use"(%s, %c) : (index, index) -> ()
  return
}

// -----

// Divides, products, coalesce, mode selection and make_layout_tv fold too.
// CHECK-LABEL: func.func @more
// CHECK-DAG: enigma.layout_constant #enigma.layout<((4,2),(2,4)):((1,8),(4,16))>
// CHECK-DAG: enigma.layout_constant #enigma.layout<32:1>
// CHECK-DAG: enigma.layout_constant #enigma.layout<8:4>
// CHECK-DAG: enigma.layout_constant #enigma.layout<(8,4):(1,8)>
// CHECK-DAG: enigma.layout_constant #enigma.layout<((2,4),(2,2)):((16,2),(1,8))>
// CHECK-NOT: enigma.layout_zipped_divide
// CHECK-NOT: enigma.layout_coalesce
// CHECK-NOT: enigma.layout_mode
// CHECK-NOT: enigma.layout_make_tv
func.func @more() {
  %l = enigma.layout_constant #enigma.layout<(8,8):(1,8)>
  %z = enigma.layout_zipped_divide %l by #enigma.tiler<(4,2)>
  %c = enigma.layout_constant #enigma.layout<(4,8):(1,4)>
  %co = enigma.layout_coalesce %c
  %m = enigma.layout_mode %c [1]
  %thr = enigma.layout_constant #enigma.layout<(4,2):(2,1)>
  %val = enigma.layout_constant #enigma.layout<(2,2):(1,2)>
  %tile, %tv = enigma.layout_make_tv %thr, %val
  "test.use"(%z, %co, %m, %tile, %tv) : (!enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout) -> ()
  return
}

// -----

// An invalid division does not fold: the check pass reports it.
// CHECK-LABEL: func.func @no_fold
// CHECK: enigma.layout_zipped_divide
func.func @no_fold() {
  %l = enigma.layout_constant #enigma.layout<(8,4):(1,8)>
  %z = enigma.layout_zipped_divide %l by #enigma.tiler<(16,4)>
  "test.use"(%z) : (!enigma.layout) -> ()
  return
}

// -----

// layout_apply with constant coordinates folds through the C core, in all three coordinate
// forms: one index, one per mode, one per leaf.
// CHECK-LABEL: func.func @apply
// CHECK-DAG: %[[A:.*]] = arith.constant 24 : index
// CHECK-DAG: %[[B:.*]] = arith.constant 26 : index
// CHECK-DAG: %[[C:.*]] = arith.constant 29 : index
// CHECK: "test.use"(%[[A]], %[[B]], %[[C]])
// CHECK-NOT: enigma.layout_apply
func.func @apply() {
  %l = enigma.layout_constant #enigma.layout<(4,(2,8)):(16,(8,1))>
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  // [5]: 5 % 4 = 1 -> 16; 5 / 4 = 1 -> mode 1 at 1 = (1, 0) -> 8; total 24.
  // [1, 5]: 16 + mode 1 at 5 = (1, 2) -> 8 + 2; total 26.   [1, 1, 5]: 16 + 8 + 5 = 29.
  %a = enigma.layout_apply %l [%c5]
  %b = enigma.layout_apply %l [%c1, %c5]
  %c = enigma.layout_apply %l [%c1, %c1, %c5]
  "test.use"(%a, %b, %c) : (index, index, index) -> ()
  return
}

// -----

// The remaining algebra ops fold too (values are the C core's, which the differential tests
// check against CuTe C++ and pycute).
// CHECK-LABEL: func.func @rest
// CHECK-DAG: %[[F:.*]] = enigma.layout_constant #enigma.layout<(4,2):(1,8)>
// CHECK-DAG: %[[INV:.*]] = enigma.layout_constant #enigma.layout<(2,4):(4,1)>
// CHECK-DAG: %[[LP:.*]] = enigma.layout_constant #enigma.layout<((2,5),(3,4)):((5,1),(10,30))>
// CHECK-DAG: %[[ZP:.*]] = enigma.layout_constant #enigma.layout<((2,5),(3,4)):((5,1),(1,5))>
// CHECK-DAG: %[[TP:.*]] = enigma.layout_constant #enigma.layout<((2,5),3,4):((5,1),1,5)>
// CHECK-DAG: %[[BP:.*]] = enigma.layout_constant #enigma.layout<((2,3),(5,4)):((5,10),(1,30))>
// CHECK-DAG: %[[RP:.*]] = enigma.layout_constant #enigma.layout<((3,2),(4,5)):((10,5),(30,1))>
// CHECK-DAG: %[[TD:.*]] = enigma.layout_constant #enigma.layout<((3,2),1,2):((1,3),0,6)>
// CHECK-DAG: %[[FD:.*]] = enigma.layout_constant #enigma.layout<(3,2,1,2):(1,3,0,6)>
// CHECK: "test.use"(%[[F]], %[[INV]], %[[INV]], %[[LP]], %[[ZP]], %[[TP]], %[[BP]], %[[RP]], %[[TD]], %[[FD]])
func.func @rest() {
  %l = enigma.layout_constant #enigma.layout<(4,2):(2,1)>
  %z = enigma.layout_constant #enigma.layout<(4,2,3):(1,8,0)>
  %b = enigma.layout_constant #enigma.layout<(2,5):(5,1)>
  %t = enigma.layout_constant #enigma.layout<(3,4):(1,3)>
  %0 = enigma.layout_filter %z
  %1 = enigma.layout_right_inverse %l
  %2 = enigma.layout_left_inverse %l
  %3 = enigma.layout_logical_product %b by #enigma.tiler<(3,4):(1,3)>
  %4 = enigma.layout_zipped_product %b by #enigma.tiler<(3,4)>
  %5 = enigma.layout_tiled_product %b by #enigma.tiler<(3,4)>
  %6 = enigma.layout_blocked_product %b, %t
  %7 = enigma.layout_raked_product %b, %t
  %8 = enigma.layout_tiled_divide %t by #enigma.tiler<(3,2)>
  %9 = enigma.layout_flat_divide %t by #enigma.tiler<(3,2)>
  "test.use"(%0, %1, %2, %3, %4, %5, %6, %7, %8, %9) : (!enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout) -> ()
  return
}
