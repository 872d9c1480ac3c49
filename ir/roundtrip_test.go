package ir

import (
	"bytes"
	"strings"
	"testing"
)

// roundTrip prints g with full constants, parses the text back, checks the
// result equals g and that printing it again gives the same bytes.
func roundTrip(t *testing.T, g *Graph) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Print(&buf, g, PrintOptions{}); err != nil {
		t.Fatalf("Print: %v", err)
	}
	text := buf.String()
	h, err := Parse("roundtrip.pir", buf.Bytes())
	if err != nil {
		t.Fatalf("Parse(Print(g)): %v\n%s", err, text)
	}
	if d := diffGraphs(g, h); len(d) > 0 {
		t.Fatalf("Parse(Print(g)) differs from g:\n%s\ntext:\n%s", strings.Join(d, "\n"), text)
	}
	var again bytes.Buffer
	if err := Print(&again, h, PrintOptions{}); err != nil {
		t.Fatal(err)
	}
	if again.String() != text {
		t.Fatalf("printing the parsed graph gives different text:\n%s\nvs\n%s", again.String(), text)
	}
	return text
}

func TestRoundTripMNIST(t *testing.T) {
	g := mnistLike(t)
	text := roundTrip(t, g)
	t.Log("\n" + text)
	t.Log("\n" + g.String())
}
