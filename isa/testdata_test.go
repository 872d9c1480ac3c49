package isa_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/golden"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

const testdataDir = "../testdata/isa"

// TestTestdataPrograms assembles every hand-written program, validates it on
// the default target, checks both round trips and compares the binary with its
// golden hex dump (internal/golden: PIMC_UPDATE=1 rewrites the dumps).
func TestTestdataPrograms(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.pasm"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want at least 3 programs in %s, got %v (%v)", testdataDir, files, err)
	}
	arch := target.Default().Arch()
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := isa.ParseAsm(name, src)
			if err != nil {
				t.Fatal(err)
			}
			a := arch
			if p.TargetName == "sot-mram-45nm-seq" { // seq.pasm: ISA v1.7 gdot
				tgt, err := target.Load("../target/testdata/plane-sequencer.yaml")
				if err != nil {
					t.Fatal(err)
				}
				a = tgt.Arch()
			}
			if err := isa.Validate(p, a); err != nil {
				t.Fatal(err)
			}
			for i, in := range p.Code {
				if in.Op != isa.OpHalt && in.Src < 0 {
					t.Errorf("code[%d] (%v) names no source", i, in.Op)
				}
			}
			checkExpectComments(t, p, src)
			back, err := isa.ParseAsm("printed", isa.FormatAsm(p))
			if err != nil || !reflect.DeepEqual(p, back) {
				t.Fatalf("asm round trip: %v", err)
			}
			bin, err := isa.EncodeBinary(p)
			if err != nil {
				t.Fatal(err)
			}
			bin2, _ := isa.EncodeBinary(back)
			if !bytes.Equal(bin, bin2) {
				t.Fatal("encoding is not deterministic")
			}
			dec, err := isa.DecodeBinary(bin)
			if err != nil || !reflect.DeepEqual(p, dec) {
				t.Fatalf("binary round trip: %v", err)
			}
			dump := HexDump(bin)
			if back, err := ParseHexDump(dump); err != nil || !bytes.Equal(back, bin) {
				t.Fatalf("the hex dump does not parse back: %v", err)
			}
			golden.CheckFile(t, strings.TrimSuffix(name, ".pasm")+".pimb.hex", []byte(dump))
		})
	}
}

// checkExpectComments checks that the "# expect-input/-output NAME = ..."
// comments name the program's ports and give one value per element, so the
// simulator tests can rely on them.
func checkExpectComments(t *testing.T, p *isa.Program, src []byte) {
	t.Helper()
	seen := map[string]bool{}
	for _, line := range strings.Split(string(src), "\n") {
		var dir isa.PortDir
		var rest string
		switch {
		case strings.HasPrefix(line, "# expect-input "):
			dir, rest = isa.PortIn, strings.TrimPrefix(line, "# expect-input ")
		case strings.HasPrefix(line, "# expect-output "):
			dir, rest = isa.PortOut, strings.TrimPrefix(line, "# expect-output ")
		default:
			continue
		}
		name, vals, ok := strings.Cut(rest, " = ")
		if !ok {
			t.Fatalf("bad expect comment %q", line)
		}
		var port *isa.Port
		for i := range p.Ports {
			if p.Ports[i].Name == name && p.Ports[i].Dir == dir {
				port = &p.Ports[i]
			}
		}
		if port == nil {
			t.Fatalf("expect comment names no %v port %q", dir, name)
		}
		if n := uint64(len(strings.Fields(vals))); n != port.Len() {
			t.Fatalf("expect %s: %d values, port has %d elements", name, n, port.Len())
		}
		lo, hi := port.Type.Range()
		for _, v := range strings.Fields(vals) {
			var x int64
			if _, err := fmt.Sscan(v, &x); err != nil || x < lo || x > hi {
				t.Fatalf("expect %s: value %q not in %v", name, v, port.Type)
			}
		}
		seen[name] = true
	}
	for _, pt := range p.Ports {
		if !seen[pt.Name] {
			t.Errorf("no expect comment for port %q", pt.Name)
		}
	}
}

// HexDump formats bytes as "offset: 16 hex bytes" lines (the golden format).
func HexDump(b []byte) string {
	var s strings.Builder
	for i := 0; i < len(b); i += 16 {
		fmt.Fprintf(&s, "%08x: %s\n", i, hex.EncodeToString(b[i:min(i+16, len(b))]))
	}
	return s.String()
}

// ParseHexDump is the inverse of HexDump.
func ParseHexDump(s string) ([]byte, error) {
	var out []byte
	for i, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		off, h, ok := strings.Cut(line, ": ")
		if !ok || off != fmt.Sprintf("%08x", len(out)) {
			return nil, fmt.Errorf("line %d: bad offset", i+1)
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		out = append(out, b...)
	}
	return out, nil
}

// TestDefaultTargetFingerprintInTestdata: the programs are bound to the
// default preset; if the preset geometry changes they must be rebound.
func TestDefaultTargetFingerprintInTestdata(t *testing.T) {
	fp := target.Default().Fingerprint()
	src, err := os.ReadFile(filepath.Join(testdataDir, "dot.pasm"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte(hex.EncodeToString(fp[:]))) {
		t.Fatal("dot.pasm is not bound to the default target's fingerprint")
	}
}

// TestTestdataCoverage: together the hand-written programs use every opcode,
// so the simulator's check of their expected outputs covers the whole ISA.
func TestTestdataCoverage(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdataDir, "*.pasm"))
	used := map[isa.Opcode]bool{}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := isa.ParseAsm(name, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range p.Code {
			used[in.Op] = true
		}
	}
	for _, op := range isa.Opcodes() {
		if !used[op] {
			t.Errorf("no program in %s uses %v", testdataDir, op)
		}
	}
}

// TestOldBinariesLoad: the frozen binaries of older format versions
// (testdata/isa/v1.3, written by an older pimc, never regenerated) still
// decode and validate on their target, carry no target description, and
// re-encode to the same bytes: a program without the newer optional
// sections is written exactly as before (docs/ISA.md change policy).
func TestOldBinariesLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdataDir, "v1.3", "*.pimb.hex"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no frozen binaries in %s/v1.3 (%v)", testdataDir, err)
	}
	// They were compiled for the default of their time, the serial
	// machine (docs/PARALLEL.md §4).
	serial, err := target.Preset("sot-mram-45nm-serial")
	if err != nil {
		t.Fatal(err)
	}
	arch := serial.Arch()
	for _, name := range files {
		dump, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		bin, err := ParseHexDump(string(dump))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if minor := bin[10]; minor != 3 {
			t.Errorf("%s: minor version %d, want 3", name, minor)
		}
		p, err := isa.DecodeBinary(bin)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.TargetDesc != nil || len(p.Host) == 0 {
			t.Errorf("%s: target description %d bytes, host %d bytes; want none and some", name, len(p.TargetDesc), len(p.Host))
		}
		if err := isa.Validate(p, arch); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		again, err := isa.EncodeBinary(p)
		if err != nil || !bytes.Equal(again, bin) {
			t.Errorf("%s: re-encoding gives other bytes (%v)", name, err)
		}
	}
}
