package pgstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/authsession/authsession"
	"github.com/jackc/pgx/v5"
)

// key is how the statements name a session: $1 to $4 of statements.get,
// touch and revoke.
type key struct {
	userHash, idHash [sha256.Size]byte
	userID, id       []byte
}

func sessionKey(userID, id string) key {
	k := key{userID: []byte(userID), id: []byte(id)}
	k.userHash = sha256.Sum256(k.userID)
	k.idHash = sha256.Sum256(k.id)
	return k
}

func (k *key) args(more ...any) []any {
	return append([]any{k.userHash[:], k.idHash[:], k.userID, k.id}, more...)
}

func userHash(userID string) []byte {
	h := sha256.Sum256([]byte(userID))
	return h[:]
}

// generation is g as a bigint; the engine never comes near the cap.
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

// Create records rec, replacing the user's record with the same id, and
// ends the user's sessions that expire soonest past MaxSessionsPerUser,
// in one transaction holding the user's advisory lock, so that sign-ins
// of one user racing each other never leave more than the cap. A record
// whose ExpiresAt is not in the future is not stored.
func (s *Store) Create(ctx context.Context, rec authsession.SessionRecord) error {
	now := s.now()
	if !rec.ExpiresAt.After(now) {
		return nil
	}
	k := sessionKey(rec.UserID, rec.ID)
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(lockSQL, advisoryKey(s.table, rec.UserID))
		b.Queue(s.sql.upsert, k.args(rec.CreatedAt, rec.LastSeen, rec.ExpiresAt, []byte(rec.Client),
			generation(rec.Generation), nullTime(rec.GraceUntil))...)
		b.Queue(s.sql.trim, k.userHash[:], k.userID, k.idHash[:], now, s.cap)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return dbError("create", err)
	}
	return nil
}

// row is what statements.get and list read of a session.
type row struct {
	client     []byte
	generation int64
	graceUntil *time.Time
	rec        authsession.SessionRecord
}

// targets returns the scan destinations of created_at, last_seen,
// expires_at, client, generation and grace_until.
func (r *row) targets() []any {
	return []any{&r.rec.CreatedAt, &r.rec.LastSeen, &r.rec.ExpiresAt,
		&r.client, &r.generation, &r.graceUntil}
}

// record completes the record read into r.
func (r *row) record(userID, id string) authsession.SessionRecord {
	rec := r.rec
	rec.ID, rec.UserID, rec.Client = id, userID, string(r.client)
	rec.Generation = uint64(max(r.generation, 0))
	if r.graceUntil != nil {
		rec.GraceUntil = *r.graceUntil
	}
	return rec
}

// Get returns the user's live record with the given id, in one statement.
func (s *Store) Get(ctx context.Context, userID, id string) (authsession.SessionRecord, bool, error) {
	k := sessionKey(userID, id)
	var r row
	err := s.pool.QueryRow(ctx, s.sql.get, k.args(s.now())...).Scan(r.targets()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return authsession.SessionRecord{}, false, nil
	}
	if err != nil {
		return authsession.SessionRecord{}, false, dbError("get", err)
	}
	return r.record(userID, id), true, nil
}

// Touch writes rec.LastSeen and rec.ExpiresAt to the live session rec.ID
// of rec.UserID and raises its generation and grace end to rec's where
// they are higher, in one statement; a session that is not live is left
// alone. An ExpiresAt that is not in the future revokes the session.
func (s *Store) Touch(ctx context.Context, rec authsession.SessionRecord) error {
	now := s.now()
	if !rec.ExpiresAt.After(now) {
		return s.Revoke(ctx, rec.UserID, rec.ID)
	}
	k := sessionKey(rec.UserID, rec.ID)
	_, err := s.pool.Exec(ctx, s.sql.touch, k.args(rec.LastSeen, rec.ExpiresAt,
		generation(rec.Generation), nullTime(rec.GraceUntil), now)...)
	if err != nil {
		return dbError("touch", err)
	}
	return nil
}

// Revoke deletes the user's session with the given id.
func (s *Store) Revoke(ctx context.Context, userID, id string) error {
	k := sessionKey(userID, id)
	if _, err := s.pool.Exec(ctx, s.sql.revoke, k.args()...); err != nil {
		return dbError("revoke", err)
	}
	return nil
}

// RevokeUser deletes every session of the user in one statement and
// returns how many were live. A sign-in committed before the statement
// started is ended; one committed after it survives.
func (s *Store) RevokeUser(ctx context.Context, userID string) (int, error) {
	var n int64
	err := s.pool.QueryRow(ctx, s.sql.revokeUser, userHash(userID), []byte(userID), s.now()).Scan(&n)
	if err != nil {
		return 0, dbError("revoke user", err)
	}
	return int(n), nil
}

// ListUser returns the user's live sessions, at most MaxSessionsPerUser
// of them (those expiring last), in one statement.
func (s *Store) ListUser(ctx context.Context, userID string) ([]authsession.SessionRecord, error) {
	rows, err := s.pool.Query(ctx, s.sql.list, userHash(userID), []byte(userID), s.now(), s.cap)
	if err != nil {
		return nil, dbError("list user", err)
	}
	var (
		out []authsession.SessionRecord
		r   row
		id  []byte
	)
	dst := append([]any{&id}, r.targets()...)
	_, err = pgx.ForEachRow(rows, dst, func() error {
		out = append(out, r.record(userID, string(id)))
		return nil
	})
	if err != nil {
		return nil, dbError("list user", err)
	}
	return out, nil
}
