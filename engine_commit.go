package authsession

import (
	"context"
	"fmt"
	"net/http"
)

// This file is the commit: a response's changes to its session written
// once, to the store and to the cookie (one Set-Cookie per cookie name,
// whatever the response did before), before the header goes out. A
// commit that fails changes nothing: the state goes back to what was last
// read or committed. Issuing and clearing the cookie are here too.

// Commit writes st's pending changes. On success the committed session is
// what later changes start from; on failure they are dropped.
func (st *requestState[U]) commitLocked() (err error) {
	if !st.pending() {
		return nil
	}
	if st.sent {
		return errHeadersSent
	}
	ctx := st.req.Context()
	st.endLocked(ctx)
	switch {
	case st.cur == nil:
		if st.pend&changeEnd != 0 {
			st.e.clearCookie(st.w, st.req)
		}
	case st.pend&changeNew != 0:
		err = st.create(ctx, !st.anon)
	case st.pend&changePrivileged != 0 && st.e.cfg.Store != nil && !st.anon:
		err = st.rotate(ctx)
	case st.pend&(changeData|changeTimes) != 0:
		if st.e.cfg.Storage == StorageServer {
			err = st.saveServer(ctx)
		} else {
			err = st.saveCookie(ctx)
		}
	}
	if err != nil {
		st.revert()
		return err
	}
	st.base, st.baseAnon, st.pend = st.cur, st.anon, 0
	if m := st.more; m != nil {
		events := m.events
		m.ops, m.events = nil, nil
		for _, ev := range events {
			ev()
		}
	}
	return nil
}

// revert drops the uncommitted changes: the response stands on what was
// last read or committed.
func (st *requestState[U]) revert() {
	st.cur, st.anon, st.pend = st.base, st.baseAnon, 0
	if m := st.more; m != nil {
		m.ops, m.events = nil, nil
	}
}

// endLocked revokes the sessions the response ended (a sign-out, a
// sign-in over another session, OnValidate), reporting each sign-out. A
// revocation the store did not take is pending (engine_revocations.go): logged
// here, and returned by DeleteSession, which revokes at once.
func (st *requestState[U]) endLocked(ctx context.Context) {
	if st.more == nil {
		return
	}
	ends := st.more.ends
	st.more.ends = nil
	for i := range ends {
		end := &ends[i]
		if end.revoke {
			st.e.revokeStore(ctx, end.owner, &end.s)
		}
		if end.signOut {
			st.more.events = append(st.more.events, func() { st.e.sessionEvent(ctx, "SignOut", st.e.cfg.Events.SignOut, end.s) })
		}
	}
}

// issueCookie sets the session cookie of cur to value (replacing any
// Set-Cookie of it this response already had).
func (st *requestState[U]) issueCookie(value string) {
	e := st.e
	if old, ok := e.token(st.req); ok {
		e.tokens.forget(old)
	}
	keepPrivate(st.w)
	name := e.cookie.writeName(st.req.Header)
	e.cookie.unset(st.w, name)
	e.cookie.write(st.w, st.req.Header, name, value, e.now(), st.cur.ExpiresAt, st.cur.Transient)
}

// clearCookie clears the session cookie (every chunk), replacing any
// Set-Cookie of it this response already had, and has the token layer
// forget the request's token.
func (e *engine[U]) clearCookie(w http.ResponseWriter, r *http.Request) {
	if tok, ok := e.token(r); ok {
		e.tokens.forget(tok)
	}
	keepPrivate(w)
	e.cookie.unset(w, 0)
	e.cookie.unset(w, 1)
	e.cookie.clear(w, r.Header)
}

// newRecord is the store record of a new session cur.
func (st *requestState[U]) newRecord() SessionRecord {
	s := st.cur
	rec := SessionRecord{
		ID: s.ID, CreatedAt: s.CreatedAt, LastSeen: s.LastActivity, ExpiresAt: s.ExpiresAt,
		Client: describeClient(st.req), Generation: s.gen,
	}
	if !st.anon {
		rec.UserID = userID(s.User)
		rec.Owner = ownerOf(rec.UserID)
	}
	return rec
}

// create issues cur, a new session: a sign-in (reported when signIn), an
// anonymous visitor's first write, or a session re-issued under a new id.
// Its token (or sealed value) is made first, so that nothing is stored for
// a session that cannot be issued.
func (st *requestState[U]) create(ctx context.Context, signIn bool) error {
	value, rec, err := st.seal()
	if err != nil {
		return err
	}
	return st.record(ctx, value, rec, signIn)
}

// record stores rec, the new record of cur sealed as value, and issues
// value: the second half of create.
func (st *requestState[U]) record(ctx context.Context, value string, rec SessionRecord, signIn bool) error {
	e := st.e
	if e.cfg.Store != nil {
		if !st.anon && rec.Owner == "" {
			return fmt.Errorf("%w: the user's UserID is empty", ErrStore)
		}
		sctx, cancel := e.storeCtx(ctx)
		err := e.cfg.Store.Create(sctx, rec)
		cancel()
		if err != nil {
			st.forgetToken(value)
			return fmt.Errorf("%w: recording the session: %w", ErrStore, err)
		}
		st.setRecord(&rec)
	}
	st.issueCookie(value)
	if signIn && e.cfg.Events.SignIn != nil {
		s := *st.cur
		st.m().events = append(st.m().events, func() { e.sessionEvent(ctx, "SignIn", e.cfg.Events.SignIn, s) })
	}
	return nil
}

// seal is cur's cookie value and, with a store, a new record of it (its
// Data the sealed session, in server storage).
func (st *requestState[U]) seal() (value string, rec SessionRecord, err error) {
	e := st.e
	if e.cfg.Store != nil {
		rec = st.newRecord()
	}
	switch {
	case e.cfg.Storage == StorageServer:
		if rec.Data, err = e.storedData(rec.Owner, st.cur, st.anon); err != nil {
			return "", rec, err
		}
		return e.idCookie(rec.Owner, rec.ID), rec, nil
	case st.anon:
		value, err = e.anonCookie(st.cur)
	default:
		value, err = e.tokens.seal(st.cur, e.now(), e.cookie.writeName(st.req.Header))
	}
	if err == nil {
		if err = e.cookie.fits(st.req, e.cookie.writeName(st.req.Header), value); err != nil {
			st.forgetToken(value)
		}
	}
	return value, rec, err
}

// forgetToken drops a session token that was sealed but not issued from
// the token cache.
func (st *requestState[U]) forgetToken(value string) {
	if isToken(value) {
		st.e.tokens.forget(value)
	}
}

// rotate issues cur, a changed session, under its new id, as a sign-in
// would: the store records the new id after revoking the old one, so
// every older cookie of it ends at once (a privilege change). A session
// that cannot be sealed (its data refused) fails first and changes
// nothing; when the store fails, the session is over: the old id is
// revoked (or its revocation is pending) and the cookie cleared.
func (st *requestState[U]) rotate(ctx context.Context) error {
	e := st.e
	old := *st.base // cur has its new id already (renew)
	value, rec, err := st.seal()
	if err != nil {
		return err
	}
	err = e.revokeSession(ctx, ownerOf(userID(old.User)), &old)
	if err == nil {
		err = st.record(ctx, value, rec, false)
	} else {
		st.forgetToken(value)
	}
	if err != nil {
		st.setBase(nil, false)
		e.clearCookie(st.w, st.req)
		return fmt.Errorf("%w (%w)", err, errEnded)
	}
	return nil
}

// keepPrivate marks a response that carries a session cookie as not for
// shared caches, unless the handler has already chosen a Cache-Control:
// Set-Cookie alone does not stop a shared cache from storing a response
// (RFC 9111), and a cached Set-Cookie would hand one user's session to
// others. A handler that sets Cache-Control later still decides.
func keepPrivate(w http.ResponseWriter) {
	if h := w.Header(); h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private")
	}
}
