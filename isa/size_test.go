package isa

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestEncodedSize: EncodedSize is the length EncodeBinary produces, for the
// seed programs and random ones with every optional section.
func TestEncodedSize(t *testing.T) {
	var ps []*Program
	r := rand.New(rand.NewPCG(21, 22))
	for i := range 300 {
		p := randProgram(r)
		if i%3 == 0 {
			p.Host = bytes.Repeat([]byte("host "), r.IntN(50)+1)
		}
		ps = append(ps, p)
	}
	ps = append(ps, validProgram(), &Program{})
	for i, p := range ps {
		b, err := EncodeBinary(p)
		if err != nil {
			t.Fatalf("program %d: %v", i, err)
		}
		if got := EncodedSize(p); got != int64(len(b)) {
			t.Fatalf("program %d: EncodedSize = %d, EncodeBinary wrote %d bytes", i, got, len(b))
		}
	}
}

// failingWriter accepts max bytes, then fails; it records the largest
// single write.
type failingWriter struct {
	max, n, largest int
}

var errFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	w.largest = max(w.largest, len(p))
	if w.n+len(p) > w.max {
		return 0, errFull
	}
	w.n += len(p)
	return len(p), nil
}

// TestPrintAsmStreams: PrintAsm writes the text in chunks of about 64 KiB
// as it goes (never the whole text at once), and stops at the first write
// error, returning it.
func TestPrintAsmStreams(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	p := &Program{Sources: []Source{{Layer: "conv1", Node: "Conv_0", Value: "y"}}}
	for range 30_000 {
		p.Code = append(p.Code, randInstr(r, 30_000))
	}
	full := FormatAsm(p)
	if len(full) < 1<<20 {
		t.Fatalf("the text is only %d bytes", len(full))
	}
	w := &failingWriter{max: len(full)}
	if err := PrintAsm(w, p); err != nil || w.n != len(full) {
		t.Fatalf("PrintAsm = %v after %d of %d bytes", err, w.n, len(full))
	}
	if w.largest > 128<<10 {
		t.Errorf("largest write %d bytes: the text is not streamed", w.largest)
	}
	w = &failingWriter{max: 200 << 10}
	if err := PrintAsm(w, p); !errors.Is(err, errFull) {
		t.Errorf("PrintAsm to a full writer = %v, want %v", err, errFull)
	}
	var b bytes.Buffer
	if err := PrintAsm(&b, p); err != nil || !bytes.Equal(b.Bytes(), full) {
		t.Errorf("PrintAsm and FormatAsm differ (err %v)", err)
	}
}

// TestQuotedLinesInPieces: a host line longer than the printer's buffer is
// quoted piece by piece, and reads exactly as strconv.Quote of the whole
// line (multi-byte runes and invalid UTF-8 across the cuts included).
func TestQuotedLinesInPieces(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	alphabet := []string{"a", "1, ", "é", "€", "\xff", "\xe2\x82", "\t", "\"", "\\", "𝄞"}
	var host bytes.Buffer
	for line := range 4 {
		for range 5000 * (line + 1) {
			host.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		host.WriteByte('\n')
	}
	host.WriteString("no newline at the end")
	var want bytes.Buffer
	for _, line := range bytes.SplitAfter(host.Bytes(), []byte("\n")) {
		if len(line) > 0 {
			want.WriteString(".host " + strconv.Quote(string(line)) + "\n")
		}
	}
	var got bytes.Buffer
	b := &asmWriter{w: &got}
	b.quotedLines(".host", host.Bytes())
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("quotedLines differs from strconv.Quote per line (%d vs %d bytes)", got.Len(), want.Len())
	}
	p, err := ParseAsm("h.pasm", got.Bytes())
	if err != nil || !bytes.Equal(p.Host, host.Bytes()) {
		t.Errorf("the .host lines do not parse back to the host bytes: %v", err)
	}
}
