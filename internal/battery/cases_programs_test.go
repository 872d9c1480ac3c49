//go:build unix

package battery

import (
	"encoding/binary"
	"hash/crc32"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
)

// The .pimb layout the raw edits below rely on (docs/ISA.md §6): a 56-byte
// header (magic, major, minor, section count, fingerprint, CRC of the header
// and table), then one 24-byte table entry per section (kind, CRC, offset,
// length).
const (
	pimbHeader = 56
	pimbEntry  = 24
)

// Descriptions the program cases run against: another architecture (64
// banks) and the default architecture with other costs.
const (
	bigTargetYAML = `name: battery-big
base: sot-mram-45nm
geometry:
  banks: {value: 64, provenance: "battery: another architecture"}
`
	lowTargetYAML = `name: battery-low
base: sot-mram-45nm
ops:
  row_write:
    energy: {value: 60, unit: fJ/bit, provenance: "battery: other costs"}
`
)

// withBigTarget and withLowTarget write those descriptions as big.yaml and low.yaml.
func withBigTarget(t *testing.T, dir string) { writeText(t, dir, "big.yaml", bigTargetYAML) }
func withLowTarget(t *testing.T, dir string) { writeText(t, dir, "low.yaml", lowTargetYAML) }

// withBigProgram copies LeNet-5 compiled for the 64-bank target as big.pimb.
func withBigProgram(t *testing.T, dir string) {
	pimb, _ := compiledLeNet(t, "-target", filepath.Join(repoRoot(), "backend/testdata/sot-mram-45nm-64banks.yaml"))
	copyFile(t, pimb, dir, "big.pimb")
}

// pimbBytes is the default compiled LeNet-5.
func pimbBytes(t *testing.T) []byte {
	t.Helper()
	pimb, _ := compiledLeNet(t)
	return readFile(t, filepath.Dir(pimb), filepath.Base(pimb))
}

// rawPimb writes bad.pimb: the compiled LeNet-5 bent by edit (no checksum
// repaired), and an input image.
func rawPimb(edit func(b []byte) []byte) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		writeFile(t, dir, "bad.pimb", edit(pimbBytes(t)))
		withImage(t, dir)
	}
}

// fixHeaderCRC recomputes the header checksum, so an edit of the header
// reaches the check it targets.
func fixHeaderCRC(b []byte) []byte {
	n := int(binary.LittleEndian.Uint32(b[12:]))
	h := crc32.NewIEEE()
	h.Write(b[:48])
	h.Write(b[pimbHeader : pimbHeader+pimbEntry*n])
	binary.LittleEndian.PutUint32(b[48:], h.Sum32())
	return b
}

// section returns the table entry and the data of the section of kind k.
func section(t *testing.T, b []byte, k isa.SectionKind) (entry, data []byte) {
	t.Helper()
	n := int(binary.LittleEndian.Uint32(b[12:]))
	for i := range n {
		e := b[pimbHeader+pimbEntry*i:]
		if isa.SectionKind(binary.LittleEndian.Uint32(e)) == k {
			off, size := binary.LittleEndian.Uint64(e[8:]), binary.LittleEndian.Uint64(e[16:])
			return e[:pimbEntry], b[off : off+size]
		}
	}
	t.Fatalf("BUG: the fixture has no %v section", k)
	return nil, nil
}

// patchSection writes bad.pimb: the compiled LeNet-5 with the data of
// section k edited in place and every checksum repaired, so the edit
// reaches the decoder's checks of the section's content.
func patchSection(k isa.SectionKind, edit func(data []byte)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		b := pimbBytes(t)
		e, data := section(t, b, k)
		edit(data)
		binary.LittleEndian.PutUint32(e[4:], crc32.ChecksumIEEE(data))
		writeFile(t, dir, "bad.pimb", fixHeaderCRC(b))
		withImage(t, dir)
	}
}

// editProgram writes bad.pimb: the compiled LeNet-5 decoded, changed by
// edit and encoded again (a well-formed file with wrong content).
func editProgram(edit func(t *testing.T, p *isa.Program)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		p, err := isa.DecodeBinary(pimbBytes(t))
		if err != nil {
			t.Fatal(err)
		}
		edit(t, p)
		b, err := isa.EncodeBinary(p)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, "bad.pimb", b)
		withImage(t, dir)
	}
}

// editDesc replaces old by new in the embedded target description.
func editDesc(old, new string) func(t *testing.T, p *isa.Program) {
	return func(t *testing.T, p *isa.Program) {
		s := string(p.TargetDesc)
		if !strings.Contains(s, old) {
			t.Fatalf("BUG: the embedded description has no %q", old)
		}
		p.TargetDesc = []byte(strings.Replace(s, old, new, 1))
	}
}

// editPasm writes bad.pasm: the -S listing of LeNet-5 with old replaced by
// new (the first occurrence; old "" appends new).
func editPasm(old, new string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		_, pasm := compiledLeNet(t)
		s := string(readFile(t, filepath.Dir(pasm), filepath.Base(pasm)))
		switch {
		case old == "":
			s += new
		case !strings.Contains(s, old):
			t.Fatalf("BUG: the listing has no %q", old)
		default:
			s = strings.Replace(s, old, new, 1)
		}
		writeText(t, dir, "bad.pasm", s)
	}
}

// TestBatteryPrograms: hostile .pimb binaries and .pasm listings (damaged
// headers and sections, lying counts, wrong or broken target descriptions,
// host-section garbage, bad assembly) given to sim, asm and disasm. Each
// is refused with exit 1 and a message naming the file and the section or
// line, within bounded time and memory, leaving nothing behind.
func TestBatteryPrograms(t *testing.T) {
	sim := strs("sim", "bad.pimb", "-i", "in.npy", "-q")
	asm := strs("asm", "bad.pasm", "-o", "out.pimb")
	runCases(t, []Case{
		// Baselines: the program runs on the target it embeds; a -target
		// of the same architecture with other costs re-costs it.
		{Name: "ok/embedded-target", Setup: steps(withBigProgram, withImage), Args: strs("sim", "big.pimb", "-i", "in.npy", "-q"), Code: 0, Stdout: strs("output")},
		{Name: "ok/recost", Setup: steps(withProgram, withImage, withLowTarget), Args: strs("sim", "lenet5.pimb", "-i", "in.npy", "-q", "-target", "low.yaml"),
			Code: 0, Stderr: strs("note: -target low.yaml", "other costs")},
		{Name: "ok/asm-listing", Setup: withProgram, Args: strs("asm", "lenet5.pasm", "-o", "re.pimb"), Code: 0, Keep: strs("re.pimb"),
			Check: func(t *testing.T, dir string) {
				if string(readFile(t, dir, "re.pimb")) != string(readFile(t, dir, "lenet5.pimb")) {
					t.Error("asm of the -S listing is not byte-identical to the .pimb")
				}
			}},

		// Damaged files.
		{Name: "pimb/empty", Setup: rawPimb(func([]byte) []byte { return nil }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "truncated header")},
		{Name: "pimb/truncated-header", Setup: rawPimb(func(b []byte) []byte { return b[:40] }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "truncated header")},
		{Name: "pimb/truncated-table", Setup: rawPimb(func(b []byte) []byte { return b[:pimbHeader+30] }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "truncated section table")},
		{Name: "pimb/truncated-data", Setup: rawPimb(func(b []byte) []byte { return b[:len(b)/2] }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "truncated")},
		{Name: "pimb/bad-magic", Setup: rawPimb(func(b []byte) []byte { copy(b, "ELF\x7f"); return b }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "bad magic")},
		{Name: "pimb/not-a-program", Setup: func(t *testing.T, dir string) { withImage(t, dir); copyRepo(t, lenet5Path, dir, "bad.pimb") },
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "bad magic")},
		{Name: "pimb/header-checksum", Setup: rawPimb(func(b []byte) []byte { b[20] ^= 1; return b }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "header", "checksum mismatch")},
		{Name: "pimb/section-checksum", Setup: rawPimb(func(b []byte) []byte { b[len(b)/2] ^= 0x40; return b }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "checksum mismatch")},
		{Name: "pimb/trailing-bytes", Setup: rawPimb(func(b []byte) []byte { return append(b, 0, 0, 0) }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "trailing bytes")},
		{Name: "pimb/future-version", Setup: rawPimb(func(b []byte) []byte { b[10] = 99; return fixHeaderCRC(b) }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "format version 1.99 not supported")},
		{Name: "pimb/wrong-major", Setup: rawPimb(func(b []byte) []byte { b[8] = 2; return fixHeaderCRC(b) }), Args: sim, Code: 1, Stderr: strs("bad.pimb", "format version 2.")},
		{Name: "pimb/huge-section-count", Setup: rawPimb(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 1<<30); return b }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "sections, at most 64")},

		// Lying counts inside well-checksummed sections.
		{Name: "pimb/huge-source-count", Setup: patchSection(isa.SecSources, func(d []byte) { binary.LittleEndian.PutUint32(d, 0xFFFFFFFF) }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "section sources", "count 4294967295"), MaxRSSMiB: 200},
		{Name: "pimb/huge-weight-rows", Setup: patchSection(isa.SecWeights, func(d []byte) { binary.LittleEndian.PutUint32(d, 0x7FFFFFFF) }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "section weights"), MaxRSSMiB: 200},
		{Name: "pimb/huge-string", Setup: patchSection(isa.SecTarget, func(d []byte) { binary.LittleEndian.PutUint32(d, 0xFFFFFF00) }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "section target", "truncated string"), MaxRSSMiB: 200},
		{Name: "pimb/undefined-opcode", Setup: patchSection(isa.SecCode, func(d []byte) { d[7] = 0xEE }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "section code", "code[0]")},
		{Name: "pimb/weight-out-of-range", Setup: editProgram(func(t *testing.T, p *isa.Program) { p.Weights[0].Subarray = 1 << 30 }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "weights[0]", "sub-array out of range")},

		// The target description: damaged, invalid, foreign, or not the
		// one -target names.
		{Name: "targetdesc/checksum", Setup: rawPimb(func(b []byte) []byte { b[len(b)-20] ^= 0x08; return b }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "section targetdesc", "checksum mismatch")},
		{Name: "targetdesc/garbage", Setup: editProgram(func(t *testing.T, p *isa.Program) { p.TargetDesc = []byte("\x00\xff{{not json") }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb: section targetdesc: invalid hardware description")},
		{Name: "targetdesc/fails-validation", Setup: editProgram(editDesc(`"rows": {
      "value": 256`, `"rows": {
      "value": 5000`)), Args: sim, Code: 1, Stderr: strs("bad.pimb: section targetdesc", "geometry.rows: 5000 outside [2, 1024]")},
		{Name: "targetdesc/unknown-key", Setup: editProgram(editDesc(`"name":`, `"colour": "red", "name":`)),
			Args: sim, Code: 1, Stderr: strs("bad.pimb: section targetdesc", "colour")},
		{Name: "targetdesc/foreign", Setup: editProgram(editDesc(`"banks": {
      "value": 16`, `"banks": {
      "value": 64`)), Args: sim, Code: 1, Stderr: strs("bad.pimb: section targetdesc", "describes target", "program header says")},
		{Name: "targetdesc/mismatched-target-flag", Setup: steps(withProgram, withImage, withBigTarget), Args: strs("sim", "lenet5.pimb", "-i", "in.npy", "-target", "big.yaml"),
			Code: 1, Stderr: strs(`lenet5.pimb was compiled for target "sot-mram-45nm"`, `-target big.yaml is "battery-big"`, "recompile for it, or drop -target")},
		{Name: "targetdesc/old-file-other-target", Setup: steps(withBigProgram, withImage, func(t *testing.T, dir string) {
			p, err := isa.DecodeBinary(readFile(t, dir, "big.pimb"))
			if err != nil {
				t.Fatal(err)
			}
			p.TargetDesc = nil // as written before format v1.4
			b, err := isa.EncodeBinary(p)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "old.pimb", b)
		}), Args: strs("sim", "old.pimb", "-i", "in.npy"), Code: 1, Stderr: strs("old.pimb", "does not embed its description", "give -target")},
		{Name: "targetdesc/disasm-check", Setup: steps(withProgram, withBigTarget), Args: strs("disasm", "-check", "lenet5.pimb", "-target", "big.yaml"),
			Code: 1, Stderr: strs("lenet5.pimb was compiled for target", "-target big.yaml")},

		// The host section.
		{Name: "host/garbage", Setup: editProgram(func(t *testing.T, p *isa.Program) { p.Host = []byte("\x00\x01garbage\n") }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "host section")},
		{Name: "host/bad-header", Setup: editProgram(func(t *testing.T, p *isa.Program) { p.Host = []byte("pimc-host 7\npir\npir 1\n") }),
			Args: sim, Code: 1, Stderr: strs("bad.pimb", "host section", "pimc-host 1")},
		{Name: "host/bad-graph", Setup: editProgram(func(t *testing.T, p *isa.Program) {
			i := strings.Index(string(p.Host), "\npir\n")
			if i < 0 {
				t.Fatal("BUG: the fixture's host section has no pir line")
			}
			p.Host = append(p.Host[:i+len("\npir\n")], "pir 1\ngraph \"g\" stage=quantized\n%y: f32[1] = frobnicate(%x)\n"...)
		}), Args: sim, Code: 1, Stderr: strs("bad.pimb", "host section")},

		// Assembly.
		{Name: "pasm/unknown-mnemonic", Setup: editPasm("", "    frobnicate r1, r2\n"), Args: asm, Code: 1, Stderr: strs("bad.pasm:", `unknown instruction "frobnicate"`)},
		{Name: "pasm/operand-out-of-range", Setup: editPasm("", "    add r1, r2, r40\n"), Args: asm, Code: 1, Stderr: strs("bad.pasm:", "r40")},
		{Name: "pasm/immediate-out-of-range", Setup: editPasm("", "    li r1, 99999999999\n"), Args: asm, Code: 1, Stderr: strs("bad.pasm:", "out of range")},
		{Name: "pasm/bad-operands", Setup: editPasm("", "    ld r1, r2+3\n"), Args: asm, Code: 1, Stderr: strs("bad.pasm:", "want an address like [r3+16]")},
		{Name: "pasm/unknown-directive", Setup: editPasm("", ".frobnicate 1\n"), Args: asm, Code: 1, Stderr: strs("bad.pasm:", "unknown directive .frobnicate")},
		{Name: "pasm/huge-const", Setup: editPasm("", ".const big addr=0 len=4294967295\n"), Args: asm, Code: 1, Stderr: strs("bad.pasm:", "len=")},
		{Name: "pasm/unterminated-string", Setup: editPasm(".source 0 layer=\"", ".source 0 layer=\"\\q"), Args: asm, Code: 1, Stderr: strs("bad.pasm:", "unterminated string")},
		{Name: "pasm/binary-garbage", Setup: func(t *testing.T, dir string) {
			b := make([]byte, 1<<16)
			for i := range b {
				b[i] = byte(i*131 + i>>7)
			}
			writeFile(t, dir, "bad.pasm", b)
		}, Args: asm, Code: 1, Stderr: strs("bad.pasm:")},
		{Name: "pasm/targetdesc-invalid", Setup: editPasm(`.targetdesc "      \"value\": 256,\n"`, `.targetdesc "      \"value\": 5000,\n"`),
			Args: asm, Code: 1, Stderr: strs("bad.pasm: .targetdesc lines: invalid hardware description", "5000")},
		{Name: "pasm/host-garbage", Setup: editPasm(`.host "pimc-host 1\n"`, `.host "garbage\n"`), Args: asm, Code: 1, Stderr: strs("bad.pasm", "host section")},
		{Name: "pasm/asm-mismatched-target", Setup: steps(withProgram, withBigTarget), Args: strs("asm", "lenet5.pasm", "-o", "out.pimb", "-target", "big.yaml"),
			Code: 1, Stderr: strs("lenet5.pasm was compiled for target", "-target big.yaml")},
		{Name: "pasm/sim-listing-mismatched-target", Setup: steps(withProgram, withImage, withBigTarget), Args: strs("sim", "lenet5.pasm", "-i", "in.npy", "-target", "big.yaml"),
			Code: 1, Stderr: strs("lenet5.pasm was compiled for target", "recompile for it, or drop -target")},
		{Name: "disasm/garbage", Setup: rawPimb(func(b []byte) []byte { return b[:len(b)/3] }), Args: strs("disasm", "bad.pimb", "-o", "out.pasm"), Code: 1, Stderr: strs("bad.pimb", "truncated")},
	})
}
