// RUN: enigma-opt %s -split-input-file -allow-unregistered-dialect -canonicalize | FileCheck %s
// Swizzled layouts (CuTe's ComposedLayout, Sw<B,M,S> o offset o layout) are layout
// attributes: parsed in CuTe's printed form, canonicalized by the C layout core, folded
// through it like plain layouts.

// CHECK-LABEL: func.func private @text
// CHECK-SAME: a = #enigma.layout<Sw<3,4,3> o 0 o (8,64):(64,1)>
// CHECK-SAME: b = #enigma.layout<Sw<2,0,-2> o 5 o (4,4):(1,4)>
// CHECK-SAME: c = #enigma.layout<Sw<1,0,1> o 0 o 8:1>
// CHECK-SAME: d = #enigma.layout<Sw<1,0,1> o 0 o (2,4):(1,2)>
func.func private @text() attributes {a = #enigma.layout<Sw<3,4,3> o 0 o (8,64):(64,1)>,
                                       b = #enigma.layout<Sw<2,0,-2> o 5 o (4,4)>,
                                       c = #enigma.layout<Sw<1,0,1> o 8:1>,
                                       d = #enigma.layout<Sw<1,0,1> o (2,4):(1,2)>}

// -----

// size and cosize (1 + the largest offset), and constant coordinates.
// CHECK-LABEL: func.func @queries
// CHECK-DAG: %[[C512:.*]] = arith.constant 512 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C129:.*]] = arith.constant 129 : index
// CHECK-DAG: %[[C66:.*]] = arith.constant 66 : index
// CHECK: "test.use"(%[[C512]], %[[C512]], %[[C66]], %[[C129]], %[[C4]])
func.func @queries() {
  %l = enigma.layout_constant #enigma.layout<Sw<3,4,3> o 0 o (8,64):(64,1)>
  %s = enigma.layout_size %l
  %c = enigma.layout_cosize %l
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c17 = arith.constant 17 : index
  %a = enigma.layout_apply %l [%c1, %c2]
  %b = enigma.layout_apply %l [%c2, %c17]
  %m = enigma.layout_constant #enigma.layout<Sw<1,0,1> o 1 o 2:1>
  %mc = enigma.layout_cosize %m
  "test.use"(%s, %c, %a, %b, %mc) : (index, index, index, index, index) -> ()
  return
}

// -----

// Operations act on the inner layout and keep the swizzle and offset, as in CuTe.
// CHECK-LABEL: func.func @algebra
// CHECK-DAG: #enigma.layout<Sw<3,4,3> o 0 o ((2,4),(8,8)):((64,128),(1,8))>
// CHECK-DAG: #enigma.layout<Sw<3,4,3> o 0 o 64:1>
// CHECK-DAG: #enigma.layout<Sw<3,4,3> o 0 o (4,8):(64,1)>
// CHECK-DAG: #enigma.layout<Sw<3,4,3> o 0 o ((8,2),(64,2)):((64,512),(1,1024))>
// CHECK-DAG: #enigma.layout<8:512>
// CHECK-NOT: enigma.layout_logical_divide
// CHECK-NOT: enigma.layout_mode
// CHECK-NOT: enigma.layout_composition
// CHECK-NOT: enigma.layout_blocked_product
// CHECK-NOT: enigma.layout_complement
func.func @algebra() {
  %l = enigma.layout_constant #enigma.layout<Sw<3,4,3> o 0 o (8,64):(64,1)>
  %d = enigma.layout_logical_divide %l by #enigma.tiler<(2,8)>
  %m = enigma.layout_mode %l [1]
  %t = enigma.layout_constant #enigma.layout<(4,8):(1,8)>
  %c = enigma.layout_composition %l, %t
  %r = enigma.layout_constant #enigma.layout<(2,2)>
  %p = enigma.layout_blocked_product %l, %r
  %q = enigma.layout_complement %l cotarget 4096
  "test.use"(%d, %m, %c, %p, %q) : (!enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout, !enigma.layout) -> ()
  return
}

// -----

// A kernel argument may declare a swizzled layout; its cosize must fit the buffer.
// CHECK-LABEL: enigma.kernel @swizzled_arg
// CHECK-SAME: enigma.layout = #enigma.layout<Sw<2,0,2> o 0 o (4,4):(4,1)>
enigma.kernel @swizzled_arg(%a: memref<16xf32, #enigma.address_space<device>>
    {enigma.buffer_index = 0 : i32, enigma.layout = #enigma.layout<Sw<2,0,2> o 0 o (4,4):(4,1)>}) {
  enigma.return
}
