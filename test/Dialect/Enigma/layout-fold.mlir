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
