//go:build linux

package crashtest

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pimc-dev/pimc/internal/testcorpus"
)

var (
	flagKills = flag.Int("crash.kills", 0, "SIGKILLs to deliver (default 20, or 100 with -crash.long)")
	flagSeed  = flag.Uint64("crash.seed", 1, "seed of the kill schedule")
	flagLong  = flag.Bool("crash.long", false, "the longer configuration for runs by hand (docs/ADMM.md \"Crash safety\")")
)

// shortConfig takes about 1.5 s uninterrupted on 2 idle cores, most of
// it loading MNIST. Every piece of state a checkpoint carries changes its
// result: two epochs per ADMM update (a checkpoint inside an update holds
// the optimizer's momentum and the learning-rate position), masks, Z, U and
// rho, STE shadows, activation quantizers calibrated every few steps, and
// the distillation teacher.
const shortConfig = `
defaults: {prune: {filter: 0.5, column: 0.5}, wbits: 4}
layers:
  fc3: {prune: {column: 0.5}}
admm: {updates: 2, epochs_per_update: 2, retrain_epochs: 2, quant_updates: 1, quant_retrain_epochs: 2,
       quant_retrain: ste, act_bits: {fc1: 4, fc2: 4}, act_calib_every: 3, distill: 0.3,
       limit: 512, batch: 64, lr: 0.02}
`

// longConfig (-crash.long) trains on 4096 images with Adam (whose step
// count is state too) for 18 epochs, about 10 s uninterrupted on 2 idle
// cores.
const longConfig = `
defaults: {prune: {filter: 0.5, column: 0.6}, wbits: 4}
layers:
  conv2: {prune: {filter: 0.25, column: 0.3}}
  fc3: {prune: {column: 0.5}, wbits: 4}
admm: {updates: 3, epochs_per_update: 2, retrain_epochs: 4, quant_updates: 2, quant_retrain_epochs: 4,
       quant_retrain: ste, act_bits: {fc1: 4, fc2: 4, fc3: 4}, act_calib_every: 5, distill: 0.5,
       optimizer: adam, limit: 4096, batch: 64, lr: 0.002, quant_lr: 0.001, seed: 3}
`

// layerwiseConfig: the layer-wise mode keeps no checkpoint (it has no
// epochs to lose: LeNet-5 takes seconds); killed, it starts again, and
// must still end with the same bytes and nothing left behind.
const layerwiseConfig = `
defaults: {prune: {filter: 0.5, column: 0.5}, wbits: 4}
layers:
  fc3: {prune: {column: 0.5}}
admm: {calib_images: 64, layerwise_iters: 10}
`

// TestCompressSurvivesSIGKILL is the crash test of pimc compress: one
// uninterrupted reference run, then episodes that each start from nothing
// and run `pimc compress ... -resume` until it exits 0, killing it with
// SIGKILL (scheduler says when) until the wanted number of kills is
// reached. Every episode must end with the reference's bytes and nothing
// else in its directory.
func TestCompressSurvivesSIGKILL(t *testing.T) {
	cfg, kills := shortConfig, 20
	if *flagLong {
		cfg, kills = longConfig, 100
	}
	if *flagKills > 0 {
		kills = *flagKills
	}
	st := crashRun(t, "admm", cfg, kills)
	if st.fired["checkpoint-write"] == 0 || st.beforeCheckpoint == 0 {
		t.Errorf("no kill landed in a checkpoint write (%d) or before the first checkpoint (%d): the schedule misses part of the run", st.fired["checkpoint-write"], st.beforeCheckpoint)
	}
}

// TestLayerwiseSurvivesSIGKILL: the same for -mode layerwise, with 6 kills.
func TestLayerwiseSurvivesSIGKILL(t *testing.T) {
	crashRun(t, "layerwise", layerwiseConfig, 6)
}

// crashRun runs the reference and the killed episodes of one mode.
func crashRun(t *testing.T, mode, cfg string, kills int) *stats {
	model, err := filepath.Abs(filepath.Join("..", "..", "testdata", "models", "lenet5", "lenet5.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	cfgPath := filepath.Join(root, "c.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, bin: pimc(t), args: []string{"compress", model, "-mode", mode, "-dataset", "mnist", "-config", cfgPath, "-o", outName, "-eval", "100", "-val", "200", "-resume"}}

	refDir := h.mkdir(root, "reference")
	start := time.Now()
	a := h.attempt(refDir, plan{})
	refTime := time.Since(start)
	if a.code != 0 && strings.Contains(a.stderr, "go mod download") {
		testcorpus.Missing(t, "dataset mnist", fmt.Errorf("%s", strings.TrimSpace(a.stderr)))
	}
	if a.killed || a.code != 0 {
		t.Fatalf("reference run: exit %d\n%s", a.code, a.stderr)
	}
	if mode == "admm" && a.firstCkpt == 0 {
		t.Fatalf("reference run wrote no checkpoint\n%s", a.stderr)
	}
	ref := h.finalOutput(refDir)
	t.Logf("reference run (%s): %.2fs (first checkpoint after %.2fs), %d epochs, %d bytes", mode, refTime.Seconds(), a.firstCkpt.Seconds(), strings.Count(a.stderr, " epoch "), len(ref))

	sch := &scheduler{rng: rand.New(rand.NewPCG(*flagSeed, 0x637261736874)), run: refTime, first: a.firstCkpt}
	if a.firstCkpt == 0 {
		sch.first = refTime
	}
	st := &stats{}
	start = time.Now()
	for ep := 0; st.kills < kills; ep++ {
		dir := h.mkdir(root, fmt.Sprintf("episode%d", ep))
		for attempts := 0; ; attempts++ {
			if attempts > 20*kills+20 {
				t.Fatalf("episode %d: no end after %d attempts", ep, attempts)
			}
			p := sch.next(st.kills < kills, attempts == 0)
			a := h.attempt(dir, p)
			if !a.killed {
				if a.code != 0 {
					t.Fatalf("episode %d attempt %d (%s): exit %d\n%s", ep, attempts, p, a.code, a.stderr)
				}
				break
			}
			st.add(a, p)
		}
		if got := h.finalOutput(dir); !bytes.Equal(got, ref) {
			t.Fatalf("episode %d: the resumed model differs from the reference (%d vs %d bytes, first difference at byte %d)", ep, len(got), len(ref), firstDiff(got, ref))
		}
		st.episodes++
	}
	t.Logf("%s: %d kills in %d episodes in %.1fs (reference %.2fs, seed %d): %s", mode, st.kills, st.episodes, time.Since(start).Seconds(), refTime.Seconds(), *flagSeed, st.summary())
	return st
}

const outName = "out.onnx"

type harness struct {
	t    *testing.T
	bin  string
	args []string
}

// The pimc binary, built once per test binary into binDir (TestMain
// removes it).
var (
	binDir    string
	buildOnce sync.Once
	bin       string
	buildErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// pimc returns the path of a pimc built from this tree.
func pimc(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "crashtest"); buildErr != nil {
			return
		}
		bin = filepath.Join(binDir, "pimc")
		gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if out, err := exec.Command(gotool, "build", "-o", bin, "github.com/pimc-dev/pimc/cmd/pimc").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

func (h *harness) mkdir(root, name string) string {
	d := filepath.Join(root, name)
	if err := os.Mkdir(d, 0o755); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// finalOutput returns the output of a finished run, failing the test when
// anything else (a checkpoint, a temporary file) is left in dir.
func (h *harness) finalOutput(dir string) []byte {
	h.t.Helper()
	if names := list(dir); !slices.Equal(names, []string{outName}) {
		h.t.Fatalf("%s holds %q after the run finished, want only %s", dir, names, outName)
	}
	b, err := os.ReadFile(filepath.Join(dir, outName))
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

func list(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// plan says when an attempt is killed: after a delay, or the moment a
// name of its nth checkpoint write (the temporary name between the link
// and the rename; a checkpoint write has one whenever an older checkpoint
// exists) or of its output appears, or the moment the output is renamed
// into place.
type plan struct {
	kind  string // "" (never), "delay", "checkpoint-write", "output-write", "output-renamed"
	delay time.Duration
	nth   int
	procs int // GOMAXPROCS
}

func (p plan) String() string {
	s := "no kill"
	switch p.kind {
	case "delay":
		s = fmt.Sprintf("kill after %v", p.delay.Round(time.Millisecond))
	case "checkpoint-write":
		s = fmt.Sprintf("kill in checkpoint write %d", p.nth)
	case "output-write":
		s = "kill when the output gets a name"
	case "output-renamed":
		s = "kill when the output is in place"
	}
	return fmt.Sprintf("%s, GOMAXPROCS %d", s, p.procs)
}

// scheduler deals the kills. The first attempt of an episode dies after a
// uniform delay before the reference wrote its first checkpoint (program
// start, MNIST loading, the first epoch, the first checkpoint write). The
// others take their kind from a shuffled deck, so every cycle of eight
// kills has four after a uniform delay within the reference run's duration
// (any phase), two in a checkpoint write (the 1st to 3rd of the attempt,
// between the link of its temporary name and the rename), one the moment
// the output gets a name and one the moment it is renamed into place, both
// before the checkpoint is removed: moments a delay would rarely hit. Every attempt also runs with its own GOMAXPROCS
// (1 to 4), as a run resumed on another machine would.
type scheduler struct {
	rng        *rand.Rand
	run, first time.Duration // the reference run's duration and its first checkpoint's time
	deck       []string
}

func (s *scheduler) next(kill, firstAttempt bool) plan {
	p := plan{procs: 1 + s.rng.IntN(4)}
	switch {
	case !kill:
		return p
	case firstAttempt:
		p.kind, p.delay = "delay", time.Duration(s.rng.Int64N(int64(s.first)))
		return p
	}
	if len(s.deck) == 0 {
		s.deck = []string{"delay", "delay", "delay", "delay", "checkpoint-write", "checkpoint-write", "output-write", "output-renamed"}
		s.rng.Shuffle(len(s.deck), func(i, j int) { s.deck[i], s.deck[j] = s.deck[j], s.deck[i] })
	}
	p.kind, s.deck = s.deck[0], s.deck[1:]
	switch p.kind {
	case "delay":
		p.delay = time.Duration(s.rng.Int64N(int64(s.run)))
	case "checkpoint-write":
		p.nth = 1 + s.rng.IntN(3)
	}
	return p
}

type result struct {
	firstCkpt time.Duration // when the first checkpoint took its place (0: never)
	killed    bool
	code      int
	stderr    string
	left      []string // new directory entries right after the kill, and the output
	hadCkpt   bool
	fired     bool   // the plan's kill was sent (not only planned)
	lastEpoch string // the last progress line's phase and epoch
}

var epochLine = regexp.MustCompile(`(?m)^(\S+)\s+epoch (\d+/\d+):`)

// attempt runs pimc once in dir and kills it as p says.
func (h *harness) attempt(dir string, p plan) result {
	h.t.Helper()
	cmd := exec.Command(h.bin, h.args...)
	cmd.Dir = dir
	if p.procs > 0 {
		cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", p.procs))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	w, err := watch(dir)
	if err != nil {
		h.t.Fatal(err)
	}
	before := list(dir)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	var fired atomic.Bool
	kill := func() {
		if cmd.Process.Kill() == nil {
			fired.Store(true)
		}
	}
	if p.kind == "delay" {
		tm := time.AfterFunc(p.delay, kill)
		defer tm.Stop()
	}
	var firstCkpt time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		ckpt, n, killed := outName+".ckpt", 0, false
		w.events(func(name string, moved bool) bool {
			if moved && name == ckpt && firstCkpt == 0 {
				firstCkpt = time.Since(start)
			}
			// A checkpoint or output write makes a temporary name (a
			// named temporary file, or the name an O_TMPFILE file has
			// between its link and its rename over the existing file),
			// or links the file straight to its name when there is none
			// yet.
			isCkptTemp := !moved && strings.Contains(name, ckpt) && name != ckpt
			isOutName := !moved && !isCkptTemp && strings.Contains(name, outName)
			switch {
			case killed:
			case p.kind == "checkpoint-write" && isCkptTemp:
				if n++; n == p.nth {
					kill()
					killed = true
				}
			case p.kind == "output-write" && isOutName, p.kind == "output-renamed" && moved && name == outName:
				kill()
				killed = true
			}
			return true
		})
	}()
	err = cmd.Wait()
	w.close()
	<-done
	r := result{stderr: stderr.String(), firstCkpt: firstCkpt, fired: fired.Load()}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.killed = true
		} else {
			r.code = ee.ExitCode()
		}
	} else if err != nil {
		h.t.Fatal(err)
	}
	if r.killed {
		for _, n := range list(dir) {
			if !slices.Contains(before, n) || n == outName {
				r.left = append(r.left, n)
			}
		}
		_, serr := os.Stat(filepath.Join(dir, outName+".ckpt"))
		r.hadCkpt = serr == nil
		if m := epochLine.FindAllStringSubmatch(r.stderr, -1); len(m) > 0 {
			last := m[len(m)-1]
			r.lastEpoch = last[1] + " " + last[2]
		}
	}
	return r
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// stats counts where the kills landed.
type stats struct {
	kills, episodes  int
	beforeCheckpoint int // no checkpoint on disk after the kill
	ckptTempLeft     int // a new checkpoint temporary file was left
	outTempLeft      int // a new output temporary file was left
	afterOutput      int // the output existed when the run died
	byPlan           map[string]int
	fired            map[string]int // kills sent as planned, by plan kind (a few die first of another cause: none here)
	after            map[string]int // kills by the last epoch finished before them
}

func (s *stats) add(r result, p plan) {
	if s.byPlan == nil {
		s.byPlan, s.fired, s.after = map[string]int{}, map[string]int{}, map[string]int{}
	}
	s.kills++
	s.byPlan[p.kind]++
	if r.fired {
		s.fired[p.kind]++
	}
	if !r.hadCkpt {
		s.beforeCheckpoint++
	}
	for _, n := range r.left {
		switch {
		case n == outName:
			s.afterOutput++
		case strings.Contains(n, outName+".ckpt") && n != outName+".ckpt":
			s.ckptTempLeft++
		case strings.Contains(n, outName) && n != outName+".ckpt":
			s.outTempLeft++
		}
	}
	at := r.lastEpoch
	if at == "" {
		at = "start"
	}
	s.after[strings.Fields(at)[0]]++
}

func (s *stats) summary() string {
	keys := func(m map[string]int) string {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprintf("kinds: %s; sent as planned: %s; %d before the first checkpoint, %d after the output had its name; temporary files left by the kill (removed by the next write): %d checkpoint, %d output; by phase of the attempt's last finished epoch: %s",
		keys(s.byPlan), keys(s.fired), s.beforeCheckpoint, s.afterOutput, s.ckptTempLeft, s.outTempLeft, keys(s.after))
}
