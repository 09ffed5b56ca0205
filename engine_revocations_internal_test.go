package authsession

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/authsession/authsession/internal/testclock"
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

// newTestRevocations returns revocations over a store that fails while
// down is set, with a manual session clock. Call it inside a
// testing/synctest bubble: the retrying goroutine's timers and the store
// calls' deadlines run on the bubble's fake time, so a test moves time
// with time.Sleep and knows when each round of attempts happens.
func newTestRevocations(t *testing.T) (*revocations, *flakyStore, *testclock.Clock) {
	t.Helper()
	clk := testclock.New(time.UnixMilli(1_767_139_200_000))
	st := &flakyStore{Store: newMapStore(clk.Now)}
	q := newRevocations(st, 50*time.Millisecond, clk.Now, slog.New(slog.DiscardHandler))
	t.Cleanup(func() {
		// Let every pending revocation expire and the goroutine end.
		clk.Add(1000 * time.Hour)
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

// waitIdle moves the bubble's fake time on, one retryMin at a time, until
// nothing is pending and the goroutine has ended; it fails after a
// minute of fake time.
func waitIdle(t *testing.T, q *revocations) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(retryMin) {
		synctest.Wait()
		q.mu.Lock()
		idle := !q.running && len(q.items) == 0
		q.mu.Unlock()
		if idle {
			return
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("revocations still pending or retrying after a minute (%d pending)", q.len())
		}
	}
}

func TestRevocationsNilAndIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var none *revocations // no store configured
		if none.revoked("u", "id", time.Now()) || none.len() != 0 {
			t.Errorf("nil revocations: got something pending")
		}
		none.kick()
		q, _, _ := newTestRevocations(t)
		if isRunning(q) {
			t.Errorf("nothing pending: got a retrying goroutine, want none")
		}
	})
}

// TestRevocationsRetryUntilLanded: a revocation is retried while the store
// fails and lands once it answers; then the goroutine ends. Sessions it
// does not cover are never refused.
func TestRevocationsRetryUntilLanded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, st, clk := newTestRevocations(t)
		ctx := context.Background()
		now := clk.Now()
		for _, id := range []string{"a", "b"} {
			if err := st.Create(ctx, SessionRecord{ID: id, Owner: "u", UserID: "u", CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		st.down.Store(true)
		q.addSession("u", "a", now.Add(time.Hour))
		if !q.revoked("u", "a", now) || q.revoked("u", "b", now) || q.revoked("v", "a", now) {
			t.Errorf("revoked: got a=%v b=%v v/a=%v, want true false false", q.revoked("u", "a", now), q.revoked("u", "b", now), q.revoked("v", "a", now))
		}
		// Rounds at 0.1, 0.3 and 0.7 s (backing off from retryMin).
		time.Sleep(700 * time.Millisecond)
		synctest.Wait()
		if got := st.calls.Load(); got != 3 || !isRunning(q) || q.len() != 1 {
			t.Errorf("store down for 0.7 s: got %d attempts, running=%v, pending=%d; want 3, true, 1", got, isRunning(q), q.len())
		}
		st.down.Store(false)
		q.kick()
		waitIdle(t, q)
		if _, found, _ := st.Get(ctx, "u", "a", Touch{}); found {
			t.Errorf("the revocation did not land")
		}
		if _, found, _ := st.Get(ctx, "u", "b", Touch{}); !found {
			t.Errorf("a session the revocation did not cover was revoked")
		}
	})
}

// TestRevocationsBackoff: while the store stays down, attempts thin out to
// one per retryMax, however many revocations are pending.
func TestRevocationsBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, st, clk := newTestRevocations(t)
		st.down.Store(true)
		for i := range 100 {
			q.addSession(fmt.Sprint("u", i), "x", clk.Now().Add(time.Hour))
		}
		const watch = 2500 * time.Millisecond
		time.Sleep(watch)
		synctest.Wait()
		calls := st.calls.Load()
		// Each round stops after maxRoundFailures failures and the rounds back
		// off from retryMin to retryMax: rounds at 0.1, 0.3, 0.7, 1.5 and 3.1 s.
		if want := int64(4 * maxRoundFailures); calls != want {
			t.Errorf("attempts in %v with the store down: got %d, want %d", watch, calls, want)
		}
		if q.len() != 100 {
			t.Errorf("pending: got %d, want 100", q.len())
		}
	})
}

// TestRevocationsBounded: at most maxPending are kept, and none is ever
// dropped to make room for another user's: past the bound, a user's own
// single revocations collapse into one of all their sessions (theirs, or
// else those of the user with the most), and when every user has just
// one, the new one is refused (and reported). Once a revocation is moot
// (every session it covers has expired), it is dropped and the goroutine
// ends. Dropping the one expiring soonest instead would let other users'
// logouts during an outage push a victim's out
// (TestPendingRevocationNotPushedOutByOtherUsers).
func TestRevocationsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, st, clk := newTestRevocations(t)
		st.down.Store(true)
		now := clk.Now()
		for i := range maxPending {
			// u0 … u4 expire first.
			if err := q.addSession(fmt.Sprint("u", i), "x", now.Add(time.Hour+time.Duration(i)*time.Millisecond)); err != nil {
				t.Fatalf("addSession %d: %v", i, err)
			}
		}
		// Full of one revocation per user: a new user's is refused.
		if err := q.addSession("newcomer", "x", now.Add(2*time.Hour)); !errors.Is(err, errPendingFull) {
			t.Errorf("a new user's revocation with the queue full: got %v, want errPendingFull", err)
		}
		if err := q.addUser("newcomer", now, now.Add(2*time.Hour)); !errors.Is(err, errPendingFull) {
			t.Errorf("a new user's log out everywhere with the queue full: got %v, want errPendingFull", err)
		}
		if got := q.len(); got != maxPending {
			t.Errorf("pending: got %d, want the bound %d", got, maxPending)
		}
		for i := range 5 {
			if !q.revoked(fmt.Sprint("u", i), "x", now) {
				t.Errorf("u%d: the revocation expiring soonest was dropped, want kept", i)
			}
		}
		if q.revoked("newcomer", "x", now) {
			t.Errorf("newcomer: refused, yet reported as pending")
		}
		// A user who has one pending gets their next ones folded into a
		// revocation of all their sessions so far: no one else's moves.
		if err := q.addSession("u7", "y", now.Add(time.Hour)); err != nil {
			t.Errorf("a second revocation of a user with one pending: got %v, want it folded", err)
		}
		if !q.revoked("u7", "x", now) || !q.revoked("u7", "y", now.Add(-time.Second)) || !q.revoked("u7", "z", now) {
			t.Errorf("u7: want every session signed in so far revoked")
		}
		if got := q.len(); got != maxPending {
			t.Errorf("pending after folding: got %d, want %d", got, maxPending)
		}
		// With a user holding several, a newcomer gets room: that user's
		// collapse makes it.
		q.mu.Lock()
		for _, u := range []string{"u9", "u10", "u11"} {
			q.removeLocked(q.items[pendingKey{u, "x"}])
		}
		q.mu.Unlock()
		for _, id := range []string{"a", "b"} {
			if err := q.addSession("u8", id, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.addSession("filler", "x", now.Add(time.Hour)); err != nil || q.len() != maxPending {
			t.Fatalf("filling the queue again: got %v with %d pending", err, q.len())
		}
		if err := q.addSession("newcomer", "x", now.Add(2*time.Hour)); err != nil {
			t.Errorf("a newcomer with a user holding three: got %v, want room made", err)
		}
		if got, want := q.len(), maxPending-1; got != want {
			t.Errorf("pending after u8's collapse and the newcomer: got %d, want %d", got, want)
		}
		if !q.revoked("newcomer", "x", now) || !q.revoked("u8", "a", now) || !q.revoked("u8", "other", now) {
			t.Errorf("after making room: got newcomer=%v u8/a=%v u8/other=%v, want all revoked",
				q.revoked("newcomer", "x", now), q.revoked("u8", "a", now), q.revoked("u8", "other", now))
		}
		if q.revoked("u8", "later", now.Add(time.Minute)) {
			t.Errorf("u8's collapse covers a session signed in after it")
		}
		for i := range 5 {
			if !q.revoked(fmt.Sprint("u", i), "x", now) {
				t.Errorf("u%d: dropped to make room", i)
			}
		}
		if got := q.len(); got > maxPending {
			t.Errorf("pending: got %d, want at most %d", got, maxPending)
		}
		clk.Add(3 * time.Hour)
		q.kick()
		waitIdle(t, q)
	})
}

// TestRevocationsCollapsePerUser: one user's many pending single
// revocations collapse into one revocation of all their sessions signed
// in so far; other users' entries are untouched.
func TestRevocationsCollapsePerUser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, st, clk := newTestRevocations(t)
		st.down.Store(true)
		now := clk.Now()
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
	})
}

// TestRevocationsPartialOutage: with part of the store down (users whose
// calls fail, as on a Redis Cluster master that is down), the revocations
// of the other users still land, though they are queued behind failing
// ones.
func TestRevocationsPartialOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, st, clk := newTestRevocations(t)
		ctx := context.Background()
		now := clk.Now()
		for i := range 5 {
			// Failing ones first: they are due before the good one.
			q.addSession(fmt.Sprint("down-", i), "x", now.Add(time.Hour))
		}
		if err := st.Create(ctx, SessionRecord{ID: "x", Owner: "up", UserID: "up", CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		q.addSession("up", "x", now.Add(time.Hour))
		// Stopping each round at its first failure, it would land only after
		// the five failing ones had each been pushed back once: in the sixth
		// round, 5 s in. It lands in the second, 0.3 s in.
		time.Sleep(280 * time.Millisecond)
		synctest.Wait()
		if !q.revoked("up", "x", now) {
			t.Errorf("landed before the second round (0.3 s in)")
		}
		time.Sleep(10 * time.Millisecond)
		synctest.Wait()
		if q.revoked("up", "x", now) {
			t.Fatalf("the revocation of a user whose part of the store is up did not land in the second round, 0.3 s in")
		}
		if _, found, _ := st.Get(ctx, "up", "x", Touch{}); found {
			t.Errorf("the store still holds the session")
		}
		if got := q.len(); got != 5 {
			t.Errorf("pending: got %d, want the 5 whose part of the store is down", got)
		}
	})
}

// mapStore is a minimal Store for the package's white-box tests, which
// cannot import the memstore package (it imports this one). It keeps no
// caps and expires records only when they are looked at.
type mapStore struct {
	now  func() time.Time
	mu   sync.Mutex
	recs map[[2]string]SessionRecord
}

func newMapStore(now func() time.Time) *mapStore {
	return &mapStore{now: now, recs: make(map[[2]string]SessionRecord)}
}

func (m *mapStore) Create(ctx context.Context, rec SessionRecord) error {
	if !m.now().Before(rec.ExpiresAt) {
		return ctx.Err()
	}
	rec.Data = bytes.Clone(rec.Data)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs[[2]string{rec.Owner, rec.ID}] = rec
	return ctx.Err()
}

func (m *mapStore) liveLocked(owner, id string) (SessionRecord, bool) {
	rec, ok := m.recs[[2]string{owner, id}]
	if ok && !m.now().Before(rec.ExpiresAt) {
		delete(m.recs, [2]string{owner, id})
		return SessionRecord{}, false
	}
	return rec, ok
}

func (m *mapStore) Get(ctx context.Context, owner, id string, touch Touch) (SessionRecord, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.liveLocked(owner, id)
	if ok && touch.Due(rec.LastSeen) {
		rec.LastSeen, rec.ExpiresAt = touch.Seen, later(rec.ExpiresAt, touch.ExpiresAt)
		m.recs[[2]string{owner, id}] = rec
	}
	return rec, ok, ctx.Err()
}

func (m *mapStore) Save(ctx context.Context, rec SessionRecord, prev uint64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.liveLocked(rec.Owner, rec.ID)
	if !ok || cur.Generation != prev {
		return false, ctx.Err()
	}
	cur.Data, cur.LastSeen, cur.ExpiresAt = bytes.Clone(rec.Data), rec.LastSeen, rec.ExpiresAt
	cur.Generation, cur.GraceUntil = rec.Generation, rec.GraceUntil
	m.recs[[2]string{rec.Owner, rec.ID}] = cur
	return true, ctx.Err()
}

func (m *mapStore) Revoke(ctx context.Context, owner, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.recs, [2]string{owner, id})
	return ctx.Err()
}

func (m *mapStore) RevokeUser(ctx context.Context, owner string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k := range m.recs {
		if owner != "" && k[0] == owner {
			if _, ok := m.liveLocked(k[0], k[1]); ok {
				n++
			}
			delete(m.recs, k)
		}
	}
	return n, ctx.Err()
}

func (m *mapStore) ListUser(ctx context.Context, owner string) ([]SessionRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []SessionRecord
	for k := range m.recs {
		if rec, ok := m.liveLocked(k[0], k[1]); ok && owner != "" && k[0] == owner {
			rec.Data = nil
			out = append(out, rec)
		}
	}
	return out, ctx.Err()
}
