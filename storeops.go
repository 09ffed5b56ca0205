package authsession

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file holds the engine's store upkeep: checking a session against
// the store on every load, recording a sign-in, touching, revoking and
// listing. Every operation's store calls share one deadline
// (Config.StoreTimeout); a revocation that fails is kept and retried
// (revocations.go).

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

// ownerOf is the store's owner of the user's sessions: a digest of the
// user id, 128 bits in URL-safe base64 (22 characters), so that a key of
// a user's sessions has a fixed length and alphabet whatever the id holds
// (and the server storage's cookie room for it). "" for no user: an
// anonymous session's.
func ownerOf(userID string) string {
	if userID == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("authsession owner\x00" + userID))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// localStore is implemented by stores whose calls never wait on I/O (the
// memstore package's): they go without the StoreTimeout timer.
type localStore interface{ Local() bool }

// storeCtx bounds ctx by Config.StoreTimeout for one operation's store
// calls, unless the store is local.
func (e *engine[U]) storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if l, ok := e.cfg.Store.(localStore); ok && l.Local() {
		return ctx, noCancel
	}
	return context.WithTimeout(ctx, e.cfg.StoreTimeout)
}

func noCancel() {}

// revokedUntil is when every token of a session created at created has
// expired, so a pending revocation of it is moot.
func (e *engine[U]) revokedUntil(created time.Time) time.Time {
	return created.Add(e.cfg.MaxLifetime + e.cfg.Leeway)
}

// carriedSession returns the session the request's cookie carries, from
// the guard's context or through the token layer, without consulting the
// store or the hooks: the session to revoke on a logout or a new sign-in,
// even when the store check failed. ok is false when there is none.
func (e *engine[U]) carriedSession(r *http.Request) (Session[U], bool) {
	if st, ok := r.Context().Value(e.key).(*requestState[U]); ok && st.ok {
		return *st.session, true
	}
	tok, ok := e.token(r)
	if !ok {
		return Session[U]{}, false
	}
	s, err := e.tokens.open(tok, e.now())
	if err != nil {
		return Session[U]{}, false
	}
	return *s, true
}

// checkStore reports whether s is alive in the store (true without one). It
// runs on every load, cache hit or not, so a revocation takes effect on the
// next request, and a revocation pending on this instance takes effect at
// once. It writes the last-seen time back at most once per
// Config.TouchAfter. When the store fails, the session is dead unless
// Config.StoreFailOpen is set.
func (e *engine[U]) checkStore(ctx context.Context, s *Session[U]) bool {
	st := e.cfg.Store
	if st == nil {
		return true
	}
	uid := userID(s.User)
	owner := ownerOf(uid)
	if e.revs.revoked(owner, s.ID, s.CreatedAt) {
		e.log.LogAttrs(ctx, slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", "revocation pending"))
		return false
	}
	ctx, cancel := e.storeCtx(ctx)
	defer cancel()
	now := e.nowMilli()
	rec, found, err := st.Get(ctx, owner, s.ID, e.touchAt(now, s.ExpiresAt))
	if err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store unavailable",
			slog.String("error", err.Error()), slog.Bool("failOpen", e.cfg.StoreFailOpen))
		return e.cfg.StoreFailOpen
	}
	e.revs.kick()
	if !found {
		e.log.LogAttrs(ctx, slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", "session revoked or unknown to the store"))
		return false
	}
	if rec.UserID != uid {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: rejected session cookie", slog.String("reason", "store record belongs to another user"))
		return false
	}
	if reason := e.supersededReason(s, &rec, now); reason != "" {
		e.log.LogAttrs(ctx, slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", reason))
		return false
	}
	return true
}

// touchAt is the touch a session check at now folds into the store's Get:
// the last-seen time written at most once per Config.TouchAfter (never
// with a negative TouchAfter), and the record's expiry extended to
// expires.
func (e *engine[U]) touchAt(now, expires time.Time) Touch {
	if e.cfg.TouchAfter < 0 {
		return Touch{}
	}
	return Touch{Before: now.Add(-e.cfg.TouchAfter).Add(time.Millisecond), Seen: now, ExpiresAt: expires}
}

// recordStore records a new session, first revoking the session the
// request already carries (a sign-in replaces it: no session fixation).
func (e *engine[U]) recordStore(ctx context.Context, r *http.Request, s *Session[U]) error {
	old, ok := e.carriedSession(r)
	if !ok {
		return e.replaceStore(ctx, r, nil, s)
	}
	return e.replaceStore(ctx, r, &old, s)
}

// replaceStore records s, a new session, after revoking old (if not nil,
// and not s).
func (e *engine[U]) replaceStore(ctx context.Context, r *http.Request, old, s *Session[U]) error {
	st := e.cfg.Store
	if st == nil {
		return nil
	}
	uid := userID(s.User)
	if uid == "" {
		return fmt.Errorf("%w: the user's UserID is empty", ErrStore)
	}
	ctx, cancel := e.storeCtx(ctx)
	defer cancel()
	if old != nil && old.ID != s.ID {
		if err := e.revokeSession(ctx, old); err != nil {
			return fmt.Errorf("%w (previous session)", err)
		}
	}
	rec := SessionRecord{
		ID:        s.ID,
		Owner:     ownerOf(uid),
		UserID:    uid,
		CreatedAt: s.CreatedAt,
		LastSeen:  s.LastActivity,
		ExpiresAt: s.ExpiresAt,
		Client:    describeClient(r),
	}
	rec.Generation = s.gen
	if err := st.Create(ctx, rec); err != nil {
		return fmt.Errorf("%w: recording the session: %w", ErrStore, err)
	}
	return nil
}

// touchStore notes that s was refreshed: its record now expires with it.
// A session whose record holds another generation (a superseded token's
// refresh) does not move the record.
func (e *engine[U]) touchStore(ctx context.Context, s *Session[U]) {
	st := e.cfg.Store
	if st == nil {
		return
	}
	ctx, cancel := e.storeCtx(ctx)
	defer cancel()
	owner := ownerOf(userID(s.User))
	rec, found, err := st.Get(ctx, owner, s.ID, Touch{})
	if err == nil && found && (rec.Generation == s.gen || !e.generations()) {
		rec.LastSeen, rec.ExpiresAt = s.LastActivity, later(rec.ExpiresAt, s.ExpiresAt)
		_, err = st.Save(ctx, rec, rec.Generation)
	}
	if err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store touch failed", slog.String("error", err.Error()))
	}
}

// revokeStore revokes s, logging a failure (the revocation is then
// pending).
func (e *engine[U]) revokeStore(ctx context.Context, s *Session[U]) {
	if err := e.revokeSession(ctx, s); err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store revoke failed", slog.String("error", err.Error()))
	}
}

// revokeSession revokes s in the store. When that fails, the revocation is
// kept and retried, this instance already treats s as revoked, and the
// error wraps ErrStore.
func (e *engine[U]) revokeSession(ctx context.Context, s *Session[U]) error {
	if e.cfg.Store == nil || s.ID == "" {
		return nil
	}
	owner := ownerOf(userID(s.User))
	ctx, cancel := e.storeCtx(ctx)
	defer cancel()
	if err := revokeChecked(ctx, e.cfg.Store, owner, s.ID); err != nil {
		return pendingError("revoking the session", err, e.revs.addSession(owner, s.ID, e.revokedUntil(s.CreatedAt)))
	}
	return nil
}

// pendingError is the error of a revocation that failed with err and was
// handed to the pending revocations, which kept it for retrying (keep is
// nil) or could not (keep says why).
func pendingError(what string, err, keep error) error {
	if keep != nil {
		return fmt.Errorf("%w: %s: %w; %w", ErrStore, what, err, keep)
	}
	return fmt.Errorf("%w: %s (retrying in the background): %w", ErrStore, what, err)
}

func (e *engine[U]) revokeUserSessions(ctx context.Context, userID string) (int, error) {
	if e.cfg.Store == nil {
		return 0, ErrNoStore
	}
	if userID == "" {
		return 0, fmt.Errorf("%w: empty user id", ErrStore)
	}
	before, owner := e.nowMilli(), ownerOf(userID)
	sctx, cancel := e.storeCtx(ctx)
	defer cancel()
	n, err := e.cfg.Store.RevokeUser(sctx, owner)
	if err == nil {
		err = revokeBefore(sctx, e.cfg.Store, owner, before) // reads back
	}
	if err != nil {
		// Other instances stamp sessions with their own clocks: sessions
		// signed in up to Leeway after this instance's now are covered
		// too, so that clock skew never spares a session signed in before.
		keep := e.revs.addUser(owner, before.Add(e.cfg.Leeway), e.revokedUntil(before))
		return n, pendingError("revoking the user's sessions", err, keep)
	}
	if hook := e.cfg.Events.RevokeAll; hook != nil {
		e.emit(ctx, "RevokeAll", func() error { return hook(ctx, userID, n) })
	}
	return n, nil
}

func (e *engine[U]) revokeUserSession(ctx context.Context, userID, sessionID string) error {
	if e.cfg.Store == nil {
		return ErrNoStore
	}
	if userID == "" || idProblem(sessionID) != "" {
		return ErrNoSession // never a key the engine wrote
	}
	owner := ownerOf(userID)
	sctx, cancel := e.storeCtx(ctx)
	defer cancel()
	rec, found, err := e.cfg.Store.Get(sctx, owner, sessionID, Touch{})
	switch {
	case err != nil:
		// Unknown whether it is live: revoke it anyway. The store keys
		// sessions by user, so this can only end one of userID's own.
		return pendingError("looking up the session to revoke", err, e.revs.addSession(owner, sessionID, e.revokedUntil(e.now())))
	case !found || rec.UserID != userID:
		return ErrNoSession
	}
	if err := revokeChecked(sctx, e.cfg.Store, owner, sessionID); err != nil {
		return pendingError("revoking the session", err, e.revs.addSession(owner, sessionID, e.revokedUntil(e.now())))
	}
	if hook := e.cfg.Events.Revoke; hook != nil {
		e.emit(ctx, "Revoke", func() error { return hook(ctx, userID, sessionID) })
	}
	return nil
}

// listUserSessions returns the user's live sessions, most recently seen
// first, leaving out those whose revocation is pending here. The store
// returns at most its per-user cap of them.
func (e *engine[U]) listUserSessions(ctx context.Context, userID string) ([]SessionRecord, error) {
	if e.cfg.Store == nil {
		return nil, ErrNoStore
	}
	if userID == "" {
		return nil, fmt.Errorf("%w: empty user id", ErrStore)
	}
	owner := ownerOf(userID)
	ctx, cancel := e.storeCtx(ctx)
	defer cancel()
	recs, err := e.cfg.Store.ListUser(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("%w: listing the user's sessions: %w", ErrStore, err)
	}
	now := e.now()
	recs = slices.DeleteFunc(recs, func(r SessionRecord) bool {
		return !now.Before(r.ExpiresAt) || r.UserID != userID || e.revs.revoked(owner, r.ID, r.CreatedAt)
	})
	slices.SortFunc(recs, func(a, b SessionRecord) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return recs, nil
}
