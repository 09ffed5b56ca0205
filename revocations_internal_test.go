package authsession

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// flakyStore fails every call while down is set.
type flakyStore struct {
	Store
	down  atomic.Bool
	calls atomic.Int64
}

var errFlaky = errors.New("store down")

func (f *flakyStore) Revoke(ctx context.Context, uid, id string) error {
	f.calls.Add(1)
	if f.down.Load() || strings.HasPrefix(uid, "down-") {
		return errFlaky
	}
	return f.Store.Revoke(ctx, uid, id)
}

func (f *flakyStore) ListUser(ctx context.Context, uid string) ([]SessionRecord, error) {
	f.calls.Add(1)
	if f.down.Load() {
		return nil, errFlaky
	}
	return f.Store.ListUser(ctx, uid)
}

// testClock is a manual clock for white-box tests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestRevocations(t *testing.T) (*revocations, *flakyStore, *testClock) {
	t.Helper()
	clk := &testClock{t: time.UnixMilli(1_767_139_200_000)}
	st := &flakyStore{Store: NewMemoryStore(MemoryStoreOptions{Now: clk.now})}
	q := newRevocations(st, 50*time.Millisecond, clk.now, slog.New(slog.DiscardHandler))
	t.Cleanup(func() {
		// Let every pending revocation expire and the goroutine end.
		clk.add(1000 * time.Hour)
		q.kick()
		waitIdle(t, q)
	})
	return q, st, clk
}

func isRunning(q *revocations) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.running
}

// waitIdle waits until nothing is pending and the goroutine has ended.
func waitIdle(t *testing.T, q *revocations) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.mu.Lock()
		idle := !q.running && len(q.items) == 0
		q.mu.Unlock()
		if idle {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("revocations still pending or retrying after 10s (%d pending)", q.len())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRevocationsNilAndIdle(t *testing.T) {
	var none *revocations // no store configured
	if none.revoked("u", "id", time.Now()) || none.len() != 0 {
		t.Errorf("nil revocations: got something pending")
	}
	none.kick()
	q, _, _ := newTestRevocations(t)
	if isRunning(q) {
		t.Errorf("nothing pending: got a retrying goroutine, want none")
	}
}

// TestRevocationsRetryUntilLanded: a revocation is retried while the store
// fails and lands once it answers; then the goroutine ends. Sessions it
// does not cover are never refused.
func TestRevocationsRetryUntilLanded(t *testing.T) {
	q, st, clk := newTestRevocations(t)
	ctx := context.Background()
	now := clk.now()
	for _, id := range []string{"a", "b"} {
		if err := st.Create(ctx, SessionRecord{ID: id, UserID: "u", CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	st.down.Store(true)
	q.addSession("u", "a", now.Add(time.Hour))
	if !q.revoked("u", "a", now) || q.revoked("u", "b", now) || q.revoked("v", "a", now) {
		t.Errorf("revoked: got a=%v b=%v v/a=%v, want true false false", q.revoked("u", "a", now), q.revoked("u", "b", now), q.revoked("v", "a", now))
	}
	for st.calls.Load() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	if !isRunning(q) || q.len() != 1 {
		t.Errorf("store down: got running=%v pending=%d, want true 1", isRunning(q), q.len())
	}
	st.down.Store(false)
	q.kick()
	waitIdle(t, q)
	if _, found, _ := st.Get(ctx, "u", "a"); found {
		t.Errorf("the revocation did not land")
	}
	if _, found, _ := st.Get(ctx, "u", "b"); !found {
		t.Errorf("a session the revocation did not cover was revoked")
	}
}

// TestRevocationsBackoff: while the store stays down, attempts thin out to
// one per retryMax, however many revocations are pending.
func TestRevocationsBackoff(t *testing.T) {
	t.Parallel()
	q, st, clk := newTestRevocations(t)
	st.down.Store(true)
	for i := range 100 {
		q.addSession(fmt.Sprint("u", i), "x", clk.now().Add(time.Hour))
	}
	const watch = 2500 * time.Millisecond
	time.Sleep(watch)
	calls := st.calls.Load()
	// Each round stops after maxRoundFailures failures and the rounds back
	// off from retryMin to retryMax: rounds at 0.1, 0.3, 0.7, 1.5 and 3.1 s.
	if max := int64(4 * maxRoundFailures); calls == 0 || calls > max {
		t.Errorf("attempts in %v with the store down: got %d, want 1 to %d", watch, calls, max)
	}
	if q.len() != 100 {
		t.Errorf("pending: got %d, want 100", q.len())
	}
}

// TestRevocationsBounded: at most maxPending are kept; past it the one
// that would expire soonest goes; once a revocation is moot (every session
// it covers has expired), it is dropped and the goroutine ends.
func TestRevocationsBounded(t *testing.T) {
	q, st, clk := newTestRevocations(t)
	st.down.Store(true)
	now := clk.now()
	for i := range maxPending + 5 {
		// u0 … u4 expire first.
		q.addSession(fmt.Sprint("u", i), "x", now.Add(time.Hour+time.Duration(i)*time.Millisecond))
	}
	if got := q.len(); got != maxPending {
		t.Errorf("pending: got %d, want the bound %d", got, maxPending)
	}
	for i := range 5 {
		if q.revoked(fmt.Sprint("u", i), "x", now) {
			t.Errorf("u%d: the revocation expiring soonest was kept, want dropped", i)
		}
	}
	if !q.revoked(fmt.Sprint("u", maxPending+4), "x", now) {
		t.Errorf("the newest revocation was dropped")
	}
	clk.add(2 * time.Hour)
	q.kick()
	waitIdle(t, q)
}

// TestRevocationsCollapsePerUser: one user's many pending single
// revocations collapse into one revocation of all their sessions signed
// in so far; other users' entries are untouched.
func TestRevocationsCollapsePerUser(t *testing.T) {
	q, st, clk := newTestRevocations(t)
	st.down.Store(true)
	now := clk.now()
	q.addSession("ann", "a1", now.Add(time.Hour))
	for i := range maxPendingPerUser + 1 {
		q.addSession("mallory", fmt.Sprint("m", i), now.Add(time.Hour))
	}
	if got := q.len(); got != 2 {
		t.Errorf("pending: got %d, want 2 (ann's, and one for all of mallory's)", got)
	}
	if !q.revoked("mallory", "any", now.Add(-time.Minute)) {
		t.Errorf("mallory's session signed in before: got live, want revoked")
	}
	if q.revoked("mallory", "later", now.Add(time.Minute)) {
		t.Errorf("mallory's session signed in after: got revoked, want live")
	}
	if !q.revoked("ann", "a1", now) || q.revoked("ann", "a2", now.Add(-time.Minute)) {
		t.Errorf("ann: got a1=%v a2=%v, want true false", q.revoked("ann", "a1", now), q.revoked("ann", "a2", now.Add(-time.Minute)))
	}
}

// TestRevocationsPartialOutage: with part of the store down (users whose
// calls fail, as on a Redis Cluster master that is down), the revocations
// of the other users still land, though they are queued behind failing
// ones.
func TestRevocationsPartialOutage(t *testing.T) {
	q, st, clk := newTestRevocations(t)
	ctx := context.Background()
	now := clk.now()
	for i := range 5 {
		// Failing ones first: they are due before the good one.
		q.addSession(fmt.Sprint("down-", i), "x", now.Add(time.Hour))
	}
	if err := st.Create(ctx, SessionRecord{ID: "x", UserID: "up", CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	q.addSession("up", "x", now.Add(time.Hour))
	// Stopping each round at its first failure, it would land only after
	// the five failing ones had each been pushed back once: in the sixth
	// round, 5 s in. Now it lands in the second, 0.3 s in.
	start := time.Now()
	for q.revoked("up", "x", now) {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("the revocation of a user whose part of the store is up did not land within 2s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, found, _ := st.Get(ctx, "up", "x"); found {
		t.Errorf("the store still holds the session")
	}
	if got := q.len(); got != 5 {
		t.Errorf("pending: got %d, want the 5 whose part of the store is down", got)
	}
}
