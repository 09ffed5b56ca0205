package bench

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
)

// Options set how long the harness measures.
type Options struct {
	// Rounds is the number of A/B rounds per comparison; the reported
	// figures are medians over them. Default 31.
	Rounds int
	// Batch is the time one side's batch of calls should take; the number
	// of calls per batch is calibrated to it. Default 5ms.
	Batch time.Duration
	// Wall times batches by the wall clock. By default (on Linux) they are
	// timed by the process's CPU time, which leaves out the time other
	// processes hold the cores: on a shared machine that is most of the
	// noise. The process's CPU time includes the garbage collector's work
	// on other threads, so allocations are paid for either way.
	Wall bool
}

func (o Options) withDefaults() Options {
	if o.Rounds <= 0 {
		o.Rounds = 31
	}
	if o.Batch <= 0 {
		o.Batch = 5 * time.Millisecond
	}
	return o
}

// Paired is the result of timing A against B in one interleaved loop.
type Paired struct {
	ANs, BNs float64 // median time per call of each side, ns
	Ratio    float64 // median over rounds of the per-round ratio A/B
	Lo, Hi   float64 // the ratio's interquartile range over rounds
	// Diff is the median over rounds of the per-round difference A-B per
	// call, ns (what A adds to B), with its interquartile range.
	Diff, DiffLo, DiffHi float64
	Rounds               int
}

// Pair times a and b alternately: every round runs a batch of a and a
// batch of b, in alternating order (ab, ba, ab, ...), each batch long
// enough to last about o.Batch. A round's ratio compares two batches run
// back to back, so load that comes and goes on a shared machine hits both
// sides of it alike; the median over rounds discards rounds where it did
// not. An error from either side stops the run.
func Pair(o Options, a, b func() error) (Paired, error) {
	o = o.withDefaults()
	na, err := calibrate(a, o.Batch)
	if err != nil {
		return Paired{}, err
	}
	nb, err := calibrate(b, o.Batch)
	if err != nil {
		return Paired{}, err
	}
	runtime.GC()
	ratios := make([]float64, 0, o.Rounds)
	diffs := make([]float64, 0, o.Rounds)
	as := make([]float64, 0, o.Rounds)
	bs := make([]float64, 0, o.Rounds)
	for i := range o.Rounds {
		var ta, tb float64
		if i%2 == 0 {
			if ta, err = batch(a, na, o.Wall); err == nil {
				tb, err = batch(b, nb, o.Wall)
			}
		} else {
			if tb, err = batch(b, nb, o.Wall); err == nil {
				ta, err = batch(a, na, o.Wall)
			}
		}
		if err != nil {
			return Paired{}, err
		}
		as, bs, ratios = append(as, ta), append(bs, tb), append(ratios, ta/tb)
		diffs = append(diffs, ta-tb)
	}
	p := Paired{ANs: median(as), BNs: median(bs), Ratio: median(ratios), Rounds: o.Rounds}
	p.Lo, p.Hi = quantile(ratios, 0.25), quantile(ratios, 0.75)
	p.Diff, p.DiffLo, p.DiffHi = median(diffs), quantile(diffs, 0.25), quantile(diffs, 0.75)
	return p, nil
}

// Single times f alone over o.Rounds batches and returns the median time
// per call, ns.
func Single(o Options, f func() error) (float64, error) {
	o = o.withDefaults()
	n, err := calibrate(f, o.Batch)
	if err != nil {
		return 0, err
	}
	runtime.GC()
	ts := make([]float64, 0, o.Rounds)
	for range o.Rounds {
		t, err := batch(f, n, o.Wall)
		if err != nil {
			return 0, err
		}
		ts = append(ts, t)
	}
	return median(ts), nil
}

// Allocs returns the average number of heap allocations of one call of f
// (testing.AllocsPerRun over 200 calls, after a warm-up call).
func Allocs(f func() error) (float64, error) {
	if err := f(); err != nil {
		return 0, err
	}
	var err error
	n := testing.AllocsPerRun(200, func() {
		if e := f(); e != nil && err == nil {
			err = e
		}
	})
	return n, err
}

// calibrate returns how many calls of f take about d (at least 1).
func calibrate(f func() error, d time.Duration) (int, error) {
	n := 1
	for {
		t0 := time.Now()
		for range n {
			if err := f(); err != nil {
				return 0, err
			}
		}
		el := time.Since(t0)
		if el >= d/4 || n >= 1<<24 {
			per := float64(el) / float64(n)
			return max(1, int(float64(d)/per)), nil
		}
		n *= 4
	}
}

// batch runs f n times and returns the time per call, ns, by the CPU
// clock unless wall is set (or there is none).
func batch(f func() error, n int, wall bool) (float64, error) {
	if wall || !haveCPUClock {
		t0 := time.Now()
		for range n {
			if err := f(); err != nil {
				return 0, fmt.Errorf("after %d calls: %w", n, err)
			}
		}
		return float64(time.Since(t0)) / float64(n), nil
	}
	t0 := cpuNow()
	for range n {
		if err := f(); err != nil {
			return 0, fmt.Errorf("after %d calls: %w", n, err)
		}
	}
	return float64(cpuNow()-t0) / float64(n), nil
}

func median(xs []float64) float64 { return quantile(xs, 0.5) }

// quantile is the q-quantile of xs by linear interpolation.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}
