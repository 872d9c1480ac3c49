package testcorpus

import (
	"errors"
	"testing"
)

// TestDatasetLoadsOnce checks that a dataset is loaded once per name and
// shared, and that a failing loader skips the test (with
// PIMC_REQUIRE_CORPUS unset) instead of returning.
func TestDatasetLoadsOnce(t *testing.T) {
	calls := 0
	load := func(name string) (*[]int, *[]int, error) {
		calls++
		return &[]int{len(name)}, &[]int{calls}, nil
	}
	tr1, te1 := Dataset(t, "testcorpus-once", load)
	tr2, te2 := Dataset(t, "testcorpus-once", load)
	if calls != 1 || tr1 != tr2 || te1 != te2 || (*tr1)[0] != len("testcorpus-once") {
		t.Fatalf("%d loads, train %p %p, test %p %p", calls, tr1, tr2, te1, te2)
	}

	t.Setenv("PIMC_REQUIRE_CORPUS", "")
	returned := false
	t.Run("absent", func(t *testing.T) {
		Dataset(t, "testcorpus-absent", func(string) (*[]int, *[]int, error) {
			return nil, nil, errors.New("not installed")
		})
		returned = true
	})
	if returned {
		t.Error("Dataset returned for a dataset that failed to load")
	}
}
