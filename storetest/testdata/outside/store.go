// Package outside is a session store written outside the authsession
// repository, from its documentation alone: a map behind a mutex. The
// storetest package's TestOutsideModule copies it into a temporary module
// and runs the public conformance suite against it.
package outside

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/authsession/authsession"
)

type key struct{ owner, id string }

// Store keeps records in a map.
type Store struct {
	now     func() time.Time
	perUser int
	mu      sync.Mutex
	recs    map[key]authsession.SessionRecord
}

// New returns an empty Store.
func New(now func() time.Time, perUser int) *Store {
	if perUser <= 0 {
		perUser = authsession.DefaultMaxSessionsPerUser
	}
	return &Store{now: now, perUser: perUser, recs: map[key]authsession.SessionRecord{}}
}

func (s *Store) live(k key) (authsession.SessionRecord, bool) {
	rec, ok := s.recs[k]
	if ok && !s.now().Before(rec.ExpiresAt) {
		delete(s.recs, k)
		return rec, false
	}
	return rec, ok
}

func (s *Store) owned(owner string) []authsession.SessionRecord {
	var out []authsession.SessionRecord
	for k := range s.recs {
		if rec, ok := s.live(k); ok && owner != "" && k.owner == owner {
			out = append(out, rec)
		}
	}
	return out
}

func (s *Store) Create(ctx context.Context, rec authsession.SessionRecord) error {
	if err := ctx.Err(); err != nil || !s.now().Before(rec.ExpiresAt) {
		return err
	}
	rec.Data = bytes.Clone(rec.Data)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.recs, key{rec.Owner, rec.ID})
	for own := s.owned(rec.Owner); rec.Owner != "" && len(own) >= s.perUser; own = s.owned(rec.Owner) {
		first := own[0]
		for _, r := range own[1:] {
			if r.ExpiresAt.Before(first.ExpiresAt) || r.ExpiresAt.Equal(first.ExpiresAt) && (r.CreatedAt.Before(first.CreatedAt) || r.CreatedAt.Equal(first.CreatedAt) && r.ID < first.ID) {
				first = r
			}
		}
		delete(s.recs, key{first.Owner, first.ID})
	}
	s.recs[key{rec.Owner, rec.ID}] = rec
	return nil
}

func (s *Store) Get(ctx context.Context, owner, id string, touch authsession.Touch) (authsession.SessionRecord, bool, error) {
	if err := ctx.Err(); err != nil {
		return authsession.SessionRecord{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.live(key{owner, id})
	if !ok {
		return authsession.SessionRecord{}, false, nil
	}
	if touch.Due(rec.LastSeen) {
		rec.LastSeen = touch.Seen
		if touch.ExpiresAt.After(rec.ExpiresAt) {
			rec.ExpiresAt = touch.ExpiresAt
		}
		s.recs[key{owner, id}] = rec
	}
	return rec, true, nil
}

func (s *Store) Save(ctx context.Context, rec authsession.SessionRecord, prev uint64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{rec.Owner, rec.ID}
	cur, ok := s.live(k)
	if !ok || cur.Generation != prev {
		return false, nil
	}
	if !s.now().Before(rec.ExpiresAt) {
		delete(s.recs, k)
		return true, nil
	}
	cur.Data, cur.LastSeen, cur.ExpiresAt = bytes.Clone(rec.Data), rec.LastSeen, rec.ExpiresAt
	cur.Generation, cur.GraceUntil = rec.Generation, rec.GraceUntil
	s.recs[k] = cur
	return true, nil
}

func (s *Store) Revoke(ctx context.Context, owner, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.recs, key{owner, id})
	return ctx.Err()
}

func (s *Store) RevokeUser(ctx context.Context, owner string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	own := s.owned(owner)
	for _, r := range own {
		delete(s.recs, key{r.Owner, r.ID})
	}
	return len(own), ctx.Err()
}

func (s *Store) ListUser(ctx context.Context, owner string) ([]authsession.SessionRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	own := s.owned(owner)
	for i := range own {
		own[i].Data = nil
	}
	return own, ctx.Err()
}
