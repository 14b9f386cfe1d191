// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -enigma-lower-layouts | FileCheck %s
// A swizzled layout's offset is the inner layout's, plus the offset, through the swizzle:
// x ^ ((x & yyy) >> S) with yyy = ((1<<B)-1) << (M + max(0,S)).

// Sw<3,4,3> o 0 o (8,64):(64,1): yyy = 0b1110000000 = 896, shift right by 3.
// CHECK-LABEL: func.func @swizzle
// CHECK-SAME: (%[[I:.*]]: index, %[[J:.*]]: index)
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[M:.*]] = arith.muli %[[I]], %[[C64]] : index
// CHECK: %[[X:.*]] = arith.addi %[[M]], %[[J]] : index
// CHECK: %[[C896:.*]] = arith.constant 896 : index
// CHECK: %[[Y:.*]] = arith.andi %[[X]], %[[C896]] : index
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[S:.*]] = arith.shrui %[[Y]], %[[C3]] : index
// CHECK: %[[R:.*]] = arith.xori %[[X]], %[[S]] : index
// CHECK: "test.use"(%[[R]])
// CHECK-NOT: enigma.layout
func.func @swizzle(%i: index, %j: index) {
  %l = enigma.layout_constant #enigma.layout<Sw<3,4,3> o 0 o (8,64):(64,1)>
  %o = enigma.layout_apply %l [%i, %j]
  "test.use"(%o) : (index) -> ()
  return
}

// -----

// A negative shift moves the read bits up; the offset is added first.
// Sw<2,0,-2> o 5 o 16:1: yyy = 3, shift left by 2.
// CHECK-LABEL: func.func @negative_shift
// CHECK-SAME: (%[[I:.*]]: index)
// CHECK: %[[C5:.*]] = arith.constant 5 : index
// CHECK: %[[X:.*]] = arith.addi %[[I]], %[[C5]] : index
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[Y:.*]] = arith.andi %[[X]], %[[C3]] : index
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[S:.*]] = arith.shli %[[Y]], %[[C2]] : index
// CHECK: %[[R:.*]] = arith.xori %[[X]], %[[S]] : index
// CHECK: "test.use"(%[[R]])
func.func @negative_shift(%i: index) {
  %l = enigma.layout_constant #enigma.layout<Sw<2,0,-2> o 5 o 16:1>
  %o = enigma.layout_apply %l [%i]
  "test.use"(%o) : (index) -> ()
  return
}

// -----

// Algebra on a swizzled layout folds first; the mode keeps the swizzle.
// CHECK-LABEL: func.func @mode_of_divide
// CHECK-SAME: (%[[I:.*]]: index)
// CHECK: %[[X:.*]] = arith.addi
// CHECK: %[[Y:.*]] = arith.andi %[[X]], %{{.*}} : index
// CHECK: %[[S:.*]] = arith.shrui %[[Y]], %{{.*}} : index
// CHECK: arith.xori %[[X]], %[[S]] : index
// CHECK-NOT: enigma.layout
func.func @mode_of_divide(%i: index) {
  %l = enigma.layout_constant #enigma.layout<Sw<3,4,3> o 0 o (8,64):(64,1)>
  %d = enigma.layout_zipped_divide %l by #enigma.tiler<(2,8)>
  %m = enigma.layout_mode %d [0]
  %o = enigma.layout_apply %m [%i]
  "test.use"(%o) : (index) -> ()
  return
}
