package authsession

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of the pending revocations of one AuthSession.
const (
	// maxPending bounds the revocations kept while the store is failing.
	// Past it the one that would expire soonest is dropped (and logged).
	maxPending = 10_000
	// maxPendingPerUser bounds one user's pending single-session
	// revocations: past it they collapse into one revocation of every
	// session the user signed in before now, so a user can fill the queue
	// only with revocations of their own sessions.
	maxPendingPerUser = 32
	// retryMin and retryMax bound the backoff between rounds of attempts.
	retryMin = 100 * time.Millisecond
	retryMax = 2 * time.Second
	// maxRoundFailures ends a round of attempts.
	maxRoundFailures = 3
)

// errNotRevoked reports a store that answered a revocation without error
// but still holds the session: a write it dropped.
var errNotRevoked = errors.New("the store still holds the session after revoking it")

// revocations keeps the revocations that could not reach the store and
// retries them, with backoff, until they land or every session they cover
// would have expired anyway. While one is pending, this instance treats
// the sessions it covers as revoked whatever the store says.
//
// Nothing runs while nothing is pending: the retrying goroutine starts
// with the first pending revocation and ends when the last one is gone.
// Methods are safe for concurrent use and do nothing on a nil receiver
// (no store configured).
type revocations struct {
	store   Store
	timeout time.Duration
	now     func() time.Time // Config.Now: session time (until, before)
	log     *slog.Logger

	count atomic.Int64  // len(items), read without the lock
	wake  chan struct{} // a store call succeeded: retry soon

	mu      sync.Mutex
	items   map[pendingKey]*pending
	perUser map[string]int // single-session entries per user
	running bool
}

// pendingKey names a pending revocation: one session, or with id "" every
// session of the user created no later than pending.before.
type pendingKey struct{ userID, id string }

type pending struct {
	pendingKey
	before time.Time // id "": sessions created up to it are revoked
	until  time.Time // session time after which it is moot
	next   time.Time // wall-clock time of the next attempt
}

func newRevocations(st Store, timeout time.Duration, now func() time.Time, log *slog.Logger) *revocations {
	if st == nil {
		return nil
	}
	return &revocations{
		store: st, timeout: timeout, now: now, log: log,
		wake:    make(chan struct{}, 1),
		items:   make(map[pendingKey]*pending),
		perUser: make(map[string]int),
	}
}

// revoked reports whether a pending revocation covers the session id of
// userID created at created.
func (q *revocations) revoked(userID, id string, created time.Time) bool {
	if q == nil || q.count.Load() == 0 {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.items[pendingKey{userID, id}]; ok {
		return true
	}
	p, ok := q.items[pendingKey{userID, ""}]
	return ok && !created.After(p.before)
}

// len returns the number of pending revocations.
func (q *revocations) len() int {
	if q == nil {
		return 0
	}
	return int(q.count.Load())
}

// addSession keeps the revocation of one session, moot after until.
func (q *revocations) addSession(userID, id string, until time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := pendingKey{userID, id}
	if p := q.items[key]; p != nil {
		p.until = later(p.until, until)
		return
	}
	if q.perUser[userID] >= maxPendingPerUser {
		q.collapseLocked(userID, until)
		return
	}
	q.perUser[userID]++
	q.putLocked(&pending{pendingKey: key, until: until})
}

// addUser keeps the revocation of every session of userID created no
// later than before, moot after until.
func (q *revocations) addUser(userID string, before, until time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if p := q.items[pendingKey{userID, ""}]; p != nil {
		p.before, p.until = later(p.before, before), later(p.until, until)
		return
	}
	q.putLocked(&pending{pendingKey: pendingKey{userID, ""}, before: before, until: until})
}

// collapseLocked replaces the user's single-session revocations by one of
// every session they signed in before now.
func (q *revocations) collapseLocked(userID string, until time.Time) {
	for k, p := range q.items {
		if k.userID == userID && k.id != "" {
			until = later(until, p.until)
			q.removeLocked(p)
		}
	}
	q.log.LogAttrs(context.Background(), slog.LevelWarn, "authsession: too many pending revocations for one user; revoking all of the user's sessions instead",
		slog.Int("limit", maxPendingPerUser))
	now := q.now()
	if p := q.items[pendingKey{userID, ""}]; p != nil {
		p.before, p.until = later(p.before, now), later(p.until, until)
		return
	}
	q.putLocked(&pending{pendingKey: pendingKey{userID, ""}, before: now, until: until})
}

func (q *revocations) putLocked(p *pending) {
	if len(q.items) >= maxPending {
		q.dropSoonestLocked()
	}
	p.next = time.Now().Add(retryMin)
	q.items[p.pendingKey] = p
	q.count.Store(int64(len(q.items)))
	if !q.running {
		q.running = true
		go q.run()
	}
}

// dropSoonestLocked drops the revocation that becomes moot first.
func (q *revocations) dropSoonestLocked() {
	var victim *pending
	for _, p := range q.items {
		if victim == nil || p.until.Before(victim.until) {
			victim = p
		}
	}
	q.removeLocked(victim)
	q.log.LogAttrs(context.Background(), slog.LevelError, "authsession: too many pending revocations; dropped the one that expires soonest",
		slog.Int("limit", maxPending))
}

func (q *revocations) removeLocked(p *pending) {
	delete(q.items, p.pendingKey)
	if p.id != "" {
		if q.perUser[p.userID]--; q.perUser[p.userID] <= 0 {
			delete(q.perUser, p.userID)
		}
	}
	q.count.Store(int64(len(q.items)))
}

// kick tells the retrying goroutine that the store answers again.
func (q *revocations) kick() {
	if q == nil || q.count.Load() == 0 {
		return
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run retries pending revocations until none is left. After a failed
// round it backs off, doubling from retryMin to retryMax, however many
// revocations are pending: a store that is down sees one attempt per
// backoff, not one per revocation.
func (q *revocations) run() {
	timer := time.NewTimer(retryMin)
	defer timer.Stop()
	wait, last := retryMin, time.Now()
	for {
		select {
		case <-timer.C:
		case <-q.wake:
			// The store answered another call: retry everything now, but
			// never more often than every retryMin.
			if d := retryMin - time.Since(last); d > 0 {
				timer.Reset(d)
				<-timer.C
			}
			q.mu.Lock()
			for _, p := range q.items {
				p.next = time.Time{}
			}
			q.mu.Unlock()
		}
		last = time.Now()
		next, failed, done := q.round(wait)
		if done {
			return
		}
		d := time.Until(next)
		if failed {
			wait = min(2*wait, retryMax)
			d = max(d, wait)
		} else {
			wait = retryMin
		}
		timer.Reset(max(d, time.Millisecond))
	}
}

// round attempts the due revocations, earliest first. It stops after
// maxRoundFailures failures, or once failures have cost the store timeout
// (the store is probably down: no point waiting on it once per
// revocation), but not at the first one: with part of a Redis Cluster
// down, the revocations of users on the other masters still land. One
// that failed is next tried after wait, behind the others. It returns when
// the next one is due, or done when nothing is pending any more and the
// goroutine must end.
func (q *revocations) round(wait time.Duration) (next time.Time, failed, done bool) {
	failures, spent := 0, time.Duration(0)
	for _, p := range q.due() {
		if failures >= maxRoundFailures || spent >= q.timeout {
			break
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
		err := q.apply(ctx, *p)
		cancel()
		q.mu.Lock()
		if q.items[p.pendingKey] == p {
			if err == nil {
				q.removeLocked(p)
			} else {
				p.next = time.Now().Add(wait)
			}
		}
		q.mu.Unlock()
		if err != nil {
			q.log.LogAttrs(context.Background(), slog.LevelWarn, "authsession: retrying a revocation failed",
				slog.String("error", err.Error()), slog.Int("pending", q.len()))
			failed = true
			failures++
			spent += time.Since(start)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		q.running = false
		return time.Time{}, failed, true
	}
	for _, p := range q.items {
		if next.IsZero() || p.next.Before(next) {
			next = p.next
		}
	}
	return next, failed, false
}

// due drops the revocations that became moot and returns those due now,
// earliest first.
func (q *revocations) due() []*pending {
	q.mu.Lock()
	defer q.mu.Unlock()
	now, wall := q.now(), time.Now()
	var due []*pending
	for _, p := range q.items {
		switch {
		case !now.Before(p.until):
			q.removeLocked(p)
		case !p.next.After(wall):
			due = append(due, p)
		}
	}
	slices.SortFunc(due, func(a, b *pending) int { return a.next.Compare(b.next) })
	return due
}

// apply sends one pending revocation to the store.
func (q *revocations) apply(ctx context.Context, p pending) error {
	if p.id != "" {
		return revokeChecked(ctx, q.store, p.userID, p.id)
	}
	return revokeBefore(ctx, q.store, p.userID, p.before)
}

// revokeChecked revokes one session and reads it back, so a store that
// dropped the write is caught.
func revokeChecked(ctx context.Context, st Store, userID, id string) error {
	if err := st.Revoke(ctx, userID, id); err != nil {
		return err
	}
	_, found, err := st.Get(ctx, userID, id)
	switch {
	case err != nil:
		return err
	case found:
		return errNotRevoked
	}
	return nil
}

// revokeBefore revokes every session of the user created no later than
// before, one by one: a retried "log out everywhere" must not end the
// sessions signed in after it. It lists again afterwards, so a store that
// dropped a write is caught.
func revokeBefore(ctx context.Context, st Store, userID string, before time.Time) error {
	for pass := 0; ; pass++ {
		recs, err := st.ListUser(ctx, userID)
		if err != nil {
			return err
		}
		recs = slices.DeleteFunc(recs, func(r SessionRecord) bool { return r.CreatedAt.After(before) })
		if len(recs) == 0 {
			return nil
		}
		if pass > 0 {
			return errNotRevoked
		}
		for _, r := range recs {
			if err := st.Revoke(ctx, userID, r.ID); err != nil {
				return err
			}
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
