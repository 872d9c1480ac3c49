// Package isa defines the instruction set of pimc's SOT-MRAM processing-in-memory
// engine (docs/ISA.md is the specification): opcodes and their operand layouts,
// the Program a compiler emits (code, weight-stationary sub-array images,
// constants, I/O ports, source map, v1.5 instruction streams), the versioned binary format (.pimb), the
// assembly text format (.pasm) and the loader check Validate.
//
// It is a leaf package. Allowed imports: the standard library. The hardware
// description (target) converts itself to an Arch for Validate, so the
// ISA never depends on how a target is written down.
package isa
