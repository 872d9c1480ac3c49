package target

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/isa"
)

// Programs describe themselves: a compiled program carries the full
// description of the target it was compiled for (isa.Program.TargetDesc,
// the .pimb targetdesc section of format v1.4, the .targetdesc lines of
// the assembly), so the simulator can run it without being told the target
// and can tell a wrong -target from a re-costing one (docs/ISA.md §6).
// The embedded form is the canonical JSON of MarshalJSONIndent, the text
// `pimc target show -json` prints: every quantity explicit, no base preset.

// Embed stores t's description in p. p must be bound to t (its header
// fingerprint is t's). The JSON is checked to load back to a description
// with the same Fingerprint and CostFingerprint, so the program will be
// simulated with exactly the numbers it was compiled with.
func Embed(p *isa.Program, t *Target) error {
	if fp := t.Fingerprint(); p.TargetFingerprint != fp {
		return fmt.Errorf("target: cannot embed %q (fingerprint %s...) in a program built for %q (fingerprint %s...)",
			t.Name, shortFP(fp), p.TargetName, shortFP(p.TargetFingerprint))
	}
	b, err := t.MarshalJSONIndent()
	if err != nil {
		return fmt.Errorf("target %s: encode: %w", t.Name, err)
	}
	back, err := parse(t.Name+" (embedded)", b, true, 0)
	if err != nil {
		return fmt.Errorf("BUG: the JSON of target %s does not load back: %w", t.Name, err)
	}
	if back.Fingerprint() != t.Fingerprint() || back.CostFingerprint() != t.CostFingerprint() {
		return fmt.Errorf("BUG: the JSON of target %s loads back with other fingerprints", t.Name)
	}
	p.TargetDesc = b
	return nil
}

// Embedded returns the description p carries, decoded strictly, validated
// and checked against p's header (the same name and fingerprint); nil, nil
// when p carries none (files older than format v1.4, hand-written
// assembly). An unbound program (zero fingerprint: hand-written assembly
// whose .target line gives no fingerprint) is bound to the description it
// carries, as pimc asm -target would bind it. where names the description
// in errors, e.g. "prog.pimb: section targetdesc"; every problem is on one
// line.
func Embedded(p *isa.Program, where string) (*Target, error) {
	if len(p.TargetDesc) == 0 {
		return nil, nil
	}
	t, err := parse(where, p.TargetDesc, true, 0)
	if err != nil {
		var te *Error
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: invalid hardware description: %s", where, strings.Join(te.Problems, "; "))
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if p.TargetFingerprint == ([32]byte{}) && (p.TargetName == "" || p.TargetName == t.Name) {
		p.TargetName, p.TargetFingerprint = t.Name, t.Fingerprint()
	}
	if fp := t.Fingerprint(); fp != p.TargetFingerprint {
		return nil, fmt.Errorf("%s: describes target %q (fingerprint %s...), but the program header says %q (fingerprint %s...)",
			where, t.Name, shortFP(fp), p.TargetName, shortFP(p.TargetFingerprint))
	}
	if t.Name != p.TargetName {
		return nil, fmt.Errorf("%s: describes target %q, but the program header names %q", where, t.Name, p.TargetName)
	}
	return t, nil
}

// shortFP is the first 12 hex digits of a fingerprint, as messages print it.
func shortFP(fp [32]byte) string { return hex.EncodeToString(fp[:6]) }
