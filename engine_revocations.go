package authsession

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of the pending revocations of one AuthSession.
const (
	// maxPending bounds the revocations kept while the store is failing.
	// Past it, the user with the most single-session revocations has them
	// collapsed into one of all their sessions (the user adding one first,
	// when they have any), and when every user has just one, the new one
	// is refused (and logged): a revocation is never dropped to make room
	// for another user's.
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

// errPendingFull reports a revocation that could not be kept for retrying.
var errPendingFull = fmt.Errorf("not kept for retrying: %d revocations are pending, each of another user", maxPending)

// revocations keeps the revocations that could not reach the store and
// retries them, with backoff, until they land or every session they cover
// would have expired anyway. While one is pending, this instance treats
// the sessions it covers as revoked whatever the store says.
//
// Nothing runs while nothing is pending: the retrying goroutine starts
// with the first pending revocation and ends when the last one is gone,
// or when the revocations are closed (AuthSession.Close, or the engine
// became unreachable). Methods are safe for concurrent use and do nothing
// on a nil receiver (no store configured).
type revocations struct {
	store   Store
	timeout time.Duration
	now     func() time.Time // Config.Now: session time (until, before)
	log     *slog.Logger

	count atomic.Int64  // len(items), read without the lock
	wake  chan struct{} // a store call succeeded: retry soon
	stop  chan struct{} // closed by close and abandon: the goroutine ends
	wg    sync.WaitGroup

	mu      sync.Mutex
	items   map[pendingKey]*pending
	perUser map[string]int // single-session entries per user
	running bool
	closed  bool // no goroutine starts any more
}

// pendingKey names a pending revocation: one session, or with id "" every
// session of the user created no later than pending.before.
type pendingKey struct{ owner, id string }

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
		stop:    make(chan struct{}),
		items:   make(map[pendingKey]*pending),
		perUser: make(map[string]int),
	}
}

// revoked reports whether a pending revocation covers the session id of
// owner created at created.
func (q *revocations) revoked(owner, id string, created time.Time) bool {
	if q == nil || q.count.Load() == 0 {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.items[pendingKey{owner, id}]; ok {
		return true
	}
	p, ok := q.items[pendingKey{owner, ""}]
	return ok && !created.After(p.before)
}

// len returns the number of pending revocations.
func (q *revocations) len() int {
	if q == nil {
		return 0
	}
	return int(q.count.Load())
}

// addSession keeps the revocation of one session, moot after until. It
// returns errPendingFull when it cannot keep it (see maxPending).
func (q *revocations) addSession(owner, id string, until time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := pendingKey{owner, id}
	if p := q.items[key]; p != nil {
		p.until = later(p.until, until)
		return nil
	}
	if owner == "" {
		// An anonymous session belongs to nobody: its revocation is never
		// folded into one of all of an owner's sessions.
		if !q.roomLocked(owner) {
			return q.refuseLocked()
		}
		q.putLocked(&pending{pendingKey: key, until: until})
		return nil
	}
	if q.perUser[owner] >= maxPendingPerUser {
		q.collapseLocked(owner, until, "too many pending revocations for one user")
		return nil
	}
	if !q.roomLocked(owner) {
		if !q.hasLocked(owner) {
			return q.refuseLocked()
		}
		// Fold it into a revocation of all the user's sessions so far.
		q.collapseLocked(owner, until, "too many pending revocations")
		return nil
	}
	q.perUser[owner]++
	q.putLocked(&pending{pendingKey: key, until: until})
	return nil
}

// addUser keeps the revocation of every session of owner created no
// later than before, moot after until. It returns errPendingFull when it
// cannot keep it.
func (q *revocations) addUser(owner string, before, until time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if p := q.items[pendingKey{owner, ""}]; p != nil {
		p.before, p.until = later(p.before, before), later(p.until, until)
		return nil
	}
	if q.perUser[owner] > 0 {
		// Make it the user's one entry; it covers their single ones.
		q.collapseLocked(owner, until, "")
		p := q.items[pendingKey{owner, ""}]
		p.before = later(p.before, before)
		return nil
	}
	if !q.roomLocked(owner) {
		return q.refuseLocked()
	}
	q.putLocked(&pending{pendingKey: pendingKey{owner, ""}, before: before, until: until})
	return nil
}

// hasLocked reports whether a revocation of owner is pending.
func (q *revocations) hasLocked(owner string) bool {
	_, all := q.items[pendingKey{owner, ""}]
	return all || q.perUser[owner] > 0
}

// roomLocked makes room for one more revocation of owner, without ever
// dropping one, and reports whether there is room. When the queue is full
// and owner has a revocation pending, it makes none: the caller folds
// the new one into a revocation of all of owner's sessions so far.
// Otherwise the single-session revocations of the user with the most (at
// least two) are collapsed into one of all that user's sessions signed in
// so far, which costs only that user's own sessions.
func (q *revocations) roomLocked(owner string) bool {
	if len(q.items) < maxPending {
		return true
	}
	if q.hasLocked(owner) {
		return false
	}
	heaviest, most := "", 1
	for u, n := range q.perUser {
		if u != "" && n > most {
			heaviest, most = u, n
		}
	}
	if heaviest != "" {
		q.collapseLocked(heaviest, time.Time{}, "too many pending revocations")
	}
	return len(q.items) < maxPending
}

// refuseLocked logs a revocation that cannot be kept and returns
// errPendingFull.
func (q *revocations) refuseLocked() error {
	q.log.LogAttrs(context.Background(), slog.LevelError, "authsession: too many pending revocations; a failed revocation was not kept for retrying",
		slog.Int("limit", maxPending))
	return errPendingFull
}

// collapseLocked replaces the user's single-session revocations by one of
// every session they signed in before now, moot no earlier than until;
// why, if not empty, is logged.
func (q *revocations) collapseLocked(owner string, until time.Time, why string) {
	for k, p := range q.items {
		if k.owner == owner && k.id != "" {
			until = later(until, p.until)
			q.removeLocked(p)
		}
	}
	if why != "" {
		q.log.LogAttrs(context.Background(), slog.LevelWarn, "authsession: "+why+"; revoking all of one user's sessions signed in so far instead",
			slog.Int("perUserLimit", maxPendingPerUser), slog.Int("limit", maxPending))
	}
	now := q.now()
	if p := q.items[pendingKey{owner, ""}]; p != nil {
		p.before, p.until = later(p.before, now), later(p.until, until)
		return
	}
	q.putLocked(&pending{pendingKey: pendingKey{owner, ""}, before: now, until: until})
}

// putLocked adds p, for which there is room, and starts the retrying
// goroutine unless it runs or the revocations are closed.
func (q *revocations) putLocked(p *pending) {
	p.next = time.Now().Add(retryMin)
	q.items[p.pendingKey] = p
	q.count.Store(int64(len(q.items)))
	if !q.running && !q.closed {
		q.running = true
		q.wg.Add(1)
		go q.run()
	}
}

func (q *revocations) removeLocked(p *pending) {
	delete(q.items, p.pendingKey)
	if p.id != "" {
		if q.perUser[p.owner]--; q.perUser[p.owner] <= 0 {
			delete(q.perUser, p.owner)
		}
	}
	q.count.Store(int64(len(q.items)))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
