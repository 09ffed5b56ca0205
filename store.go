package authsession

import (
	"context"
	"time"
)

// Store keeps sessions on the server. With cookie storage (the default)
// it records live sessions so that they can be revoked before their
// cookie expires: one at a time (DeleteSession), all of a user's at once
// ("log out everywhere", RevokeUserSessions), or listed ("your devices",
// ListUserSessions); the cookie carries the session and the record only
// its bookkeeping. With server storage ([StorageServer]) the record also
// carries the whole session, sealed, in [SessionRecord.Data], and the
// cookie only the session's id.
//
// # Keys
//
// A session is named by its owner and its id, two strings of the URL-safe
// base64 alphabet (A-Z, a-z, 0-9, "-", "_"), 1 to 128 characters. The
// owner is a fixed digest of the user's id for a signed-in session, and ""
// for an anonymous visitor's session. Every per-session method takes
// both, so a store can keep each user's records together (the Redis store
// puts them in one Redis Cluster hash slot, so that RevokeUser is one
// atomic script) and a record is never reached through another owner. An
// anonymous record belongs to nobody: no per-user cap applies to it, no
// listing shows it and RevokeUser never ends it (RevokeUser("") and
// ListUser("") find nothing). It may live anywhere (its own hash slot).
//
// # Round trips
//
// A request costs at most one call: the session check is one Get, with
// the write of the last-seen time folded in ([Touch]). A request that
// changes the session adds one Save; a sign-in one Create (and a Revoke of
// the session it replaces).
//
// # Changes and races
//
// A record changes only through Save, which compares and swaps its
// Generation: a change based on an older generation is refused, never
// written over a newer one. So of two requests changing one session at
// once, the second to save finds the generation moved and the engine
// applies its change again on top of the newest contents (server storage)
// or refuses it (cookie storage: the newest contents are in another
// cookie). Nothing brings a revoked record back: Save and Get's touch
// change live records only, so a sign-out always wins over a save racing
// it, and a session id is never created twice.
//
// # Limits
//
// Sessions per user are capped (see [DefaultMaxSessionsPerUser]): over the
// cap, Create ends the user's own session that expires soonest. A store
// never ends another user's signed-in session to make room; a store with
// a capacity may end anonymous sessions, soonest to expire first, to record
// a signed-in one. When it cannot hold a new record, Create returns an
// error (wrapping [ErrStoreFull]) and the operation fails with [ErrStore].
//
// # Calls
//
// The engine calls a store under a deadline ([Config.StoreTimeout]);
// implementations must return soon after ctx is done. They must be safe for
// concurrent use and report failures as errors (never panics). A record
// whose ExpiresAt has passed is gone: Get reports it as not found, Save
// does not change it and ListUser leaves it out. The memstore package holds
// an in-memory implementation, the redisstore module a Redis one; the
// storetest package is the conformance suite every store passes.
type Store interface {
	// Create records a new session, replacing a record with the same owner
	// and id. A record whose ExpiresAt is not in the future is not stored.
	// Over the owner's cap (owners other than ""), the owner's other
	// session that expires soonest is ended, atomically with the creation.
	Create(ctx context.Context, rec SessionRecord) error

	// Get returns the live record of the given owner and id, Data
	// included. found is false, with a nil error, when it is unknown,
	// revoked or expired. When touch is due (see [Touch]) Get writes it to
	// the record in the same call, atomically, and returns the record as
	// touched.
	Get(ctx context.Context, owner, id string, touch Touch) (rec SessionRecord, found bool, err error)

	// Save writes rec's Data, LastSeen, ExpiresAt, Generation and
	// GraceUntil to the live record rec.ID of rec.Owner, keeping its other
	// fields, if and only if its Generation is prev, atomically, and
	// reports whether it did. It writes nothing and returns false, with a
	// nil error, when the record is not live (unknown, revoked, expired)
	// or holds another generation. rec.Generation may equal prev. A
	// rec.ExpiresAt that is not in the future ends the record (when prev
	// matches).
	Save(ctx context.Context, rec SessionRecord, prev uint64) (saved bool, err error)

	// Revoke ends one session. Revoking an unknown id is not an error.
	Revoke(ctx context.Context, owner, id string) error

	// RevokeUser ends every live session of the owner and returns how
	// many it ended. A session created concurrently is either ended or
	// created after it, never half of each.
	RevokeUser(ctx context.Context, owner string) (int, error)

	// ListUser returns the live sessions of the owner, in no particular
	// order, without their Data; never more than the store's per-user cap.
	ListUser(ctx context.Context, owner string) ([]SessionRecord, error)
}

// Touch is the last-seen write that [Store.Get] folds into the session
// check. It is due when Before is not zero and the record's LastSeen is
// before Before; a due touch sets LastSeen to Seen and, when ExpiresAt is
// later than the record's, its expiry to ExpiresAt. It never lowers the
// expiry, never changes another field and never brings back a record that
// is not live. The zero Touch touches nothing.
type Touch struct {
	Before    time.Time
	Seen      time.Time
	ExpiresAt time.Time
}

// Due reports whether t applies to a record last seen at lastSeen.
func (t Touch) Due(lastSeen time.Time) bool {
	return !t.Before.IsZero() && lastSeen.Before(t.Before)
}

// DefaultMaxSessionsPerUser is how many live sessions a user may have in
// the built-in stores unless their options say otherwise: a new sign-in
// past it ends the user's own session that expires soonest.
const DefaultMaxSessionsPerUser = 20

// SessionRecord is what a [Store] keeps about one session. Fields may be
// added to it; Save writes only the fields its documentation names.
type SessionRecord struct {
	// ID is the session id (Session.ID; the token's jti claim in cookie
	// storage).
	ID string `json:"id"`
	// Owner names the session's user: a digest of the user's id, or ""
	// for an anonymous visitor's session. Records are keyed by Owner and
	// ID.
	Owner string `json:"owner"`
	// UserID is the signed-in user's id (UserIDer), "" for an anonymous
	// session. It is for display and checking: keep it as written.
	UserID string `json:"userId"`
	// CreatedAt is when the session started (the sign-in, or an anonymous
	// visitor's first write).
	CreatedAt time.Time `json:"createdAt"`
	// LastSeen is when the session was last used, written back at most
	// once per Config.TouchAfter.
	LastSeen time.Time `json:"lastSeen"`
	// ExpiresAt is when the record expires unless extended.
	ExpiresAt time.Time `json:"expiresAt"`
	// Client is a short description of the client that signed in: its
	// User-Agent, with control characters replaced and cut to
	// [MaxClientLength] bytes. It is for display only; the client chooses
	// it, so never trust it.
	Client string `json:"client"`

	// Generation is the session's version: 1 when created, raised by each
	// Save that changes the session (at most once per response). In
	// cookie storage a token carries the generation it was issued at, and
	// a token of an older generation is "no session", apart from the
	// generation just before, until GraceUntil. Stores keep it exactly
	// (values up to 2^53-1).
	Generation uint64 `json:"generation"`
	// GraceUntil is until when tokens of Generation-1 are still accepted
	// in cookie storage (Config.GenerationGrace after the change), for
	// requests already in flight when it happened.
	GraceUntil time.Time `json:"graceUntil,omitzero"`

	// Data is the session itself in server storage, sealed (encrypted and
	// authenticated) by the engine: opaque bytes to keep exactly, at most
	// Config.MaxDataBytes long. It is nil in cookie storage, where the
	// cookie carries the session.
	Data []byte `json:"data,omitempty"`
}

// MaxClientLength is the longest SessionRecord.Client, in bytes.
const MaxClientLength = 200
