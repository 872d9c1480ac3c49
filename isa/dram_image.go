package isa

import "fmt"

// DRAMBlock is a run of off-chip memory words that hold given codes at
// load (ISA v1.6, section dram, docs/ISA.md §6): the DRAM's initial
// contents, e.g. the weights of layers reprogrammed at run time
// (docs/BACKEND.md §10). Every other DRAM word is zero at load. Word Addr+i
// holds Data[i], a code of Type (in its range), as a dstore of that type
// would have left it; the program's dloads read the codes at that type.
type DRAMBlock struct {
	Name string
	Addr uint32
	Type IntType
	Data []int32
}

// packedBytes is the size of n codes of width b bits, packed.
func packedBytes(n, b int) int64 { return (int64(n)*int64(b) + 7) / 8 }

// packCodes appends the codes of blk packed at the type's width: code i
// is bits [i*B, (i+1)*B) of the byte string, least significant bit first,
// two's complement for a signed type.
func packCodes(out []byte, blk *DRAMBlock) []byte {
	b := uint(blk.Type.Bits())
	mask := uint64(1)<<b - 1
	var acc uint64 // pending bits, low first
	var n uint
	for _, v := range blk.Data {
		acc |= (uint64(uint32(v)) & mask) << n
		n += b
		for n >= 8 {
			out = append(out, byte(acc))
			acc >>= 8
			n -= 8
		}
	}
	if n > 0 {
		out = append(out, byte(acc))
	}
	return out
}

// unpackCodes reads n codes of type t packed as packCodes writes them.
func unpackCodes(src []byte, n int, t IntType) []int32 {
	b := uint(t.Bits())
	mask := uint64(1)<<b - 1
	out := make([]int32, n)
	var acc uint64
	var have uint
	j := 0
	for i := range out {
		for have < b {
			acc |= uint64(src[j]) << have
			j++
			have += 8
		}
		v := acc & mask
		acc >>= b
		have -= b
		if t.Signed() && v>>(b-1) != 0 {
			v |= ^mask // sign-extend
		}
		out[i] = int32(v)
	}
	return out
}

// DRAMEnd is the first DRAM word after every block of p's DRAM image (0
// without one).
func (p *Program) DRAMEnd() uint64 {
	end := uint64(0)
	for _, b := range p.DRAM {
		end = max(end, uint64(b.Addr)+uint64(len(b.Data)))
	}
	return end
}

// checkDRAM checks the DRAM image: a target with a DRAM, every block
// named, not empty, of a code type, inside the DRAM, sorted by address
// and not overlapping, every code in its type's range.
func (v *validator) checkDRAM() {
	if len(v.p.DRAM) > 0 && v.a.DRAMWords == 0 {
		v.addf("dram: %d blocks of initial DRAM contents, but the target %q has no off-chip memory (no dram section)", len(v.p.DRAM), v.a.Name)
		return
	}
	for i, blk := range v.p.DRAM {
		where := fmt.Sprintf("dram[%d] (%q)", i, blk.Name)
		if !identRE.MatchString(blk.Name) || isAutoLabel(blk.Name) {
			v.addf("%s: name is not an identifier", where)
		}
		if !blk.Type.Valid() {
			v.addf("%s: type %v is not a code type", where, blk.Type)
			continue
		}
		if len(blk.Data) == 0 {
			v.addf("%s: no codes (a block holds at least one)", where)
		}
		end := uint64(blk.Addr) + uint64(len(blk.Data))
		if end > uint64(v.a.DRAMWords) {
			v.addf("%s: words [%d, %d) outside the DRAM of %d words", where, blk.Addr, end, v.a.DRAMWords)
		}
		if i > 0 {
			q := v.p.DRAM[i-1]
			if qe := uint64(q.Addr) + uint64(len(q.Data)); qe > uint64(blk.Addr) {
				v.addf("%s: starts at %d, overlapping or not after dram[%d] (%q) ending at %d", where, blk.Addr, i-1, q.Name, qe)
			}
		}
		lo, hi := blk.Type.Range()
		for j, c := range blk.Data {
			if int64(c) < lo || int64(c) > hi {
				v.addf("%s: code %d (word %d) = %d outside %v", where, j, uint64(blk.Addr)+uint64(j), c, blk.Type)
				break
			}
		}
	}
}
