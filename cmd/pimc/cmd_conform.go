package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/pimc-dev/pimc/conform"
)

func init() {
	register(&command{name: "conform", summary: "run ONNX test-case folders on the reference interpreter", run: runConform})
}

func runConform(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("conform", "[-rtol R] [-atol A] [-q] [-j N] DIR...", stderr)
	addLimitFlags(fs)
	rtol := fs.Float64("rtol", conform.DefaultTolerance.RTol, "relative tolerance for float outputs")
	atol := fs.Float64("atol", conform.DefaultTolerance.ATol, "absolute tolerance for float outputs")
	quiet := fs.Bool("q", false, "print only failures and the summary")
	jobs := fs.Int("j", runtime.GOMAXPROCS(0), "cases run at once")
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	switch {
	case len(dirs) == 0:
		return usageError(fs, "missing DIR (an ONNX test-case folder or a folder of them)")
	case *jobs < 1:
		return usageError(fs, "-j %d: want a positive count", *jobs)
	case *rtol < 0 || *atol < 0:
		return usageError(fs, "-rtol %g -atol %g: tolerances cannot be negative", *rtol, *atol)
	}
	cases, err := conform.Find(dirs)
	if err != nil {
		fmt.Fprintf(stderr, "pimc conform: %v\n", err)
		return exitUser
	}
	if len(cases) == 0 {
		fmt.Fprintf(stderr, "pimc conform: no test cases (model.onnx with test_data_set_*/ or .npz) below %v\n", dirs)
		return exitUser
	}
	tol := conform.Tolerance{RTol: *rtol, ATol: *atol}
	var passed, failed, skipped int
	conform.RunAll(cases, tol, *jobs, func(r conform.Result) {
		switch r.Status {
		case conform.Pass:
			passed++
			if !*quiet {
				note := ""
				if r.Note != "" {
					note = "; " + r.Note
				}
				fmt.Fprintf(stdout, "PASS %s (max error %.3g%s)\n", r.Case, r.MaxAbsErr, note)
			}
		case conform.Fail:
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %s\n", r.Case, r.Msg)
		case conform.Skip:
			skipped++
			if !*quiet {
				fmt.Fprintf(stdout, "SKIP %s: %s\n", r.Case, r.Msg)
			}
		}
	})
	fmt.Fprintf(stdout, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 {
		return exitUser
	}
	return exitOK
}
