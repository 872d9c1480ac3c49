package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/hostile"
	"github.com/pimc-dev/pimc/isa"
)

// hostileDir writes files (name -> bytes) and the models' input x.npy to a
// temporary folder and returns it.
func hostileDir(t *testing.T, files map[string][]byte) string {
	dir := t.TempDir()
	files["x.npy"] = hostile.InputNPY()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// listDir is the sorted file names in dir.
func listDir(t *testing.T, dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestValueLimits: the commands that read models refuse a value above
// -max-value-bytes (default 1 GiB) or values summing above
// -max-total-bytes (default 2 GiB), naming the file, the node and the
// flag, before allocating it; the flags lower and raise the limits, and
// each command starts from the defaults.
func TestValueLimits(t *testing.T) {
	// A host section holding issue 9's graph: sim parses it as a .pir.
	host := append([]byte("pimc-host 1\ngraph-inputs 1\ngraph-outputs 1\npir\n"), hostile.PIRConstantOfShape(30000)...)
	pimb, err := isa.EncodeBinary(&isa.Program{TargetName: "sot-mram-45nm", Host: host})
	if err != nil {
		t.Fatal(err)
	}
	dir := hostileDir(t, map[string][]byte{
		"cos30000.onnx": hostile.ConstantOfShape(30000),
		"cos2000.onnx":  hostile.ConstantOfShape(2000),
		"many.onnx":     hostile.ManyConstants(1000, 16000),
		"cos.pir":       hostile.PIRConstantOfShape(30000),
		"host.pimb":     pimb,
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	x := p("x.npy")
	big := `node "ConstantOfShape_0" (ConstantOfShape): constant_of_shape: output f32[1,1,30000,30000] is 3.4 GiB, above the 1 GiB limit (-max-value-bytes)`
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", p("cos30000.onnx"), "-i", x}, exitUser, "pimc run: frontend: " + p("cos30000.onnx") + ": " + big},
		{[]string{"compile", p("cos30000.onnx"), "-o", p("out.pimb")}, exitUser, "pimc compile: frontend: " + p("cos30000.onnx") + ": " + big},
		{[]string{"ir", p("cos30000.onnx")}, exitUser, big},
		{[]string{"run", p("cos.pir"), "-i", x}, exitUser, p("cos.pir") + ":5:7: %big: f32[1,1,30000,30000] is 3.4 GiB, above the 1 GiB limit (-max-value-bytes)"},
		{[]string{"sim", p("host.pimb"), "-i", x}, exitUser, "host section:5:7: %big: f32[1,1,30000,30000] is 3.4 GiB"},
		{[]string{"run", p("many.onnx"), "-i", x}, exitUser, `node "ConstantOfShape_2" (ConstantOfShape): output f32[1,1,16000,16000] brings the values of the graph to 2.9 GiB, above the 2 GiB total limit (-max-total-bytes)`},
		{[]string{"run", p("cos2000.onnx"), "-i", x, "-max-value-bytes", "8MiB"}, exitUser, "output f32[1,1,2000,2000] is 15.3 MiB, above the 8 MiB limit (-max-value-bytes)"},
		{[]string{"run", p("cos2000.onnx"), "-i", x, "-max-total-bytes", "16MiB"}, exitUser, "above the 16 MiB total limit (-max-total-bytes)"},
		{[]string{"run", p("cos2000.onnx"), "-i", x}, exitOK, ""},
		{[]string{"run", p("cos2000.onnx"), "-i", x, "-max-value-bytes", "16777216", "-max-total-bytes", "1GiB"}, exitOK, ""},
		{[]string{"run", p("cos2000.onnx"), "-i", x, "-max-value-bytes", "0"}, exitUsage, `invalid value "0" for flag -max-value-bytes: want a positive byte count`},
		{[]string{"run", p("cos2000.onnx"), "-i", x, "-max-total-bytes", "1GB"}, exitUsage, `invalid value "1GB" for flag -max-total-bytes`},
	} {
		code, out, errs := runCLI(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("pimc %s: exit %d, stderr:\n%s\nwant exit %d and %q", strings.Join(c.args, " "), code, errs, c.code, c.want)
		}
		if c.code == exitOK && !strings.Contains(out, "y: f32[1,1,1,1] [2]") {
			t.Errorf("pimc %s: stdout %q", strings.Join(c.args, " "), out)
		}
	}
	if names := listDir(t, dir); len(names) != 6 {
		t.Errorf("files left in the folder: %v", names)
	}
}

// TestProgramSizeLimit: compile, asm and disasm refuse to write a .pimb or
// .pasm above -max-program-bytes, and write nothing (no .pimb either when
// only the -S text is too large).
func TestProgramSizeLimit(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	model := filepath.Join("..", "..", "testdata", "models", "mnist-cntk", "model.onnx")
	compile := func(extra ...string) (int, string) {
		args := append([]string{"compile", model, "-o", p("m.pimb"), "-calib", "random:2"}, extra...)
		code, _, errs := runCLI(args...)
		return code, errs
	}
	code, errs := compile("-max-program-bytes", "1KiB")
	if code != exitUser || !strings.Contains(errs, "pimc compile: -o "+p("m.pimb")+": the program would take ") ||
		!strings.Contains(errs, "above the 1 KiB limit (-max-program-bytes); nothing written") {
		t.Errorf("compile under 1 KiB: exit %d\n%s", code, errs)
	}
	// The .pimb of this model is 71 KiB (8 replicas of its first conv's
	// weight rows), its assembly 263 KiB.
	code, errs = compile("-S", p("m.pasm"), "-max-program-bytes", "128KiB")
	if code != exitUser || !strings.Contains(errs, "pimc compile: -S "+p("m.pasm")+": the assembly text passes 128 KiB, the limit (-max-program-bytes); nothing written") {
		t.Errorf("compile -S under 128 KiB: exit %d\n%s", code, errs)
	}
	// A host graph holding a 1.4 MiB constant: its text passes the limit
	// while the backend builds it.
	cos := p("cos600.onnx")
	if err := os.WriteFile(cos, hostile.ConstantOfShape(600), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCLI("compile", cos, "-o", p("c.pimb"), "-max-program-bytes", "256KiB")
	if code != exitUser || !strings.Contains(errs, "backend: host graph: the host section (the host graph's ops and constants as text) passes 256 KiB, the limit for a program (-max-program-bytes)") {
		t.Errorf("compile of a large host graph: exit %d\n%s", code, errs)
	}
	os.Remove(cos)
	if names := listDir(t, dir); len(names) != 0 {
		t.Fatalf("refused compilations left %v", names)
	}
	if code, errs = compile("-S", p("m.pasm")); code != exitOK {
		t.Fatalf("compile: exit %d\n%s", code, errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"disasm", p("m.pimb"), "-o", p("d.pasm"), "-max-program-bytes", "100KiB"}, "pimc disasm: -o " + p("d.pasm") + ": the assembly text passes 100 KiB, the limit (-max-program-bytes); nothing written"},
		{[]string{"asm", p("m.pasm"), "-o", p("a.pimb"), "-max-program-bytes", "1KiB"}, "pimc asm: " + p("m.pasm") + ": -o " + p("a.pimb") + ": the program would take "},
	} {
		code, _, errs := runCLI(c.args...)
		if code != exitUser || !strings.Contains(errs, c.want) {
			t.Errorf("pimc %s: exit %d\n%s\nwant %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
	if names := listDir(t, dir); len(names) != 2 {
		t.Errorf("refused commands left files: %v", names)
	}
	// Streamed, disasm -o writes what compile -S wrote.
	if code, _, errs := runCLI("disasm", p("m.pimb"), "-o", p("d.pasm")); code != exitOK {
		t.Fatalf("disasm: %s", errs)
	}
	a, _ := os.ReadFile(p("m.pasm"))
	d, _ := os.ReadFile(p("d.pasm"))
	if len(a) == 0 || string(a) != string(d) {
		t.Errorf("disasm -o (%d bytes) differs from compile -S (%d bytes)", len(d), len(a))
	}
}
