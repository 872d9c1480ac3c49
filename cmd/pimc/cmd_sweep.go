package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/sweep"
)

func init() {
	register(&command{name: "sweep", summary: "compile, simulate and evaluate every point of a sweep spec (models x compression x bits x targets x faults), resumable, locally or as a Slurm or Kubernetes job array; results.csv with the Pareto front (docs/SWEEP.md)", run: runSweep})
}

func runSweep(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sweep", "SPEC.yaml -o DIR [-j N] [-html FILE] [-task I] [-slurm [-partition P] [-time T] [-array-max N] [-sbatch-args ARGS] [-dry-run]] [-k8s -image IMG [-pvc CLAIM]] | -merge DIR", stderr)
	out := fs.String("o", "", "the sweep folder: points/HASH.json per point, plan.json, results.csv, results.jsonl, pareto.csv, report.html (made if missing; points already there are skipped)")
	htmlPath := fs.String("html", "", "also write the visual report (Pareto charts of energy, latency, area and accuracy, and the rows; DIR/report.html has it too) to this file, with this command line on it (- for stdout)")
	jobs := fs.Int("j", -1, "points computed at once (-1: all cores); the rows do not depend on it")
	task := fs.Int("task", -1, "compute point I only (0-based, spec order) and assemble nothing: one task of a job array")
	merge := fs.String("merge", "", "assemble DIR/results.csv, results.jsonl and pareto.csv from DIR/points (no SPEC)")
	slurm := fs.Bool("slurm", false, "write DIR/sweep.sbatch (a job array, one task per point) and DIR/merge.sbatch and submit them with sbatch, the merge after the array (--dependency=afterok)")
	partition := fs.String("partition", "", "-slurm: the partition (#SBATCH --partition)")
	timeLimit := fs.String("time", "", "-slurm: each task's time limit (#SBATCH --time, e.g. 00:30:00)")
	arrayMax := fs.Int("array-max", 0, "-slurm, -k8s: the most tasks running at once (0: no limit)")
	sbatchArgs := fs.String("sbatch-args", "", "-slurm: further sbatch options for both jobs, separated by spaces (e.g. \"--account=A --mem=2G\")")
	dryRun := fs.Bool("dry-run", false, "-slurm: write the scripts and print them and the sbatch commands, submit nothing")
	k8s := fs.Bool("k8s", false, "write DIR/sweep-job.yaml: a Kubernetes Indexed Job of one completion per point and the merge Job")
	image := fs.String("image", "", "-k8s: the container image with pimc on its PATH (required)")
	pvc := fs.String("pvc", "", "-k8s: the PersistentVolumeClaim holding the spec, its models and DIR, mounted at "+sweep.KubeMount+" (the tasks' working folder)")
	withOutputRules(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "pimc sweep: %v\n", err)
		return exitUser
	}
	if *merge != "" {
		if len(pos) != 0 || *out != "" {
			return usageError(fs, "-merge DIR takes no SPEC and no -o")
		}
		if code := checkPaths(fs, outfile.Output("-html", *htmlPath)); code != exitOK {
			return code
		}
		rows, err := sweep.Merge(*merge)
		if err != nil {
			return fail(err)
		}
		if err := writeSweepHTML(*htmlPath, rows, args, stdout); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%d rows: %s\n", len(rows), filepath.Join(*merge, sweep.ResultsCSV))
		return exitOK
	}
	switch {
	case len(pos) != 1:
		return usageError(fs, "%s", argCount("one SPEC.yaml argument", pos))
	case *out == "":
		return usageError(fs, "-o DIR is required")
	case *jobs == 0 || *jobs < -1:
		return usageError(fs, "-j %d: want -1 (all cores) or a positive count", *jobs)
	case *task < -1:
		return usageError(fs, "-task %d: want a point index (0 or more)", *task)
	case *slurm && *k8s:
		return usageError(fs, "-slurm and -k8s: give one")
	case (*slurm || *k8s) && *task >= 0:
		return usageError(fs, "-task runs one point here; -slurm and -k8s write the jobs that run them all")
	case !*slurm && (*partition != "" || *timeLimit != "" || *sbatchArgs != "" || *dryRun):
		return usageError(fs, "-partition, -time, -sbatch-args and -dry-run go with -slurm")
	case !*k8s && (*image != "" || *pvc != ""):
		return usageError(fs, "-image and -pvc go with -k8s")
	case *k8s && *image == "":
		return usageError(fs, "-k8s needs -image IMG")
	case *arrayMax < 0:
		return usageError(fs, "-array-max %d: want 0 (no limit) or a positive count", *arrayMax)
	case *htmlPath != "" && (*slurm || *k8s || *task >= 0):
		return usageError(fs, "-html goes with a local run or -merge (the merge job writes DIR/report.html)")
	}
	if code := checkPaths(fs, outfile.Input("spec", pos[0]), outfile.OutputDir("-o", *out), outfile.Output("-html", *htmlPath)); code != exitOK {
		return code
	}
	spec, err := sweep.LoadSpec(pos[0])
	if err != nil {
		return fail(err)
	}
	plan, err := sweep.NewPlan(spec)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", pos[0], err))
	}
	if *slurm || *k8s {
		return submitSweep(plan, pos[0], *out, *slurm, sweep.ArrayJob{Partition: *partition, Time: *timeLimit, ArrayMax: *arrayMax, SbatchArgs: strings.Fields(*sbatchArgs)},
			sweep.KubeJob{Image: *image, Claim: *pvc, Parallelism: *arrayMax}, *dryRun, stdout, fail)
	}
	bar := newProgress(stderr, "sweep")
	sum, err := sweep.Run(plan, *out, sweep.Options{Jobs: *jobs, Task: *task, Progress: bar.update})
	bar.done()
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "%d points: %d computed, %d already done, in %s\n", sum.Points, sum.Computed, sum.Skipped, fmtWall(sum.Wall))
	for _, name := range sum.Failed {
		fmt.Fprintf(stdout, "point %s failed: see its error column\n", name)
	}
	if *task < 0 {
		if err := writeSweepHTML(*htmlPath, sum.Rows, args, stdout); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "results: %s (Pareto front: %s; visual report: %s)\n", filepath.Join(*out, sweep.ResultsCSV), filepath.Join(*out, sweep.ParetoCSV), filepath.Join(*out, sweep.ReportHTML))
	}
	return exitOK
}

// writeSweepHTML writes the sweep's visual report to path ("": nothing)
// with the command line on it.
func writeSweepHTML(path string, rows []sweep.Row, args []string, stdout io.Writer) error {
	if path == "" {
		return nil
	}
	p := sweep.Page(rows)
	p.Command = commandLine("sweep", args)
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		return err
	}
	return outfile.WriteOutput(path, b.Bytes(), stdout)
}

// submitSweep writes the Slurm scripts and submits them (or prints them,
// dryRun), or writes the Kubernetes manifest. The Slurm tasks run this
// binary with absolute paths (a file system the nodes share); the
// Kubernetes pods run the image's pimc with the paths as given.
func submitSweep(plan *sweep.Plan, spec, dir string, slurm bool, j sweep.ArrayJob, k sweep.KubeJob, dryRun bool, stdout io.Writer, fail func(error) int) int {
	j.Points = len(plan.Points)
	if err := outfile.MkdirAll(dir); err != nil {
		return fail(err)
	}
	if err := sweep.WritePlan(plan, dir); err != nil {
		return fail(err)
	}
	if !slurm {
		j.Spec, j.Dir = spec, dir
		p, err := sweep.WriteKube(j, k, dir)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%d tasks: %s (kubectl apply -f it; the second Job merges, apply it after the first completed)\n", j.Points, p)
		return exitOK
	}
	var err error
	if j.Pimc, err = os.Executable(); err != nil {
		return fail(err)
	}
	if j.Spec, err = filepath.Abs(spec); err != nil {
		return fail(err)
	}
	if j.Dir, err = filepath.Abs(dir); err != nil {
		return fail(err)
	}
	arrayPath, mergePath, err := sweep.WriteSlurm(j)
	if err != nil {
		return fail(err)
	}
	if dryRun {
		array, merge := sweep.SlurmScripts(j)
		a, m := sweep.SbatchCommands(j, arrayPath, mergePath, "ARRAY_JOB_ID")
		fmt.Fprintf(stdout, "# %s\n%s\n# %s\n%s\n# submit:\n%s\n%s\n", arrayPath, array, mergePath, merge, strings.Join(a, " "), strings.Join(m, " "))
		return exitOK
	}
	arrayID, mergeID, err := sweep.SubmitSlurm(j, arrayPath, mergePath)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "submitted: job array %s (%d tasks), merge job %s after it; results: %s\n", arrayID, j.Points, mergeID, filepath.Join(j.Dir, sweep.ResultsCSV))
	return exitOK
}
