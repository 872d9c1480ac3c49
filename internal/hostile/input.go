package hostile

import (
	"encoding/binary"
	"math"
)

// InputNPY is a NumPy .npy file holding the input every model here reads:
// x = 1.0 as float32 [1,1,1,1] (NPY format 1.0, header padded to 64 bytes).
func InputNPY() []byte {
	header := "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1), }"
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	out := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(out[8:], uint16(len(header)))
	out = append(out, header...)
	return binary.LittleEndian.AppendUint32(out, math.Float32bits(1))
}
