enigma.kernel @k() {
  %0 = arith.addf %x, : f32
  enigma.return
}
