package oidc

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a [Store] in the memory of one process: for a single
// instance, and for tests. Applications running several instances share a
// Store held elsewhere (the redisstore module's OIDCStore). Expired
// entries are dropped as they are met and by a sweep every few thousand
// writes, so memory follows the live entries. Safe for concurrent use.
type MemoryStore struct {
	mu     sync.Mutex
	now    func() time.Time
	vals   map[string]memEntry
	sets   map[string]memSet
	writes int
}

type memEntry struct {
	value   []byte
	expires time.Time
}

type memSet struct {
	members map[string]struct{}
	expires time.Time
}

// memSweepEvery is how many writes pass between two sweeps of expired
// entries.
const memSweepEvery = 4096

// MemoryStoreOptions configures [NewMemoryStore].
type MemoryStoreOptions struct {
	// Now is the clock that times to live count on. Default time.Now.
	Now func() time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(opts MemoryStoreOptions) *MemoryStore {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &MemoryStore{now: opts.Now, vals: map[string]memEntry{}, sets: map[string]memSet{}}
}

// Get implements [Store].
func (m *MemoryStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.live(key)
	if !ok {
		return nil, false, nil
	}
	return bytes.Clone(e.value), true, nil
}

// Set implements [Store].
func (m *MemoryStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(key, value, ttl)
	return nil
}

// SetNew implements [Store].
func (m *MemoryStore) SetNew(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.live(key); ok {
		return false, nil
	}
	m.put(key, value, ttl)
	return true, nil
}

// Delete implements [Store].
func (m *MemoryStore) Delete(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.live(key); ok && (value == nil || bytes.Equal(e.value, value)) {
		delete(m.vals, key)
	}
	return nil
}

// AddMember implements [Store].
func (m *MemoryStore) AddMember(ctx context.Context, key, member string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	s, ok := m.sets[key]
	if !ok || !now.Before(s.expires) {
		s = memSet{members: map[string]struct{}{}}
	}
	s.members[member] = struct{}{}
	s.expires = now.Add(ttl)
	m.sets[key] = s
	m.wrote(now)
	return nil
}

// Members implements [Store].
func (m *MemoryStore) Members(ctx context.Context, key string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sets[key]
	if !ok {
		return nil, nil
	}
	if !m.now().Before(s.expires) {
		delete(m.sets, key)
		return nil, nil
	}
	out := make([]string, 0, len(s.members))
	for k := range s.members {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}

// Len returns how many values and sets are held, expired ones included
// until they are swept.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.vals) + len(m.sets)
}

// live returns key's entry unless it has expired (then it is dropped).
// Call with m.mu held.
func (m *MemoryStore) live(key string) (memEntry, bool) {
	e, ok := m.vals[key]
	if ok && !m.now().Before(e.expires) {
		delete(m.vals, key)
		return memEntry{}, false
	}
	return e, ok
}

// put stores a copy of value. Call with m.mu held.
func (m *MemoryStore) put(key string, value []byte, ttl time.Duration) {
	now := m.now()
	if ttl <= 0 {
		delete(m.vals, key)
		return
	}
	m.vals[key] = memEntry{value: bytes.Clone(value), expires: now.Add(ttl)}
	m.wrote(now)
}

// wrote counts a write and sweeps expired entries every memSweepEvery
// writes. Call with m.mu held.
func (m *MemoryStore) wrote(now time.Time) {
	if m.writes++; m.writes < memSweepEvery {
		return
	}
	m.writes = 0
	for k, e := range m.vals {
		if !now.Before(e.expires) {
			delete(m.vals, k)
		}
	}
	for k, s := range m.sets {
		if !now.Before(s.expires) {
			delete(m.sets, k)
		}
	}
}
