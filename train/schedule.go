package train

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Schedule gives the learning rate of a step from the fractional epoch
// (epoch + step/steps per epoch), so schedules are independent of the
// batch size.
type Schedule interface {
	LR(epoch float64) float64
}

// Constant keeps the rate fixed.
type Constant float64

// LR implements Schedule.
func (c Constant) LR(float64) float64 { return float64(c) }

// Step multiplies Base by Gamma every Every epochs.
type Step struct {
	Base, Gamma float64
	Every       int
}

// LR implements Schedule.
func (s Step) LR(e float64) float64 {
	return s.Base * math.Pow(s.Gamma, math.Floor(e/float64(max(s.Every, 1))))
}

// Cosine anneals from Base to Min over Epochs epochs (half a cosine), with
// Restarts > 0 splitting them into that many equal cycles that each start
// again at Base (SGDR, Loshchilov and Hutter), as ADMM's learning-rate
// restarts need.
type Cosine struct {
	Base, Min float64
	Epochs    int
	Restarts  int
}

// LR implements Schedule.
func (c Cosine) LR(e float64) float64 {
	period := float64(max(c.Epochs, 1))
	if c.Restarts > 0 {
		period /= float64(c.Restarts + 1)
	}
	t := math.Mod(e, period) / period
	if e >= float64(c.Epochs) {
		t = 1
	}
	return c.Min + (c.Base-c.Min)*(1+math.Cos(math.Pi*t))/2
}

// ParseSchedule parses "const", "step:EVERY:GAMMA", "cosine" or
// "cosine:RESTARTS" for base rate lr over epochs.
func ParseSchedule(s string, lr float64, epochs int) (Schedule, error) {
	parts := strings.Split(s, ":")
	bad := fmt.Errorf("train: schedule %q: want const, step:EVERY:GAMMA, cosine or cosine:RESTARTS", s)
	switch parts[0] {
	case "const", "constant":
		if len(parts) != 1 {
			return nil, bad
		}
		return Constant(lr), nil
	case "step":
		if len(parts) != 3 {
			return nil, bad
		}
		every, err1 := strconv.Atoi(parts[1])
		gamma, err2 := strconv.ParseFloat(parts[2], 64)
		if err1 != nil || err2 != nil || every < 1 || gamma <= 0 {
			return nil, bad
		}
		return Step{Base: lr, Gamma: gamma, Every: every}, nil
	case "cosine":
		c := Cosine{Base: lr, Epochs: epochs}
		if len(parts) == 2 {
			r, err := strconv.Atoi(parts[1])
			if err != nil || r < 0 {
				return nil, bad
			}
			c.Restarts = r
		} else if len(parts) > 2 {
			return nil, bad
		}
		return c, nil
	}
	return nil, bad
}
