package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/authsession/authsession"
	"github.com/jackc/pgx/v5"
)

// generation is g as a bigint. The engine's generations stay far below
// 2^63; a higher one is kept as 2^63-1.
func generation(g uint64) int64 { return int64(min(g, math.MaxInt64)) }

// nullTime is t, or NULL for the zero time (none).
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func dbError(op string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrDatabase, op, err)
}

// Create records rec, replacing the record of the same owner and id. For
// a signed-in session (an owner other than "") it also ends the owner's
// sessions that expire soonest past MaxSessionsPerUser, in one
// transaction holding the owner's advisory lock, so that sign-ins of one
// user racing each other never leave more than the cap; an anonymous
// session is one statement. A record whose ExpiresAt is not in the future
// is not stored.
func (s *Store) Create(ctx context.Context, rec authsession.SessionRecord) error {
	now := s.now()
	if !rec.ExpiresAt.After(now) {
		return nil
	}
	owner, id := []byte(rec.Owner), []byte(rec.ID)
	args := []any{owner, id, []byte(rec.UserID), rec.CreatedAt, rec.LastSeen, rec.ExpiresAt,
		[]byte(rec.Client), generation(rec.Generation), nullTime(rec.GraceUntil), rec.Data}
	var err error
	if rec.Owner == "" {
		_, err = s.pool.Exec(ctx, s.sql.upsert, args...)
	} else {
		err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
			b := &pgx.Batch{}
			b.Queue(lockSQL, advisoryKey(s.table, "owner", rec.Owner))
			b.Queue(s.sql.upsert, args...)
			b.Queue(s.sql.trim, owner, id, now, s.cap)
			return tx.SendBatch(ctx, b).Close()
		})
	}
	if err != nil {
		return dbError("create", err)
	}
	return nil
}

// row is what statements.get, getTouch and list read of a session.
type row struct {
	rec        authsession.SessionRecord
	userID     []byte
	client     []byte
	generation int64
	graceUntil *time.Time
}

// targets returns the scan destinations of the columns of fields.
func (r *row) targets() []any {
	return []any{&r.userID, &r.rec.CreatedAt, &r.rec.LastSeen, &r.rec.ExpiresAt,
		&r.client, &r.generation, &r.graceUntil}
}

// record completes the record read into r.
func (r *row) record(owner, id string) authsession.SessionRecord {
	rec := r.rec
	rec.ID, rec.Owner, rec.UserID, rec.Client = id, owner, string(r.userID), string(r.client)
	rec.Generation = uint64(max(r.generation, 0))
	rec.GraceUntil = time.Time{}
	if r.graceUntil != nil {
		rec.GraceUntil = *r.graceUntil
	}
	return rec
}

// Get returns the live record of owner and id, Data included, writing a
// due touch in the same statement: one round trip either way.
func (s *Store) Get(ctx context.Context, owner, id string, touch authsession.Touch) (authsession.SessionRecord, bool, error) {
	var r row
	dst := append(r.targets(), &r.rec.Data)
	var err error
	if touch.Before.IsZero() {
		err = s.pool.QueryRow(ctx, s.sql.get, []byte(owner), []byte(id), s.now()).Scan(dst...)
	} else {
		err = s.pool.QueryRow(ctx, s.sql.getTouch, []byte(owner), []byte(id), s.now(),
			touch.Before, touch.Seen, nullTime(touch.ExpiresAt)).Scan(dst...)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return authsession.SessionRecord{}, false, nil
	}
	if err != nil {
		return authsession.SessionRecord{}, false, dbError("get", err)
	}
	return r.record(owner, id), true, nil
}

// Save writes rec's Data, LastSeen, ExpiresAt, Generation and GraceUntil
// to the live record of rec.Owner and rec.ID if its generation is prev, in
// one statement (a delete when rec.ExpiresAt has passed), and reports
// whether it did.
func (s *Store) Save(ctx context.Context, rec authsession.SessionRecord, prev uint64) (bool, error) {
	if prev > math.MaxInt64 {
		return false, nil // no row holds it
	}
	now := s.now()
	owner, id := []byte(rec.Owner), []byte(rec.ID)
	var err error
	var n int64
	if !rec.ExpiresAt.After(now) {
		n, err = s.exec(ctx, s.sql.saveEnd, owner, id, now, int64(prev))
	} else {
		n, err = s.exec(ctx, s.sql.save, owner, id, now, int64(prev), rec.Data, rec.LastSeen, rec.ExpiresAt,
			generation(rec.Generation), nullTime(rec.GraceUntil))
	}
	if err != nil {
		return false, dbError("save", err)
	}
	return n == 1, nil
}

// exec runs a statement and returns how many rows it changed.
func (s *Store) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := s.pool.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// Revoke deletes the session of owner and id.
func (s *Store) Revoke(ctx context.Context, owner, id string) error {
	if _, err := s.pool.Exec(ctx, s.sql.revoke, []byte(owner), []byte(id)); err != nil {
		return dbError("revoke", err)
	}
	return nil
}

// RevokeUser deletes every session of the owner in one statement and
// returns how many were live. A sign-in committed before the statement
// started is ended; one committed after it survives. The anonymous owner
// "" has no sessions to end.
func (s *Store) RevokeUser(ctx context.Context, owner string) (int, error) {
	if owner == "" {
		return 0, nil
	}
	var n int64
	if err := s.pool.QueryRow(ctx, s.sql.revokeUser, []byte(owner), s.now()).Scan(&n); err != nil {
		return 0, dbError("revoke user", err)
	}
	return int(n), nil
}

// ListUser returns the owner's live sessions without their Data, at most
// MaxSessionsPerUser of them (those expiring last), in one statement. The
// anonymous owner "" has none.
func (s *Store) ListUser(ctx context.Context, owner string) ([]authsession.SessionRecord, error) {
	if owner == "" {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, s.sql.list, []byte(owner), s.now(), s.cap)
	if err != nil {
		return nil, dbError("list user", err)
	}
	var (
		out []authsession.SessionRecord
		r   row
		id  []byte
	)
	_, err = pgx.ForEachRow(rows, append([]any{&id}, r.targets()...), func() error {
		out = append(out, r.record(owner, string(id)))
		return nil
	})
	if err != nil {
		return nil, dbError("list user", err)
	}
	return out, nil
}
