// Package buildinfo says which pimc this is: the module version and the
// version-control revision the binary was built from (runtime/debug's build
// information, which `go build` and `go install` record), the ISA and
// binary format it writes, and the Go toolchain. `pimc version` prints it;
// reports can carry it so a figure can be traced to the code that made it.
//
// Allowed imports: isa and the standard library.
package buildinfo
