package oidc

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
)

// maxSignOutBody bounds a sign-out form's body.
const maxSignOutBody = 4 << 10

// signOut ends the request's session (authsession's DeleteSession: the
// cookie cleared, the session revoked in its store) and sends the browser
// on: for a session signed in with a provider that has an
// end_session_endpoint, to the provider to end its session too
// (RP-initiated logout, with id_token_hint, client_id and the provider's
// PostLogoutRedirectURL), else to the form's callbackUrl (a local path)
// or the home path. Browsers get a 303; a client asking for JSON gets
// 200 {"url": …} and navigates itself. Cross-origin posts are refused, so
// another site cannot sign a visitor out.
func (rp *RelyingParty[U]) signOut(w http.ResponseWriter, r *http.Request) {
	if err := rp.csrf.Check(r); err != nil {
		rp.fail(w, r, codeCrossOrigin, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignOutBody)
	loc := rp.localTarget(r.FormValue("callbackUrl"))
	ctx := r.Context()
	if s, info, p, ok := rp.current(r); ok {
		ts, _, err := rp.sessionTokens(ctx, &s, &info)
		if err != nil {
			rp.log.LogAttrs(ctx, slog.LevelWarn, "oidc: reading the tokens at sign-out failed", slog.String("error", err.Error()))
		}
		if info.Stored {
			if err := rp.store.Delete(ctx, tokensKey(info.Ref), nil); err != nil {
				rp.log.LogAttrs(ctx, slog.LevelWarn, "oidc: deleting the tokens at sign-out failed", slog.String("error", err.Error()))
			}
		}
		if d, err := p.discover(ctx); err == nil && d.endSession != "" {
			loc = endSessionURL(d.endSession, p.cfg, ts.IDToken)
		}
	}
	if err := rp.auth.DeleteSession(w, r); err != nil {
		// The cookie is cleared and the revocation retried in the background.
		rp.log.LogAttrs(ctx, slog.LevelWarn, "oidc: revoking the session at sign-out failed", slog.String("error", err.Error()))
	}
	if wantsJSON(r) {
		b, _ := json.Marshal(struct {
			URL string `json:"url"`
		}{loc})
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(append(b, '\n'))
		return
	}
	redirect(w, loc, http.StatusSeeOther)
}

// endSessionURL is the provider's end_session_endpoint with the
// RP-initiated logout parameters.
func endSessionURL(endpoint string, p Provider, idToken string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpoint
	}
	q := u.Query()
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	q.Set("client_id", p.ClientID)
	if p.PostLogoutRedirectURL != "" {
		q.Set("post_logout_redirect_uri", p.PostLogoutRedirectURL)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
