package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestSimRefusesInflatedMACs: a .pimb whose declared MAC count (the
// srcmacs section, which GOPS and TOPS/W divide by) was edited above what
// the program's bmacs can do is refused with an error naming the file and
// the source (docs/ISA.md §5), exit 1; the unedited program runs.
func TestSimRefusesInflatedMACs(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "lenet.pimb")
	model := embeddedLenet5
	if code, _, errs := runCLI("compile", model, "-o", bin); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	x := filepath.Join(dir, "x.npy")
	if err := tensorio.Write(x, tensor.New(tensor.Float32, 1, 1, 28, 28), ""); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("sim", bin, "-i", x, "-q"); code != exitOK {
		t.Fatalf("sim of the compiled program: exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	p, err := isa.DecodeBinary(data)
	if err != nil {
		t.Fatal(err)
	}
	edited := -1
	for i := range p.Sources {
		if p.Sources[i].MACs > 0 {
			p.Sources[i].MACs *= 1000000
			edited = i
			break
		}
	}
	if edited < 0 {
		t.Fatal("the compiled LeNet-5 declares no MACs")
	}
	hostile := filepath.Join(dir, "hostile.pimb")
	if data, err = isa.EncodeBinary(p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hostile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("sim", hostile, "-i", x)
	want := "sim: sources[" + strconv.Itoa(edited) + "] (" + p.Sources[edited].Layer
	if code != exitUser || !strings.Contains(errs, "hostile.pimb: ") || !strings.Contains(errs, want) || !strings.Contains(errs, "MACs per image") || strings.Contains(out, "GOPS") {
		t.Fatalf("inflated MACs: exit %d, want %d and %q; stdout:\n%s\nstderr:\n%s", code, exitUser, want, out, errs)
	}
}
