package authsession

import (
	"context"
	"log/slog"
	"time"
)

// This file is reading a session in server storage (Config.Storage is
// StorageServer): the cookie holds only the session's owner and id,
// sealed; the session itself is the store record's Data, sealed too. A
// cookie this configuration did not seal (tampered with, foreign,
// guessed) is refused before any store call; a sealed one costs one store
// call, with the last-seen time written in the same call at most once
// per Config.TouchAfter. Writes are engine_save.go's.

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
	rec, found, err := e.cfg.Store.Get(sctx, owner, id, e.touchAt(at, time.Time{}))
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
