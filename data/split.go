package data

import "fmt"

// SplitValidation holds out the last n samples of d as a validation set:
// it returns the first Len-n samples (training) and the last n
// (validation), both sharing d's memory. Choices made on the validation
// set (hyperparameters, checkpoints, a pruning plan) leave the test set
// for the final numbers only. n must leave at least one training sample.
func (d *Dataset) SplitValidation(n int) (train, val *Dataset, err error) {
	if n < 0 || n >= d.Len() {
		return nil, nil, fmt.Errorf("%s: a validation split of %d images out of %d training images: want 0 to %d", d.Name, n, d.Len(), d.Len()-1)
	}
	s, k := d.SampleLen(), d.Len()-n
	train = &Dataset{Name: d.Name, Shape: d.Shape, X: d.X[:k*s], Y: d.Y[:k], Classes: d.Classes, NonFinite: d.NonFinite}
	val = &Dataset{Name: d.Name + "/validation", Shape: d.Shape, X: d.X[k*s:], Y: d.Y[k:], Classes: d.Classes, NonFinite: d.NonFinite}
	return train, val, nil
}
