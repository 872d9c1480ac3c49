package sweep

import (
	"fmt"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/pimc-dev/pimc/internal/outfile"
)

// KubeJob is the Kubernetes side of an ArrayJob: the container image with
// pimc on its PATH and the PersistentVolumeClaim holding the spec, its
// models and the sweep folder, mounted at KubeMount (the tasks' working
// folder: relative paths of the spec and -o resolve there).
type KubeJob struct {
	Image, Claim string
	// Parallelism is the most tasks running at once (0: all).
	Parallelism int
}

// KubeMount is where the claim is mounted and the tasks run.
const KubeMount = "/sweep"

// KubeManifest is the file -k8s writes into the sweep folder.
const KubeManifest = "sweep-job.yaml"

// The manifest's objects, in the field order kubectl prints.
type (
	kubeObject struct {
		APIVersion string   `yaml:"apiVersion"`
		Kind       string   `yaml:"kind"`
		Metadata   kubeMeta `yaml:"metadata"`
		Spec       kubeSpec `yaml:"spec"`
	}
	kubeMeta struct {
		Name string `yaml:"name"`
	}
	kubeSpec struct {
		CompletionMode string       `yaml:"completionMode,omitempty"`
		Completions    int          `yaml:"completions"`
		Parallelism    int          `yaml:"parallelism"`
		BackoffLimit   int          `yaml:"backoffLimit"`
		Template       kubeTemplate `yaml:"template"`
	}
	kubeTemplate struct {
		Spec kubePod `yaml:"spec"`
	}
	kubePod struct {
		RestartPolicy string          `yaml:"restartPolicy"`
		Containers    []kubeContainer `yaml:"containers"`
		Volumes       []kubeVolume    `yaml:"volumes,omitempty"`
	}
	kubeContainer struct {
		Name         string      `yaml:"name"`
		Image        string      `yaml:"image"`
		WorkingDir   string      `yaml:"workingDir"`
		Command      []string    `yaml:"command"`
		Env          []kubeEnv   `yaml:"env,omitempty"`
		VolumeMounts []kubeMount `yaml:"volumeMounts,omitempty"`
	}
	kubeEnv struct {
		Name      string `yaml:"name"`
		ValueFrom struct {
			FieldRef struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	}
	kubeMount struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	}
	kubeVolume struct {
		Name                  string `yaml:"name"`
		PersistentVolumeClaim struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
	}
)

// KubeManifestText is two Jobs: an Indexed Job of one completion per
// point, each pod running `pimc sweep SPEC -o DIR -task INDEX` with its
// completion index (the downward API's job-completion-index annotation),
// and the merge Job (`pimc sweep -merge DIR`). Kubernetes has no job
// dependencies: apply the merge Job once the first completed (docs/SWEEP.md).
// SPEC and DIR are used as given; the name is DIR's base name.
func KubeManifestText(j ArrayJob, k KubeJob) ([]byte, error) {
	name := "pimc-sweep-" + kubeName(filepath.Base(j.Dir))
	par := j.Points
	if k.Parallelism > 0 {
		par = min(par, k.Parallelism)
	}
	pod := func(cmd []string, task bool) kubePod {
		c := kubeContainer{Name: "pimc", Image: k.Image, WorkingDir: KubeMount, Command: cmd}
		if task {
			var e kubeEnv
			e.Name = "TASK"
			e.ValueFrom.FieldRef.FieldPath = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
			c.Env = []kubeEnv{e}
		}
		p := kubePod{RestartPolicy: "Never", Containers: []kubeContainer{c}}
		if k.Claim != "" {
			var v kubeVolume
			v.Name = "sweep"
			v.PersistentVolumeClaim.ClaimName = k.Claim
			p.Volumes = []kubeVolume{v}
			p.Containers[0].VolumeMounts = []kubeMount{{Name: "sweep", MountPath: KubeMount}}
		}
		return p
	}
	tasks := kubeObject{APIVersion: "batch/v1", Kind: "Job", Metadata: kubeMeta{Name: name},
		Spec: kubeSpec{CompletionMode: "Indexed", Completions: j.Points, Parallelism: par, BackoffLimit: j.Points,
			Template: kubeTemplate{Spec: pod([]string{"pimc", "sweep", j.Spec, "-o", j.Dir, "-task", "$(TASK)", "-j", "1"}, true)}}}
	merge := kubeObject{APIVersion: "batch/v1", Kind: "Job", Metadata: kubeMeta{Name: name + "-merge"},
		Spec: kubeSpec{Completions: 1, Parallelism: 1, BackoffLimit: 0,
			Template: kubeTemplate{Spec: pod([]string{"pimc", "sweep", "-merge", j.Dir}, false)}}}
	var out []byte
	for i, o := range []kubeObject{tasks, merge} {
		b, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, "---\n"...)
		}
		out = append(out, b...)
	}
	return out, nil
}

// WriteKube writes the manifest to DIR/sweep-job.yaml.
func WriteKube(j ArrayJob, k KubeJob, dir string) (string, error) {
	b, err := KubeManifestText(j, k)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, KubeManifest)
	return p, outfile.WriteFile(p, b, 0o644)
}

// kubeName makes s a DNS label part: lower-case letters, digits and '-'.
func kubeName(s string) string {
	b := []byte{}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			if len(b) > 0 && b[len(b)-1] != '-' {
				b = append(b, '-')
			}
		}
	}
	for len(b) > 0 && b[len(b)-1] == '-' {
		b = b[:len(b)-1]
	}
	if len(b) > 40 {
		b = b[:40]
	}
	if len(b) == 0 {
		return "run"
	}
	return fmt.Sprint(string(b))
}
