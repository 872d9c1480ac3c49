package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/sweep"
)

func init() {
	register(&command{name: "sweep", summary: "compile, simulate and evaluate every point of a sweep spec (models x bits x targets), resumable; results.csv with the Pareto front (docs/SWEEP.md)", run: runSweep})
}

func runSweep(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sweep", "SPEC.yaml -o DIR [-j N] [-task I] | -merge DIR", stderr)
	out := fs.String("o", "", "the sweep folder: points/HASH.json per point, plan.json, results.csv, results.jsonl, pareto.csv (made if missing; points already there are skipped)")
	jobs := fs.Int("j", -1, "points computed at once (-1: all cores); the rows do not depend on it")
	task := fs.Int("task", -1, "compute point I only (0-based, spec order) and assemble nothing: one task of a job array")
	merge := fs.String("merge", "", "assemble DIR/results.csv, results.jsonl and pareto.csv from DIR/points (no SPEC)")
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
		rows, err := sweep.Merge(*merge)
		if err != nil {
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
	}
	if code := checkPaths(fs, outfile.Input("spec", pos[0]), outfile.OutputDir("-o", *out)); code != exitOK {
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
		fmt.Fprintf(stdout, "results: %s (Pareto front: %s)\n", filepath.Join(*out, sweep.ResultsCSV), filepath.Join(*out, sweep.ParetoCSV))
	}
	return exitOK
}
