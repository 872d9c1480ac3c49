package sim

import "encoding/binary"

// Byte-transposed plane sets (dotrun.go). A plane set of a sub-array is up
// to eight of its rows start..start+7, row start+i weighted 2^shift_i
// (distinct shifts < 8); its bytes are, for every column c, the value
// sum_i bit(row start+i, c) << shift_i. They are a copy of the bits stored
// in the rows, made when a dot run first reads the set and kept until one
// of its rows is written: every row write goes through subarray.own, which
// drops the sets covering the row, and Reset drops them all.

// planeSets is a sub-array's byte-transposed plane sets, by first row.
type planeSets struct {
	at  [maxRows]uint16 // 1 + index in sets of the set starting at the row, 0: none
	set []planeSet
}

// planeSet is one plane set: its pattern (byte i: 1 + the shift of row
// start+i, 0 for a row not in the set; 0 as a whole: dropped) and bytes.
type planeSet struct {
	pat uint64
	b   []byte
}

// drop forgets the sets that contain row (those starting at row-7..row).
func (ps *planeSets) drop(row int32) {
	for r := max(0, row-7); r <= row; r++ {
		if i := ps.at[r]; i != 0 {
			ps.set[i-1].pat = 0
		}
	}
}

// dropAll forgets every set (keeping the buffers).
func (ps *planeSets) dropAll() {
	for i := range ps.set {
		ps.set[i].pat = 0
	}
}

// bytes returns the bytes of the set of pattern pat starting at row start
// of rows (words words a row, the sub-array's bits), transposing them if
// the set is not held. The rows are inside rows (the caller checked).
func (ps *planeSets) bytes(rows []uint64, words int, start int32, pat uint64) []byte {
	i := ps.at[start]
	if i == 0 {
		ps.set = append(ps.set, planeSet{})
		i = uint16(len(ps.set))
		ps.at[start] = i
	}
	s := &ps.set[i-1]
	if s.pat == pat {
		return s.b
	}
	if cap(s.b) < words*64 {
		s.b = make([]byte, words*64)
	}
	s.b = s.b[:words*64]
	var src [8][]uint64
	for k := range 8 {
		if sh := pat >> (8 * k) & 0xff; sh != 0 {
			o := (int(start) + k) * words
			src[sh-1] = rows[o : o+words]
		}
	}
	transposePlanes(s.b, &src, words)
	s.pat = pat
	return s.b
}

// transposePlanes writes to dst (words*64 bytes) the value sum_s bit(c of
// src[s]) << s of every column c; a nil src[s] is a zero row.
func transposePlanes(dst []byte, src *[8][]uint64, words int) {
	for w := range words {
		var v [8]uint64
		for s, r := range src {
			if r != nil {
				v[s] = r[w]
			}
		}
		for k := range 8 { // columns w*64+8k .. w*64+8k+7
			sh := uint(8 * k)
			x := v[0]>>sh&0xff | (v[1]>>sh&0xff)<<8 | (v[2]>>sh&0xff)<<16 | (v[3]>>sh&0xff)<<24 |
				(v[4]>>sh&0xff)<<32 | (v[5]>>sh&0xff)<<40 | (v[6]>>sh&0xff)<<48 | (v[7]>>sh&0xff)<<56
			binary.LittleEndian.PutUint64(dst[w*64+8*k:], transpose8(x)) // planes.go
		}
	}
}
