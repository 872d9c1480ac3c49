package sim

// Writing an input bit-plane (wrp) needs bit b of every patch column packed
// into a row. Done column by column that is cols shifts per write, and a
// patch is usually written as N planes in a row (and often into several
// sub-arrays), so the machine transposes the low 8 bits of a patch register
// once, 8 columns at a time with an 8x8 bit-matrix transpose, and keeps the
// 8 planes until the register changes (pld, pzero). Columns at or beyond the
// patch extent (pext: highest column loaded since the last pzero; the rest
// is zero) are not visited. Bits >= 8 take the direct path.

// patchPlanes is the plane cache of one patch register.
type patchPlanes struct {
	valid bool
	words int                     // words of each plane that may be non-zero
	p     [8][maxCols / 64]uint64 // p[b][w]: bit b of columns 64w..64w+63
}

// transpose8 transposes an 8x8 bit matrix held in a uint64 (row i = byte i,
// column j = bit j): afterwards byte j holds bit j of every original byte.
// Hacker's Delight, 2nd ed., §7-3 (transpose8 with 64-bit words).
func transpose8(x uint64) uint64 {
	t := (x ^ (x >> 7)) & 0x00AA00AA00AA00AA
	x ^= t ^ (t << 7)
	t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCC
	x ^= t ^ (t << 14)
	t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0
	x ^= t ^ (t << 28)
	return x
}

// fill computes the 8 low planes of patch (columns [0, ext)).
func (pp *patchPlanes) fill(patch []int32, ext int) {
	ext = min(ext, len(patch))
	words := (ext + 63) / 64
	for b := range pp.p {
		clear(pp.p[b][:max(words, pp.words)])
	}
	for c := 0; c < ext; c += 8 {
		var x uint64
		blk := patch[c:min(c+8, len(patch))]
		for i, v := range blk {
			x |= uint64(uint8(v)) << (8 * i)
		}
		if x == 0 {
			continue
		}
		x = transpose8(x)
		w, sh := c/64, uint(c%64)
		for b := range 8 {
			pp.p[b][w] |= (x >> (8 * b) & 0xff) << sh
		}
	}
	pp.words, pp.valid = words, true
}

// writePlane writes bit `bit` of patch register p into the packed row dst.
func (m *Machine) writePlane(dst []uint64, p int, bit uint) {
	patch := m.patch[p]
	ext := int(m.pext[p])
	if bit >= 8 {
		n := min((ext+63)/64, len(dst))
		packPlane(dst[:n], patch, bit)
		clear(dst[n:])
		return
	}
	pp := &m.planes[p]
	if !pp.valid {
		pp.fill(patch, ext)
	}
	n := copy(dst, pp.p[bit][:pp.words])
	clear(dst[n:])
}

// packPlane writes bit `bit` of every patch column into the packed row dst:
// column c goes to bit c%64 of word c/64 (two's complement bit of the int32).
// It is the reference for planes.go and the path for bits >= 8.
func packPlane(dst []uint64, patch []int32, bit uint) {
	for w := range dst {
		var word uint64
		cols := patch[min(len(patch), w*64):min(len(patch), w*64+64)]
		for i, v := range cols {
			word |= uint64(uint32(v)>>bit&1) << uint(i)
		}
		dst[w] = word
	}
}
