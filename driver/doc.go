// Package driver is the compiler as a library: what pimc compile, pimc demo
// and every later command call to turn a model into a program and check it.
//
//	g, err := driver.Load("lenet5.onnx", frontend.Options{})   // or a .pir
//	res, err := driver.Compile(g, driver.Options{Calib: "mnist"})
//	os.WriteFile("lenet5.pimb", res.Binary, 0o644)
//	v, err := driver.Verify(g, res, inputs) // simulator vs quantized interpreter
//
// Compile owns the default pipeline (canonicalize, quantize, map: the one
// string pimc compile and pimc demo share), the shortcut for an
// already-quantized .pir (only the mapping is left to do), mapping through
// the map pass (the backend takes mapped graphs only), emission and
// encoding. Verify compares the simulator with the quantized reference
// interpreter bit for bit and returns the first difference as an error.
// The passes open no files: FileEnv gives them the file system (the target,
// calibration folders and datasets through data.CalibSamples, the files
// their options name) and outfile.Disk takes the pass manager's IR dumps.
// The model input rules every command shares (FitInput: shapes, batches,
// element types), the binding of a model's open input dims from the tensors
// a command is given (LoadFed, BindDims, the Feeds of run, compile and
// eval) and the reading of input tensors live here too.
//
// Measure evaluates a compiled model on a test set (quantized interpreter
// and simulator, the columns of pimc demo); Run, ReadBatch and
// ReadPortBatch turn the tensor files of pimc run and sim into inferences;
// LoadProgram picks the target a program runs on.
//
// Allowed imports: backend, data, evaluate, frontend, internal/outfile, ir,
// ir/interp, ir/mapping, ir/tensor, isa, passes, pimrt, sim (through pimrt),
// target, tensorio and the standard library.
package driver
