package authsession

import (
	"container/heap"
	"context"
	"strings"
	"sync"
	"time"
)

// DefaultMaxSessions is the MemoryStore capacity when
// MemoryStoreOptions.MaxSessions is zero.
const DefaultMaxSessions = 100_000

// MemoryStoreOptions configures [NewMemoryStore].
type MemoryStoreOptions struct {
	// MaxSessions caps the number of records. When the store is full of
	// live sessions (expired ones are dropped first), Create fails with
	// ErrStoreFull and the sign-in with ErrStore: a new session never
	// pushes another user's live session out. Default DefaultMaxSessions.
	MaxSessions int

	// MaxSessionsPerUser caps each user's live sessions. A sign-in past
	// it ends the user's own session that expires soonest (ties: the one
	// created first). Default DefaultMaxSessionsPerUser.
	MaxSessionsPerUser int

	// Now is the clock deciding expiry. Default time.Now. Pass the same
	// clock as Config.Now.
	Now func() time.Time
}

// MemoryStore is a [Store] in process memory, for a single instance of an
// application (several instances need a shared store such as Redis). It
// is bounded by MaxSessions and MaxSessionsPerUser, expires records lazily
// (no background goroutine: an expired record is dropped when it is next
// looked at or when room is needed) and is safe for concurrent use. Its
// calls never wait on I/O. Its records are lost when the process exits,
// which signs everyone out.
type MemoryStore struct {
	max, perUser int
	now          func() time.Time

	mu     sync.Mutex
	byKey  map[memKey]*memEntry
	byUser map[string]map[string]*memEntry // user id → session id → entry
	heap   memHeap                         // ordered by expiry, to drop expired records
}

// memKey names a record: a session id is looked up under its user only.
type memKey struct{ userID, id string }

type memEntry struct {
	rec   SessionRecord
	index int // in heap
}

// NewMemoryStore returns an empty MemoryStore. A negative MaxSessions or
// MaxSessionsPerUser is treated as the default.
func NewMemoryStore(opts MemoryStoreOptions) *MemoryStore {
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.MaxSessionsPerUser <= 0 {
		opts.MaxSessionsPerUser = DefaultMaxSessionsPerUser
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &MemoryStore{
		max:     opts.MaxSessions,
		perUser: opts.MaxSessionsPerUser,
		now:     opts.Now,
		byKey:   make(map[memKey]*memEntry),
		byUser:  make(map[string]map[string]*memEntry),
	}
}

// Len returns the number of records held, expired ones included until they
// are dropped.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byKey)
}

// Create records rec, replacing the record of the same user and id. Over
// the user's cap it drops the user's own record that expires soonest; when
// the store is full of live records it returns ErrStoreFull.
func (m *MemoryStore) Create(ctx context.Context, rec SessionRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := m.now()
	if !now.Before(rec.ExpiresAt) {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.byKey[memKey{rec.UserID, rec.ID}]; old != nil {
		m.removeLocked(old)
	}
	m.dropExpiredLocked(now)
	for u := m.byUser[rec.UserID]; len(u) >= m.perUser; {
		m.removeLocked(soonest(u))
	}
	if len(m.byKey) >= m.max {
		return ErrStoreFull
	}
	e := &memEntry{rec: rec}
	m.byKey[memKey{rec.UserID, rec.ID}] = e
	u := m.byUser[rec.UserID] // removeLocked drops an emptied map
	if u == nil {
		u = make(map[string]*memEntry)
		m.byUser[rec.UserID] = u
	}
	u[rec.ID] = e
	heap.Push(&m.heap, e)
	return nil
}

// soonest returns the entry of u that expires first (ties: created first,
// then the smaller id). u is not empty.
func soonest(u map[string]*memEntry) *memEntry {
	var v *memEntry
	for _, e := range u {
		if v == nil || expiresBefore(e, v) {
			v = e
		}
	}
	return v
}

func expiresBefore(a, b *memEntry) bool {
	if c := a.rec.ExpiresAt.Compare(b.rec.ExpiresAt); c != 0 {
		return c < 0
	}
	if c := a.rec.CreatedAt.Compare(b.rec.CreatedAt); c != 0 {
		return c < 0
	}
	return strings.Compare(a.rec.ID, b.rec.ID) < 0
}

// Get returns the user's live record with the given id.
func (m *MemoryStore) Get(ctx context.Context, userID, id string) (SessionRecord, bool, error) {
	if err := ctx.Err(); err != nil {
		return SessionRecord{}, false, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.byKey[memKey{userID, id}]
	if e == nil {
		return SessionRecord{}, false, nil
	}
	if !now.Before(e.rec.ExpiresAt) {
		m.removeLocked(e)
		return SessionRecord{}, false, nil
	}
	return e.rec, true, nil
}

// Touch sets the last-seen time and expiry of a live record and raises its
// generation and grace period.
func (m *MemoryStore) Touch(ctx context.Context, rec SessionRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.byKey[memKey{rec.UserID, rec.ID}]
	if e == nil {
		return nil
	}
	if !now.Before(e.rec.ExpiresAt) || !now.Before(rec.ExpiresAt) {
		m.removeLocked(e)
		return nil
	}
	e.rec.LastSeen, e.rec.ExpiresAt = rec.LastSeen, rec.ExpiresAt
	e.rec.Generation = max(e.rec.Generation, rec.Generation)
	e.rec.GraceUntil = later(e.rec.GraceUntil, rec.GraceUntil)
	heap.Fix(&m.heap, e.index)
	return nil
}

// Revoke removes the user's record with the given id.
func (m *MemoryStore) Revoke(ctx context.Context, userID, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.byKey[memKey{userID, id}]; e != nil {
		m.removeLocked(e)
	}
	return nil
}

// RevokeUser removes every record of the user and returns how many were
// live.
func (m *MemoryStore) RevokeUser(ctx context.Context, userID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.byUser[userID] {
		if now.Before(e.rec.ExpiresAt) {
			n++
		}
		m.removeLocked(e)
	}
	return n, nil
}

// ListUser returns the user's live records, at most MaxSessionsPerUser.
func (m *MemoryStore) ListUser(ctx context.Context, userID string) ([]SessionRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []SessionRecord
	for _, e := range m.byUser[userID] {
		if !now.Before(e.rec.ExpiresAt) {
			m.removeLocked(e)
			continue
		}
		out = append(out, e.rec)
	}
	return out, nil
}

// dropExpiredLocked removes records expired at now, soonest first.
func (m *MemoryStore) dropExpiredLocked(now time.Time) {
	for len(m.heap) > 0 && !now.Before(m.heap[0].rec.ExpiresAt) {
		m.removeLocked(m.heap[0])
	}
}

func (m *MemoryStore) removeLocked(e *memEntry) {
	delete(m.byKey, memKey{e.rec.UserID, e.rec.ID})
	if u := m.byUser[e.rec.UserID]; u != nil {
		delete(u, e.rec.ID)
		if len(u) == 0 {
			delete(m.byUser, e.rec.UserID)
		}
	}
	if e.index >= 0 {
		heap.Remove(&m.heap, e.index)
	}
}

// memHeap is a min-heap of entries by expiry, then creation time.
type memHeap []*memEntry

func (h memHeap) Len() int { return len(h) }

func (h memHeap) Less(i, j int) bool { return expiresBefore(h[i], h[j]) }

func (h memHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *memHeap) Push(x any) {
	e := x.(*memEntry)
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *memHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	e.index = -1
	*h = old[:n-1]
	return e
}

var _ Store = (*MemoryStore)(nil)
