package authsession_test

import (
	"context"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// TestStoreTouchAfter shows that a busy session costs one store read per
// request and one write per TouchAfter.
func TestStoreTouchAfter(t *testing.T) {
	tests := []struct {
		name        string
		touchAfter  time.Duration
		step        time.Duration
		requests    int
		wantTouches int64
	}{
		{"default minute, a request a second for 10 minutes", 0, time.Second, 600, 10},
		{"default minute, 100 requests within a second", 0, 10 * time.Millisecond, 100, 0},
		{"10 seconds", 10 * time.Second, time.Second, 100, 10},
		{"every request slower than TouchAfter", time.Second, 2 * time.Second, 30, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
				c.TouchAfter = tt.touchAfter
				c.Expiry = 24 * time.Hour
				c.RefreshThreshold = 12 * time.Hour
			})
			_, cookies := f.login(t, "u_1", nil, "A")
			gets0, touches0, offers0 := f.store.gets.Load(), f.store.touches.Load(), f.store.offers.Load()
			for range tt.requests {
				f.clk.Add(tt.step)
				if _, ok := f.get(cookies); !ok {
					t.Fatal("got no session, want one")
				}
			}
			if got, want := f.store.gets.Load()-gets0, int64(tt.requests); got != want {
				t.Errorf("store reads: got %d, want %d", got, want)
			}
			if got := f.store.touches.Load() - touches0; got != tt.wantTouches {
				t.Errorf("store writes: got %d, want %d", got, tt.wantTouches)
			}
			// A touch is offered only when this instance has not seen the
			// session within TouchAfter: once per touch, and on the first
			// read after the sign-in (whose record this instance has not
			// read yet). On Redis an offer is a script, a plain read a
			// command.
			if got := f.store.offers.Load() - offers0; got > tt.wantTouches+1 {
				t.Errorf("reads offering a touch: got %d, want at most %d (one per touch, and the first read)", got, tt.wantTouches+1)
			}
			recs, _ := f.auth.ListUserSessions(context.Background(), "u_1")
			if len(recs) != 1 {
				t.Fatalf("ListUserSessions: got %d, want 1", len(recs))
			}
			if lag := f.clk.Now().Sub(recs[0].LastSeen); lag < 0 || lag > max(tt.touchAfter, authsession.DefaultTouchAfter) {
				t.Errorf("LastSeen lags the clock by %v, want at most TouchAfter", lag)
			}
		})
	}
}
