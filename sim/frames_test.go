package sim

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
)

// framesSrc processes up to 4 frames per run on one stream: frame f of y =
// 2 x (frame f of x) + n, where n is the run's frame count (from the count
// word), so a test sees both the frame addressing and the count.
const framesSrc = `
.stream 0 entry=main
.frames 4 count_addr=100
.input "x" addr=0 shape=1x4 type=i8 scale=1 zp=0
.output "y" addr=16 shape=1x4 type=i32 scale=1 zp=0
main:
    ld r1, [r0+100]
    addi r4, r1, 0
    li r2, 0
    li r3, 16
    setvl [r0+4]
    vbcast v1, r1
loop:
    vld v0, [r2+0], 1
    vadd v0, v0, v0
    vadd v0, v0, v1
    vst v0, [r3+0], 1
    addi r2, r2, 4
    addi r3, r3, 4
    dbnz r4, loop
    halt
`

func framesImage(i int) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.FromI64(tensor.Int64, []int64{int64(i), int64(-i), 3, int64(10 * i)}, 1, 4)}
}

func framesWant(i, n int) string {
	return fmt.Sprint([]int64{int64(2*i + n), int64(-2*i + n), int64(6 + n), int64(20*i + n)})
}

// TestInferFrames: a run of n frames reads frame f's inputs and writes its
// outputs at frame f; the count word holds n; Infer runs one frame.
func TestInferFrames(t *testing.T) {
	e, err := Prepare(asm(t, framesSrc), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	if e.Frames() != 4 {
		t.Fatalf("Frames = %d", e.Frames())
	}
	m := e.NewMachine()
	frames := [][]*tensor.Tensor{framesImage(1), framesImage(2), framesImage(3)}
	rs, st, err := m.InferFrames(frames)
	if err != nil {
		t.Fatal(err)
	}
	if st.Frames != 3 || len(rs) != 3 {
		t.Fatalf("Frames %d, %d results", st.Frames, len(rs))
	}
	for f, r := range rs {
		if got := fmt.Sprint(r.Raw[0].I64); got != framesWant(f+1, 3) {
			t.Errorf("frame %d: y = %s, want %s", f, got, framesWant(f+1, 3))
		}
	}
	one, err := m.Infer(framesImage(5))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(one.Raw[0].I64); got != framesWant(5, 1) || one.Stats.Frames != 1 {
		t.Errorf("Infer: y = %s (frames %d), want %s", got, one.Stats.Frames, framesWant(5, 1))
	}
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 frames: the program processes 1 to 4 frames per run"}, {5, "5 frames"}} {
		batch := make([][]*tensor.Tensor, c.n)
		for i := range batch {
			batch[i] = framesImage(i)
		}
		if _, _, err := m.InferFrames(batch); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d frames: %v", c.n, err)
		}
	}
	if _, err := m.ReadOutputRawFrame("y", 4); err == nil || !strings.Contains(err.Error(), "frame 4 outside the program's 4 frame(s) per run") {
		t.Errorf("frame 4: %v", err)
	}
}

// TestRunBatchFrames: a batch of 10 runs as 3 runs of 4, 4 and 2 frames,
// whatever the parallelism, and the report counts 10 images.
func TestRunBatchFrames(t *testing.T) {
	e, err := Prepare(asm(t, framesSrc), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	batch := make([][]*tensor.Tensor, 10)
	for i := range batch {
		batch[i] = framesImage(i)
	}
	var reports []*Report
	for _, par := range []int{1, 2} {
		res, rep, err := e.RunBatch(batch, BatchOptions{Parallel: par})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			n := 4
			if i >= 8 {
				n = 2
			}
			if got := fmt.Sprint(r.Raw[0].I64); got != framesWant(i, n) {
				t.Errorf("parallel %d, image %d: y = %s, want %s", par, i, got, framesWant(i, n))
			}
		}
		if rep.Images != 10 || len(rep.PerImage) != 10 {
			t.Errorf("report of %d images (%d phases), want 10", rep.Images, len(rep.PerImage))
		}
		// Images of one run share its latency equally; the shares add up to
		// the batch.
		a, c := rep.PerImage[0].LatencyNS, rep.PerImage[8].LatencyNS
		if b := rep.PerImage[3].LatencyNS; a != b || a == c || math.Abs(8*a+2*c-rep.Batch.LatencyNS) > 1e-6 {
			t.Errorf("per-image latencies %v, %v, %v; batch %v", a, b, c, rep.Batch.LatencyNS)
		}
		if got, want := rep.PerInference.LatencyNS, rep.Batch.LatencyNS/10; got != want {
			t.Errorf("per inference %v, want batch / 10 = %v", got, want)
		}
		reports = append(reports, rep)
	}
	if !reflect.DeepEqual(reports[0], reports[1]) {
		t.Error("the report depends on the parallelism")
	}
}
