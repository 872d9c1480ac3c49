package driver

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
)

// TestBitsNotes: at -wbits 4 -abits 4 the default pipeline keeps LeNet-5's
// first and last matrix layers at 8 bits (keep-ends) and its logits at 16
// (out-bits): BitsNotes says so for exactly those layers and EndsNote
// titles the column "ends 8-bit"; at W8A8 only the logits differ, which no
// title mentions; a graph quantized elsewhere (a .pir) has no asked widths
// and no notes.
func TestBitsNotes(t *testing.T) {
	res, err := Compile(leNet(t), Options{WBits: 4, ABits: 4, Calib: "random:1"})
	if err != nil {
		t.Fatal(err)
	}
	notes := res.BitsNotes()
	last := len(res.Layers) - 1
	for i, n := range notes {
		switch i {
		case 0:
			if n != "w8 (keep-ends), a8 out (keep-ends), not -wbits 4 -abits 4" {
				t.Errorf("first layer: %q", n)
			}
		case last:
			if !strings.HasPrefix(n, "w8 (keep-ends), a16 out (output read by the host: out-bits)") {
				t.Errorf("last layer: %q", n)
			}
		default:
			if n != "" {
				t.Errorf("layer %s at the asked widths has the note %q", res.Layers[i].Node, n)
			}
		}
	}
	if got := res.EndsNote(); got != "ends 8-bit" {
		t.Errorf("EndsNote at W4A4: %q", got)
	}
	res8, err := Compile(leNet(t), Options{Calib: "random:1"})
	if err != nil {
		t.Fatal(err)
	}
	if n := res8.BitsNotes(); n[0] != "" || !strings.HasPrefix(n[last], "a16 out") || res8.EndsNote() != "" {
		t.Errorf("W8A8: notes %q, title note %q", n, res8.EndsNote())
	}
	res8.Asked = Widths{}
	if res8.BitsNotes() != nil {
		t.Error("notes without asked widths")
	}
}

// TestBitsNotesResizeKernel: the conv resize-lower makes of a nearest
// upsampling (a kernel of ones) declares fewer weight bits than asked,
// and BitsNotes gives that reason, not a per-layer setting; EndsNote does
// not call the model mixed for it.
func TestBitsNotesResizeKernel(t *testing.T) {
	g, err := frontend.Load("../testdata/models/upsample/upsample_nearest.onnx", frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Compile(g, Options{Calib: "random:1"})
	if err != nil {
		t.Fatal(err)
	}
	seen := false
	for i, n := range res.BitsNotes() {
		if res.Layers[i].OnnxOp == "Resize" {
			seen = true
			if !strings.HasPrefix(n, "w2 (resize kernel, exact at these bits)") {
				t.Errorf("resize layer %s: %q", res.Layers[i].Node, n)
			}
		}
	}
	if !seen {
		t.Error("no layer from the Resize")
	}
	if got := res.EndsNote(); got != "" {
		t.Errorf("EndsNote %q", got)
	}
}
