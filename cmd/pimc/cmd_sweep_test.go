package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepCLI: a two-point spec runs, a rerun computes nothing, -merge
// assembles the same file, -task runs one point; bad command lines exit 2.
func TestSweepCLI(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(spec, []byte("dataset: mnist\nlimit: 5\nmodels: [{name: lenet5, embedded: lenet5}]\npoints:\n  - {model: lenet5, quant: {wbits: 4, abits: 4}}\n  - {model: lenet5, quant: {wbits: 4, abits: 4, keep_ends: false}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, errs := runCLI("sweep", spec, "-o", out, "-j", "2")
	if code != exitOK || !strings.Contains(stdout, "2 points: 2 computed, 0 already done") {
		t.Fatalf("sweep: exit %d: %s%s", code, stdout, errs)
	}
	csv, err := os.ReadFile(filepath.Join(out, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(csv), "lenet5/w4a4/base,") || !strings.Contains(string(csv), "lenet5/w4a4-noends/base,") {
		t.Errorf("results.csv lacks the two points:\n%s", csv)
	}
	page := filepath.Join(dir, "sweep.html")
	if code, stdout, errs = runCLI("sweep", spec, "-o", out, "-html", page); code != exitOK || !strings.Contains(stdout, "0 computed, 2 already done") {
		t.Errorf("rerun: exit %d: %s%s", code, stdout, errs)
	}
	// -html: DIR/report.html with the command line on it.
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	inDir, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "<h1>pimc sweep: 2 points, ") || !strings.Contains(string(html), "made by <code>pimc sweep "+spec) ||
		strings.Replace(string(html), "<br>made by <code>"+commandLine("sweep", []string{spec, "-o", out, "-html", page})+"</code>", "", 1) != string(inDir) {
		t.Errorf("-html wrote\n%s\nDIR/report.html is\n%s", html, inDir)
	}
	if err := os.Remove(filepath.Join(out, "results.csv")); err != nil {
		t.Fatal(err)
	}
	if code, stdout, errs = runCLI("sweep", "-merge", out); code != exitOK || !strings.Contains(stdout, "2 rows") {
		t.Errorf("-merge: exit %d: %s%s", code, stdout, errs)
	}
	if again, _ := os.ReadFile(filepath.Join(out, "results.csv")); string(again) != string(csv) {
		t.Error("-merge wrote another results.csv")
	}
	if code, _, errs = runCLI("sweep", spec, "-o", out, "-task", "2"); code != exitUser || !strings.Contains(errs, "-task 2: the spec has 2 points") {
		t.Errorf("-task 2: exit %d: %s", code, errs)
	}
	if code, _, errs = runCLI("sweep", "-merge", dir); code != exitUser || !strings.Contains(errs, "plan.json") {
		t.Errorf("-merge of a folder without a sweep: exit %d: %s", code, errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", spec}, "-o DIR is required"},
		{[]string{"sweep", "-o", out}, "missing one SPEC.yaml argument"},
		{[]string{"sweep", spec, "-o", out, "-j", "0"}, "-j 0: want -1"},
		{[]string{"sweep", spec, "-merge", out}, "-merge DIR takes no SPEC"},
		{[]string{"sweep", spec, "-o", out, "-task", "0", "-html", "x.html"}, "-html goes with a local run or -merge"},
	} {
		if code, _, errs := runCLI(c.args...); code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("pimc %s: exit %d, want 2 and %q: %s", strings.Join(c.args, " "), code, c.want, errs)
		}
	}
}

// TestSweepArrayJobsCLI: -slurm -dry-run writes the two scripts and prints
// the sbatch commands without submitting; -k8s writes the manifest.
func TestSweepArrayJobsCLI(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(spec, []byte("dataset: mnist\nlimit: 5\nmodels: [{name: lenet5, embedded: lenet5}]\nquant: [{wbits: 4, abits: 4}, {wbits: 8, abits: 8}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, errs := runCLI("sweep", spec, "-o", out, "-slurm", "-dry-run", "-partition", "debug", "-array-max", "1", "-sbatch-args", "--mem=1G")
	if code != exitOK {
		t.Fatalf("-slurm -dry-run: exit %d: %s", code, errs)
	}
	for _, want := range []string{"#SBATCH --array=0-1%1", "#SBATCH --partition=debug", "-task \"$SLURM_ARRAY_TASK_ID\"",
		"sbatch --parsable --mem=1G " + filepath.Join(out, "sweep.sbatch"), "sbatch --parsable --dependency=afterok:ARRAY_JOB_ID --mem=1G " + filepath.Join(out, "merge.sbatch")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("-dry-run output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"sweep.sbatch", "merge.sbatch", "plan.json", "logs"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("-slurm -dry-run: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "points")); err == nil {
		t.Error("-slurm -dry-run computed points")
	}
	if code, stdout, errs = runCLI("sweep", spec, "-o", out, "-k8s", "-image", "pimc:dev"); code != exitOK || !strings.Contains(stdout, "2 tasks") {
		t.Fatalf("-k8s: exit %d: %s%s", code, stdout, errs)
	}
	if b, err := os.ReadFile(filepath.Join(out, "sweep-job.yaml")); err != nil || !strings.Contains(string(b), "completionMode: Indexed") {
		t.Errorf("sweep-job.yaml: %v\n%s", err, b)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", spec, "-o", out, "-k8s"}, "-k8s needs -image IMG"},
		{[]string{"sweep", spec, "-o", out, "-partition", "x"}, "go with -slurm"},
		{[]string{"sweep", spec, "-o", out, "-slurm", "-k8s", "-image", "i"}, "give one"},
		{[]string{"sweep", spec, "-o", out, "-slurm", "-task", "0"}, "-task runs one point here"},
	} {
		if code, _, errs := runCLI(c.args...); code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("pimc %s: exit %d, want 2 and %q: %s", strings.Join(c.args, " "), code, c.want, errs)
		}
	}
}

// TestEvalShards: three shards of a program's evaluation, merged, give the
// whole run's accuracy and mean latency and energy.
func TestEvalShards(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "l.pimb")
	if code, _, errs := runCLI("compile", "../../internal/lenet5/lenet5.onnx", "-wbits", "4", "-abits", "4", "-o", prog); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	code, whole, errs := runCLI("eval", prog, "-dataset", "mnist", "-limit", "30")
	if code != exitOK {
		t.Fatalf("eval: exit %d: %s", code, errs)
	}
	var parts []string
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("part%d.json", i))
		if code, _, errs := runCLI("eval", prog, "-dataset", "mnist", "-limit", "30", "-shard", fmt.Sprintf("%d/3", i), "-o", p); code != exitOK {
			t.Fatalf("eval -shard %d/3: exit %d: %s", i, code, errs)
		}
		parts = append(parts, p)
	}
	code, merged, errs := runCLI(append([]string{"eval", "-merge"}, parts...)...)
	if code != exitOK {
		t.Fatalf("eval -merge: exit %d: %s", code, errs)
	}
	acc := strings.SplitN(whole, "\n", 2)[0]
	if !strings.Contains(merged, acc+"\n") {
		t.Errorf("merged shards:\n%s\nwant the whole run's %q", merged, acc)
	}
	// "latency X, energy Y" as the whole run prints them.
	hw := whole[strings.Index(whole, "per image"):]
	hw = hw[:strings.Index(hw, ", power")]
	if !strings.Contains(merged, hw+"\n") {
		t.Errorf("merged shards:\n%s\nwant %q", merged, hw)
	}
	if code, _, errs := runCLI("eval", "-merge", parts[0], parts[2]); code != exitUser || !strings.Contains(errs, "shard 1/3 missing") {
		t.Errorf("-merge without shard 1: exit %d: %s", code, errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", prog, "-dataset", "mnist", "-shard", "0/2"}, "go together"},
		{[]string{"eval", prog, "-dataset", "mnist", "-shard", "2/2", "-o", "p.json"}, `-shard "2/2": want i/n`},
		{[]string{"eval", prog, "-dataset", "mnist", "-shard", "0/2", "-o", "p.json", "-faults", "write=0.01"}, "-shard and -faults"},
	} {
		if code, _, errs := runCLI(c.args...); code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("pimc %s: exit %d, want 2 and %q: %s", strings.Join(c.args, " "), code, c.want, errs)
		}
	}
}
