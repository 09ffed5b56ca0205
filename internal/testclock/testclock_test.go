package testclock

import (
	"sync"
	"testing"
	"time"
)

// TestClock: the clock reads what it was set to, moves only by Add and
// Set, and is safe for concurrent use.
func TestClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now: got %v, want %v", got, start)
	}
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { c.Add(time.Second); c.Now() })
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(100*time.Second); !got.Equal(want) {
		t.Errorf("after 100 Adds of a second: got %v, want %v", got, want)
	}
	c.Set(start)
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("after Set: got %v, want %v", got, start)
	}
	var zero Clock
	if !zero.Now().IsZero() {
		t.Errorf("the zero Clock: got %v, want the zero time", zero.Now())
	}
}
