// Package memstore is an [authsession.Store] in process memory: the
// sessions of one instance of an application.
//
// Like next-session's MemoryStore it does not work for several instances
// (each would see only its own sessions, and a sign-out on one would not
// reach the others) nor across restarts (its sessions are lost, which
// signs everyone out). Use a shared store, such as the redisstore module,
// in production behind a load balancer.
//
//	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
//		Store: memstore.New(memstore.Options{}),
//	})
package memstore

import (
	"bytes"
	"container/heap"
	"context"
	"strings"
	"sync"
	"time"

	"github.com/authsession/authsession"
)

// DefaultMaxSessions is the capacity when Options.MaxSessions is zero.
const DefaultMaxSessions = 100_000

// Options configures [New].
type Options struct {
	// MaxSessions caps the number of records. When the store is full of
	// live sessions (expired ones are dropped first), a signed-in session
	// takes the place of the anonymous session that expires soonest; with
	// none left, Create fails with authsession.ErrStoreFull and the
	// operation with authsession.ErrStore: a new session never pushes
	// another user's signed-in session out. Default DefaultMaxSessions.
	MaxSessions int

	// MaxSessionsPerUser caps each user's live sessions. A sign-in past
	// it ends the user's own session that expires soonest (ties: the one
	// created first). Default authsession.DefaultMaxSessionsPerUser.
	MaxSessionsPerUser int

	// Now is the clock deciding expiry. Default time.Now. Pass the same
	// clock as authsession.Config.Now.
	Now func() time.Time
}

// Store is an [authsession.Store] in process memory. It is bounded by
// Options.MaxSessions and Options.MaxSessionsPerUser, expires records
// lazily (no background goroutine: an expired record is dropped when it
// is next looked at or when room is needed) and is safe for concurrent
// use. Its calls never wait on I/O.
type Store struct {
	max, perUser int
	now          func() time.Time

	mu      sync.Mutex
	byKey   map[key]*entry
	byOwner map[string]map[string]*entry // owner → session id → entry; signed-in only
	// heaps order the entries by expiry, to drop expired records: [0]
	// signed-in sessions, [1] anonymous ones (the first to give way).
	heaps [2]expiryHeap
}

// key names a record: a session id is looked up under its owner only.
type key struct{ owner, id string }

type entry struct {
	rec   authsession.SessionRecord
	index int // in its heap
}

// anon is the heap an entry is in: 1 for an anonymous session.
func (e *entry) anon() int {
	if e.rec.Owner == "" {
		return 1
	}
	return 0
}

var _ authsession.Store = (*Store)(nil)

// New returns an empty Store. A negative MaxSessions or MaxSessionsPerUser
// is treated as the default.
func New(opts Options) *Store {
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.MaxSessionsPerUser <= 0 {
		opts.MaxSessionsPerUser = authsession.DefaultMaxSessionsPerUser
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{
		max:     opts.MaxSessions,
		perUser: opts.MaxSessionsPerUser,
		now:     opts.Now,
		byKey:   make(map[key]*entry),
		byOwner: make(map[string]map[string]*entry),
	}
}

// Local reports that the store's calls never wait on I/O: the engine
// calls it without setting up a Config.StoreTimeout deadline.
func (m *Store) Local() bool { return true }

// Len returns the number of records held, expired ones included until they
// are dropped.
func (m *Store) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byKey)
}

// Create records rec, replacing the record of the same owner and id. Over
// the owner's cap it drops the owner's record that expires soonest; when
// the store is full it drops the anonymous record that expires soonest to
// make room for a signed-in one, and otherwise returns
// authsession.ErrStoreFull.
func (m *Store) Create(ctx context.Context, rec authsession.SessionRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := m.now()
	if !now.Before(rec.ExpiresAt) {
		return nil
	}
	rec.Data = bytes.Clone(rec.Data)
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.byKey[key{rec.Owner, rec.ID}]; old != nil {
		m.removeLocked(old)
	}
	m.dropExpiredLocked(now)
	if rec.Owner != "" {
		for u := m.byOwner[rec.Owner]; len(u) >= m.perUser; {
			m.removeLocked(soonest(u))
		}
		for len(m.byKey) >= m.max && len(m.heaps[1]) > 0 {
			m.removeLocked(m.heaps[1][0])
		}
	}
	if len(m.byKey) >= m.max {
		return authsession.ErrStoreFull
	}
	e := &entry{rec: rec}
	m.byKey[key{rec.Owner, rec.ID}] = e
	if rec.Owner != "" {
		u := m.byOwner[rec.Owner] // removeLocked drops an emptied map
		if u == nil {
			u = make(map[string]*entry)
			m.byOwner[rec.Owner] = u
		}
		u[rec.ID] = e
	}
	heap.Push(&m.heaps[e.anon()], e)
	return nil
}

// soonest returns the entry of u that expires first (ties: created first,
// then the smaller id). u is not empty.
func soonest(u map[string]*entry) *entry {
	var v *entry
	for _, e := range u {
		if v == nil || expiresBefore(e, v) {
			v = e
		}
	}
	return v
}

func expiresBefore(a, b *entry) bool {
	if c := a.rec.ExpiresAt.Compare(b.rec.ExpiresAt); c != 0 {
		return c < 0
	}
	if c := a.rec.CreatedAt.Compare(b.rec.CreatedAt); c != 0 {
		return c < 0
	}
	return strings.Compare(a.rec.ID, b.rec.ID) < 0
}

// liveLocked returns the live entry of owner and id, dropping it when it
// has expired.
func (m *Store) liveLocked(owner, id string, now time.Time) *entry {
	e := m.byKey[key{owner, id}]
	if e == nil {
		return nil
	}
	if !now.Before(e.rec.ExpiresAt) {
		m.removeLocked(e)
		return nil
	}
	return e
}

// Get returns the live record of owner and id, touched when touch is due.
// Its Data is the store's: the caller must not modify it.
func (m *Store) Get(ctx context.Context, owner, id string, touch authsession.Touch) (authsession.SessionRecord, bool, error) {
	if err := ctx.Err(); err != nil {
		return authsession.SessionRecord{}, false, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.liveLocked(owner, id, now)
	if e == nil {
		return authsession.SessionRecord{}, false, nil
	}
	if touch.Due(e.rec.LastSeen) {
		e.rec.LastSeen = touch.Seen
		if touch.ExpiresAt.After(e.rec.ExpiresAt) {
			e.rec.ExpiresAt = touch.ExpiresAt
			heap.Fix(&m.heaps[e.anon()], e.index)
		}
	}
	return e.rec, true, nil
}

// Save writes rec's changing fields to its live record when that record's
// generation is prev.
func (m *Store) Save(ctx context.Context, rec authsession.SessionRecord, prev uint64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := m.now()
	data := bytes.Clone(rec.Data)
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.liveLocked(rec.Owner, rec.ID, now)
	if e == nil || e.rec.Generation != prev {
		return false, nil
	}
	if !now.Before(rec.ExpiresAt) {
		m.removeLocked(e)
		return true, nil
	}
	e.rec.Data, e.rec.LastSeen, e.rec.ExpiresAt = data, rec.LastSeen, rec.ExpiresAt
	e.rec.Generation, e.rec.GraceUntil = rec.Generation, rec.GraceUntil
	heap.Fix(&m.heaps[e.anon()], e.index)
	return true, nil
}

// Revoke removes the record of owner and id.
func (m *Store) Revoke(ctx context.Context, owner, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.byKey[key{owner, id}]; e != nil {
		m.removeLocked(e)
	}
	return nil
}

// RevokeUser removes every record of the owner and returns how many were
// live. The anonymous owner "" has none.
func (m *Store) RevokeUser(ctx context.Context, owner string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.byOwner[owner] {
		if now.Before(e.rec.ExpiresAt) {
			n++
		}
		m.removeLocked(e)
	}
	return n, nil
}

// ListUser returns the owner's live records without their Data, at most
// MaxSessionsPerUser. The anonymous owner "" has none.
func (m *Store) ListUser(ctx context.Context, owner string) ([]authsession.SessionRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []authsession.SessionRecord
	for _, e := range m.byOwner[owner] {
		if !now.Before(e.rec.ExpiresAt) {
			m.removeLocked(e)
			continue
		}
		rec := e.rec
		rec.Data = nil
		out = append(out, rec)
	}
	return out, nil
}

// dropExpiredLocked removes the records expired at now, soonest first.
func (m *Store) dropExpiredLocked(now time.Time) {
	for i := range m.heaps {
		h := &m.heaps[i]
		for len(*h) > 0 && !now.Before((*h)[0].rec.ExpiresAt) {
			m.removeLocked((*h)[0])
		}
	}
}

func (m *Store) removeLocked(e *entry) {
	delete(m.byKey, key{e.rec.Owner, e.rec.ID})
	if u := m.byOwner[e.rec.Owner]; u != nil {
		delete(u, e.rec.ID)
		if len(u) == 0 {
			delete(m.byOwner, e.rec.Owner)
		}
	}
	if e.index >= 0 {
		heap.Remove(&m.heaps[e.anon()], e.index)
	}
}

// expiryHeap is a min-heap of entries by expiry, then creation time.
type expiryHeap []*entry

func (h expiryHeap) Len() int { return len(h) }

func (h expiryHeap) Less(i, j int) bool { return expiresBefore(h[i], h[j]) }

func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *expiryHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *expiryHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	e.index = -1
	*h = old[:n-1]
	return e
}
