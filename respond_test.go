package authsession

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestResponseVocabulary pins the one table: each code's status and the
// exact body writeError sends, for the session API, the guard's JSON
// answers (byte-identical to the constants they replaced, plus the API's
// trailing newline) and the client handler.
func TestResponseVocabulary(t *testing.T) {
	tests := []struct {
		code   errCode
		status int
		body   string
	}{
		{codeNoSession, 401, `{"error":{"code":"no_session","message":"You are not signed in."}}`},
		{codeNotAllowed, 403, `{"error":{"code":"field_not_allowed","message":"This field cannot be changed."}}`},
		{codeInvalid, 400, `{"error":{"code":"invalid_update","message":"The update was not accepted."}}`},
		{codeTooLarge, 413, `{"error":{"code":"session_too_large","message":"The session would be too large."}}`},
		{codeUnavailable, 503, `{"error":{"code":"unavailable","message":"The session service is unavailable. Try again later."}}`},
		{codeConflict, 409, `{"error":{"code":"conflict","message":"The session was changed elsewhere. Reload and try again."}}`},
		{codeInternal, 500, `{"error":{"code":"internal_error","message":"Something went wrong."}}`},
		{codeBadRequest, 400, `{"error":{"code":"bad_request","message":"The request body is not JSON of the expected shape."}}`},
		{codeBodyTooLarge, 413, `{"error":{"code":"body_too_large","message":"The request body is too large."}}`},
		{codeMediaType, 415, `{"error":{"code":"unsupported_media_type","message":"The request body must be application/json."}}`},
		{codeMethod, 405, `{"error":{"code":"method_not_allowed","message":"This method is not allowed here."}}`},
		{codeNotFound, 404, `{"error":{"code":"not_found","message":"Not found."}}`},
		{codeCrossOrigin, 403, `{"error":{"code":"cross_origin","message":"Cross-origin request refused."}}`},
		{codeUnauthenticated, 401, `{"error":{"code":"unauthenticated","message":"You must be signed in."}}`},
		{codeAuthenticated, 403, `{"error":{"code":"already_authenticated","message":"This page is for visitors who are not signed in."}}`},
		{codeForbidden, 403, `{"error":{"code":"forbidden","message":"Access denied."}}`},
		{codeBadPath, 400, `{"error":{"code":"bad_path","message":"The request path is ambiguous."}}`},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			w := httptest.NewRecorder()
			writeError(w, tt.code)
			if _, msg := tt.code.response(); msg == "" || msg[0] < 'A' || msg[0] > 'Z' || !strings.HasSuffix(msg, ".") {
				t.Errorf("message %q: want a sentence, as every message of the API and the guard", msg)
			}
			if w.Code != tt.status {
				t.Errorf("status: got %d, want %d", w.Code, tt.status)
			}
			if got, want := w.Body.String(), tt.body+"\n"; got != want {
				t.Errorf("body: got %q, want %q", got, want)
			}
			for k, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
				if got := w.Header().Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestClientHandlerSpeaksTheVocabulary: the client files' 405 is the
// table's, as the session API's is.
func TestClientHandlerSpeaksTheVocabulary(t *testing.T) {
	api := httptest.NewRecorder()
	writeError(api, codeMethod)
	w := httptest.NewRecorder()
	serveClientJS(w, httptest.NewRequest(http.MethodPost, "/api/session/client.js", nil))
	if w.Code != api.Code || w.Body.String() != api.Body.String() {
		t.Errorf("got %d %q, want %d %q", w.Code, w.Body, api.Code, api.Body)
	}
}
