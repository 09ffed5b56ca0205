package authsession

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// This file is session generations and privilege changes. With a store,
// a session re-issued with changed contents (an update, data, a flash
// value, an OnRefresh that changed it) gets the next generation, once per
// response, recorded in the store over the generation the request read
// (engine_save.go). In cookie storage the store check (engine_read.go)
// then refuses the session's older tokens, apart from those of the generation just
// before, for Config.GenerationGrace after the change; those may read but
// not write. A privilege change re-issues the session under a new id
// instead, as a sign-in would, so every older cookie of it ends at once.
// A plain refresh keeps the generation: its new token carries the same
// contents as the old one.

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

// changeOf is the change from cur to next made by an update: none when
// they carry the same session; a privilege change (with a store) when
// next is marked so, has another user id, or changes the user beyond its
// display fields without MarkDisplayChange.
func (e *engine[U]) changeOf(cur, next *Session[U]) change {
	store := e.cfg.Store != nil
	if store && next.privileged {
		return changeData | changePrivileged // even with the same contents
	}
	if sameContents(cur, next) {
		return 0
	}
	switch {
	case !store:
	case userID(next.User) != userID(cur.User):
		return changeData | changePrivileged
	case !next.display && e.beyondDisplay(cur.User, next.User):
		return changeData | changePrivileged
	}
	return changeData
}

// beyondDisplay reports whether the user changed in a field other than
// Config.UpdatableFields (any change, for a user type that does not
// encode to a JSON object).
func (e *engine[U]) beyondDisplay(a, b U) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return true
	}
	var oa, ob map[string]json.RawMessage
	if json.Unmarshal(ja, &oa) != nil || json.Unmarshal(jb, &ob) != nil || oa == nil || ob == nil {
		return !bytes.Equal(ja, jb)
	}
	for _, f := range e.cfg.UpdatableFields {
		delete(oa, f)
		delete(ob, f)
	}
	for k := range mergedKeys(oa, ob) {
		if !jsonEqual(oa[k], ob[k]) {
			return true
		}
	}
	return false
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
