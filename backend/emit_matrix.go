package backend

import (
	"github.com/pimc-dev/pimc/backend/isa"
)

// pixelLoop describes the output pixels of a matrix layer: loop dims
// (outermost first), the patch origin in the input buffer and the output
// pixel address as operands of the loop nest, and the output channel stride.
type pixelLoop struct {
	dims    []int
	in, out operand
	outChan int
}

// matrixCode is what emitMatrix produced (for the summary and tests).
type matrixCode struct {
	tiles     []tile
	subarrays int
}

// emitMatrix emits a mapped qconv/qfc: the weight image, the bias and
// multiplier constants, and one loop over output pixels whose body
//  1. gathers each column segment into a patch register (one pld per
//     contiguous run of kept columns) and writes its N bit-planes into every
//     tile of that segment (shared by the tile's filters);
//  2. per chunk of at most dpu_lanes output channels: clears v0, walks the
//     filters of every tile in rounds (round r = the r-th filter of each
//     sub-array, so different sub-arrays overlap; one accumulator each,
//     drained by vacc into the filter's lane after the round), then one vrq
//     (+ vclip when [lo, hi] is narrower than the type) and one vst.
//
// Pruned filters get no partial sums: their lanes requantize the bias alone.
func (c *compiler) emitMatrix(m *matrix, segs [][][2]int, tiles []tile, pl pixelLoop) {
	e := c.e
	b := e.b
	// Weight image.
	rowBytes := e.arch.Cols / 8
	for _, t := range tiles {
		grp := &m.groups[t.grp]
		sg := segs[t.grp][t.seg]
		for k, fi := range t.filters {
			for p := 0; p < m.M; p++ {
				bits := make([]byte, rowBytes)
				for j := sg[0]; j < sg[1]; j++ {
					if uint64(grp.w[fi][j])>>p&1 != 0 {
						col := j - sg[0]
						bits[col/8] |= 1 << (col % 8)
					}
				}
				b.AddWeightRow(uint32(t.sa), uint32(t.wRow+k*m.M+p), bits)
			}
		}
	}
	name := c.constName(m.node)
	biasAddr := int(b.AddConst(name+".bias", m.bias))
	multAddr := int(b.AddConst(name+".mult", m.mult))

	typ, clip := outType(m.lo, m.hi)
	chunks := e.chunks(m.F)
	hoist := len(chunks) <= 2 // v2..v5; v7 is the zero vector
	vB := func(ci int) int64 {
		if hoist {
			return int64(2 + 2*ci)
		}
		return 2
	}
	vM := func(ci int) int64 { return vB(ci) + 1 }
	if hoist {
		for ci, ch := range chunks {
			e.setVL(ch[1])
			e.emit(isa.OpVldc, vB(ci), 0, int64(biasAddr+ch[0]))
			e.emit(isa.OpVldc, vM(ci), 0, int64(multAddr+ch[0]))
		}
	}
	// Tiles by (group, segment) for the writes, and per sub-array job lists
	// per lane chunk for the MACs.
	bySeg := map[[2]int][]int{}
	for i, t := range tiles {
		k := [2]int{t.grp, t.seg}
		bySeg[k] = append(bySeg[k], i)
	}
	type job struct{ tile, k, lane int }
	e.loopNest(pl.dims, []operand{pl.in, pl.out}, func(ptrs []int64) {
		px, po := ptrs[0], ptrs[1]
		preg := int64(0)
		for g := range m.groups {
			grp := &m.groups[g]
			for s, sg := range segs[g] {
				// One pld per contiguous run of offsets.
				for j := sg[0]; j < sg[1]; {
					k := j + 1
					for k < sg[1] && grp.offs[k] == grp.offs[k-1]+1 {
						k++
					}
					e.emit(isa.OpPld, preg, int64(j-sg[0]), px, int64(grp.offs[j]), int64(k-j))
					j = k
				}
				for _, ti := range bySeg[[2]int{g, s}] {
					t := &tiles[ti]
					for n := 0; n < m.N; n++ {
						e.emit(isa.OpWrp, 0, int64(t.sa), 0, int64(t.inRow+n), preg, int64(n))
					}
				}
				preg = (preg + 1) % isa.NumPatchRegs
			}
		}
		for ci, ch := range chunks {
			e.setVL(ch[1])
			if !hoist {
				e.emit(isa.OpVldc, vB(ci), 0, int64(biasAddr+ch[0]))
				e.emit(isa.OpVldc, vM(ci), 0, int64(multAddr+ch[0]))
			}
			e.emit(isa.OpVbcast, 0, 0)
			// Jobs of this chunk, grouped by sub-array in tile order.
			var order []int
			perSA := map[int][]job{}
			for ti, t := range tiles {
				for k, fi := range t.filters {
					f := m.groups[t.grp].filters[fi]
					if f < ch[0] || f >= ch[0]+ch[1] {
						continue
					}
					if _, ok := perSA[t.sa]; !ok {
						order = append(order, t.sa)
					}
					perSA[t.sa] = append(perSA[t.sa], job{ti, k, f - ch[0]})
				}
			}
			for r := 0; ; r++ {
				var act []job
				for _, sa := range order {
					if js := perSA[sa]; r < len(js) {
						act = append(act, js[r])
					}
				}
				if len(act) == 0 {
					break
				}
				for p := 0; p < m.M; p++ {
					for n := 0; n < m.N; n++ {
						neg := (p == m.M-1) != (m.xSigned && n == m.N-1)
						sign := int64(0)
						if neg {
							sign = 1
						}
						for _, j := range act {
							t := &tiles[j.tile]
							e.emit(isa.OpBmac, 0, int64(t.sa), int64(t.inRow+n), 0, int64(t.wRow+j.k*m.M+p), 0, int64(p+n), sign)
						}
					}
				}
				for _, j := range act {
					e.emit(isa.OpVacc, 0, 0, int64(j.lane), 0, int64(tiles[j.tile].sa), 0, 1)
				}
			}
			e.emit(isa.OpVrq, 1, 0, vB(ci), vM(ci), m.shift, m.round, int64(typ))
			if clip {
				e.emit(isa.OpVclip, 1, 1, m.lo, m.hi)
			}
			e.emit(isa.OpVst, 1, po, int64(ch[0]*pl.outChan), int64(pl.outChan))
		}
	})
}
