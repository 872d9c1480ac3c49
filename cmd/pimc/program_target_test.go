package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

// Test descriptions: a geometry override (another architecture) and a
// cost-only override (same architecture, other energies) of the default.
const (
	bigTarget = "../../backend/testdata/sot-mram-45nm-64banks.yaml"
	lowTarget = "../../target/testdata/write-energy-low.yaml"
)

// hostMixPIR is a float model whose sigmoid stays on the host between two
// device convolutions: it compiles to two device segments and a host
// section with one host op. testdata/isa/v1.3 holds its binary as written
// by pimc before format v1.4.
const hostMixPIR = "../../testdata/isa/v1.3/hostmix.pir"

// compileHostMix compiles hostMixPIR into dir for tflag ("" = default) and
// returns the .pimb path (next to its -S listing) and an input file for it.
func compileHostMix(t *testing.T, dir, name, tflag string) (prog, input string) {
	t.Helper()
	prog = filepath.Join(dir, name)
	args := []string{"compile", hostMixPIR, "-o", prog, "-S", strings.TrimSuffix(prog, ".pimb") + ".pasm"}
	if tflag != "" {
		args = append(args, "-target", tflag)
	}
	if code, _, errs := runCLI(args...); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	x := make([]float32, 36)
	for i := range x {
		x[i] = float32(i%9)/4 - 1
	}
	input = filepath.Join(dir, "x.npy")
	if err := tensorio.Write(input, tensor.FromF32(x, 1, 1, 6, 6), ""); err != nil {
		t.Fatal(err)
	}
	return prog, input
}

// simRun runs pimc sim and returns its exit code, stderr, report and output bytes.
func simRun(t *testing.T, dir, prog, input string, extra ...string) (code int, stderr string, rep, out []byte) {
	t.Helper()
	r, o := filepath.Join(dir, "r.json"), filepath.Join(dir, "y.npy")
	os.Remove(r)
	os.Remove(o)
	code, _, stderr = runCLI(append([]string{"sim", prog, "-i", input, "-q", "-report", r, "-o", o}, extra...)...)
	rep, _ = os.ReadFile(r)
	out, _ = os.ReadFile(o)
	return code, stderr, rep, out
}

func fp12(t *target.Target) string {
	fp := t.Fingerprint()
	return hex.EncodeToString(fp[:6])
}

func mustLoad(t *testing.T, path string) *target.Target {
	t.Helper()
	tg, err := target.LoadOrPreset(path)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestSimUsesEmbeddedTarget: a program compiled for a non-default target
// runs without -target on the description it embeds, with the same report
// and outputs as with the matching -target; a -target of another
// architecture is refused with exactly one line.
func TestSimUsesEmbeddedTarget(t *testing.T) {
	dir := t.TempDir()
	prog, in := compileHostMix(t, dir, "big.pimb", bigTarget)
	code, errs, rep1, out1 := simRun(t, dir, prog, in)
	if code != exitOK || errs != "" {
		t.Fatalf("sim without -target: exit %d: %s", code, errs)
	}
	code, errs, rep2, out2 := simRun(t, dir, prog, in, "-target", bigTarget)
	if code != exitOK || errs != "" {
		t.Fatalf("sim -target %s: exit %d: %s", bigTarget, code, errs)
	}
	if !bytes.Equal(rep1, rep2) || !bytes.Equal(out1, out2) || len(out1) == 0 {
		t.Fatal("the embedded target and the matching -target give different reports or outputs")
	}
	var r sim.Report
	if err := json.Unmarshal(rep1, &r); err != nil || r.Target != "sot-mram-45nm-64banks" {
		t.Fatalf("report target %q (%v), want sot-mram-45nm-64banks", r.Target, err)
	}

	big, def := mustLoad(t, bigTarget), target.Default()
	want := fmt.Sprintf("pimc sim: %s was compiled for target %q (fingerprint %s...); -target sot-mram-45nm is %q (fingerprint %s...): recompile for it, or drop -target\n",
		prog, big.Name, fp12(big), def.Name, fp12(def))
	code, errs, rep, out := simRun(t, dir, prog, in, "-target", "sot-mram-45nm")
	if code != exitUser || errs != want {
		t.Fatalf("mismatched -target: exit %d, stderr\n%q\nwant exactly\n%q", code, errs, want)
	}
	if rep != nil || out != nil {
		t.Error("a refused run wrote its outputs")
	}
	// The other commands that run or check a program refuse it alike.
	code, _, errs = runCLI("disasm", "-check", prog, "-target", "sot-mram-45nm")
	if code != exitUser || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "recompile for it, or drop -target") {
		t.Errorf("disasm -check with a mismatched -target: exit %d: %q", code, errs)
	}
	if code, _, errs = runCLI("disasm", "-check", prog); code != exitOK {
		t.Errorf("disasm -check without -target: exit %d: %s", code, errs)
	}
}

// TestSimRecostTarget: a -target with the program's architecture but other
// costs is allowed (re-costing a program under other device energies) and
// says so in one note line; outputs are unchanged, energies are not.
func TestSimRecostTarget(t *testing.T) {
	dir := t.TempDir()
	prog, in := compileHostMix(t, dir, "m.pimb", "")
	code, errs, rep1, out1 := simRun(t, dir, prog, in)
	if code != exitOK || errs != "" {
		t.Fatalf("sim: exit %d: %s", code, errs)
	}
	code, errs, rep2, out2 := simRun(t, dir, prog, in, "-target", lowTarget)
	if code != exitOK {
		t.Fatalf("sim -target %s: exit %d: %s", lowTarget, code, errs)
	}
	if strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "pimc sim: note: -target "+lowTarget+` ("sot-mram-45nm-write60") has the architecture of `+prog+`'s own target "sot-mram-45nm" but other costs`) {
		t.Errorf("want one note line, got %q", errs)
	}
	if !bytes.Equal(out1, out2) {
		t.Error("re-costing changed the outputs")
	}
	var r1, r2 sim.Report
	if json.Unmarshal(rep1, &r1) != nil || json.Unmarshal(rep2, &r2) != nil {
		t.Fatal("reports do not parse")
	}
	if r2.Target != "sot-mram-45nm-write60" || r2.PerInference.Energy.Write >= r1.PerInference.Energy.Write {
		t.Errorf("re-costed report: target %q, write energy %v pJ (own description: %v pJ); want less",
			r2.Target, r2.PerInference.Energy.Write, r1.PerInference.Energy.Write)
	}
	// The same -target as the embedded one (same costs): no note.
	if code, errs, _, _ = simRun(t, dir, prog, in, "-target", "sot-mram-45nm"); code != exitOK || errs != "" {
		t.Errorf("-target equal to the embedded description: exit %d: %q", code, errs)
	}
}

// stripTargetDesc rewrites prog as a file of the formats before v1.4 (no
// targetdesc section), byte for byte what older versions of pimc wrote
// (TestOldBinariesLoad in isa checks that such files are unchanged).
func stripTargetDesc(t *testing.T, prog, out string) {
	t.Helper()
	data, err := os.ReadFile(prog)
	if err != nil {
		t.Fatal(err)
	}
	p, err := isa.DecodeBinary(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.TargetDesc) == 0 {
		t.Fatalf("%s embeds no target description", prog)
	}
	p.TargetDesc = nil
	b, err := isa.EncodeBinary(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSimOldProgram: a program without the targetdesc section runs on
// -target or the default preset as before; a fingerprint mismatch is one
// line saying that the file does not describe its target.
func TestSimOldProgram(t *testing.T) {
	dir := t.TempDir()
	prog, in := compileHostMix(t, dir, "m.pimb", "")
	old := filepath.Join(dir, "old.pimb")
	stripTargetDesc(t, prog, old)
	code, errs, rep1, out1 := simRun(t, dir, prog, in)
	if code != exitOK {
		t.Fatalf("sim: exit %d: %s", code, errs)
	}
	code, errs, rep2, out2 := simRun(t, dir, old, in)
	if code != exitOK || errs != "" {
		t.Fatalf("sim of an old program: exit %d: %s", code, errs)
	}
	if !bytes.Equal(rep1, rep2) || !bytes.Equal(out1, out2) {
		t.Error("the old program gives another report or outputs than the self-describing one")
	}
	big, def := mustLoad(t, bigTarget), target.Default()
	want := fmt.Sprintf("pimc sim: %s was compiled for target %q (fingerprint %s...); -target %s is %q (fingerprint %s...): give -target the description it was compiled for, or recompile\n",
		old, def.Name, fp12(def), bigTarget, big.Name, fp12(big))
	if code, errs, _, _ = simRun(t, dir, old, in, "-target", bigTarget); code != exitUser || errs != want {
		t.Errorf("old program, mismatched -target: exit %d, stderr\n%q\nwant exactly\n%q", code, errs, want)
	}

	bigProg, _ := compileHostMix(t, dir, "big.pimb", bigTarget)
	oldBig := filepath.Join(dir, "oldbig.pimb")
	stripTargetDesc(t, bigProg, oldBig)
	want = fmt.Sprintf("pimc sim: %s was compiled for target %q (fingerprint %s...) and does not embed its description (written before format v1.4); the default target %q has fingerprint %s...: give -target the description it was compiled for (the default of pimc before the parallel engine is -target sot-mram-45nm-serial, before the plane sequencer -target sot-mram-45nm-gbmac), or recompile\n",
		oldBig, big.Name, fp12(big), def.Name, fp12(def))
	if code, errs, _, _ = simRun(t, dir, oldBig, in); code != exitUser || errs != want {
		t.Errorf("old program for another target, no -target: exit %d, stderr\n%q\nwant exactly\n%q", code, errs, want)
	}
	if code, errs, _, _ = simRun(t, dir, oldBig, in, "-target", bigTarget); code != exitOK {
		t.Errorf("old program with its -target: exit %d: %s", code, errs)
	}
}

// TestPasmRoundTrip: the listing of compile -S and of disasm keeps the host
// graph and the target description, so pimc asm gives back the .pimb byte
// for byte, for LeNet-5 and for a model with host ops between two device
// segments compiled for a non-default target (which asm, without -target,
// takes from the listing).
func TestPasmRoundTrip(t *testing.T) {
	dir := t.TempDir()
	lenet := filepath.Join(dir, "lenet5.pimb")
	if code, _, errs := runCLI("compile", writeLeNet(t, dir), "-o", lenet, "-S", filepath.Join(dir, "lenet5.pasm")); code != exitOK {
		t.Fatalf("compile LeNet-5: exit %d: %s", code, errs)
	}
	hostmix, _ := compileHostMix(t, dir, "hostmix.pimb", bigTarget)
	for _, prog := range []string{lenet, hostmix} {
		name := filepath.Base(prog)
		bin, err := os.ReadFile(prog)
		if err != nil {
			t.Fatal(err)
		}
		p, err := isa.DecodeBinary(bin)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Host) == 0 || len(p.TargetDesc) == 0 {
			t.Fatalf("%s: host section %d bytes, target description %d bytes; want both", name, len(p.Host), len(p.TargetDesc))
		}
		listing := strings.TrimSuffix(prog, ".pimb") + ".pasm"
		text, err := os.ReadFile(listing)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(text, []byte("\n.host \"pimc-host 1\\n\"\n")) || !bytes.Contains(text, []byte("\n.targetdesc \"{\\n\"\n")) {
			t.Errorf("%s: the -S listing lacks the .host or .targetdesc lines", name)
		}
		dis := filepath.Join(dir, "dis-"+strings.TrimSuffix(name, ".pimb")+".pasm")
		if code, _, errs := runCLI("disasm", prog, "-o", dis); code != exitOK {
			t.Fatalf("disasm %s: exit %d: %s", name, code, errs)
		}
		if d, _ := os.ReadFile(dis); !bytes.Equal(d, text) {
			t.Errorf("%s: disasm differs from the -S listing", name)
		}
		back := filepath.Join(dir, "back-"+name)
		if code, _, errs := runCLI("asm", listing, "-o", back); code != exitOK {
			t.Fatalf("asm %s: exit %d: %s", listing, code, errs)
		}
		if b, _ := os.ReadFile(back); !bytes.Equal(b, bin) {
			t.Errorf("%s: asm of the listing is not byte-identical to the .pimb (%d vs %d bytes)", name, len(b), len(bin))
		}
	}
	// The listing runs like the binary.
	in := filepath.Join(dir, "x.npy")
	_, _, rep1, out1 := simRun(t, dir, hostmix, in)
	code, errs, rep2, out2 := simRun(t, dir, strings.TrimSuffix(hostmix, ".pimb")+".pasm", in)
	if code != exitOK || !bytes.Equal(rep1, rep2) || !bytes.Equal(out1, out2) {
		t.Errorf("sim of the listing: exit %d (%s) or another report/outputs than the binary", code, errs)
	}
	// asm -target of another architecture than the listing's is refused.
	code, _, errs = runCLI("asm", strings.TrimSuffix(hostmix, ".pimb")+".pasm", "-o", filepath.Join(dir, "no.pimb"), "-target", "sot-mram-45nm")
	if code != exitUser || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "recompile for it, or drop -target") {
		t.Errorf("asm with a mismatched -target: exit %d: %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "no.pimb")); err == nil {
		t.Error("a refused asm wrote its output")
	}
}

// TestCorruptTargetSection: a damaged or foreign description is refused
// with one line naming the file and the section.
func TestCorruptTargetSection(t *testing.T) {
	dir := t.TempDir()
	prog, in := compileHostMix(t, dir, "m.pimb", "")
	data, err := os.ReadFile(prog)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, edit func(p *isa.Program)) string {
		p, err := isa.DecodeBinary(data)
		if err != nil {
			t.Fatal(err)
		}
		edit(p)
		b, err := isa.EncodeBinary(p)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	replace := func(old, new string) func(p *isa.Program) {
		return func(p *isa.Program) {
			s := string(p.TargetDesc)
			if !strings.Contains(s, old) {
				t.Fatalf("description lacks %q", old)
			}
			p.TargetDesc = []byte(strings.Replace(s, old, new, 1))
		}
	}
	flipped := filepath.Join(dir, "flipped.pimb")
	b := bytes.Clone(data)
	b[len(b)-10] ^= 0x20 // inside the last section, the description
	if err := os.WriteFile(flipped, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{flipped, flipped + ": pimb: section targetdesc: checksum mismatch"},
		{write("garbage.pimb", func(p *isa.Program) { p.TargetDesc = []byte("\x00\x01not json") }),
			"garbage.pimb: section targetdesc: invalid hardware description: decode JSON:"},
		{write("invalid.pimb", replace(`"rows": {
      "value": 256`, `"rows": {
      "value": 5000`)), "invalid.pimb: section targetdesc: invalid hardware description: geometry.rows: 5000 outside [2, 1024]"},
		{write("foreign.pimb", replace(`"banks": {
      "value": 16`, `"banks": {
      "value": 64`)), `foreign.pimb: section targetdesc: describes target "sot-mram-45nm" (fingerprint `},
	}
	for _, c := range cases {
		code, errs, _, _ := simRun(t, dir, c.path, in)
		if code != exitUser || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("sim %s: exit %d, stderr %q; want one line containing %q", filepath.Base(c.path), code, errs, c.want)
		}
	}
	// In a listing, the .targetdesc lines are named.
	listing := filepath.Join(dir, "bad.pasm")
	text, err := os.ReadFile(strings.TrimSuffix(prog, ".pimb") + ".pasm")
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(text, []byte(`.targetdesc "      \"value\": 256,\n"`), []byte(`.targetdesc "      \"value\": 5000,\n"`), 1)
	if bytes.Equal(bad, text) {
		t.Fatal("could not edit the listing's description")
	}
	if err := os.WriteFile(listing, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"asm", "sim"} {
		code, _, errs := runCLI(cmd, listing, "-i", in, "-o", filepath.Join(dir, "out.x"))
		if cmd == "asm" {
			code, _, errs = runCLI(cmd, listing, "-o", filepath.Join(dir, "out.pimb"))
		}
		if code != exitUser || !strings.Contains(errs, listing+": .targetdesc lines: invalid hardware description: geometry.") {
			t.Errorf("%s of a listing with a bad description: exit %d: %q", cmd, code, errs)
		}
	}
}

// TestSimOldBinary: a binary written by pimc before format v1.4 (frozen in
// testdata/isa/v1.3) runs on the default target as it did (the same as with
// an explicit -target of it), and a mismatched -target is one line.
func TestSimOldBinary(t *testing.T) {
	dir := t.TempDir()
	dump, err := os.ReadFile("../../testdata/isa/v1.3/hostmix.pimb.hex")
	if err != nil {
		t.Fatal(err)
	}
	var bin []byte
	for _, line := range strings.Split(strings.TrimSuffix(string(dump), "\n"), "\n") {
		_, h, _ := strings.Cut(line, ": ")
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		bin = append(bin, b...)
	}
	old := filepath.Join(dir, "old.pimb")
	if err := os.WriteFile(old, bin, 0o644); err != nil {
		t.Fatal(err)
	}
	_, in := compileHostMix(t, dir, "new.pimb", "")
	// It was compiled for the default of its time, the serial machine: the
	// default (the parallel engine) refuses it with one line naming the
	// serial preset, which runs it.
	code, errs, _, _ := simRun(t, dir, old, in)
	if code != exitUser || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "-target "+target.SerialPreset) {
		t.Errorf("v1.3 binary on the default target: exit %d: %q", code, errs)
	}
	code, errs, _, out1 := simRun(t, dir, old, in, "-target", target.SerialPreset)
	if code != exitOK || errs != "" || len(out1) == 0 {
		t.Fatalf("sim of the v1.3 binary on %s: exit %d: %s", target.SerialPreset, code, errs)
	}
	code, errs, _, _ = simRun(t, dir, old, in, "-target", bigTarget)
	if code != exitUser || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "give -target the description it was compiled for") {
		t.Errorf("v1.3 binary, mismatched -target: exit %d: %q", code, errs)
	}
}

// TestTargetShowProgram: pimc target show prints the description a program
// embeds, the same as for the file it was compiled with; an older program
// says that it embeds none.
func TestTargetShowProgram(t *testing.T) {
	dir := t.TempDir()
	prog, _ := compileHostMix(t, dir, "big.pimb", bigTarget)
	_, want, _ := runCLI("target", "show", "-json", bigTarget)
	for _, p := range []string{prog, strings.TrimSuffix(prog, ".pimb") + ".pasm"} {
		code, got, errs := runCLI("target", "show", "-json", p)
		if code != exitOK || got != want {
			t.Errorf("target show -json %s: exit %d (%s), or not the description of %s", p, code, errs, bigTarget)
		}
	}
	old := filepath.Join(dir, "old.pimb")
	stripTargetDesc(t, prog, old)
	code, _, errs := runCLI("target", "show", old)
	if code != exitUser || !strings.Contains(errs, old+" does not embed its hardware description") || !strings.Contains(errs, `"sot-mram-45nm-64banks"`) {
		t.Errorf("target show of an old program: exit %d: %q", code, errs)
	}
}
