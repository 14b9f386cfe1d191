// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -enigma-lower-layouts | FileCheck %s

// One coordinate per leaf: multiply-adds only, no division.
// CHECK-LABEL: func.func @flat
// CHECK-SAME: (%[[I:.*]]: index, %[[J:.*]]: index)
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[M:.*]] = arith.muli %[[J]], %[[C8]] : index
// CHECK: %[[R:.*]] = arith.addi %[[I]], %[[M]] : index
// CHECK: "test.use"(%[[R]])
// CHECK-NOT: divui
// CHECK-NOT: enigma.layout
func.func @flat(%i: index, %j: index) {
  %l = enigma.layout_constant #enigma.layout<(8,4):(1,8)>
  %o = enigma.layout_apply %l [%i, %j]
  "test.use"(%o) : (index) -> ()
  return
}

// -----

// One coordinate per mode: a mode that coalesces to one leaf costs no division.
// CHECK-LABEL: func.func @per_mode_coalesced
// CHECK-SAME: (%[[I:.*]]: index, %[[J:.*]]: index)
// CHECK: %[[A:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK: %[[R:.*]] = arith.addi %[[A]], %[[J]] : index
// CHECK: "test.use"(%[[R]])
func.func @per_mode_coalesced(%i: index, %j: index) {
  %l = enigma.layout_constant #enigma.layout<(4,(2,8)):(16,(1,2))>
  %o = enigma.layout_apply %l [%i, %j]
  "test.use"(%o) : (index) -> ()
  return
}

// -----

// A mode whose leaves really differ splits its coordinate with a mask and a shift.
// CHECK-LABEL: func.func @per_mode
// CHECK-SAME: (%[[I:.*]]: index, %[[J:.*]]: index)
// CHECK: %[[A:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK: %[[LO:.*]] = arith.andi %[[J]], %{{.*}} : index
// CHECK: arith.muli %[[LO]]
// CHECK: arith.shrui %[[J]]
// CHECK-NOT: divui
// CHECK-NOT: remui
func.func @per_mode(%i: index, %j: index) {
  %l = enigma.layout_constant #enigma.layout<(4,(2,8)):(16,(8,1))>
  %o = enigma.layout_apply %l [%i, %j]
  "test.use"(%o) : (index) -> ()
  return
}

// -----

// A compact layout applied to one index is the index: coalescing removes every division.
// CHECK-LABEL: func.func @identity
// CHECK-SAME: (%[[I:.*]]: index)
// CHECK-NEXT: "test.use"(%[[I]])
func.func @identity(%i: index) {
  %l = enigma.layout_constant #enigma.layout<(3,5):(1,3)>
  %o = enigma.layout_apply %l [%i]
  "test.use"(%o) : (index) -> ()
  return
}

// -----

// A single linear index over a row-major, non-power-of-two shape needs divui/remui; the last
// leaf needs no remainder.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[I:.*]]: index)
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[X:.*]] = arith.remui %[[I]], %[[C3]] : index
// CHECK: %[[XS:.*]] = arith.muli %[[X]], %{{.*}} : index
// CHECK: %[[Q:.*]] = arith.divui %[[I]], %[[C3]] : index
// CHECK: %[[R:.*]] = arith.addi %[[XS]], %[[Q]] : index
// CHECK: "test.use"(%[[R]])
func.func @linear(%i: index) {
  %l = enigma.layout_constant #enigma.layout<(3,5):(5,1)>
  %o = enigma.layout_apply %l [%i]
  "test.use"(%o) : (index) -> ()
  return
}

// -----

// Size-1 leaves and stride-0 leaves cost nothing; stride-0 trailing leaves stop the split.
// CHECK-LABEL: func.func @broadcast
// CHECK-SAME: (%[[I:.*]]: index)
// CHECK: %[[X:.*]] = arith.andi %[[I]], %{{.*}} : index
// CHECK-NEXT: "test.use"(%[[X]])
func.func @broadcast(%i: index) {
  %l = enigma.layout_constant #enigma.layout<(1,4,8):(0,1,0)>
  %o = enigma.layout_apply %l [%i]
  "test.use"(%o) : (index) -> ()
  return
}

// -----

// Algebra folds before lowering: apply a zipped_divide result.
// CHECK-LABEL: func.func @after_algebra
// CHECK-NOT: enigma.layout
// CHECK: arith.muli
func.func @after_algebra(%t: index, %b: index) {
  %l = enigma.layout_constant #enigma.layout<(16,16):(1,16)>
  %z = enigma.layout_zipped_divide %l by #enigma.tiler<(4,4)>
  %o = enigma.layout_apply %z [%t, %b]
  "test.use"(%o) : (index) -> ()
  return
}

// -----

// Unused layout values disappear.
// CHECK-LABEL: func.func @dead
// CHECK-NEXT: return
func.func @dead() {
  %l = enigma.layout_constant #enigma.layout<(16,16):(1,16)>
  %z = enigma.layout_coalesce %l
  return
}

// -----

// Extreme strides are constants like any other (layouts whose indices would not fit in 64
// bits are rejected when parsed: layout-invalid.mlir).
// CHECK-LABEL: func.func @huge_stride
// CHECK: arith.constant 4611686018427387903 : index
func.func @huge_stride(%i: index) {
  %l = enigma.layout_constant #enigma.layout<(2,1):(4611686018427387903,4611686018427387903)>
  %o = enigma.layout_apply %l [%i]
  "test.use"(%o) : (index) -> ()
  return
}
