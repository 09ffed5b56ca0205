package authsession

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// This file is the commit of a changed session (engine_commit.go): in cookie
// storage the token re-issued, its generation recorded first with a
// store; in server storage the session saved over the generation it was
// read at, applied again on top of a newer one when another request saved
// first.

// maxSaveAttempts bounds how often a server storage save is applied again
// on a newer copy before the change fails with ErrConflict.
const maxSaveAttempts = 3

// errSuperseded refuses a change made with a cookie of an older
// generation (another tab's, or a copy) inside the grace period: it may
// read, never write back what a newer generation changed.
var errSuperseded = fmt.Errorf("%w: the session was changed since this cookie was issued (a newer one exists); reload and try again", ErrConflict)

// ensureRecord reads the store's record of cur when the request read none
// (the store failed then, with Config.StoreFailOpen).
func (st *requestState[U]) ensureRecord(ctx context.Context) error {
	if st.inStore {
		return nil
	}
	rec, found, err := st.e.cfg.Store.Get(ctx, st.owner(), st.cur.ID, Touch{})
	switch {
	case err != nil:
		return fmt.Errorf("%w: reading the session: %w", ErrStore, err)
	case !found:
		return st.gone()
	}
	st.setRecord(&rec)
	return nil
}

// gone ends the response's session, found revoked or expired in the
// store while it was being changed.
func (st *requestState[U]) gone() error {
	st.setBase(nil, false)
	st.e.clearCookie(st.w, st.req)
	return fmt.Errorf("%w: the session was revoked (%w)", ErrNoSession, errEnded)
}

// saveCookie re-issues cur's token (or an anonymous visitor's sealed
// session). With a store, a change of its contents gives it its next
// generation (once per response: a second commit keeps it) and a refresh
// moves its record's expiry, recorded over the generation the request
// read (a compare-and-swap) before the cookie is set, so that no token is
// issued at a generation the store did not take. A cookie of an older
// generation (inside the grace period) cannot write.
func (st *requestState[U]) saveCookie(ctx context.Context) error {
	e, s := st.e, st.cur
	var prev uint64
	var next SessionRecord
	if e.cfg.Store != nil {
		sctx, cancel := e.storeCtx(ctx)
		defer cancel()
		if err := st.ensureRecord(sctx); err != nil {
			return err
		}
		if s.gen < st.gen {
			return errSuperseded
		}
		now := e.nowMilli()
		prev, next = st.gen, st.storedRecord()
		if st.pend&changeData != 0 && !st.advanced {
			next.Generation, next.GraceUntil = prev+1, now.Add(max(e.cfg.GenerationGrace, 0))
		}
		next.LastSeen, next.ExpiresAt = now, later(next.ExpiresAt, s.ExpiresAt)
		s.gen = next.Generation
		ctx = sctx
	}
	value, _, err := st.seal()
	if err != nil {
		return err
	}
	if e.cfg.Store != nil {
		saved, err := e.cfg.Store.Save(ctx, next, prev)
		if err != nil || !saved {
			st.forgetToken(value)
			if err != nil {
				return fmt.Errorf("%w: recording the session's change (nothing was changed): %w", ErrStore, err)
			}
			return fmt.Errorf("%w: the store's record moved on from generation %d before this change was recorded: another change came first (nothing was changed)", ErrConflict, prev)
		}
		st.advanced = st.advanced || next.Generation > prev
		st.setRecord(&next)
	}
	st.issueCookie(value)
	st.refreshed(ctx)
	return nil
}

// refreshed reports a committed refresh of a signed-in session.
func (st *requestState[U]) refreshed(ctx context.Context) {
	if st.pend&changeTimes == 0 || st.anon || st.e.cfg.Events.Refresh == nil {
		return
	}
	e, s := st.e, *st.cur
	st.m().events = append(st.m().events, func() { e.sessionEvent(ctx, "Refresh", e.cfg.Events.Refresh, s) })
}

// saveServer saves cur, in server storage, over the generation of the
// store's record the response read. When another request saved first, the
// newer session is read back and this response's changes applied to it
// again (never written over it), up to maxSaveAttempts times. The cookie
// (the same id) is re-sent only when its expiry moved.
func (st *requestState[U]) saveServer(ctx context.Context) error {
	e := st.e
	sctx, cancel := e.storeCtx(ctx)
	defer cancel()
	if err := st.ensureRecord(sctx); err != nil {
		return err
	}
	owner := st.owner()
	for attempt := 1; ; attempt++ {
		data, err := e.storedData(owner, st.cur, st.anon)
		if err != nil {
			return err
		}
		next := st.storedRecord()
		next.Data, next.LastSeen, next.ExpiresAt = data, e.nowMilli(), st.cur.ExpiresAt
		next.Generation, next.GraceUntil = st.gen+1, time.Time{}
		saved, err := e.cfg.Store.Save(sctx, next, st.gen)
		if err != nil {
			return fmt.Errorf("%w: saving the session (nothing was changed): %w", ErrStore, err)
		}
		if saved {
			st.setRecord(&next)
			st.cur.gen = next.Generation
			break
		}
		if attempt == maxSaveAttempts {
			return fmt.Errorf("%w: other requests kept changing the session (nothing was changed)", ErrConflict)
		}
		if err := st.reapply(sctx); err != nil {
			return err
		}
	}
	if st.pend&changeTimes != 0 {
		st.issueCookie(e.idCookie(owner, st.cur.ID))
	}
	st.refreshed(ctx)
	return nil
}

// reapply reads the session back from the store and applies the
// response's changes to it again.
func (st *requestState[U]) reapply(ctx context.Context) error {
	e := st.e
	rec, found, err := e.cfg.Store.Get(ctx, st.owner(), st.cur.ID, Touch{})
	switch {
	case err != nil:
		return fmt.Errorf("%w: reading the session back (nothing was changed): %w", ErrStore, err)
	case !found:
		return st.gone()
	}
	s, anon, err := e.openStored(&rec)
	if err != nil || anon != st.anon {
		return fmt.Errorf("%w: the store's session no longer opens: %w", ErrStore, errors.Join(err, errEnded))
	}
	for _, op := range st.m().ops {
		if err := op(&s); err != nil {
			return err
		}
	}
	st.setRecord(&rec)
	st.cur = &s
	return nil
}
