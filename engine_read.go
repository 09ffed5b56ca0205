package authsession

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// This file is reading a request's session: from the request state the
// middleware put in the context, or from the cookie, in the configured
// storage (a token, an anonymous visitor's sealed value, or in server
// storage a sealed id: engine_server.go), checked against the store
// and the OnValidate hook. A cookie that does not hold a valid session is
// "no session": the reason goes to the debug log, never to the client.

// token returns the request's session cookie value, if any.
func (e *engine[U]) token(r *http.Request) (string, bool) {
	tok, _, ok := e.cookie.read(r.Header)
	return tok, ok
}

// getSession is the request's signed-in session: the one the middleware
// read (no clock reading, no store call), else read from the cookie.
func (e *engine[U]) getSession(r *http.Request) (Session[U], bool) {
	if st := e.stateOf(r); st != nil {
		return st.get()
	}
	return e.readSession(r)
}

// readSession is getSession of a request no middleware began: its
// signed-in session read from its cookie.
func (e *engine[U]) readSession(r *http.Request) (Session[U], bool) {
	tok, ok := e.token(r)
	if !ok {
		return Session[U]{}, false
	}
	l := e.read(r.Context(), tok, e.now())
	if l.s == nil || l.anon || !e.validate(r.Context(), l.s) {
		return Session[U]{}, false
	}
	return *l.s, true
}

func (e *engine[U]) isAuthenticated(r *http.Request) bool {
	_, ok := e.getSession(r)
	return ok
}

// validate is Config.OnValidate on a signed-in session (true without it).
func (e *engine[U]) validate(ctx context.Context, s *Session[U]) bool {
	if e.cfg.OnValidate == nil || e.cfg.OnValidate(ctx, *s) {
		return true
	}
	e.reject(ctx, "OnValidate returned false")
	return false
}

// loaded is a session read from a cookie value: nil s when there is none;
// anon for an anonymous visitor's; its store record (inStore), or the
// store's error (storeErr: the session is then none unless
// Config.StoreFailOpen, and carried is what the cookie named, for a
// sign-out to revoke).
type loaded[U any] struct {
	s        *Session[U]
	anon     bool
	rec      SessionRecord
	inStore  bool
	storeErr error
	carried  *ending[U]
}

// read is the session of a cookie value at now, in the configured
// storage.
func (e *engine[U]) read(ctx context.Context, value string, now time.Time) loaded[U] {
	switch {
	case e.cfg.Storage == StorageServer:
		return e.readServer(ctx, value, now)
	case isToken(value):
		return e.readToken(ctx, value, now)
	}
	return e.readAnon(ctx, value, now)
}

// current is the session a read (GET /api/session) returns: the request's
// signed-in session, auto-refreshed when its refresh threshold has passed
// (committed by the caller). st is the request's state.
func (e *engine[U]) current(st *requestState[U]) (Session[U], bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.cur == nil || st.anon {
		return Session[U]{}, false
	}
	return *st.cur, true
}

// reject logs why a cookie is no session, at debug level.
func (e *engine[U]) reject(ctx context.Context, reason string) {
	e.log.LogAttrs(ctx, slog.LevelDebug, "authsession: rejected session cookie", slog.String("reason", reason))
}

// isToken reports whether a cookie value is a session token (a JWE:
// dots between its parts) rather than a sealed value (no dots).
func isToken(value string) bool {
	return strings.IndexByte(value, '.') >= 0
}

// readToken is the session of a session token at now: opened by the
// token layer (the cache or a decryption, then the token rules), then
// checked against the store.
func (e *engine[U]) readToken(ctx context.Context, tok string, now time.Time) loaded[U] {
	s, err := e.tokens.open(tok, now)
	if err != nil {
		e.reject(ctx, err.Error())
		return loaded[U]{}
	}
	if e.cfg.Store == nil {
		return loaded[U]{s: s}
	}
	uid := userID(s.User)
	return e.checkStore(ctx, s, false, ownerOf(uid), uid, now)
}

// readAnon is the anonymous visitor's session of a sealed cookie value at
// now (cookie storage), checked against the store.
func (e *engine[U]) readAnon(ctx context.Context, value string, now time.Time) loaded[U] {
	if e.tokens.format.foreign || len(value) > e.cfg.MaxCookieBytes {
		return loaded[U]{}
	}
	s, err := e.openAnonCookie(value)
	if err == nil {
		err = e.tokens.live(s.ExpiresAt, s.CreatedAt, now)
	}
	if err != nil {
		e.reject(ctx, err.Error())
		return loaded[U]{}
	}
	return e.checkStore(ctx, &s, true, "", "", now)
}

// checkStore is s (a cookie's session) when it is alive in the store (at
// once without one), with its record. It runs on every read, cache hit or
// not, so a revocation takes effect on the next request, and a revocation
// pending on this instance takes effect at once. The store's Get writes
// the last-seen time back at most once per Config.TouchAfter. When the
// store fails, the session is none unless Config.StoreFailOpen is set.
func (e *engine[U]) checkStore(ctx context.Context, s *Session[U], anon bool, owner, uid string, now time.Time) loaded[U] {
	st := e.cfg.Store
	if st == nil {
		return loaded[U]{s: s, anon: anon}
	}
	carried := &ending[U]{s: *s, owner: owner, revoke: true, signOut: !anon}
	if e.revs.revoked(owner, s.ID, s.CreatedAt) {
		e.reject(ctx, "revocation pending")
		return loaded[U]{carried: carried} // a sign-out tries it again
	}
	sctx, cancel := e.storeCtx(ctx)
	defer cancel()
	at := time.UnixMilli(now.UnixMilli())
	rec, found, err := st.Get(sctx, owner, s.ID, e.touchAt(owner, s.ID, at, s.ExpiresAt))
	if err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store unavailable",
			slog.String("error", err.Error()), slog.Bool("failOpen", e.cfg.StoreFailOpen))
		if e.cfg.StoreFailOpen {
			return loaded[U]{s: s, anon: anon, storeErr: err, carried: carried}
		}
		return loaded[U]{storeErr: err, carried: carried}
	}
	e.revs.kick()
	if found {
		e.noteSeen(owner, s.ID, rec.LastSeen)
	}
	reason := ""
	switch {
	case !found:
		reason = "session revoked or unknown to the store"
	case rec.UserID != uid:
		reason = "store record belongs to another user"
	default:
		reason = e.supersededReason(s, &rec, at)
	}
	if reason != "" {
		e.reject(ctx, reason)
		return loaded[U]{}
	}
	return loaded[U]{s: s, anon: anon, rec: rec, inStore: true}
}

// touchAt is the touch a read at now of the session id (of owner) folds
// into the store's Get: the last-seen time written at most once per
// Config.TouchAfter (never with a negative TouchAfter), and the record's
// expiry extended to expires (zero: not at all). None when this instance
// saw the record last seen within TouchAfter (seenTable): the store would
// refuse it.
func (e *engine[U]) touchAt(owner, id string, now, expires time.Time) Touch {
	if e.cfg.TouchAfter < 0 {
		return Touch{}
	}
	t := Touch{Before: now.Add(-e.cfg.TouchAfter).Add(time.Millisecond), Seen: now, ExpiresAt: expires}
	if e.seen != nil && e.seen.recent(owner, id, t.Before) {
		return Touch{}
	}
	return t
}

// noteSeen records the last-seen time of a record the store returned.
func (e *engine[U]) noteSeen(owner, id string, lastSeen time.Time) {
	if e.seen != nil {
		e.seen.note(owner, id, lastSeen)
	}
}
