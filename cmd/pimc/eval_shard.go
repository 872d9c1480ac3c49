package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/pimc-dev/pimc/evaluate"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/sim"
)

// evalShard is pimc eval's -shard i/n and -o PART.json: evaluate one slice
// of the test set and write its predictions (evaluate.Part).
type evalShard struct {
	i, n  int
	total int // the test set's images before slicing
	out   string
}

// writePart writes the shard's result to its -o file.
func (s *evalShard) writePart(input, dataset string, r *evaluate.Result, stdout io.Writer) error {
	b, err := json.MarshalIndent(evaluate.NewPart(input, dataset, s.i, s.n, s.total, r), "", " ")
	if err != nil {
		return err
	}
	return outfile.WriteOutput(s.out, append(b, '\n'), stdout)
}

// runEvalMerge is pimc eval -merge PART.json...: the accuracy over the
// shards and a program's mean latency and energy per image.
func runEvalMerge(paths []string, stdout, stderr io.Writer) int {
	var parts []*evaluate.Part
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(stderr, "pimc eval: %v\n", err)
			return exitUser
		}
		var part evaluate.Part
		if err := json.Unmarshal(b, &part); err != nil {
			fmt.Fprintf(stderr, "pimc eval: %s: not a part written by pimc eval -shard: %v\n", p, err)
			return exitUser
		}
		parts = append(parts, &part)
	}
	m, err := evaluate.MergeParts(parts)
	if err != nil {
		fmt.Fprintf(stderr, "pimc eval: -merge: %v\n", err)
		return exitUser
	}
	fmt.Fprintf(stdout, "%s on %s, %d shards\n", m.Input, m.Dataset, len(parts))
	fmt.Fprintf(stdout, "accuracy: %.4f (%d/%d)\n", m.Accuracy(), m.Correct, m.Images)
	if m.Simulated {
		fmt.Fprintf(stdout, "per image (simulated, mean of %d): latency %s, energy %s\n", m.Images, sim.FormatNS(m.LatencyNS), sim.FormatPJ(m.EnergyPJ))
	}
	return exitOK
}
