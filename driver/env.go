package driver

import (
	"os"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
)

// FileEnv is what the passes get from the file system (passes.Env): the
// map pass maps onto tgt (nil: the default preset) unless its target option
// names another description, which is loaded like -target; calibration
// inputs come from folders and named datasets (data.CalibSamples); the
// files other options name (quantize{config=FILE}) are read as they are.
func FileEnv(tgt *target.Target) passes.Env {
	return passes.Env{Target: tgt, LoadTarget: target.LoadOrPreset, Calib: data.CalibSamples, ReadFile: os.ReadFile}
}
