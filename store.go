package authsession

import (
	"context"
	"time"
)

// Store records live sessions so they can be revoked before their cookie
// expires: one at a time (DeleteSession), all of a user's at once ("log out
// everywhere", RevokeUserSessions), or listed ("your devices",
// ListUserSessions).
//
// With a store configured, a cookie is a session only while its id is live
// in the store under the cookie's user: an unknown, revoked or expired id,
// or one recorded for another user, is "no session". The cookie stays the
// source of the session's data; the store holds only the [SessionRecord].
//
// A session is named by its user id and its id: every per-session method
// takes both, so a store may keep each user's records together (the Redis
// store puts them in one Redis Cluster hash slot) and a record is never
// reached through another user's id.
//
// Sessions per user are capped (see [DefaultMaxSessionsPerUser]): over the
// cap, Create revokes the user's own session that expires soonest. A store
// never removes another user's live session to make room; when it cannot
// hold a new record, Create returns an error (the memory store's
// [ErrStoreFull]) and the sign-in fails with [ErrStore].
//
// The engine calls a store under a deadline ([Config.StoreTimeout]);
// implementations must return soon after ctx is done. They must be safe for
// concurrent use and report failures as errors (never panics). A record
// whose ExpiresAt has passed is gone: Get reports it as not found and
// ListUser leaves it out. [NewMemoryStore] is an in-memory implementation;
// the redisstore module holds a Redis one.
type Store interface {
	// Create records a new live session, replacing a record with the same
	// user and id. A record whose ExpiresAt is not in the future is not
	// stored. Over the per-user cap, the user's other session that expires
	// soonest is revoked, atomically with the creation.
	Create(ctx context.Context, rec SessionRecord) error

	// Get returns the live record of the user with the given id. found is
	// false, with a nil error, when it is unknown, revoked, expired or
	// recorded for another user.
	Get(ctx context.Context, userID, id string) (rec SessionRecord, found bool, err error)

	// Touch writes rec's LastSeen and ExpiresAt to the live record
	// rec.ID of rec.UserID, raises its Generation and GraceUntil to rec's
	// where rec's are higher (never lowering either: of two touches racing
	// each other, the higher generation stays), and keeps its other
	// fields. It does nothing, without error, when that record is not
	// live: a touch never brings a revoked session back. A rec.ExpiresAt
	// that is not in the future revokes the record.
	Touch(ctx context.Context, rec SessionRecord) error

	// Revoke ends one session of the user. Revoking an unknown id is not
	// an error.
	Revoke(ctx context.Context, userID, id string) error

	// RevokeUser ends every live session of the user and returns how many
	// it ended. A session created concurrently is either ended or created
	// after it, never half of each.
	RevokeUser(ctx context.Context, userID string) (int, error)

	// ListUser returns the live sessions of the user, in no particular
	// order; never more than the store's per-user cap.
	ListUser(ctx context.Context, userID string) ([]SessionRecord, error)
}

// DefaultMaxSessionsPerUser is how many live sessions a user may have in
// the built-in stores unless their options say otherwise: a new sign-in
// past it ends the user's own session that expires soonest.
const DefaultMaxSessionsPerUser = 20

// SessionRecord is what a [Store] keeps about one live session. It holds no
// token and no session data beyond the user id. Fields may be added to it;
// a store's Touch writes only the fields its documentation names.
type SessionRecord struct {
	// ID is the session id (Session.ID, the token's jti claim).
	ID string `json:"id"`
	// UserID is the owner, from the user type's UserID method.
	UserID string `json:"userId"`
	// CreatedAt is when the user signed in.
	CreatedAt time.Time `json:"createdAt"`
	// LastSeen is when the session was last used, written back at most
	// once per Config.TouchAfter.
	LastSeen time.Time `json:"lastSeen"`
	// ExpiresAt is when the record expires unless touched again.
	ExpiresAt time.Time `json:"expiresAt"`
	// Client is a short description of the client that signed in: its
	// User-Agent, with control characters replaced and cut to
	// [MaxClientLength] bytes. It is for display only; the client chooses
	// it, so never trust it.
	Client string `json:"client"`

	// Generation is the session's generation: 1 at sign-in, raised each
	// time the session is re-issued with changed contents (an update, an
	// OnRefresh that changed it). Its tokens carry the generation they
	// were issued at; a token of an older generation is "no session",
	// apart from the generation just before, until GraceUntil. Create
	// stores it, Get and ListUser return it, Touch only ever raises it.
	// 0 means the record has none (a store that does not keep it, or a
	// record written before generations): then every token of the session
	// is accepted, whatever its generation.
	Generation uint64 `json:"generation,omitempty"`
	// GraceUntil is until when tokens of Generation-1 are still accepted
	// (Config.GenerationGrace after the change that raised the
	// generation), for requests already in flight when it happened. Touch
	// only ever raises it.
	GraceUntil time.Time `json:"graceUntil,omitzero"`
}

// MaxClientLength is the longest SessionRecord.Client, in bytes.
const MaxClientLength = 200
