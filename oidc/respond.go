package oidc

import (
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
)

// code is the stable code of an error response; it selects the status and
// the generic message. A message never carries internal error text, a
// token or a state value: the reason goes to the logger at debug level.
type code string

const (
	codeNotFound        code = "not_found"
	codeMethod          code = "method_not_allowed"
	codeUnknownProvider code = "unknown_provider"
	codeInvalidState    code = "invalid_state"
	codeInvalidCallback code = "invalid_callback"
	codeProviderError   code = "provider_error"
	codeInvalidIDToken  code = "invalid_id_token"
	codeAccessDenied    code = "access_denied"
	codeUnavailable     code = "provider_unavailable"
	codeSessionFailed   code = "session_failed"
	codeStoreFailed     code = "unavailable"
	codeCrossOrigin     code = "cross_origin"
)

func (c code) response() (int, string) {
	switch c {
	case codeNotFound:
		return http.StatusNotFound, "Not found."
	case codeMethod:
		return http.StatusMethodNotAllowed, "This method is not allowed here."
	case codeUnknownProvider:
		return http.StatusNotFound, "There is no such sign-in provider."
	case codeInvalidState:
		return http.StatusBadRequest, "This sign-in has expired, was already completed, or was started in another browser. Please sign in again."
	case codeInvalidCallback:
		return http.StatusBadRequest, "The sign-in answer is incomplete. Please sign in again."
	case codeProviderError:
		return http.StatusForbidden, "The sign-in provider did not sign you in."
	case codeInvalidIDToken:
		return http.StatusBadRequest, "The sign-in provider's answer could not be verified. Please sign in again."
	case codeAccessDenied:
		return http.StatusForbidden, "You are not allowed to sign in here."
	case codeUnavailable:
		return http.StatusServiceUnavailable, "The sign-in provider is unavailable. Try again later."
	case codeStoreFailed:
		return http.StatusServiceUnavailable, "The sign-in service is unavailable. Try again later."
	case codeCrossOrigin:
		return http.StatusForbidden, "Cross-origin request refused."
	}
	return http.StatusInternalServerError, "The session could not be started."
}

// errorPage is the page browsers get for an error: the message and a link
// home.
var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign-in failed</title></head>
<body><h1>Sign-in failed</h1><p id="error" data-code="{{.Code}}">{{.Message}}</p>
<p><a href="{{.Home}}">Continue</a></p></body></html>
`))

// fail answers r with the error c: JSON ({"error":{"code":…,"message":…}})
// for a client that asks for JSON, else a small HTML page. cause, if not
// nil, is logged at debug level (warn for a provider or store outage).
func (rp *RelyingParty[U]) fail(w http.ResponseWriter, r *http.Request, c code, cause error) {
	status, msg := c.response()
	if cause != nil {
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelWarn
		}
		rp.log.LogAttrs(r.Context(), level, "oidc: request refused",
			slog.String("path", r.URL.Path), slog.String("code", string(c)), slog.String("reason", cause.Error()))
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if wantsJSON(r) {
		var body struct {
			Error struct {
				Code    code   `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		body.Error.Code, body.Error.Message = c, msg
		b, _ := json.Marshal(body)
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(append(b, '\n'))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		errorPage.Execute(w, struct {
			Code    code
			Message string
			Home    string
		}{c, msg, rp.home})
	}
}

// wantsJSON reports whether r asks for JSON: an Accept header naming
// application/json but not text/html (a fetch, not a navigation). It
// picks the response's form, never a decision.
func wantsJSON(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}

// redirect answers r with a redirect to loc that no cache keeps.
func redirect(w http.ResponseWriter, loc string, status int) {
	h := w.Header()
	h.Set("Location", loc)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}
