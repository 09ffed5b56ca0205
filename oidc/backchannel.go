package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/authsession/authsession"
)

// This file is back-channel logout (OpenID Connect Back-Channel Logout
// 1.0): at sign-in, link records which session a provider's session
// ("sid") and user ("sub") became; the receiver verifies a logout token
// and revokes the sessions it names.

// sessionLink is which session a session reference belongs to.
type sessionLink struct {
	UserID    string `json:"u"`
	SessionID string `json:"s"`
}

// maxLogoutBody bounds a back-channel logout request's body.
const maxLogoutBody = 64 << 10

// A logout token must have been issued at most logoutMaxAge ago (and not
// more than logoutSkew ahead): its jti is remembered a little longer than
// that, so a replay is refused however far its expiry lies.
const (
	logoutMaxAge = 10 * time.Minute
	logoutSkew   = time.Minute
	jtiTTL       = logoutMaxAge + 2*logoutSkew
)

// link records, for back-channel logout, that the session ref is the
// session sessionID of user, signed in with the provider's session
// id.SessionID (when sent) as the provider's user id.Subject.
func (rp *RelyingParty[U]) link(ctx context.Context, id Identity, ref string, user U, sessionID string) error {
	uid := ""
	if u, ok := any(user).(authsession.UserIDer); ok {
		uid = u.UserID()
	}
	b, _ := json.Marshal(sessionLink{UserID: uid, SessionID: sessionID})
	err := rp.store.Set(ctx, linkKey(ref), b, rp.lifetime)
	if err == nil && id.SessionID != "" {
		err = rp.store.AddMember(ctx, sidKey(id.Issuer, id.SessionID), ref, rp.lifetime)
	}
	if err == nil {
		err = rp.store.AddMember(ctx, subKey(id.Issuer, id.Subject), ref, rp.lifetime)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	return nil
}

// backChannelLogout receives a logout token from the named provider:
// POSTed as the form field logout_token. It verifies it with go-oidc's
// VerifyLogout (signature under the provider's keys, issuer, audience,
// expiry, the back-channel logout event, no nonce, a jti), refuses a jti
// seen before, and revokes the sessions the token names: those of its
// "sid" when it has one, else all of its "sub". It answers 200 (also when
// no session matched), 400 with an OAuth-style error for a bad token, and
// 503 when the provider's keys or the stores are unavailable (the
// provider may retry then: the token is not marked used).
func (rp *RelyingParty[U]) backChannelLogout(w http.ResponseWriter, r *http.Request, name string) {
	w.Header().Set("Cache-Control", "no-store")
	p, ok := rp.providers[name]
	if !ok {
		logoutError(w, http.StatusNotFound, "invalid_request", "unknown provider")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLogoutBody)
	raw := r.PostFormValue("logout_token")
	if raw == "" {
		logoutError(w, http.StatusBadRequest, "invalid_request", "logout_token is missing")
		return
	}
	ctx := r.Context()
	d, err := p.discover(ctx)
	if err != nil {
		rp.log.LogAttrs(ctx, slog.LevelWarn, "oidc: back-channel logout: provider unavailable", slog.String("error", err.Error()))
		logoutError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the provider's keys are unavailable")
		return
	}
	lt, err := d.verifier.VerifyLogout(p.ctx(ctx), raw)
	if err == nil {
		err = rp.checkIssued(lt.IssuedAt)
	}
	if err != nil {
		rp.log.LogAttrs(ctx, slog.LevelDebug, "oidc: back-channel logout token refused", slog.String("reason", err.Error()))
		logoutError(w, http.StatusBadRequest, "invalid_request", "the logout token is invalid")
		return
	}
	status, err := rp.logoutOnce(ctx, lt)
	if err != nil {
		level := slog.LevelWarn
		if status < 500 {
			level = slog.LevelDebug
		}
		rp.log.LogAttrs(ctx, level, "oidc: back-channel logout failed", slog.String("reason", err.Error()))
		if status < 500 {
			logoutError(w, status, "invalid_request", "the logout token was already used")
		} else {
			logoutError(w, status, "temporarily_unavailable", "the sessions could not be revoked")
		}
		return
	}
	w.WriteHeader(http.StatusOK)
}

// checkIssued refuses a logout token without an iat, issued more than
// logoutMaxAge ago, or in the future beyond logoutSkew.
func (rp *RelyingParty[U]) checkIssued(iat time.Time) error {
	now := rp.now()
	if iat.IsZero() || now.Sub(iat) > logoutMaxAge || iat.Sub(now) > logoutSkew {
		return fmt.Errorf("%w: issued at %v, not within %v of now", ErrLogoutToken, iat, logoutMaxAge)
	}
	return nil
}

// logoutOnce marks lt's jti used and revokes the sessions it names; when
// that fails the mark is removed, so the provider's retry is not taken for
// a replay.
func (rp *RelyingParty[U]) logoutOnce(ctx context.Context, lt *gooidc.LogoutToken) (int, error) {
	key := jtiKey(lt.Issuer, lt.TokenID)
	fresh, err := rp.store.SetNew(ctx, key, []byte{1}, jtiTTL)
	switch {
	case err != nil:
		return http.StatusServiceUnavailable, fmt.Errorf("%w: recording the jti: %w", ErrStore, err)
	case !fresh:
		return http.StatusBadRequest, fmt.Errorf("%w: jti already used", ErrLogoutToken)
	}
	if err := rp.logout(ctx, lt); err != nil {
		rp.store.Delete(context.WithoutCancel(ctx), key, nil)
		return http.StatusServiceUnavailable, err
	}
	return http.StatusOK, nil
}

// logout ends the sessions lt names: each is marked ended (a session
// re-issued under another id meanwhile then ends at its next refresh),
// its tokens leave the Store, and the session is revoked in the
// AuthSession's store.
func (rp *RelyingParty[U]) logout(ctx context.Context, lt *gooidc.LogoutToken) error {
	key := subKey(lt.Issuer, lt.Subject)
	if lt.SessionID != "" {
		key = sidKey(lt.Issuer, lt.SessionID)
	}
	refs, err := rp.store.Members(ctx, key)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	var errs []error
	for _, ref := range refs {
		if err := rp.store.Set(ctx, endedKey(ref), []byte{1}, rp.lifetime); err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrStore, err))
			continue
		}
		if rp.cfg.KeepTokensInStore {
			if err := rp.store.Delete(ctx, tokensKey(ref), nil); err != nil {
				errs = append(errs, fmt.Errorf("%w: %w", ErrStore, err))
			}
		}
		b, ok, err := rp.store.Get(ctx, linkKey(ref))
		var l sessionLink
		if err != nil || !ok || json.Unmarshal(b, &l) != nil || l.UserID == "" {
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: %w", ErrStore, err))
			}
			continue
		}
		if err := rp.auth.RevokeSession(ctx, l.UserID, l.SessionID); err != nil && !errors.Is(err, authsession.ErrNoSession) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// logoutError writes the error response of OpenID Connect Back-Channel
// Logout 1.0 section 2.8: an OAuth 2.0 error object.
func logoutError(w http.ResponseWriter, status int, code, description string) {
	b, _ := json.Marshal(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, description})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
