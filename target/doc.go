// Package target is the hardware description of the SOT-MRAM PIM engine:
// geometry (banks, mats, sub-arrays, rows, columns, widths, buffer sizes),
// per-operation latency and energy, per-component area and static power,
// clock, each number with an explicit unit and a provenance string saying
// where it comes from. Descriptions are YAML or JSON files, decoded strictly and
// validated; the built-in preset sot-mram-45nm holds the defaults of
// docs/PAPER.md §4 plus the optional parallel section (controllers, group
// instructions, tokens: docs/PARALLEL.md §3), and sot-mram-45nm-serial is
// the same machine without that section, the default of ISA v1.0-v1.4
// with its fingerprint. The optional dram section (ISA v1.6, dram.go) is the
// off-chip memory: capacity, bandwidth, access latency and energy per bit.
// The optional host section (host.go) costs a compiled model's host ops and
// the port transfers across the host interface (docs/BACKEND.md §5.1).
//
// One validated description drives both the compiler and the simulator
// (Target.Arch gives the ISA-visible part, Target.Cost the normalised cost
// table), so nothing has to be copied by hand between them. A compiled
// program carries its description (Embed, Embedded: the .pimb targetdesc
// section), so it runs later on exactly the target it was compiled for.
//
// Allowed imports: isa (for the isa.Arch value it produces),
// gopkg.in/yaml.v3 and the standard library. Nothing else from pimc.
package target
