package authsession

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/authsession/authsession/internal/seal"
)

// This file is the operations that change a session: sign-in, update,
// refresh and sign-out. Each changes the request's state (engine_request.go);
// the commit (engine_commit.go) writes the store and the cookie.

// do runs change on the request state of (w, r), under its lock, and
// commits at once when the state is the call's own (no middleware).
// check asks change to check what it makes against the size limits now
// (with its own state, the commit does).
func (e *engine[U]) do(w http.ResponseWriter, r *http.Request, change func(st *requestState[U], check bool) error) (*requestState[U], error) {
	st, own := e.stateFor(w, r)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.sent {
		return st, errHeadersSent
	}
	if err := change(st, !own); err != nil {
		if (own || st.immediate) && st.cur == nil && st.pend&changeEnd != 0 {
			st.commitLocked() // the change ended the session: its cookie goes
		}
		return st, err
	}
	if own || st.immediate {
		return st, st.commitLocked()
	}
	return st, nil
}

// try applies op to a private copy of cur and, when check, checks what it
// makes against the size limits. Nothing changes until accept.
func (st *requestState[U]) try(op func(*Session[U]) error, check bool) (*Session[U], error) {
	next, err := cloneSession(*st.cur)
	if err != nil {
		return nil, err
	}
	if err := op(&next); err != nil {
		return nil, err
	}
	if check {
		if err := st.e.checkSize(st.req, &next, st.anon); err != nil {
			return nil, err
		}
	}
	return &next, nil
}

// accept makes next (from try) what the response stands on, a change of
// kind made by op.
func (st *requestState[U]) accept(next *Session[U], op func(*Session[U]) error, kind change) {
	next.privileged, next.display = false, false
	st.cur = next
	st.pend |= kind
	st.m().ops = append(st.m().ops, op)
}

// checkSize refuses a session its storage cannot hold: a token over
// MaxCookieBytes (and whatever else the token layer refuses) or over what
// the browser could send back to r's server, an anonymous cookie alike, a
// stored session over MaxDataBytes.
func (e *engine[U]) checkSize(r *http.Request, s *Session[U], anon bool) error {
	var err error
	var value string
	switch {
	case e.cfg.Storage == StorageServer:
		var b []byte
		if b, err = encodeSealed(s, anon, false); err == nil && len(b)+seal.Overhead > e.cfg.MaxDataBytes {
			err = fmt.Errorf("%w: the session is %d bytes, limit %d (Config.MaxDataBytes)", ErrSessionTooLarge, len(b)+seal.Overhead, e.cfg.MaxDataBytes)
		}
		return err
	case anon:
		value, err = e.anonCookie(s)
	default:
		value, err = e.tokens.encode(s, e.now())
	}
	if err != nil {
		return err
	}
	return e.cookie.fits(r, e.cookie.writeName(r.Header), value)
}

// endCur ends the session the response stands on: it goes at the commit
// (the cookie cleared), and when it was issued before (not one this
// response made) and is current (not a superseded cookie of it, which may
// not end the newer one) it is revoked and, when signed in, reported as a
// sign-out by the returned ending; nil when there is nothing to revoke.
// When the store could not be read, the session the cookie named is
// revoked (a sign-out must not wait for the store).
func (st *requestState[U]) endCur() *ending[U] {
	var end *ending[U]
	switch {
	case st.cur != nil && st.pend&changeNew == 0:
		if st.current() {
			end = &ending[U]{s: *st.cur, owner: st.owner(), revoke: true, signOut: !st.anon}
		}
	case st.cur == nil && st.more != nil && st.more.carried != nil:
		end = st.more.carried
	}
	st.cur, st.anon = nil, false
	if m := st.more; m != nil {
		m.ops, m.carried = nil, nil
	}
	st.pend = changeEnd
	return end
}

// current reports whether cur is its session's newest issue: in cookie
// storage with a store, a cookie of the generation before the record's
// (inside the grace period) is not.
func (st *requestState[U]) current() bool {
	return !st.inStore || st.e.cfg.Storage == StorageServer || st.cur.gen >= st.gen
}

// signIn is a sign-in's new session and its options, allocated together:
// the options escape to the option functions, the session to the
// request's state.
type signIn[U any] struct {
	s Session[U]
	o sessionOptions
}

func (e *engine[U]) createSession(w http.ResponseWriter, r *http.Request, user U, opts ...SessionOption) (Session[U], error) {
	n := new(signIn[U])
	o, s := &n.o, &n.s
	for _, opt := range opts {
		opt(o)
	}
	if o.err != nil {
		return Session[U]{}, o.err
	}
	id, err := e.sessionID()
	if err != nil {
		return Session[U]{}, err
	}
	now := e.nowMilli()
	*s = Session[U]{
		ID: id, User: user, AccessToken: o.accessToken, RefreshToken: o.refreshToken,
		CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(e.cfg.Expiry),
		Data: o.data, Flash: o.flash, Transient: o.transient, gen: e.firstGeneration(),
	}
	_, err = e.do(w, r, func(st *requestState[U], check bool) error {
		if st.cur != nil && st.anon {
			// A visitor signing in keeps the data, under the new id.
			s.Data, s.Flash = merged(st.cur.Data, s.Data), merged(st.cur.Flash, s.Flash)
		}
		if check || st.cur != nil {
			// Before the session it replaces ends: a sign-in that
			// cannot be issued changes nothing.
			if err := e.checkSize(r, s, false); err != nil {
				return err
			}
		}
		end := st.endCur()
		if end != nil {
			if err := e.revokeNow(r.Context(), end); err != nil {
				return err
			}
		}
		st.cur, st.anon, st.pend = s, false, changeNew|changeEnd
		return nil
	})
	if err != nil {
		return Session[U]{}, err
	}
	return *s, nil
}

// merged is a's members with b's over them, in a new map; nil when both
// are empty.
func merged(a, b Data) Data {
	if len(a) == 0 {
		return b
	}
	out := make(Data, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// revokeNow revokes an ended session at once, before the new one is
// issued, and reports a sign-out; a revocation the store did not take
// fails the sign-in (it is pending: the old session is refused here).
func (e *engine[U]) revokeNow(ctx context.Context, end *ending[U]) error {
	if end.revoke {
		if err := e.revokeSession(ctx, end.owner, &end.s); err != nil {
			return fmt.Errorf("%w (previous session)", err)
		}
	}
	if end.signOut {
		e.sessionEvent(ctx, "SignOut", e.cfg.Events.SignOut, end.s)
	}
	return nil
}

// updateSession applies update to a private copy of the session the
// response stands on; the id, the times and Transient are kept. A change
// of the user other than its display fields (Config.UpdatableFields), or
// one marked with MarkPrivilegeChange, is a privilege change unless
// marked with MarkDisplayChange.
func (e *engine[U]) updateSession(w http.ResponseWriter, r *http.Request, update func(*Session[U]) error) (Session[U], error) {
	var out Session[U]
	st, err := e.do(w, r, func(st *requestState[U], check bool) error {
		if st.cur == nil || st.anon {
			return ErrNoSession
		}
		cur := st.cur
		op := func(n *Session[U]) error {
			keep := *n
			if err := update(n); err != nil {
				return callbackError(err, ErrInvalidUpdate, "the update callback")
			}
			n.ID, n.CreatedAt, n.ExpiresAt, n.LastActivity = keep.ID, keep.CreatedAt, keep.ExpiresAt, keep.LastActivity
			n.Transient, n.gen = keep.Transient, keep.gen
			return nil
		}
		next, err := st.try(op, check)
		if err != nil {
			return err
		}
		kind := e.changeOf(cur, next)
		if err := st.renew(next, kind); err != nil {
			return err
		}
		if kind != 0 {
			st.accept(next, op, kind)
		}
		out = *next
		return nil
	})
	if err != nil {
		return Session[U]{}, err
	}
	return st.snapshot(out), nil
}

// snapshot is the session the response stands on, as committed when the
// change was (its own state: a new id, a new generation), else fallback.
func (st *requestState[U]) snapshot(fallback Session[U]) Session[U] {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.cur == nil || st.pend != 0 {
		return fallback
	}
	return *st.cur
}

func (e *engine[U]) refreshSession(w http.ResponseWriter, r *http.Request) (Session[U], error) {
	var out Session[U]
	st, err := e.do(w, r, func(st *requestState[U], check bool) error {
		if st.cur == nil || st.anon {
			return ErrNoSession
		}
		if err := st.refreshLocked(e.now(), check); err != nil {
			return err
		}
		out = *st.cur
		return nil
	})
	if err != nil {
		return Session[U]{}, err
	}
	return st.snapshot(out), nil
}

// errNoRefresh is what an OnRefresh that returned no session (the zero
// Session: a user without an id) ends the session with.
var errNoRefresh = fmt.Errorf("%w: OnRefresh returned no session", ErrRejected)

// refreshLocked extends cur by Config.Expiry (in the foreign formats, by
// the lifetime its token was issued with: refreshLifetime), capped by
// MaxLifetime, after Config.OnRefresh. When the session cannot go on
// (maximum lifetime reached, OnRefresh refused it or returned no
// session) it ends: revoked now, its cookie cleared at the commit.
func (st *requestState[U]) refreshLocked(now time.Time, check bool) error {
	e, s, ctx := st.e, st.cur, st.req.Context()
	end := s.CreatedAt.Add(e.cfg.MaxLifetime)
	if !now.Before(end) {
		st.abandon(ctx)
		return ErrMaxLifetime
	}
	if !st.current() {
		return errSuperseded
	}
	lifetime := e.tokens.format.refreshLifetime(s.ExpiresAt, s.LastActivity, e.cfg.Expiry)
	at := time.UnixMilli(now.UnixMilli())
	anon := st.anon
	op := func(n *Session[U]) error {
		if hook := e.cfg.OnRefresh; hook != nil && !anon {
			next, err := hook(ctx, *n) // n is a private copy
			switch {
			case err != nil:
				return fmt.Errorf("%w: OnRefresh: %w", ErrRejected, err)
			case missingUserID(next.User):
				return errNoRefresh
			}
			next.ID, next.CreatedAt, next.Transient, next.gen = n.ID, n.CreatedAt, n.Transient, n.gen
			*n = next
		}
		n.LastActivity, n.ExpiresAt = at, at.Add(lifetime)
		if n.ExpiresAt.After(end) {
			n.ExpiresAt = end
		}
		return nil
	}
	next, err := st.try(op, check)
	if err != nil {
		if errors.Is(err, ErrRejected) {
			st.abandon(ctx)
		}
		return err
	}
	kind := changeTimes
	if next.privileged && e.cfg.Store != nil {
		kind |= changeData | changePrivileged
	} else if !sameContents(s, next) {
		kind |= changeData
	}
	if err := st.renew(next, kind); err != nil {
		return err
	}
	st.accept(next, op, kind)
	return nil
}

// renew gives next, a privilege change of a session issued before, its new
// id (and first generation) now, so that the response and the caller see
// the id the commit issues it under (rotate).
func (st *requestState[U]) renew(next *Session[U], kind change) error {
	if kind&changePrivileged == 0 || st.pend&changeNew != 0 {
		return nil
	}
	id, err := st.e.sessionID()
	if err != nil {
		return err
	}
	next.ID, next.gen = id, st.e.firstGeneration()
	return nil
}

// abandon ends the response's session when it cannot go on: revoked now
// (a pending revocation when the store fails), its cookie cleared at the
// commit.
func (st *requestState[U]) abandon(ctx context.Context) {
	if end := st.endCur(); end != nil {
		end.signOut = false
		if err := st.e.revokeNow(ctx, end); err != nil {
			st.e.log.Warn("authsession: revoking an ended session failed", "error", err.Error())
		}
	}
}

// autoRefresh refreshes the request's session when auto refresh is on
// and it is due at now: a change committed with the response. A cookie of
// an older generation is not refreshed.
func (st *requestState[U]) autoRefresh(now time.Time) {
	e := st.e
	if e.cfg.DisableAutoRefresh || st.cur == nil || !e.shouldRefreshAt(st.cur, now) || !st.current() {
		return
	}
	if err := st.refreshLocked(now, true); err != nil && !errors.Is(err, ErrMaxLifetime) && !errors.Is(err, ErrRejected) {
		e.log.Warn("authsession: auto refresh failed", "error", err.Error())
	}
}

// deleteSession ends the session the response stands on: revoked at once
// in the store (when it is current: a superseded cookie of a session, or
// one that is no session, signs nothing out), its cookie cleared at the
// commit, with a foreign format's auxiliary cookies. A failed revocation
// is returned wrapping ErrStore and kept pending.
func (e *engine[U]) deleteSession(w http.ResponseWriter, r *http.Request) error {
	var revokeErr error
	_, err := e.do(w, r, func(st *requestState[U], _ bool) error {
		if end := st.endCur(); end != nil {
			revokeErr = e.revokeNow(r.Context(), end)
		}
		e.cookie.clearAux(st.w, r.Header)
		return nil
	})
	if err != nil {
		return err
	}
	return revokeErr
}
