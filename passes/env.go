package passes

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
)

// Env is what the passes of a pipeline get from outside the graph: the
// hardware being compiled for and whatever their options name (calibration
// inputs, a per-layer config file, another target). passes opens no file
// itself, so a pass runs the same in a command, a test or a library: the
// driver (package driver) fills Env from the file system, a test fills what
// its pipeline needs. Manager.Env is handed to every pass through Context.
type Env struct {
	// Target is the hardware the graph is compiled for: the map pass maps
	// onto it unless its target option names another description. Nil:
	// the default preset.
	Target *target.Target
	// LoadTarget returns the description map{target=NAME} names: a file
	// or a preset (target.LoadOrPreset). Nil: presets only.
	LoadTarget func(name string) (*target.Target, error)
	// Calib yields the calibration inputs of quantize{calib=SPEC} for
	// every SPEC but random:N, which the pass draws itself. Nil: only
	// random:N calibrates.
	Calib CalibSource
	// ReadFile reads a file an option names (quantize{config=FILE}). Nil:
	// such an option fails.
	ReadFile func(path string) ([]byte, error)
}

// CalibSource returns the calibration samples spec names for g (a folder
// of tensor files, a dataset name): one tensor per graph input each,
// shaped and typed like the input. warn reports what the user should know
// but does not stop calibration (NaN in a file), one line without a
// trailing newline; the quantize pass passes its Context.Warnf. data.
// CalibSamples is the file system's source.
type CalibSource func(g *ir.Graph, spec string, warn func(msg string)) ([][]*tensor.Tensor, error)

// Target is the hardware the pipeline compiles for (Env.Target), or the
// default preset.
func (c *Context) Target() *target.Target {
	if c != nil && c.env != nil && c.env.Target != nil {
		return c.env.Target
	}
	return target.Default()
}

// Env is the environment of the run (Manager.Env); never nil.
func (c *Context) Env() *Env {
	if c == nil || c.env == nil {
		return &Env{}
	}
	return c.env
}

// loadTarget is the description an option names: "" is the pipeline's
// target (Context.Target), anything else goes to Env.LoadTarget, or is a
// preset when there is none.
func (c *Context) loadTarget(name string) (*target.Target, error) {
	switch env := c.Env(); {
	case name == "":
		return c.Target(), nil
	case env.LoadTarget != nil:
		return env.LoadTarget(name)
	}
	return target.Preset(name)
}

// readFile reads the file an option names through Env.ReadFile.
func (c *Context) readFile(path string) ([]byte, error) {
	read := c.Env().ReadFile
	if read == nil {
		return nil, fmt.Errorf("%s: no file reader (passes open no files: Env.ReadFile)", path)
	}
	return read(path)
}
