package htmlreport

import (
	"bytes"
	"encoding/csv"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/sim"
)

var tlBarRE = regexp.MustCompile(`<rect class="bar" x="([^"]*)" y="([^"]*)" width="[^"]*" height="([^"]*)" fill="[^"]*" data-series="([^"]*)" data-label="([^"]*)" data-value="([^"]*)">`)

// TestTimelineChart: the timeline of a real report has one strip per
// class of the report's timeline, one bar per bin carrying the class's
// busy fraction in % (and drawn that high in its strip, in time order);
// the CSV holds the same numbers.
func TestTimelineChart(t *testing.T) {
	r := lenetReport(t, 4, 4)
	tl := r.Timeline
	if tl == nil || len(tl.Classes) < 3 {
		t.Fatalf("report timeline %+v", tl)
	}
	p := &Page{Title: "t", Runs: []Run{{Name: "W4A4", Report: r}}}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	i := strings.Index(page, `id="timeline"`)
	if i < 0 {
		t.Fatal("no timeline in the page")
	}
	svg := page[i:]
	svg = svg[:strings.Index(svg, "</svg>")]
	bars := tlBarRE.FindAllStringSubmatch(svg, -1)
	if len(bars) != len(tl.Classes)*tl.Bins {
		t.Fatalf("%d bars, want %d classes x %d bins", len(bars), len(tl.Classes), tl.Bins)
	}
	for n, b := range bars {
		c, k := tl.Classes[n/tl.Bins], n%tl.Bins
		x, _ := strconv.ParseFloat(b[1], 64)
		h, _ := strconv.ParseFloat(b[3], 64)
		v, _ := strconv.ParseFloat(b[6], 64)
		if b[4] != timelineLabel(c) || !near(v, 100*c.Busy[k]) {
			t.Fatalf("bar %d: %s %g, the report: %s bin %d %g", n, b[4], v, c.Name, k, 100*c.Busy[k])
		}
		if math.Abs(h-min(v, 100)/100*tlStrip) > 0.006 { // drawn to 0.01 px
			t.Errorf("bar %d: height %g for %g%%", n, h, v)
		}
		if want := float64(tlLeft) + float64(k)*float64(chartWidth-tlLeft-tlRight)/float64(tl.Bins); math.Abs(x-want) > 0.006 {
			t.Errorf("bar %d: at x %g, want %g", n, x, want)
		}
	}
	var csvBuf bytes.Buffer
	ch := Timeline(p.Runs[0])
	if err := ch.WriteCSV(&csvBuf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&csvBuf).ReadAll()
	if err != nil || len(recs) != tl.Bins+1 || len(recs[0]) != 2+len(tl.Classes) {
		t.Fatalf("CSV %v %v", recs, err)
	}
	for k := range tl.Bins {
		for j, c := range tl.Classes {
			if v, _ := strconv.ParseFloat(recs[k+1][2+j], 64); !near(v, 100*c.Busy[k]) {
				t.Errorf("CSV bin %d %s: %g, want %g", k, c.Name, v, 100*c.Busy[k])
			}
		}
	}
	// A report without a timeline has no timeline chart.
	r2 := *r
	r2.Timeline = nil
	if Timeline(Run{Report: &r2}) != nil {
		t.Error("a timeline chart without a timeline")
	}
	if tl.Bins != sim.TimelineBins {
		t.Errorf("%d bins, sim.TimelineBins %d", tl.Bins, sim.TimelineBins)
	}
}
