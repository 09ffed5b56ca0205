package authsession

import (
	"bytes"
	"context"
	"sync"
	"time"
)

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
