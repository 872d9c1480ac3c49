// Package backend compiles a mapped graph (the map pass has decided every
// layer's mapping, ir/mapping) into an isa.Program for one target
// (docs/ISA.md): every qconv/qfc becomes an
// F x K matrix mapped weight-stationary onto sub-arrays (weight bit-planes
// in rows, K split into column segments, input bit-planes written per
// output pixel), the other integer ops become DPU vector code, and the float
// ops the device cannot do stay on the host (docs/BACKEND.md).
//
// Files, one concept each:
//   - layout.go, refine.go: where a tensor lives in the activation buffer
//     (strided views, zero margins for convolution padding, free reshapes,
//     buffer reuse by liveness) and copies between layouts;
//   - matrix.go: the mapping of a qconv/qfc (ir/mapping decides the kept
//     filters and columns, segments and tiles) joined with its buffer
//     layout (the buffer offset of every kept column);
//   - map_matrix.go, emit_matrix.go: qconv/qfc pixel loops (pld, wrp, bmac
//     rounds and filter loops, vacc, vrq, vst);
//   - emit_pool.go, emit_elem.go, emit_vec.go: pooling, qadd, qclip,
//     qconcat, pad and the element-wise vector loop;
//   - node.go: per-op dispatch and data movement;
//   - partition.go, host.go: device segments, host ops, the host section;
//   - compile.go: the driver, Compile, ports and the summary;
//   - pipeline.go, stages.go, estimate.go: -pipeline (stages of consecutive
//     ops on their own controllers and streams, rings between them, the
//     static work estimate the partition minimises);
//   - placed.go, spreadbound.go: -spread (a layer one tile per sub-array:
//     its estimate from its spread layout, the spread bounded by what the
//     pipeline's speed needs);
//   - split.go: a stage's matrix layer split over several controllers
//     (pieces of its replicas, helper streams joined by tokens) and the
//     placement of every stage in its controllers' banks;
//   - window.go, window_choice.go: a pipeline's window stage (layers
//     reprogrammed from the DRAM once per run, op by op over the frames),
//     for the layers the map pass reprograms or, with -window, for the
//     last layers of a model whose weights fit;
//   - band.go: feature maps that do not fit the activation buffer, in row
//     bands through the target's DRAM (ISA v1.6 dload/dstore; a second
//     compile, only when the first runs out of buffer).
//
// docs/BACKEND.md describes the mapping, the emitted code and the runtime.
// Allowed imports: ir, ir/tensor, ir/mapping, isa, target
// and the standard library. The runtime that runs host ops and device segments
// together is pimrt.
package backend
