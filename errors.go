package authsession

import (
	"errors"
	"fmt"

	"github.com/authsession/authsession/internal/jwe"
)

// Sentinel errors. Every error returned by this package wraps one of these, so
// callers test with [errors.Is]; messages never contain a secret or a token.
var (
	// ErrConfig wraps every configuration error returned by [NextAuthSession].
	ErrConfig = errors.New("authsession: invalid configuration")

	// ErrNoSession means the request carries no valid session: the cookie is
	// absent, malformed, tampered with, expired, revoked or rejected by a hook.
	ErrNoSession = errors.New("authsession: no session")

	// ErrInvalidToken means a token could not be decrypted or parsed: wrong
	// format, wrong algorithm, unknown key, failed authentication, or JSON
	// nesting deeper than 64 levels. (It is the token mechanics' own
	// sentinel, internal/jwe, under its public name.)
	ErrInvalidToken = jwe.ErrInvalidToken

	// ErrTokenExpired means a token decrypted but its claims are expired or
	// not yet valid.
	ErrTokenExpired = jwe.ErrTokenExpired

	// ErrSessionTooLarge means the encrypted session would exceed
	// Config.MaxCookieBytes; nothing was written.
	ErrSessionTooLarge = errors.New("authsession: session too large for cookie")

	// ErrMaxLifetime means the session reached Config.MaxLifetime measured
	// from its creation and can no longer be extended.
	ErrMaxLifetime = errors.New("authsession: session reached its maximum lifetime")

	// ErrNoUserID means the session's user (a type implementing UserIDer,
	// such as User) has an empty id; such a session is never issued or
	// accepted.
	ErrNoUserID = errors.New("authsession: the session's user has no id")

	// ErrRejected means an OnValidate or OnRefresh hook ended the session.
	ErrRejected = errors.New("authsession: session rejected by hook")

	// ErrNoStore means an operation needs Config.Store and none is set.
	ErrNoStore = errors.New("authsession: no session store configured")

	// ErrStore means the configured session store failed.
	ErrStore = errors.New("authsession: session store failure")

	// ErrConflict means a change was refused because the session changed
	// meanwhile and the change could not be applied on top of the newer
	// one: made with a cookie of an older generation (cookie storage; the
	// newer contents are in another cookie), or with other requests
	// saving the session again and again (server storage). Nothing was
	// changed; reload and try again.
	ErrConflict = errors.New("authsession: the session changed meanwhile")

	// ErrHeaderWritten means a session change came after the response's
	// header was written: the change cannot reach the cookie any more.
	// Change the session before writing the response (or call
	// AuthSession.Commit first). Nothing was changed.
	ErrHeaderWritten = errors.New("authsession: the response's header was already written")

	// ErrStoreFull means a store with a capacity (the memstore package's)
	// is full of live sessions and cannot record another: Store.Create
	// returns it, and the sign-in fails (wrapped in ErrStore) rather than
	// end another user's session.
	ErrStoreFull = errors.New("authsession: session store full")

	// ErrFieldNotAllowed means an update named a field that may not be
	// changed through the session API or Actions: one not listed in
	// Config.UpdatableFields, the user's "id", a token, or any session
	// field outside "user". Nothing was changed.
	ErrFieldNotAllowed = errors.New("authsession: field may not be updated")

	// ErrInvalidUpdate means an update was empty, did not fit the user
	// type, or was refused by Config.ValidateUpdate or by the callback of
	// AuthSession.UpdateSession (whose own error is wrapped too). Nothing
	// was changed.
	ErrInvalidUpdate = errors.New("authsession: invalid update")

	// ErrInvalidData means session data or a flash value was refused: an
	// empty or reserved ("_flash") key, a key that is not valid UTF-8, a
	// value encoding/json cannot encode, or data, flash values or the
	// remember-me choice in the Auth.js and NextAuth.js formats, which
	// cannot carry them. Nothing was changed.
	ErrInvalidData = errors.New("authsession: invalid session data")

	// ErrSessionID means Config.NewSessionID returned an id outside 21 to
	// 128 characters or the URL-safe alphabet, or panicked; no session was
	// issued.
	ErrSessionID = errors.New("authsession: invalid session id")
)

// wrapsSentinel reports whether err wraps one of the sentinels above.
func wrapsSentinel(err error) bool {
	for _, s := range [...]error{
		ErrConfig, ErrNoSession, ErrInvalidToken, ErrTokenExpired, ErrSessionTooLarge,
		ErrMaxLifetime, ErrNoUserID, ErrRejected, ErrNoStore, ErrStore, ErrConflict,
		ErrHeaderWritten, ErrStoreFull, ErrFieldNotAllowed, ErrInvalidUpdate,
		ErrInvalidData, ErrSessionID,
	} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// callbackError is the error of an application's callback (an
// UpdateSession callback): as it is when it wraps one of the sentinels
// (a Data.Set that failed), else wrapped in sentinel.
func callbackError(err, sentinel error, what string) error {
	if err == nil || wrapsSentinel(err) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", sentinel, what, err)
}
