// RUN: enigma-opt %s | FileCheck %s
// Round trip through the custom and the generic form.
// RUN: enigma-opt %s | enigma-opt | FileCheck %s
// RUN: enigma-opt %s -mlir-print-op-generic | enigma-opt | FileCheck %s
// The generic form the Python front end writes (attribute dictionary, not properties).
// RUN: enigma-opt %s -mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// Pure: unused calls are dead.
// RUN: enigma-opt %s -canonicalize | FileCheck %s --check-prefix=DCE

// CHECK-LABEL: func.func @float_common
// CHECK-SAME: (%[[X:.*]]: f32, %[[Y:.*]]: f32, %[[Z:.*]]: f32, %[[V:.*]]: vector<4xf32>, %[[H:.*]]: vector<3xf16>)
func.func @float_common(%x: f32, %y: f32, %z: f32, %v: vector<4xf32>, %h: vector<3xf16>)
    -> (f32, f32, f32, vector<4xf32>, vector<3xf16>, f32, vector<4xf32>, f32, i1, vector<3xi1>) {
  // CHECK: enigma.fract %[[X]] : f32
  %0 = enigma.fract %x : f32
  // CHECK: enigma.sign %[[Y]] : f32
  %1 = enigma.sign %y : f32
  // CHECK: enigma.saturate %[[Z]] : f32
  %2 = enigma.saturate %z : f32
  // CHECK: enigma.fract %[[V]] : vector<4xf32>
  %3 = enigma.fract %v : vector<4xf32>
  // CHECK: enigma.saturate %[[H]] : vector<3xf16>
  %4 = enigma.saturate %h : vector<3xf16>
  // CHECK: enigma.step %[[X]], %[[Y]] : f32
  %5 = enigma.step %x, %y : f32
  // CHECK: enigma.mix %[[V]], %[[V]], %[[V]] : vector<4xf32>
  %6 = enigma.mix %v, %v, %v : vector<4xf32>
  // CHECK: enigma.smoothstep %[[X]], %[[Y]], %[[Z]] : f32
  %7 = enigma.smoothstep %x, %y, %z : f32
  // CHECK: enigma.signbit %[[X]] : f32
  %8 = enigma.signbit %x : f32
  // CHECK: enigma.signbit %[[H]] : vector<3xf16>
  %9 = enigma.signbit %h : vector<3xf16>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9
      : f32, f32, f32, vector<4xf32>, vector<3xf16>, f32, vector<4xf32>, f32, i1, vector<3xi1>
}
// GENERIC-LABEL: sym_name = "float_common"
// GENERIC: "enigma.fract"(%{{.*}}) : (f32) -> f32
// GENERIC: "enigma.step"(%{{.*}}, %{{.*}}) : (f32, f32) -> f32
// GENERIC: "enigma.mix"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<4xf32>, vector<4xf32>, vector<4xf32>) -> vector<4xf32>
// GENERIC: "enigma.signbit"(%{{.*}}) : (vector<3xf16>) -> vector<3xi1>

// CHECK-LABEL: func.func @integer
// CHECK-SAME: (%[[A:.*]]: i8, %[[B:.*]]: vector<4xi32>, %[[C:.*]]: i64, %[[O:.*]]: i32, %[[N:.*]]: i32)
func.func @integer(%a: i8, %b: vector<4xi32>, %c: i64, %o: i32, %n: i32)
    -> (i8, vector<4xi32>, i8, vector<4xi32>, i64, i8, vector<4xi32>, i64, i8, vector<4xi32>, i64, i32) {
  // CHECK: enigma.add_sat %[[A]], %[[A]] : i8
  %0 = enigma.add_sat %a, %a : i8
  // CHECK: enigma.add_sat unsigned %[[B]], %[[B]] : vector<4xi32>
  %1 = enigma.add_sat unsigned %b, %b : vector<4xi32>
  // CHECK: enigma.sub_sat unsigned %[[A]], %[[A]] : i8
  %2 = enigma.sub_sat unsigned %a, %a : i8
  // CHECK: enigma.mad_sat %[[B]], %[[B]], %[[B]] : vector<4xi32>
  %3 = enigma.mad_sat %b, %b, %b : vector<4xi32>
  // CHECK: enigma.abs_diff unsigned %[[C]], %[[C]] : i64
  %4 = enigma.abs_diff unsigned %c, %c : i64
  // CHECK: enigma.rotate %[[A]], %[[A]] : i8
  %5 = enigma.rotate %a, %a : i8
  // CHECK: enigma.reverse_bits %[[B]] : vector<4xi32>
  %6 = enigma.reverse_bits %b : vector<4xi32>
  // CHECK: enigma.extract_bits %[[C]], %[[O]], %[[N]] : i64
  %7 = enigma.extract_bits %c, %o, %n : i64
  // CHECK: enigma.extract_bits unsigned %[[A]], %[[O]], %[[N]] : i8
  %8 = enigma.extract_bits unsigned %a, %o, %n : i8
  // CHECK: enigma.insert_bits %[[B]], %[[B]], %[[O]], %[[N]] : vector<4xi32>
  %9 = enigma.insert_bits %b, %b, %o, %n : vector<4xi32>
  // CHECK: enigma.abs_diff %[[C]], %[[C]] : i64
  %10 = enigma.abs_diff %c, %c : i64
  // CHECK: enigma.mad_sat unsigned %[[O]], %[[N]], %[[O]] : i32
  %11 = enigma.mad_sat unsigned %o, %n, %o : i32
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11
      : i8, vector<4xi32>, i8, vector<4xi32>, i64, i8, vector<4xi32>, i64, i8, vector<4xi32>, i64, i32
}
// GENERIC-LABEL: sym_name = "integer"
// GENERIC: "enigma.add_sat"(%{{.*}}, %{{.*}}) : (i8, i8) -> i8
// GENERIC: "enigma.add_sat"(%{{.*}}, %{{.*}}) <{is_unsigned}> : (vector<4xi32>, vector<4xi32>) -> vector<4xi32>
// GENERIC: "enigma.extract_bits"(%{{.*}}, %{{.*}}, %{{.*}}) : (i64, i32, i32) -> i64
// GENERIC: "enigma.insert_bits"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (vector<4xi32>, vector<4xi32>, i32, i32) -> vector<4xi32>

// CHECK-LABEL: func.func @geometry
// CHECK-SAME: (%[[P:.*]]: vector<3xf32>, %[[Q:.*]]: vector<3xf32>, %[[R:.*]]: vector<2xf16>, %[[E:.*]]: f32)
func.func @geometry(%p: vector<3xf32>, %q: vector<3xf32>, %r: vector<2xf16>, %eta: f32)
    -> (f32, f16, f32, vector<3xf32>, vector<3xf32>, vector<2xf16>, vector<3xf32>, vector<3xf32>) {
  // CHECK: enigma.dot %[[P]], %[[Q]] : vector<3xf32>
  %0 = enigma.dot %p, %q : vector<3xf32>
  // CHECK: enigma.length %[[R]] : vector<2xf16>
  %1 = enigma.length %r : vector<2xf16>
  // CHECK: enigma.distance %[[P]], %[[Q]] : vector<3xf32>
  %2 = enigma.distance %p, %q : vector<3xf32>
  // CHECK: enigma.normalize %[[P]] : vector<3xf32>
  %3 = enigma.normalize %p : vector<3xf32>
  // CHECK: enigma.cross %[[P]], %[[Q]] : vector<3xf32>
  %4 = enigma.cross %p, %q : vector<3xf32>
  // CHECK: enigma.reflect %[[R]], %[[R]] : vector<2xf16>
  %5 = enigma.reflect %r, %r : vector<2xf16>
  // CHECK: enigma.refract %[[P]], %[[Q]], %[[E]] : vector<3xf32>
  %6 = enigma.refract %p, %q, %eta : vector<3xf32>
  // CHECK: enigma.faceforward %[[P]], %[[Q]], %[[P]] : vector<3xf32>
  %7 = enigma.faceforward %p, %q, %p : vector<3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7
      : f32, f16, f32, vector<3xf32>, vector<3xf32>, vector<2xf16>, vector<3xf32>, vector<3xf32>
}
// GENERIC-LABEL: sym_name = "geometry"
// GENERIC: "enigma.dot"(%{{.*}}, %{{.*}}) : (vector<3xf32>, vector<3xf32>) -> f32
// GENERIC: "enigma.refract"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<3xf32>, vector<3xf32>, f32) -> vector<3xf32>

// CHECK-LABEL: func.func @pack
// CHECK-SAME: (%[[V4:.*]]: vector<4xf32>, %[[V2:.*]]: vector<2xf32>, %[[W:.*]]: i32)
func.func @pack(%v4: vector<4xf32>, %v2: vector<2xf32>, %w: i32)
    -> (i32, i32, i32, i32, i32, i32, vector<4xf32>, vector<4xf32>, vector<2xf32>,
        vector<2xf32>, vector<4xf32>, vector<4xf32>) {
  // CHECK: enigma.pack <snorm4x8> %[[V4]] : vector<4xf32>
  %0 = enigma.pack <snorm4x8> %v4 : vector<4xf32>
  // CHECK: enigma.pack <unorm4x8> %[[V4]] : vector<4xf32>
  %1 = enigma.pack <unorm4x8> %v4 : vector<4xf32>
  // CHECK: enigma.pack <snorm2x16> %[[V2]] : vector<2xf32>
  %2 = enigma.pack <snorm2x16> %v2 : vector<2xf32>
  // CHECK: enigma.pack <unorm2x16> %[[V2]] : vector<2xf32>
  %3 = enigma.pack <unorm2x16> %v2 : vector<2xf32>
  // CHECK: enigma.pack <srgb_unorm4x8> %[[V4]] : vector<4xf32>
  %4 = enigma.pack <srgb_unorm4x8> %v4 : vector<4xf32>
  // CHECK: enigma.pack <unorm10a2> %[[V4]] : vector<4xf32>
  %5 = enigma.pack <unorm10a2> %v4 : vector<4xf32>
  // CHECK: enigma.unpack <snorm4x8> %[[W]] : vector<4xf32>
  %6 = enigma.unpack <snorm4x8> %w : vector<4xf32>
  // CHECK: enigma.unpack <unorm4x8> %[[W]] : vector<4xf32>
  %7 = enigma.unpack <unorm4x8> %w : vector<4xf32>
  // CHECK: enigma.unpack <snorm2x16> %[[W]] : vector<2xf32>
  %8 = enigma.unpack <snorm2x16> %w : vector<2xf32>
  // CHECK: enigma.unpack <unorm2x16> %[[W]] : vector<2xf32>
  %9 = enigma.unpack <unorm2x16> %w : vector<2xf32>
  // CHECK: enigma.unpack <srgb_unorm4x8> %[[W]] : vector<4xf32>
  %10 = enigma.unpack <srgb_unorm4x8> %w : vector<4xf32>
  // CHECK: enigma.unpack <unorm10a2> %[[W]] : vector<4xf32>
  %11 = enigma.unpack <unorm10a2> %w : vector<4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11
      : i32, i32, i32, i32, i32, i32, vector<4xf32>, vector<4xf32>, vector<2xf32>,
        vector<2xf32>, vector<4xf32>, vector<4xf32>
}
// GENERIC-LABEL: sym_name = "pack"
// GENERIC: "enigma.pack"(%{{.*}}) <{format = #enigma.pack_format<snorm4x8>}> : (vector<4xf32>) -> i32
// GENERIC: "enigma.unpack"(%{{.*}}) <{format = #enigma.pack_format<unorm10a2>}> : (i32) -> vector<4xf32>

// The spelling the Python front end emits: generic form, unit attribute and format in the
// attribute dictionary.
// CHECK-LABEL: func.func @from_python
func.func @from_python(%a: i32, %v: vector<4xf32>) -> (i32, i32, i32) {
  // CHECK: enigma.add_sat unsigned %{{.*}}, %{{.*}} : i32
  %0 = "enigma.add_sat"(%a, %a) {is_unsigned} : (i32, i32) -> i32
  // CHECK: enigma.extract_bits unsigned %{{.*}}, %{{.*}}, %{{.*}} : i32
  %1 = "enigma.extract_bits"(%a, %a, %a) {is_unsigned} : (i32, i32, i32) -> i32
  // CHECK: enigma.pack <unorm10a2> %{{.*}} : vector<4xf32>
  %2 = "enigma.pack"(%v) {format = #enigma.pack_format<unorm10a2>} : (vector<4xf32>) -> i32
  return %0, %1, %2 : i32, i32, i32
}

// DCE-LABEL: func.func @dead
// DCE-NEXT: return
func.func @dead(%x: f32, %v: vector<4xf32>, %a: i32) {
  %0 = enigma.fract %x : f32
  %1 = enigma.pack <unorm4x8> %v : vector<4xf32>
  %2 = enigma.add_sat %a, %a : i32
  %3 = enigma.dot %v, %v : vector<4xf32>
  return
}
