package authsession

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Store records live sessions by id (the token's jti claim) so they can be
// revoked before their cookie expires: one at a time (DeleteSession), all of
// a user's at once ("log out everywhere", RevokeUserSessions), or listed
// ("your devices", ListUserSessions).
//
// With a store configured, a cookie is a session only while its id is live
// in the store: an unknown, revoked or expired id is "no session". The
// cookie stays the source of the session's data; the store holds only the
// [SessionRecord].
//
// Implementations must be safe for concurrent use and report failures as
// errors (never panics). A record whose ExpiresAt has passed is gone: Get
// reports it as not found and List leaves it out. [NewMemoryStore] is an
// in-memory implementation; the redisstore module holds a Redis one.
type Store interface {
	// Create records a new live session. A record whose ExpiresAt is not
	// in the future is not stored.
	Create(ctx context.Context, rec SessionRecord) error

	// Get returns the live record with the given id. found is false, with
	// a nil error, when the id is unknown, revoked or expired.
	Get(ctx context.Context, id string) (rec SessionRecord, found bool, err error)

	// Touch sets the last-seen time and the expiry of a live session. It
	// does nothing, without error, when the id is not live: a touch never
	// brings a revoked session back.
	Touch(ctx context.Context, id string, lastSeen, expiresAt time.Time) error

	// Revoke ends one session. Revoking an unknown id is not an error.
	Revoke(ctx context.Context, id string) error

	// RevokeUser ends every live session of the user and returns how many
	// it ended.
	RevokeUser(ctx context.Context, userID string) (int, error)

	// ListUser returns the live sessions of the user, in no particular
	// order.
	ListUser(ctx context.Context, userID string) ([]SessionRecord, error)
}

// SessionRecord is what a [Store] keeps about one live session. It holds no
// token and no session data beyond the user id.
type SessionRecord struct {
	// ID is the session id (Session.ID, the token's jti claim).
	ID string `json:"id"`
	// UserID is the owner, from the user type's UserID method.
	UserID string `json:"userId"`
	// CreatedAt is when the user signed in.
	CreatedAt time.Time `json:"createdAt"`
	// LastSeen is when the session was last used, written back at most
	// once per Config.TouchAfter.
	LastSeen time.Time `json:"lastSeen"`
	// ExpiresAt is when the record expires unless touched again.
	ExpiresAt time.Time `json:"expiresAt"`
	// Client is a short description of the client that signed in: its
	// User-Agent, with control characters replaced and cut to
	// [MaxClientLength] bytes. It is for display only; the client chooses
	// it, so never trust it.
	Client string `json:"client"`
}

// MaxClientLength is the longest SessionRecord.Client, in bytes.
const MaxClientLength = 200

// describeClient returns a display-safe description of the request's
// client: the User-Agent with every control or invalid character replaced
// by a space, runs of spaces collapsed, cut at MaxClientLength bytes on a
// character boundary.
func describeClient(r *http.Request) string {
	ua := r.Header.Get("User-Agent")
	if len(ua) > 4*MaxClientLength {
		ua = ua[:4*MaxClientLength]
	}
	var b strings.Builder
	space := true // drop leading spaces
	for _, c := range ua {
		if c == utf8.RuneError || !unicode.IsPrint(c) || unicode.IsSpace(c) {
			c = ' '
		}
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		if b.Len()+utf8.RuneLen(c) > MaxClientLength {
			break
		}
		b.WriteRune(c)
	}
	return strings.TrimRight(b.String(), " ")
}

// userID returns the user's id; the factory has checked that U implements
// UserIDer whenever a store is configured.
func userID[U any](u U) string {
	if u, ok := any(u).(User); ok { // the common case, without boxing u
		return u.ID
	}
	if id, ok := any(u).(UserIDer); ok {
		return id.UserID()
	}
	return ""
}

// requestSessionID returns the id of the session the request carries, from
// the guard's context or by decrypting its cookie, without consulting the
// store. It is "" when there is none.
func (e *engine[U]) requestSessionID(r *http.Request) string {
	if st, ok := r.Context().Value(e.key).(*requestState[U]); ok && st.ok {
		return st.session.ID
	}
	tok, ok := e.token(r)
	if !ok {
		return ""
	}
	if e.cache != nil {
		if s, hit := e.cache.get(tok, e.now()); hit {
			return s.ID
		}
	}
	s, _, err := e.codec.decrypt(tok)
	if err != nil {
		return ""
	}
	return s.ID
}

// checkStore reports whether s is alive in the store (true without one). It
// runs on every load, cache hit or not, so a revocation takes effect on the
// next request. It writes the last-seen time back at most once per
// Config.TouchAfter. When the store fails, the session is dead unless
// Config.StoreFailOpen is set.
func (e *engine[U]) checkStore(ctx context.Context, r *http.Request, s *Session[U]) bool {
	st := e.cfg.Store
	if st == nil {
		return true
	}
	rec, found, err := st.Get(ctx, s.ID)
	if err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store unavailable",
			slog.String("error", err.Error()), slog.Bool("failOpen", e.cfg.StoreFailOpen))
		return e.cfg.StoreFailOpen
	}
	if !found {
		e.log.LogAttrs(ctx, slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", "session revoked or unknown to the store"))
		return false
	}
	if rec.UserID != userID(s.User) {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: rejected session cookie", slog.String("reason", "store record belongs to another user"))
		return false
	}
	now := e.nowMilli()
	if now.Sub(rec.LastSeen) >= e.cfg.TouchAfter {
		exp := rec.ExpiresAt
		if s.ExpiresAt.After(exp) {
			exp = s.ExpiresAt
		}
		if err := st.Touch(ctx, s.ID, now, exp); err != nil {
			e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store touch failed", slog.String("error", err.Error()))
		}
	}
	return true
}

// recordStore records a new session, first revoking the session the
// request already carries (a sign-in replaces it: no session fixation).
func (e *engine[U]) recordStore(ctx context.Context, r *http.Request, s *Session[U]) error {
	st := e.cfg.Store
	if st == nil {
		return nil
	}
	uid := userID(s.User)
	if uid == "" {
		return fmt.Errorf("%w: the user's UserID is empty", ErrStore)
	}
	if old := e.requestSessionID(r); old != "" && old != s.ID {
		if err := st.Revoke(ctx, old); err != nil {
			return fmt.Errorf("%w: revoking the previous session: %w", ErrStore, err)
		}
	}
	rec := SessionRecord{
		ID:        s.ID,
		UserID:    uid,
		CreatedAt: s.CreatedAt,
		LastSeen:  s.LastActivity,
		ExpiresAt: s.ExpiresAt,
		Client:    describeClient(r),
	}
	if err := st.Create(ctx, rec); err != nil {
		return fmt.Errorf("%w: recording the session: %w", ErrStore, err)
	}
	return nil
}

// touchStore notes that s was refreshed: its record now expires with it.
func (e *engine[U]) touchStore(ctx context.Context, s *Session[U]) {
	st := e.cfg.Store
	if st == nil {
		return
	}
	if err := st.Touch(ctx, s.ID, s.LastActivity, s.ExpiresAt); err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store touch failed", slog.String("error", err.Error()))
	}
}

// revokeStore revokes s, logging a failure.
func (e *engine[U]) revokeStore(ctx context.Context, s *Session[U]) {
	if err := e.revokeID(ctx, s.ID); err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store revoke failed", slog.String("error", err.Error()))
	}
}

// revokeID revokes the session with the given id ("" is none).
func (e *engine[U]) revokeID(ctx context.Context, id string) error {
	if e.cfg.Store == nil || id == "" {
		return nil
	}
	if err := e.cfg.Store.Revoke(ctx, id); err != nil {
		return fmt.Errorf("%w: revoking the session: %w", ErrStore, err)
	}
	return nil
}

func (e *engine[U]) revokeUserSessions(ctx context.Context, userID string) (int, error) {
	if e.cfg.Store == nil {
		return 0, ErrNoStore
	}
	if userID == "" {
		return 0, fmt.Errorf("%w: empty user id", ErrStore)
	}
	n, err := e.cfg.Store.RevokeUser(ctx, userID)
	if err != nil {
		return n, fmt.Errorf("%w: revoking the user's sessions: %w", ErrStore, err)
	}
	return n, nil
}

func (e *engine[U]) revokeUserSession(ctx context.Context, userID, sessionID string) error {
	if e.cfg.Store == nil {
		return ErrNoStore
	}
	rec, found, err := e.cfg.Store.Get(ctx, sessionID)
	if err != nil {
		return fmt.Errorf("%w: looking up the session: %w", ErrStore, err)
	}
	if !found || rec.UserID != userID {
		return ErrNoSession
	}
	return e.revokeID(ctx, sessionID)
}

func (e *engine[U]) listUserSessions(ctx context.Context, userID string) ([]SessionRecord, error) {
	if e.cfg.Store == nil {
		return nil, ErrNoStore
	}
	if userID == "" {
		return nil, fmt.Errorf("%w: empty user id", ErrStore)
	}
	recs, err := e.cfg.Store.ListUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("%w: listing the user's sessions: %w", ErrStore, err)
	}
	now := e.now()
	recs = slices.DeleteFunc(recs, func(r SessionRecord) bool { return !now.Before(r.ExpiresAt) })
	slices.SortFunc(recs, func(a, b SessionRecord) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return recs, nil
}
