func.func @f() -> index {
  %0 = enigma.thread_position_in_grid x
  return %0 : index
}
