enigma.kernel @k() {
  %0 = enigma.threadgroup_alloc : memref<16xf32, #enigma.address_space<device>>
  enigma.return
}
