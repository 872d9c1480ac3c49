package sweep

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSlurmScripts(t *testing.T) {
	j := ArrayJob{Pimc: "/opt/pimc bin/pimc", Spec: "/s/lenet5.yaml", Dir: "/s/out", Points: 8, Partition: "cpu", Time: "00:10:00", ArrayMax: 3}
	array, merge := SlurmScripts(j)
	for _, want := range []string{"#!/bin/sh\n", "#SBATCH --array=0-7%3\n", "#SBATCH --partition=cpu\n", "#SBATCH --time=00:10:00\n",
		"#SBATCH --output=/s/out/logs/task-%a.out\n",
		`exec '/opt/pimc bin/pimc' sweep /s/lenet5.yaml -o /s/out -task "$SLURM_ARRAY_TASK_ID"`} {
		if !strings.Contains(array, want) {
			t.Errorf("array script lacks %q:\n%s", want, array)
		}
	}
	if !strings.Contains(merge, "exec '/opt/pimc bin/pimc' sweep -merge /s/out\n") || strings.Contains(merge, "--array") {
		t.Errorf("merge script:\n%s", merge)
	}
	a, m := SbatchCommands(ArrayJob{SbatchArgs: []string{"--account=x"}}, "A", "M", "42")
	if strings.Join(a, " ") != "sbatch --parsable --account=x A" || strings.Join(m, " ") != "sbatch --parsable --dependency=afterok:42 --account=x M" {
		t.Errorf("sbatch commands: %q, %q", a, m)
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote: %s", got)
	}
}

// TestKubeManifest: an Indexed Job of one completion per point, each pod
// running its task from the completion index, and the merge Job.
func TestKubeManifest(t *testing.T) {
	b, err := KubeManifestText(ArrayJob{Spec: "specs/l.yaml", Dir: "out/Run_1", Points: 8}, KubeJob{Image: "reg/pimc:1", Claim: "sweeps", Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	d := yaml.NewDecoder(strings.NewReader(string(b)))
	var docs []map[string]any
	for {
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			break
		}
		docs = append(docs, m)
	}
	if len(docs) != 2 {
		t.Fatalf("%d documents, want 2:\n%s", len(docs), b)
	}
	get := func(m any, path ...any) any {
		for _, k := range path {
			switch k := k.(type) {
			case string:
				m = m.(map[string]any)[k]
			case int:
				m = m.([]any)[k]
			}
		}
		return m
	}
	tasks, merge := docs[0], docs[1]
	for _, c := range []struct {
		got, want any
	}{
		{get(tasks, "apiVersion"), "batch/v1"}, {get(tasks, "kind"), "Job"},
		{get(tasks, "metadata", "name"), "pimc-sweep-run-1"},
		{get(tasks, "spec", "completionMode"), "Indexed"}, {get(tasks, "spec", "completions"), 8}, {get(tasks, "spec", "parallelism"), 4},
		{get(tasks, "spec", "template", "spec", "restartPolicy"), "Never"},
		{get(tasks, "spec", "template", "spec", "containers", 0, "image"), "reg/pimc:1"},
		{get(tasks, "spec", "template", "spec", "containers", 0, "env", 0, "valueFrom", "fieldRef", "fieldPath"), "metadata.annotations['batch.kubernetes.io/job-completion-index']"},
		{get(tasks, "spec", "template", "spec", "containers", 0, "volumeMounts", 0, "mountPath"), "/sweep"},
		{get(tasks, "spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName"), "sweeps"},
		{get(merge, "metadata", "name"), "pimc-sweep-run-1-merge"}, {get(merge, "spec", "completions"), 1},
	} {
		if c.got != c.want {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
	var cmd []string
	for _, a := range get(tasks, "spec", "template", "spec", "containers", 0, "command").([]any) {
		cmd = append(cmd, a.(string))
	}
	if strings.Join(cmd, " ") != "pimc sweep specs/l.yaml -o out/Run_1 -task $(TASK) -j 1" {
		t.Errorf("task command %q", cmd)
	}
	if _, ok := merge["spec"].(map[string]any)["completionMode"]; ok {
		t.Error("the merge Job is indexed")
	}
}
