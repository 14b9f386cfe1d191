// The seed's vector add, written directly in the enigma dialect: C[i] = A[i] + B[i] for i < n.
enigma.kernel @vadd(%A: memref<?xf32, #enigma.address_space<device>>
                        {enigma.buffer_index = 0 : i32, enigma.access = #enigma.access<read>},
                    %B: memref<?xf32, #enigma.address_space<device>>
                        {enigma.buffer_index = 1 : i32, enigma.access = #enigma.access<read>},
                    %C: memref<?xf32, #enigma.address_space<device>>
                        {enigma.buffer_index = 2 : i32, enigma.access = #enigma.access<write>},
                    %n: i32 {enigma.buffer_index = 3 : i32, enigma.scalar}) {
  %tid = enigma.thread_position_in_grid x
  %n_idx = arith.index_castui %n : i32 to index
  %in_range = arith.cmpi ult, %tid, %n_idx : index
  scf.if %in_range {
    %a = memref.load %A[%tid] : memref<?xf32, #enigma.address_space<device>>
    %b = memref.load %B[%tid] : memref<?xf32, #enigma.address_space<device>>
    %c = arith.addf %a, %b : f32
    memref.store %c, %C[%tid] : memref<?xf32, #enigma.address_space<device>>
  }
  enigma.return
}
