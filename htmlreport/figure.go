package htmlreport

import "io"

// Figure is a drawing of the page with data: a bar chart, a timeline or
// an x-y chart. Every figure renders as SVG whose marks carry the numbers
// they draw (data-* attributes), as a PNG with gonum/plot (pimc report
// -png) and as CSV (-csv).
type Figure interface {
	// Name is the figure's id: unique in the page, the anchor and the
	// CSV and PNG files' name.
	Name() string
	SVG() string
	PNG(w io.Writer) error
	WriteCSV(w io.Writer) error
}

// Name is the chart's ID.
func (c *BarChart) Name() string { return c.ID }
