package pimrt_test

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/target"
)

// TestLoadNeedsHostSection: a hand-written program has no host section;
// Load says so instead of guessing the model's inputs.
func TestLoadNeedsHostSection(t *testing.T) {
	tgt := target.Default()
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	b.Emit(isa.OpHalt)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pimrt.Load(p, tgt); err == nil || !strings.Contains(err.Error(), "no host section") {
		t.Fatalf("Load: %v, want a missing host section error", err)
	}
	p.Host = []byte("pimc-host 2\npir\n")
	if _, err := pimrt.Load(p, tgt); err == nil || !strings.Contains(err.Error(), "pimc-host 1") {
		t.Fatalf("Load of a bad host section: %v", err)
	}
}
