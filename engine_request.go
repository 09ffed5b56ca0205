package authsession

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// This file is a request's session: what the request carried, and the
// changes its response makes, kept until they are committed once
// (engine_commit.go). The middleware (the guard, RequireSession,
// Require) puts a request's state in its context and commits it before
// the response's header goes out (engine_writer.go); the session API and
// the actions commit it themselves; a call made with no state in the context (a handler behind
// no middleware) gets a state of its own and commits at once.

// requestState is one request's session.
type requestState[U any] struct {
	// session is the request's signed-in session as it was read (nil, or
	// ok false, when there is none: no cookie, a bad one, an anonymous
	// visitor's), read-only and usually shared with the token cache. It
	// is set before the state is shared and never changes: GetSession
	// and the guard see the request, not the response.
	session *Session[U]
	ok      bool

	e    *engine[U]
	req  *http.Request       // the request as it arrived: cookies, context
	w    http.ResponseWriter // where the cookie goes (under the commit writer)
	auto bool                // the middleware commits before the header goes out
	// immediate: no writer commits this state (a router adapter's
	// guard): every change commits as it is made.
	immediate bool
	// storeDown: the store failed while the session was read.
	storeDown bool

	mu       sync.Mutex
	base     *Session[U] // the session as last read or committed; nil: none
	baseAnon bool        // base is an anonymous visitor's session
	cur      *Session[U] // what the response stands on: base, or its own copy
	anon     bool        // cur is an anonymous visitor's session
	// The store's record of base, as last read or written: its
	// generation, grace end and expiry (Unix milliseconds, 0 for none);
	// inStore reports that there is one.
	gen            uint64
	grace, expires int64
	inStore        bool
	pend           change // what changed since the last commit
	// advanced: in cookie storage, this response already gave the
	// session its next generation (a second commit keeps it).
	advanced bool
	sent     bool          // the response's header is out: no more changes
	more     *stateMore[U] // the rest, for requests that change something
	// kept: AuthSession.Keep was called; the state is never reused.
	kept atomic.Bool
}

// stateMore is the part of a request's state that only a change (or a
// store failure) needs: kept apart, so that the middleware's one
// allocation per request stays small.
type stateMore[U any] struct {
	carried *ending[U]                // the session the cookie named, when the store failed
	ops     []func(*Session[U]) error // the changes since the last commit, to apply again
	ends    []ending[U]               // sessions to end at the next commit
	events  []func()                  // what to report once the commit is done
}

// m returns st's rarer part, allocating it on first use.
func (st *requestState[U]) m() *stateMore[U] {
	if st.more == nil {
		st.more = &stateMore[U]{}
	}
	return st.more
}

// pending reports whether st has changes to commit.
func (st *requestState[U]) pending() bool {
	return st.pend != 0 || st.more != nil && len(st.more.ends) > 0
}

// setRecord notes rec as the store's record of base.
func (st *requestState[U]) setRecord(rec *SessionRecord) {
	st.gen, st.grace, st.expires, st.inStore = rec.Generation, unixMilli(rec.GraceUntil), unixMilli(rec.ExpiresAt), true
}

// storedRecord is the store's record of cur, as far as Save needs it.
func (st *requestState[U]) storedRecord() SessionRecord {
	return SessionRecord{ID: st.cur.ID, Owner: st.owner(), Generation: st.gen, GraceUntil: fromMilli(st.grace), ExpiresAt: fromMilli(st.expires)}
}

// unixMilli is t in Unix milliseconds, 0 for the zero time.
func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMilli is unixMilli's inverse.
func fromMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// change is a set of changes a response made to its session.
type change uint8

const (
	changeData       change = 1 << iota // user, tokens, data or flash values
	changeTimes                         // a refresh: new expiry
	changeNew                           // cur is a new session, not yet issued
	changeEnd                           // the session ended: clear the cookie
	changePrivileged                    // issue cur under a new id
)

// ending is a session the next commit ends: revoked in the store under
// its owner (when revoke) and reported as a sign-out (when signOut).
type ending[U any] struct {
	s       Session[U]
	owner   string
	revoke  bool
	signOut bool
}

// errHeadersSent refuses a change after the response's header went out.
var errHeadersSent = fmt.Errorf("%w: change the session before writing the response, or call AuthSession.Commit first", ErrHeaderWritten)

// signedIn reports whether st (from requestSession) holds a valid
// signed-in session.
func (st *requestState[U]) signedIn() bool { return st != nil && st.ok }

// get returns a copy of the request's signed-in session, if any.
func (st *requestState[U]) get() (Session[U], bool) {
	if !st.signedIn() {
		return Session[U]{}, false
	}
	return *st.session, true
}

// sessionContext is context.WithValue(parent, key, &state).
type sessionContext[U any] struct {
	context.Context
	key   *contextKey
	state requestState[U]
}

// sessionRequest is a request carrying a sessionContext, and the commit
// writer of its response, allocated together: the middleware's one
// allocation per request.
type sessionRequest[U any] struct {
	ctx sessionContext[U]
	req http.Request
	cw  commitWriter[U]
}

// Value returns the request state for the engine's key and for
// SessionFromContext's per-type key, and defers to the parent context for
// every other key.
func (c *sessionContext[U]) Value(key any) any {
	switch k := key.(type) {
	case *contextKey:
		if k == c.key {
			return &c.state
		}
	case typedKey[U]:
		return &c.state
	}
	return c.Context.Value(key)
}

// stateOf returns the state the middleware put in r's context, if any.
func (e *engine[U]) stateOf(r *http.Request) *requestState[U] {
	st, _ := r.Context().Value(e.key).(*requestState[U])
	return st
}

// begin is the middleware's start of a request: r with a state in its
// context and w wrapped to commit it, or r and w as they are when an
// outer middleware of this AuthSession already did (st is then that
// one's, and own false). The session is read from the cookie (nothing
// without one) and auto-refreshed; the refresh is one of the response's
// changes.
func (e *engine[U]) begin(w http.ResponseWriter, r *http.Request) (_ http.ResponseWriter, _ *http.Request, st *requestState[U], sr *sessionRequest[U]) {
	if st := e.stateOf(r); st != nil {
		return w, r, st, nil
	}
	sr = e.newRequest(r)
	st = &sr.ctx.state
	st.e, st.w, st.auto = e, w, !e.cfg.DisableAutoCommit
	sr.req = *r.WithContext(&sr.ctx)
	st.req = &sr.req
	if tok, ok := e.token(r); ok {
		now := e.now() // the request's one clock reading
		st.load(tok, now)
		st.autoRefresh(now)
	}
	if st.pend&changePrivileged != 0 {
		// An OnRefresh that changed privileges: the old id ends now, so
		// that the handler sees the session as it will be (or none).
		if err := st.commitLocked(); err != nil {
			e.log.LogAttrs(r.Context(), slog.LevelWarn, "authsession: auto refresh failed", slog.String("error", err.Error()))
		}
	}
	if st.session != nil {
		// The handler sees the session auto refresh made, or none when
		// it ended it.
		st.session, st.ok = st.cur, st.cur != nil && !st.anon
	}
	sr.cw.ResponseWriter, sr.cw.st = w, st
	return &sr.cw, &sr.req, st, sr
}

// newRequest is a request's state for the middleware, with r's context
// as its context's parent: reused (with Config.ReuseRequestState) or
// new.
func (e *engine[U]) newRequest(r *http.Request) *sessionRequest[U] {
	var sr *sessionRequest[U]
	if e.cfg.ReuseRequestState {
		sr, _ = e.reqs.Get().(*sessionRequest[U])
	}
	if sr == nil {
		sr = new(sessionRequest[U])
	}
	sr.ctx.Context, sr.ctx.key = r.Context(), e.key
	return sr
}

// release ends a request's state that begin made, once the handler has
// returned: with Config.ReuseRequestState it is cleared (nothing of the
// request stays reachable from it) and kept for a later request, unless
// AuthSession.Keep was called on it; otherwise it is left to the garbage
// collector, as long as anything refers to it.
func (e *engine[U]) release(sr *sessionRequest[U]) {
	if !e.cfg.ReuseRequestState || sr.ctx.state.kept.Load() {
		return
	}
	*sr = sessionRequest[U]{}
	e.reqs.Put(sr)
}

// keep is AuthSession.Keep: r's state is never reused.
func (e *engine[U]) keep(r *http.Request) {
	if st := e.stateOf(r); st != nil {
		st.kept.Store(true)
	}
}

// beginBare is begin for a guard that hands the request on without
// wrapping the response writer (a router adapter's, through Guard.Check):
// the state commits every change as it is made, the auto refresh at once.
func (e *engine[U]) beginBare(w http.ResponseWriter, r *http.Request) (*http.Request, *requestState[U]) {
	if st := e.stateOf(r); st != nil {
		return r, st
	}
	sr := &sessionRequest[U]{ctx: sessionContext[U]{Context: r.Context(), key: e.key}}
	st := &sr.ctx.state
	st.e, st.w, st.immediate = e, w, true
	sr.req = *r.WithContext(&sr.ctx)
	st.req = &sr.req
	if tok, ok := e.token(r); ok {
		now := e.now()
		st.load(tok, now)
		st.autoRefresh(now)
		if err := st.commitLocked(); err != nil {
			e.log.LogAttrs(r.Context(), slog.LevelWarn, "authsession: auto refresh failed", slog.String("error", err.Error()))
		}
	}
	if st.session != nil {
		st.session, st.ok = st.cur, st.cur != nil && !st.anon
	}
	return &sr.req, st
}

// guardSession is a guard's hold on the request's session: the state it
// began (or found), the response writer to hand on with it (the one that
// commits it), whether it is this guard's to finish, and whether the
// guard wraps no writer (bare: a router adapter's).
type guardSession[U any] struct {
	w    http.ResponseWriter
	st   *requestState[U]
	sr   *sessionRequest[U] // the state begin made (own), or nil
	bare bool
}

// begin reads the request's session for a guard: begin, or beginBare.
func (s *guardSession[U]) begin(e *engine[U], w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request, *requestState[U]) {
	if s.bare {
		r, s.st = e.beginBare(w, r)
		s.w = w
		return w, r, s.st
	}
	s.w, r, s.st, s.sr = e.begin(w, r)
	return s.w, r, s.st
}

// end finishes what begin began: the commit, if the handler did not make
// it happen (see engine.end), then the state's release.
func (s *guardSession[U]) end() {
	if s.sr != nil {
		e := s.st.e
		e.end(s.w, s.st)
		e.release(s.sr)
	}
}

// end is the middleware's end of a request it began (own): the commit,
// when the handler neither wrote the header nor committed (the server
// sends the header after this), or the log of changes left uncommitted
// with DisableAutoCommit. It is not deferred: a handler that panics
// commits nothing.
func (e *engine[U]) end(w http.ResponseWriter, st *requestState[U]) {
	cw, ok := w.(*commitWriter[U])
	if !ok || cw.wrote {
		return
	}
	cw.wrote = true
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.auto {
		if st.pending() {
			e.log.LogAttrs(st.req.Context(), slog.LevelWarn, "authsession: session changes were not committed (Config.DisableAutoCommit): call AuthSession.Commit before writing the response")
		}
		st.sent = true
		return
	}
	err := st.commitLocked()
	st.sent = true
	if err != nil {
		cw.fail(err)
	}
}

// stateFor returns the state of a session operation on (w, r): the
// middleware's (its changes wait for the commit), or a state of the
// call's own (own true; the call commits at once), read from what the
// response has already set the cookie to (an earlier call in the same
// handler), else from the request's cookie.
func (e *engine[U]) stateFor(w http.ResponseWriter, r *http.Request) (st *requestState[U], own bool) {
	if st := e.stateOf(r); st != nil {
		return st, false
	}
	st = &requestState[U]{e: e, req: r, w: w}
	now := e.now()
	if tok, set := e.pending(w, r); set {
		if tok != "" {
			st.loadPending(tok, now)
		}
		return st, true
	}
	if tok, ok := e.token(r); ok {
		st.load(tok, now)
	}
	return st, true
}

// load reads the request's session from its cookie value at now into st:
// the signed-in session (session, ok) or an anonymous one, and its store
// record. A session OnValidate refuses ends: its cookie is cleared and it
// is revoked at the commit (the seed's onValidate).
func (st *requestState[U]) load(value string, now time.Time) {
	e, ctx := st.e, st.req.Context()
	if e.cfg.Store == nil && e.cfg.Storage != StorageServer && isToken(value) {
		// A token and nothing else to ask (readToken without a store):
		// no store record to carry.
		s, err := e.tokens.open(value, now)
		if err != nil {
			e.reject(ctx, err.Error())
			return
		}
		st.loaded(ctx, s, false)
		return
	}
	l := e.read(ctx, value, now)
	st.storeDown = l.storeErr != nil
	if l.carried != nil {
		st.m().carried = l.carried
	}
	if l.s == nil {
		return
	}
	if st.loaded(ctx, l.s, l.anon) && l.inStore {
		st.setRecord(&l.rec)
	}
}

// loaded makes s (a cookie's session, anonymous or not) what the request
// carried and the response stands on, and reports true, unless OnValidate
// refuses it: it then ends at the commit (its cookie cleared, revoked in
// the store).
func (st *requestState[U]) loaded(ctx context.Context, s *Session[U], anon bool) bool {
	if !anon && !st.e.validate(ctx, s) {
		st.m().ends = append(st.m().ends, ending[U]{s: *s, owner: ownerOf(userID(s.User)), revoke: true})
		st.pend |= changeEnd
		return false
	}
	st.setBase(s, anon)
	st.session, st.ok = s, !anon
	return true
}

// setBase makes s (anonymous or not) what the response stands on.
func (st *requestState[U]) setBase(s *Session[U], anon bool) {
	st.base, st.baseAnon, st.cur, st.anon = s, anon, s, anon
}

// loadPending reads the session this response has already set the cookie
// to (value), for a call with a state of its own after an earlier one in
// the same handler: not validated again, but read back from the store
// (its record; in server storage, the session itself).
func (st *requestState[U]) loadPending(value string, now time.Time) {
	e := st.e
	switch {
	case e.cfg.Storage == StorageServer:
		st.load(value, now)
		return
	case isToken(value):
		p, err := e.tokens.open(value, now)
		if err != nil {
			return
		}
		st.setBase(p, false)
		if req, ok := e.token(st.req); ok {
			if q, err := e.tokens.open(req, now); err == nil && q.ID == p.ID && q.gen+1 == p.gen {
				st.advanced = true // this response already moved it on
			}
		}
	default:
		s, err := e.openAnonCookie(value)
		if err != nil {
			return
		}
		st.setBase(&s, true)
	}
	if e.cfg.Store != nil {
		ctx, cancel := e.storeCtx(st.req.Context())
		defer cancel()
		rec, found, err := e.cfg.Store.Get(ctx, st.owner(), st.cur.ID, Touch{})
		if err != nil || !found {
			st.setBase(nil, false)
			st.storeDown = err != nil
			return
		}
		st.setRecord(&rec)
	}
}

// owner is the store's owner of cur.
func (st *requestState[U]) owner() string {
	if st.anon || st.cur == nil {
		return ""
	}
	return ownerOf(userID(st.cur.User))
}

// pending is what this response has already set the cookie to (see
// cookies.Pending): set is false when it has not touched it.
func (e *engine[U]) pending(w http.ResponseWriter, r *http.Request) (tok string, set bool) {
	return e.cookie.pending(w, r.Header)
}
