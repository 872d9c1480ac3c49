// Package htmlreport writes pimc's visual report: one self-contained HTML
// page (inline SVG and CSS; no script, font or image from the network,
// readable printed) from one or several simulator cost reports
// (sim.Report, as `pimc sim -report` and `pimc eval -report` write them),
// several being a comparison.
//
// The charts are SVG generated here rather than drawn by a plotting
// library: a bar chart is a few rectangles and text, and generating it
// directly lets every bar carry the number it shows (data-series,
// data-label and data-value attributes), so a test can check the drawing
// against the JSON it came from, and a reader can recover the data from
// the page. Every chart's data can also be written as CSV (WriteCSV).
//
// What the charts show comes from the reports only: per-layer latency with
// its device bound, per-layer dynamic energy by component and leakage,
// the busy fraction of every resource that did work, the chip's area and
// the area the program uses, the utilisation of each resource class over
// time (sim.Report.Timeline, a TimelineChart), and, for several reports,
// latency, energy and accuracy side by side. Figures that are not bar
// charts implement Figure too: TimelineChart (one strip per class, one
// bar per time bin) and XYChart (points with error bars on numeric axes).
//
// The PNG drawings (pimc report -png) are gonum/plot's.
//
// Allowed imports: internal/buildinfo, ir/tensor, isa, sim, target,
// gonum.org/v1/plot and the standard library (sim reaches ir/tensor, isa
// and target; buildinfo isa).
package htmlreport
