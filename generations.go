package authsession

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// This file is session generations. With a store, a session re-issued
// with changed contents (an update, an OnRefresh that changed it) gets the
// next generation, recorded in the store before its cookie is set; the
// store check (checkStore) then refuses the session's older tokens, apart
// from those of the generation just before, for Config.GenerationGrace
// after the change. A change the application marks as a privilege change
// re-issues the session under a new id instead, as a sign-in would, so
// every older token ends at once. A plain refresh keeps the generation:
// its new token carries the same contents as the old one.

// MarkPrivilegeChange marks the change being made to s as a change of the
// user's privileges (a role, permissions, a switch of account): call it on
// the session an [AuthSession.UpdateSession] callback changes, or on the
// session [Config.OnRefresh] returns. With a [Config.Store], the session
// is then re-issued under a new id, as a new sign-in would be (keeping its
// creation time, so MaxLifetime still counts from the first sign-in), and
// every older token of it is "no session" at once, with no
// Config.GenerationGrace. When the store cannot record the new id, the
// session ends (its cookie is cleared) rather than keep the old
// privileges. Without a store nothing can end older tokens, and the mark
// has no effect; it has none either on a session read with GetSession.
func (s *Session[U]) MarkPrivilegeChange() { s.privileged = true }

// errEnded marks an error after which the request's session is over: its
// cookie was cleared and its store record revoked (or the revocation is
// pending).
var errEnded = errors.New("the session was ended")

// generations reports whether sessions carry generations: with a store,
// in the default format (the only one NextAuthSession accepts with a
// store; the Auth.js and NextAuth.js formats have no claim to carry one).
func (e *engine[U]) generations() bool {
	return e.cfg.Store != nil && !e.tokens.format.foreign
}

// firstGeneration is the generation of a new session.
func (e *engine[U]) firstGeneration() uint64 {
	if e.generations() {
		return 1
	}
	return 0
}

// supersededReason is why the store's record rec refuses s at now, or ""
// when it accepts it: a record without a generation accepts every token;
// otherwise s must be of the record's generation, or of the one before it
// until rec.GraceUntil.
func (e *engine[U]) supersededReason(s *Session[U], rec *SessionRecord, now time.Time) string {
	switch g := rec.Generation; {
	case g == 0 || s.gen == g || !e.generations():
		return ""
	case s.gen > g:
		return "token of a generation the store never recorded"
	case s.gen+1 == g && now.Before(rec.GraceUntil):
		return ""
	}
	return "token of a superseded generation"
}

// reissue issues next, cur re-issued by an update or a refresh (touch:
// the store's record follows next's expiry). With a store, a change is
// first recorded: under a new id when next is marked as a privilege
// change or has another user id (rotate), as the next generation when
// its contents changed (advance).
func (e *engine[U]) reissue(w http.ResponseWriter, r *http.Request, cur, next *Session[U], changed, touch bool) error {
	privileged := next.privileged
	next.privileged = false
	switch {
	case e.cfg.Store == nil:
	case privileged || userID(next.User) != userID(cur.User):
		return e.rotate(w, r, cur, next)
	case changed && e.generations():
		return e.advance(w, r, next)
	}
	if err := e.issue(w, r, next); err != nil {
		return err
	}
	if touch {
		e.touchStore(r.Context(), next)
	}
	return nil
}

// advance gives next the generation after the store's (and its token's)
// and records it, with the grace of the one before, next's last-seen time
// and expiry, over the generation the store held (a compare-and-swap),
// before it sets the cookie: no token is issued at a generation the store
// did not take. A store that failed, or whose record moved meanwhile
// (another change on another instance), fails the change with ErrStore,
// and nothing changes.
func (e *engine[U]) advance(w http.ResponseWriter, r *http.Request, next *Session[U]) error {
	ctx, cancel := e.storeCtx(r.Context())
	defer cancel()
	st, owner := e.cfg.Store, ownerOf(userID(next.User))
	rec, found, err := st.Get(ctx, owner, next.ID, Touch{})
	if err != nil || !found {
		return e.unpinned(err, found)
	}
	now := e.nowMilli()
	prev := rec.Generation
	next.gen = max(rec.Generation, next.gen) + 1 // next.gen: the token's
	tok, err := e.tokens.seal(next, e.now(), e.cookie.writeName(r.Header))
	if err != nil {
		return err
	}
	rec.LastSeen, rec.ExpiresAt = now, later(rec.ExpiresAt, next.ExpiresAt)
	rec.Generation, rec.GraceUntil = next.gen, now.Add(max(e.cfg.GenerationGrace, 0))
	saved, err := st.Save(ctx, rec, prev)
	switch {
	case err != nil:
		e.tokens.forget(tok)
		return e.unpinned(err, true)
	case !saved:
		e.tokens.forget(tok)
		return fmt.Errorf("%w: the store's record of the session moved from generation %d before the new %d was recorded: it was revoked, or another change came first (nothing was changed)",
			ErrStore, prev, next.gen)
	}
	e.setCookie(w, r, next, tok)
	return nil
}

// unpinned is advance's error when a store call failed (err) or the
// session is gone (!found: revoked meanwhile).
func (e *engine[U]) unpinned(err error, found bool) error {
	if err != nil {
		return fmt.Errorf("%w: recording the session's new generation (nothing was changed): %w", ErrStore, err)
	}
	if !found {
		return fmt.Errorf("%w: the session was revoked (%w)", ErrNoSession, errEnded)
	}
	return nil
}

// rotate re-issues next, a changed cur, under a new session id, as a
// sign-in would: the store records the new id after revoking cur's
// (replaceStore), so every older token ends at once. When that fails the
// session is over: cur's id is revoked (or its revocation is pending),
// and the cookie is cleared.
func (e *engine[U]) rotate(w http.ResponseWriter, r *http.Request, cur, next *Session[U]) error {
	id, err := e.sessionID()
	if err != nil {
		return err
	}
	next.ID, next.gen = id, e.firstGeneration()
	tok, err := e.tokens.seal(next, e.now(), e.cookie.writeName(r.Header))
	if err != nil {
		return err
	}
	if err := e.replaceStore(r.Context(), r, cur, next); err != nil {
		e.tokens.forget(tok)
		e.clear(w, r, nil)
		return fmt.Errorf("%w (%w)", err, errEnded)
	}
	e.setCookie(w, r, next, tok)
	return nil
}

// sameContents reports whether a and b carry the same session: their JSON
// forms apart from the times (encoding/json sorts map keys, so equal data
// encodes equally). Sessions that cannot be encoded count as different.
func sameContents[U any](a, b *Session[U]) bool {
	ja, jb := a.toJSON(), b.toJSON()
	for _, j := range [...]*sessionJSON[U]{&ja, &jb} {
		j.ExpiresAt, j.ExpiryDate, j.CreatedAt, j.LastActivity = 0, "", 0, 0
	}
	ba, errA := json.Marshal(&ja)
	bb, errB := json.Marshal(&jb)
	return errA == nil && errB == nil && bytes.Equal(ba, bb)
}
