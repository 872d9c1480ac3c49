package sweep

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/internal/outfile"
)

// ArrayJob is how the tasks of a sweep are run by a batch system: the pimc
// binary the tasks run (on a file system the nodes share), the spec and
// the sweep folder, and the scheduler's settings.
type ArrayJob struct {
	Pimc, Spec, Dir string
	Points          int
	// Slurm: the partition, the time limit (sbatch --time), the most
	// tasks running at once (--array=...%N; 0: no limit), and further
	// sbatch options for both jobs.
	Partition, Time string
	ArrayMax        int
	SbatchArgs      []string
}

// Slurm files in the sweep folder.
const (
	SlurmScript = "sweep.sbatch"
	MergeScript = "merge.sbatch"
)

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// SlurmScripts are the batch scripts of j: a job array with one task per
// point, each running `pimc sweep SPEC -o DIR -task $SLURM_ARRAY_TASK_ID`,
// and the merge job (`pimc sweep -merge DIR`), submitted to run after the
// whole array succeeded. Their logs go to DIR/logs.
func SlurmScripts(j ArrayJob) (array, merge string) {
	logs := filepath.Join(j.Dir, "logs")
	header := func(name, out string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "#!/bin/sh\n#SBATCH --job-name=%s\n#SBATCH --output=%s\n", name, shellQuote(filepath.Join(logs, out)))
		if j.Partition != "" {
			fmt.Fprintf(&b, "#SBATCH --partition=%s\n", j.Partition)
		}
		if j.Time != "" {
			fmt.Fprintf(&b, "#SBATCH --time=%s\n", j.Time)
		}
		return b.String()
	}
	rng := fmt.Sprintf("0-%d", j.Points-1)
	if j.ArrayMax > 0 {
		rng += fmt.Sprintf("%%%d", j.ArrayMax)
	}
	array = header("pimc-sweep", "task-%a.out") + fmt.Sprintf("#SBATCH --array=%s\nset -e\n", rng) +
		"# One point of the sweep per task; a point already in DIR/points is skipped.\n" +
		fmt.Sprintf("exec %s sweep %s -o %s -task \"$SLURM_ARRAY_TASK_ID\" -j \"${SLURM_CPUS_PER_TASK:-1}\"\n", shellQuote(j.Pimc), shellQuote(j.Spec), shellQuote(j.Dir))
	merge = header("pimc-sweep-merge", "merge.out") + "set -e\n" +
		"# Submitted with --dependency=afterok on the array: every point has its result.\n" +
		fmt.Sprintf("exec %s sweep -merge %s\n", shellQuote(j.Pimc), shellQuote(j.Dir))
	return array, merge
}

// WriteSlurm writes DIR/sweep.sbatch and DIR/merge.sbatch and makes
// DIR/logs (Slurm does not make the folders of --output).
func WriteSlurm(j ArrayJob) (arrayPath, mergePath string, err error) {
	if err := outfile.MkdirAll(filepath.Join(j.Dir, "logs")); err != nil {
		return "", "", err
	}
	array, merge := SlurmScripts(j)
	arrayPath, mergePath = filepath.Join(j.Dir, SlurmScript), filepath.Join(j.Dir, MergeScript)
	if err := outfile.WriteFile(arrayPath, []byte(array), 0o755); err != nil {
		return "", "", err
	}
	if err := outfile.WriteFile(mergePath, []byte(merge), 0o755); err != nil {
		return "", "", err
	}
	return arrayPath, mergePath, nil
}

// SbatchCommands are the two submissions: the array, and the merge job
// depending on it (ARRAYID: the array's job id, known once submitted).
func SbatchCommands(j ArrayJob, arrayPath, mergePath, arrayID string) (array, merge []string) {
	array = append(append([]string{"sbatch", "--parsable"}, j.SbatchArgs...), arrayPath)
	merge = append(append([]string{"sbatch", "--parsable", "--dependency=afterok:" + arrayID}, j.SbatchArgs...), mergePath)
	return array, merge
}

// SubmitSlurm submits the array and the merge job with sbatch and returns
// their job ids.
func SubmitSlurm(j ArrayJob, arrayPath, mergePath string) (arrayID, mergeID string, err error) {
	arrayCmd, _ := SbatchCommands(j, arrayPath, mergePath, "")
	if arrayID, err = sbatch(arrayCmd); err != nil {
		return "", "", err
	}
	_, mergeCmd := SbatchCommands(j, arrayPath, mergePath, arrayID)
	if mergeID, err = sbatch(mergeCmd); err != nil {
		return arrayID, "", err
	}
	return arrayID, mergeID, nil
}

// sbatch runs one submission and returns the job id sbatch --parsable
// prints ("ID" or "ID;CLUSTER").
func sbatch(argv []string) (string, error) {
	out, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if id == "" || strings.Trim(id, "0123456789_") != "" {
		return "", fmt.Errorf("%s: printed %q, want a job id", strings.Join(argv, " "), out)
	}
	return id, nil
}
