package authsession

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file is the engine's store upkeep: the owner a record is kept
// under, the description of its client, the deadline of store calls,
// revoking (one session, every session of a user, read back so a dropped
// write is caught) and listing a user's sessions. Every operation's store
// calls share one deadline (Config.StoreTimeout); a revocation that fails
// is kept and retried (engine_revocations.go). The check of a session
// against the store on every read is engine_read.go's.

// describeClient returns a display-safe description of the request's
// client: the User-Agent with every control or invalid character replaced
// by a space, runs of spaces collapsed, cut at maxClientLength bytes on a
// character boundary.
func describeClient(r *http.Request) string {
	ua := r.Header.Get("User-Agent")
	if len(ua) > 4*maxClientLength {
		ua = ua[:4*maxClientLength]
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
		if b.Len()+utf8.RuneLen(c) > maxClientLength {
			break
		}
		b.WriteRune(c)
	}
	return strings.TrimRight(b.String(), " ")
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

// ownerLength is the length of an owner.
const ownerLength = 22

// localStore is implemented by stores whose calls never wait on I/O (the
// memstore package's): they go without the StoreTimeout timer.
type localStore interface{ Local() bool }

// isLocal reports whether s is a local store.
func isLocal(s Store) bool {
	l, ok := s.(localStore)
	return ok && l.Local()
}

// storeCtx bounds ctx by Config.StoreTimeout for one operation's store
// calls, unless the store is local.
func (e *engine[U]) storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if e.local {
		return ctx, noCancel
	}
	return context.WithTimeout(ctx, e.cfg.StoreTimeout)
}

func noCancel() {}

// seenSlots is the size of a seenTable: a power of two.
const seenSlots = 4096

// seenTable remembers, for recently read sessions, the last-seen time
// their store record had: a direct-mapped table of fixed size (a
// collision replaces the older entry). A session last seen within
// Config.TouchAfter cannot be due a touch, since a record's last-seen
// time only moves forward (a touch or a save sets it to the time of the
// request), so its next read asks the store for a plain read: on Redis a
// command instead of a script, on PostgreSQL a SELECT instead of an
// UPDATE. The store still answers every read (revocation, expiry,
// generation); only the touch's offer is left out when it would be
// refused. Each instance keeps its own; a stale entry can only delay a
// touch by less than TouchAfter.
type seenTable struct {
	seed  maphash.Seed
	slots [seenSlots]atomic.Pointer[seenEntry]
}

type seenEntry struct {
	owner, id string
	at        time.Time // the record's LastSeen
}

func (t *seenTable) slot(id string) *atomic.Pointer[seenEntry] {
	return &t.slots[maphash.String(t.seed, id)&(seenSlots-1)]
}

// recent reports whether the session was last seen at or after before.
func (t *seenTable) recent(owner, id string, before time.Time) bool {
	en := t.slot(id).Load()
	return en != nil && !en.at.Before(before) && en.id == id && en.owner == owner
}

// note records the last-seen time of a record the store returned.
func (t *seenTable) note(owner, id string, at time.Time) {
	p := t.slot(id)
	if en := p.Load(); en != nil && en.at.Equal(at) && en.id == id && en.owner == owner {
		return
	}
	p.Store(&seenEntry{owner: owner, id: id, at: at})
}

// revokedUntil is when every token of a session created at created has
// expired, so a pending revocation of it is moot.
func (e *engine[U]) revokedUntil(created time.Time) time.Time {
	return created.Add(e.cfg.MaxLifetime + e.cfg.Leeway)
}

// revokeStore revokes s (of owner), logging a failure (the revocation is
// then pending).
func (e *engine[U]) revokeStore(ctx context.Context, owner string, s *Session[U]) {
	if err := e.revokeSession(ctx, owner, s); err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "authsession: session store revoke failed", slog.String("error", err.Error()))
	}
}

// revokeSession revokes s, of owner, in the store. When that fails, the
// revocation is kept and retried, this instance already treats s as
// revoked, and the error wraps ErrStore.
func (e *engine[U]) revokeSession(ctx context.Context, owner string, s *Session[U]) error {
	if e.cfg.Store == nil || s.ID == "" {
		return nil
	}
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

func (e *engine[U]) revokeSessionID(ctx context.Context, userID, sessionID string) error {
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

// revokeChecked revokes one session and reads it back, so a store that
// dropped the write is caught.
func revokeChecked(ctx context.Context, st Store, owner, id string) error {
	if err := st.Revoke(ctx, owner, id); err != nil {
		return err
	}
	_, found, err := st.Get(ctx, owner, id, Touch{})
	switch {
	case err != nil:
		return err
	case found:
		return errNotRevoked
	}
	return nil
}

// revokeBefore revokes every session of the user created no later than
// before, one by one: a retried "log out everywhere" must not end the
// sessions signed in after it. It lists again afterwards, so a store that
// dropped a write is caught.
func revokeBefore(ctx context.Context, st Store, owner string, before time.Time) error {
	for pass := 0; ; pass++ {
		recs, err := st.ListUser(ctx, owner)
		if err != nil {
			return err
		}
		recs = slices.DeleteFunc(recs, func(r SessionRecord) bool { return r.CreatedAt.After(before) })
		if len(recs) == 0 {
			return nil
		}
		if pass > 0 {
			return errNotRevoked
		}
		for _, r := range recs {
			if err := st.Revoke(ctx, owner, r.ID); err != nil {
				return err
			}
		}
	}
}
