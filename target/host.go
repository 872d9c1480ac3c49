package target

import (
	"fmt"
	"math"
)

// Host is the optional cost model of the host processor that runs a
// compiled model's host ops (docs/BACKEND.md §5: quantize, dequantize and
// every op the device does not run, executed by the reference interpreter)
// and of the interface between the host and the activation buffer, over
// which every device port is written or read. The runtime (pimrt) counts
// the host's work from the ops it executed and the tensors they produced
// (docs/BACKEND.md §5.1); these parameters turn the counts into time and
// energy, reported beside the device's share. Like the dram section it is a
// cost, not part of the fingerprint. nil: host work is counted but not
// costed, and reports say so.
type Host struct {
	// OpLatency and OpEnergy are the cost of one element operation on the
	// host: one scalar arithmetic op, comparison or element moved (ns;
	// pJ/op or nJ/op).
	OpLatency Quantity `json:"op_latency" yaml:"op_latency"`
	OpEnergy  Quantity `json:"op_energy" yaml:"op_energy"`
	// FunctionOps is the element operations one evaluation of a
	// transcendental function (exp, tanh, erf, log, sqrt, pow, ...) costs.
	FunctionOps Count `json:"function_ops" yaml:"function_ops"`
	// InterfaceBandwidth is the data rate between the host and the
	// activation buffer (GB/s or MB/s), InterfaceLatency the fixed time of
	// one transfer (one device port written or read), InterfaceEnergy the
	// energy per bit moved (codes at their type's width).
	InterfaceBandwidth Quantity `json:"interface_bandwidth" yaml:"interface_bandwidth"`
	InterfaceLatency   Quantity `json:"interface_latency" yaml:"interface_latency"`
	InterfaceEnergy    Quantity `json:"interface_energy" yaml:"interface_energy"`
}

// HostCost is the host section in normalised units.
type HostCost struct {
	OpNS, OpPJ  float64 // one element operation
	FunctionOps int64   // element operations per function evaluation
	BitNS       float64 // one bit at the interface's bandwidth
	TransferNS  float64 // fixed latency of one transfer
	BitPJ       float64 // energy per bit moved
}

// HostCost returns the normalised host model; ok is false when the
// description has no host section.
func (t *Target) HostCost() (c HostCost, ok bool) {
	h := t.Host
	if h == nil {
		return HostCost{}, false
	}
	c.OpNS, _ = timeNS(h.OpLatency)
	c.OpPJ, _ = perEnergyPJ(h.OpEnergy, "op")
	c.FunctionOps = h.FunctionOps.Value
	c.BitNS = 1 / (8 * h.InterfaceBandwidth.Value * bandwidthBytes[h.InterfaceBandwidth.Unit])
	c.TransferNS, _ = timeNS(h.InterfaceLatency)
	c.BitPJ, _ = perEnergyPJ(h.InterfaceEnergy, "bit")
	return c, true
}

// perEnergyPJ converts "<energy>/<basis>" with the one allowed basis to pJ.
func perEnergyPJ(q Quantity, basis string) (float64, error) {
	e, b := splitUnit(q.Unit)
	f, ok := energyUnits[e]
	if !ok || b != basis {
		return 0, fmt.Errorf("unit %q is not an energy per %s (want pJ/%s, fJ/%s, nJ/%s, ...)", q.Unit, basis, basis, basis, basis)
	}
	return q.Value * f / 1e3, nil
}

// validateHost checks the host section's units and ranges.
func (t *Target) validateHost() []string {
	h := t.Host
	if h == nil {
		return nil
	}
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	for _, q := range []struct {
		path string
		q    Quantity
	}{{"host.op_latency", h.OpLatency}, {"host.op_energy", h.OpEnergy}, {"host.interface_bandwidth", h.InterfaceBandwidth},
		{"host.interface_latency", h.InterfaceLatency}, {"host.interface_energy", h.InterfaceEnergy}} {
		if math.IsNaN(q.q.Value) || math.IsInf(q.q.Value, 0) {
			bad("%s: value %v is not finite", q.path, q.q.Value)
		}
	}
	if len(probs) > 0 {
		return probs
	}
	for _, q := range []struct {
		path string
		q    Quantity
	}{{"host.op_latency", h.OpLatency}, {"host.interface_latency", h.InterfaceLatency}} {
		if l, err := timeNS(q.q); err != nil {
			bad("%s: %v", q.path, err)
		} else if l < 0 {
			bad("%s: %v %s must be >= 0", q.path, q.q.Value, q.q.Unit)
		}
	}
	for _, q := range []struct {
		path, basis string
		q           Quantity
	}{{"host.op_energy", "op", h.OpEnergy}, {"host.interface_energy", "bit", h.InterfaceEnergy}} {
		if e, err := perEnergyPJ(q.q, q.basis); err != nil {
			bad("%s: %v", q.path, err)
		} else if e < 0 {
			bad("%s: %v %s must be >= 0", q.path, q.q.Value, q.q.Unit)
		}
	}
	if _, ok := bandwidthBytes[h.InterfaceBandwidth.Unit]; !ok {
		bad("host.interface_bandwidth: unit %q is not a bandwidth unit (want GB/s or MB/s)", h.InterfaceBandwidth.Unit)
	} else if h.InterfaceBandwidth.Value <= 0 {
		bad("host.interface_bandwidth: %v %s must be > 0", h.InterfaceBandwidth.Value, h.InterfaceBandwidth.Unit)
	}
	if h.FunctionOps.Value < 1 {
		bad("host.function_ops: %d must be >= 1", h.FunctionOps.Value)
	}
	return probs
}

// hostNormalised renders a host quantity in the units reports use.
func (t *Target) hostNormalised(path string) string {
	c, ok := t.HostCost()
	if !ok {
		return ""
	}
	switch path {
	case "host.op_latency":
		return fmt.Sprintf("%.6g ns/op", c.OpNS)
	case "host.op_energy":
		return fmt.Sprintf("%.6g pJ/op", c.OpPJ)
	case "host.interface_bandwidth":
		return fmt.Sprintf("%.6g ns/bit", c.BitNS)
	case "host.interface_latency":
		return fmt.Sprintf("%.6g ns", c.TransferNS)
	case "host.interface_energy":
		return fmt.Sprintf("%.6g pJ/bit", c.BitPJ)
	}
	return ""
}
