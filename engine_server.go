package authsession

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/authsession/authsession/internal/seal"
)

// This file is server storage (Config.Storage is StorageServer): the
// cookie holds only the session's owner and id, sealed; the session
// itself is the store record's Data, sealed too (engine_sealed.go's
// encoding), bound to its owner and id. A cookie this configuration did
// not seal (tampered with, foreign, guessed) is refused before any store
// call; a sealed one costs one store call, with the last-seen time
// written in the same call at most once per Config.TouchAfter. Writes are
// engine_save.go's.

// readServer is the session of a server storage cookie value at now.
func (e *engine[U]) readServer(ctx context.Context, value string, now time.Time) loaded[U] {
	owner, id, ok := e.openIDCookie(value)
	if !ok {
		e.reject(ctx, "not a session id sealed by this configuration")
		return loaded[U]{}
	}
	// What a sign-out revokes when the store cannot be read: the session
	// may be as young as now, so its revocation matters until MaxLifetime
	// from now.
	carried := &ending[U]{s: Session[U]{ID: id, CreatedAt: now}, owner: owner, revoke: true}
	sctx, cancel := e.storeCtx(ctx)
	defer cancel()
	at := time.UnixMilli(now.UnixMilli())
	rec, found, err := e.cfg.Store.Get(sctx, owner, id, e.touchAt(owner, id, at, time.Time{}))
	if err != nil {
		// No session without the store, whatever StoreFailOpen says: the
		// session is in it.
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store unavailable", slog.String("error", err.Error()))
		return loaded[U]{storeErr: err, carried: carried}
	}
	e.revs.kick()
	if !found {
		e.reject(ctx, "session revoked, expired or unknown to the store")
		return loaded[U]{}
	}
	e.noteSeen(owner, id, rec.LastSeen)
	s, anon, err := e.openStored(&rec)
	if err == nil {
		err = e.tokens.live(s.ExpiresAt, s.CreatedAt, now)
	}
	if err != nil {
		e.reject(ctx, err.Error())
		return loaded[U]{}
	}
	if e.revs.revoked(owner, id, s.CreatedAt) {
		e.reject(ctx, "revocation pending")
		carried.s = s
		return loaded[U]{carried: carried} // a sign-out tries it again
	}
	rec.Data = nil // opened: not kept with the request
	return loaded[U]{s: &s, anon: anon, rec: rec, inStore: true}
}

// idCookie is the server storage's cookie value for a session: its owner
// and id, sealed.
func (e *engine[U]) idCookie(owner, id string) string {
	b := make([]byte, 0, 2+len(owner)+len(id))
	return e.sealer.SealString(seal.PurposeID, "", seal.PackID(seal.PackID(b, owner), id))
}

// openIDCookie returns the owner and id of a server storage cookie, or
// false for a value this configuration did not seal (tampered with,
// foreign, guessed): refused before any store call.
func (e *engine[U]) openIDCookie(value string) (owner, id string, ok bool) {
	if len(value) > maxIDCookie {
		return "", "", false
	}
	p, ok := e.sealer.OpenString(seal.PurposeID, "", value)
	if !ok {
		return "", "", false
	}
	owner, rest, ok := seal.UnpackID(p)
	if !ok {
		return "", "", false
	}
	id, rest, ok = seal.UnpackID(rest)
	if !ok || len(rest) != 0 || idProblem(id) != "" || owner != "" && len(owner) != ownerLength {
		return "", "", false
	}
	return owner, id, true
}

// maxIDCookie is the longest server storage cookie: the sealing of an
// owner and the longest id, in base64url.
const maxIDCookie = (seal.Overhead + 2 + (ownerLength*6+7)/8 + (maxSessionIDLength*6+7)/8 + 2) * 4 / 3

// storedData is the Data of s's record in server storage: s sealed and
// bound to its owner and id, refused over Config.MaxDataBytes.
func (e *engine[U]) storedData(owner string, s *Session[U], anon bool) ([]byte, error) {
	b, err := encodeSealed(s, anon, false)
	if err != nil {
		return nil, err
	}
	if n := len(b) + seal.Overhead; n > e.cfg.MaxDataBytes {
		return nil, fmt.Errorf("%w: the session is %d bytes, limit %d (Config.MaxDataBytes)", ErrSessionTooLarge, n, e.cfg.MaxDataBytes)
	}
	return e.sealer.Seal(make([]byte, 0, len(b)+seal.Overhead), seal.PurposeData, owner+"/"+s.ID, b), nil
}

// openStored returns the session of a server storage record: its Data
// opened, its id and generation the record's.
func (e *engine[U]) openStored(rec *SessionRecord) (s Session[U], anon bool, err error) {
	p, ok := e.sealer.Open(seal.PurposeData, rec.Owner+"/"+rec.ID, rec.Data)
	if !ok {
		return Session[U]{}, false, fmt.Errorf("%w: the store's session data does not open under the session secrets", ErrInvalidToken)
	}
	s, anon, err = decodeSealed[U](p)
	if err != nil {
		return Session[U]{}, false, err
	}
	if anon != (rec.Owner == "") || !anon && (userID(s.User) != rec.UserID || ownerOf(rec.UserID) != rec.Owner) {
		return Session[U]{}, false, fmt.Errorf("%w: the store's session belongs to another owner", ErrInvalidToken)
	}
	s.ID, s.gen = rec.ID, rec.Generation
	return s, anon, nil
}
