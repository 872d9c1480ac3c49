package golden

import (
	"fmt"
	"strings"
	"testing"
)

// numbered is the lines "1".."n", each with a newline.
func numbered(n int) []string {
	var l []string
	for i := 1; i <= n; i++ {
		l = append(l, fmt.Sprint(i))
	}
	return l
}

func text(lines []string) string { return strings.Join(lines, "\n") + "\n" }

func TestDiff(t *testing.T) {
	ten := numbered(10)
	replace := func(i int, s ...string) string {
		l := append(append(append([]string{}, ten[:i]...), s...), ten[i+1:]...)
		return text(l)
	}
	for _, c := range []struct {
		name, want, got, diff string
	}{
		{"equal", text(ten), text(ten), ""},
		{"changed line with context", text(ten), replace(4, "five"),
			"--- want\n+++ got\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"two hunks", text(ten), strings.Replace(replace(0, "one"), "10\n", "ten\n", 1),
			"--- want\n+++ got\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+ten\n"},
		{"close changes share a hunk", text(ten), strings.Replace(replace(2, "three"), "8\n", "eight\n", 1),
			"--- want\n+++ got\n@@ -1,10 +1,10 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n 7\n-8\n+eight\n 9\n 10\n"},
		{"insertion at the start", "a\nb\n", "x\na\nb\n", "--- want\n+++ got\n@@ -1,2 +1,3 @@\n+x\n a\n b\n"},
		{"deletion at the end", "a\nb\nc\n", "a\nb\n", "--- want\n+++ got\n@@ -1,3 +1,2 @@\n a\n b\n-c\n"},
		{"from nothing", "", "a\n", "--- want\n+++ got\n@@ -0,0 +1 @@\n+a\n"},
		{"to nothing", "a\nb\n", "", "--- want\n+++ got\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"missing final newline", "a\nb\n", "a\nb", "--- want\n+++ got\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n"},
		{"moved block", "a\nb\nc\nd\n", "c\nd\na\nb\n", "--- want\n+++ got\n@@ -1,4 +1,4 @@\n-a\n-b\n c\n d\n+a\n+b\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Diff(c.want, c.got); got != c.diff {
				t.Errorf("Diff =\n%s\nwant\n%s", got, c.diff)
			}
		})
	}
}

// TestDiffApplies: on pseudo-random edits, the "-" and context lines of the
// diff are the want lines and the "+" and context lines the got lines, hunk
// by hunk at the positions the headers give.
func TestDiffApplies(t *testing.T) {
	base := numbered(40)
	for seed := 1; seed <= 30; seed++ {
		var got []string
		for i, l := range base {
			switch (i*7 + seed*13) % 11 {
			case 0:
				// drop the line
			case 1:
				got = append(got, l+"x")
			case 2:
				got = append(got, "new", l)
			default:
				got = append(got, l)
			}
		}
		d := Diff(text(base), text(got))
		if err := checkHunks(d, base, got); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, d)
		}
	}
}

// checkHunks checks every hunk of d against the two texts.
func checkHunks(d string, a, b []string) error {
	lines := strings.Split(strings.TrimSuffix(d, "\n"), "\n")[2:]
	for k := 0; k < len(lines); {
		var as, an, bs, bn int
		h := strings.NewReplacer(",", " ").Replace(lines[k])
		if _, err := fmt.Sscanf(h, "@@ -%d %d +%d %d @@", &as, &an, &bs, &bn); err != nil {
			return fmt.Errorf("header %q: %v", lines[k], err)
		}
		k++
		ai, bi := as-1, bs-1
		for k < len(lines) && !strings.HasPrefix(lines[k], "@@") {
			l := lines[k]
			if l[0] != '+' {
				if ai >= len(a) || a[ai] != l[1:] {
					return fmt.Errorf("line %q is not want line %d", l, ai+1)
				}
				ai++
			}
			if l[0] != '-' {
				if bi >= len(b) || b[bi] != l[1:] {
					return fmt.Errorf("line %q is not got line %d", l, bi+1)
				}
				bi++
			}
			k++
		}
		if ai-(as-1) != an || bi-(bs-1) != bn {
			return fmt.Errorf("hunk %q holds %d and %d lines", h, ai-(as-1), bi-(bs-1))
		}
	}
	return nil
}

// TestDiffLarge: a middle too large for the LCS table is shown as removed
// then added, still with the common head and tail as context.
func TestDiffLarge(t *testing.T) {
	var a, b []string
	a = append(a, "head")
	b = append(b, "head")
	for i := 0; i < 2100; i++ {
		a = append(a, fmt.Sprint("a", i))
		b = append(b, fmt.Sprint("b", i))
	}
	a = append(a, "tail")
	b = append(b, "tail")
	d := Diff(text(a), text(b))
	if !strings.HasPrefix(d, "--- want\n+++ got\n@@ -1,2102 +1,2102 @@\n head\n-a0\n") || !strings.HasSuffix(d, "+b2099\n tail\n") {
		t.Fatalf("diff starts %q, ends %q", d[:60], d[len(d)-30:])
	}
	if err := checkHunks(d, a, b); err != nil {
		t.Fatal(err)
	}
}
