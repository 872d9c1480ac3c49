// Package sweep runs design-space sweeps: the points of a spec (models x
// quantization x target variants, or an explicit list), each compiled
// (driver.Compile), simulated and evaluated on a dataset slice
// (evaluate.Program), one row per point. pimc sweep is its command line.
//
// A point's result is stored in DIR/points/HASH.json, HASH the content hash
// of everything that decides the row (model bytes, the point's settings, the
// effective target's fingerprints, the pimc version): a rerun skips the
// points that have one, and DIR/results.csv and results.jsonl are assembled
// from the point files in spec order (DIR/plan.json), so a spec gives the
// same rows whether its points ran here in one process, in a local worker
// pool or as the tasks of a Slurm job array (slurm.go) or a Kubernetes
// Indexed Job (k8s.go). docs/SWEEP.md describes the spec and the outputs.
//
// Allowed imports: admm, data, driver, evaluate, frontend, htmlreport,
// internal/buildinfo, internal/lenet5, internal/outfile, ir, passes, pimrt,
// sim, target, backend, ir/interp, ir/mapping, ir/tensor, isa and tensorio
// (through driver and data), train (through admm), gopkg.in/yaml.v3 and the
// standard library.
package sweep
