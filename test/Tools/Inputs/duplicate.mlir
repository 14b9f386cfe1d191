enigma.kernel @k() {
  enigma.return
}
enigma.kernel @k() {
  enigma.return
}
