package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimc-dev/pimc/internal/testcorpus"
)

// chromium finds Debian's headless browser (package chromium), or skips
// the test (fails it with PIMC_REQUIRE_CORPUS=1, as .ci/run installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testcorpus.Missing(t, "the chromium browser (Debian package chromium)", exec.ErrNotFound)
	return ""
}

// TestDemoReportInBrowser renders the demo's report.html in headless
// Chromium: no console message (an error loading or parsing anything
// logs one), and a screenshot that is not blank.
func TestDemoReportInBrowser(t *testing.T) {
	needMNIST(t)
	browser := chromium(t)
	dir := t.TempDir()
	if code, out, errs := runCLI("demo", "-limit", "20", "-o", dir); code != exitOK {
		t.Fatalf("demo: exit %d:\n%s\n%s", code, out, errs)
	}
	page := filepath.Join(dir, demoReport)
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(html, []byte("<svg ")); n < 4 {
		t.Errorf("report.html has %d charts, want at least 4", n)
	}
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--enable-logging=stderr", "--v=0", "--window-size=1000,1600", "--screenshot="+shot, "file://"+page)
	logs, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, logs)
	}
	for _, line := range strings.Split(string(logs), "\n") {
		if strings.Contains(line, ":CONSOLE") {
			t.Errorf("console message: %s", line)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if frac, colours := inked(img); frac < 0.02 || colours < 5 {
		t.Errorf("the screenshot looks blank: %.2f%% of its pixels not white, %d colours", 100*frac, colours)
	}
}

// inked is the fraction of img's pixels that are not white and the number
// of distinct colours (coarsened to 4 bits a channel).
func inked(img image.Image) (float64, int) {
	b := img.Bounds()
	n, ink := 0, 0
	seen := map[uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			n++
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
			seen[(r>>12)<<8|(g>>12)<<4|bl>>12] = true
		}
	}
	return float64(ink) / float64(n), len(seen)
}
