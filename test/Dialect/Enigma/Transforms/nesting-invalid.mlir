// Errors of nested passes are reported at the op inside the gpu.module.
// RUN: enigma-opt %s -verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(gpu.module(enigma-check-layout-divisions))'

gpu.module @kernels {
  enigma.kernel @bad(%A: memref<?xf32, #enigma.address_space<device>> {enigma.buffer_index = 0 : i32}) {
    %t = enigma.layout_constant #enigma.layout<(8,4):(1,8)>
    // expected-error @below {{invalid layout division: zipped_divide: tiler exceeds tensor in mode 0}}
    %d = enigma.layout_zipped_divide %t by #enigma.tiler<(16,4)>
    enigma.return
  }
}
