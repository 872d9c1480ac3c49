package target

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
)

// descriptions are every preset and the example files of the repository:
// a full preset, a cost-only override and a geometry override.
func descriptions(t *testing.T) []*Target {
	t.Helper()
	var ts []*Target
	for _, name := range Presets() {
		p, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, p)
	}
	for _, f := range []string{"testdata/write-energy-low.yaml", "../backend/testdata/sot-mram-45nm-64banks.yaml"} {
		tg, err := Load(filepath.FromSlash(f))
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tg)
	}
	return ts
}

// TestEmbedRoundTrip: the embedded description loads back to the same
// name, fingerprint and cost fingerprint, and is a fixed point of the
// canonical encoding (embedding the loaded description gives the same bytes).
func TestEmbedRoundTrip(t *testing.T) {
	for _, tg := range descriptions(t) {
		p := &isa.Program{TargetName: tg.Name, TargetFingerprint: tg.Fingerprint()}
		if got, err := Embedded(p, "p.pimb: section targetdesc"); got != nil || err != nil {
			t.Fatalf("%s: program without a description: %v, %v; want nil, nil", tg.Name, got, err)
		}
		if err := Embed(p, tg); err != nil {
			t.Fatalf("%s: %v", tg.Name, err)
		}
		if strings.Contains(string(p.TargetDesc), `"base"`) {
			t.Errorf("%s: embedded description names a base preset; it must be complete", tg.Name)
		}
		back, err := Embedded(p, "p.pimb: section targetdesc")
		if err != nil {
			t.Fatalf("%s: %v", tg.Name, err)
		}
		if back.Name != tg.Name || back.Fingerprint() != tg.Fingerprint() || back.CostFingerprint() != tg.CostFingerprint() {
			t.Errorf("%s: loads back as %s with other fingerprints", tg.Name, back.Name)
		}
		q := &isa.Program{TargetName: back.Name, TargetFingerprint: back.Fingerprint()}
		if err := Embed(q, back); err != nil || !bytes.Equal(q.TargetDesc, p.TargetDesc) {
			t.Errorf("%s: re-embedding gives other bytes (%v)", tg.Name, err)
		}
	}
}

// TestEmbedErrors: a damaged or foreign description is refused with one
// line naming where it is and what is wrong.
func TestEmbedErrors(t *testing.T) {
	def := Default()
	good := &isa.Program{TargetName: def.Name, TargetFingerprint: def.Fingerprint()}
	if err := Embed(good, def); err != nil {
		t.Fatal(err)
	}
	big, err := Load("../backend/testdata/sot-mram-45nm-64banks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := Embed(&isa.Program{TargetName: def.Name, TargetFingerprint: def.Fingerprint()}, big); err == nil ||
		!strings.Contains(err.Error(), `cannot embed "sot-mram-45nm-64banks"`) {
		t.Errorf("Embed of another target: %v", err)
	}
	const where = "p.pimb: section targetdesc"
	edit := func(f func(s string) string) *isa.Program {
		p := *good
		p.TargetDesc = []byte(f(string(good.TargetDesc)))
		return &p
	}
	cases := []struct {
		name string
		p    *isa.Program
		want string
	}{
		{"not JSON", edit(func(string) string { return "\x00\xffgarbage" }), where + ": invalid hardware description: decode JSON:"},
		{"truncated", edit(func(s string) string { return s[:len(s)/2] }), where + ": invalid hardware description: decode JSON:"},
		{"fails validation", edit(func(s string) string {
			return strings.Replace(s, `"rows": {
      "value": 256`, `"rows": {
      "value": 5000`, 1)
		}), where + ": invalid hardware description: geometry.rows: 5000 outside [2, 1024]"},
		{"unknown key", edit(func(s string) string { return strings.Replace(s, `"name":`, `"colour": 1, "name":`, 1) }), `unknown field "colour"`},
		{"other geometry", edit(func(s string) string {
			return strings.Replace(s, `"banks": {
      "value": 16`, `"banks": {
      "value": 64`, 1)
		}), where + `: describes target "sot-mram-45nm" (fingerprint `},
		{"other name", edit(func(s string) string {
			return strings.Replace(s, `"name": "sot-mram-45nm"`, `"name": "other"`, 1)
		}), where + `: describes target "other", but the program header names "sot-mram-45nm"`},
	}
	for _, c := range cases {
		if bytes.Equal(c.p.TargetDesc, good.TargetDesc) {
			t.Fatalf("%s: the edit did not apply", c.name)
		}
		_, err := Embedded(c.p, where)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans several lines: %q", c.name, err)
		}
	}
}

// TestEmbeddedBindsUnbound: hand-written assembly that gives a description
// but no fingerprint is bound to that description.
func TestEmbeddedBindsUnbound(t *testing.T) {
	def := Default()
	p := &isa.Program{TargetName: def.Name, TargetFingerprint: def.Fingerprint()}
	if err := Embed(p, def); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", def.Name} {
		q := &isa.Program{TargetName: name, TargetDesc: p.TargetDesc}
		got, err := Embedded(q, "t.pasm: .targetdesc lines")
		if err != nil || got == nil || q.TargetFingerprint != def.Fingerprint() || q.TargetName != def.Name {
			t.Errorf("name %q: %v; program bound to %q %x", name, err, q.TargetName, q.TargetFingerprint[:4])
		}
	}
	q := &isa.Program{TargetName: "other", TargetDesc: p.TargetDesc}
	if _, err := Embedded(q, "t.pasm: .targetdesc lines"); err == nil {
		t.Error("an unbound program naming another target was bound to the description")
	}
}
