// RUN: enigma-opt %s | FileCheck %s --strict-whitespace
// The component of a dimension query prints after a single space.

// CHECK-LABEL: enigma.kernel @dims
enigma.kernel @dims() {
  // CHECK: {{^}}    %{{.*}} = enigma.thread_position_in_grid x{{$}}
  %0 = enigma.thread_position_in_grid x
  // CHECK: {{^}}    %{{.*}} = enigma.threadgroups_per_grid z{{$}}
  %1 = enigma.threadgroups_per_grid z
  enigma.return
}
