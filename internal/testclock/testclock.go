// Package testclock is the one manual clock of the repository's tests: a
// time that moves only when the test moves it, for Config.Now and the
// stores' Options.Now, safe for concurrent use. Code under test that
// waits on timers runs in a testing/synctest bubble instead.
package testclock

import (
	"sync"
	"time"
)

// Clock is a manual clock. The zero value reads the zero time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock stopped at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set makes the clock read t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
