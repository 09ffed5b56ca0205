package authsession_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authsession/authsession"
)

func TestHandlersPatch(t *testing.T) {
	errRefused := errors.New("names must not be empty")
	tests := []struct {
		name        string
		body        string
		contentType string
		noSession   bool
		wantStatus  int
		wantCode    string
		wantName    string
	}{
		{name: "allowed field", body: `{"user":{"name":"Bo"}}`, wantStatus: 200, wantName: "Bo"},
		{name: "charset parameter", body: `{"user":{"name":"Bo"}}`, contentType: "application/json; charset=utf-8", wantStatus: 200, wantName: "Bo"},
		{name: "two allowed fields", body: `{"user":{"name":"Bo","theme":"dark"}}`, wantStatus: 200, wantName: "Bo"},
		{name: "id", body: `{"user":{"id":"u_2"}}`, wantStatus: 403, wantCode: "field_not_allowed"},
		{name: "id among allowed", body: `{"user":{"name":"Bo","id":"u_2"}}`, wantStatus: 403, wantCode: "field_not_allowed"},
		{name: "id in other case", body: `{"user":{"ID":"u_2"}}`, wantStatus: 403, wantCode: "field_not_allowed"},
		{name: "field not in allowlist", body: `{"user":{"email":"x@evil.test"}}`, wantStatus: 403, wantCode: "field_not_allowed"},
		{name: "extra field not in allowlist", body: `{"user":{"role":"owner"}}`, wantStatus: 403, wantCode: "field_not_allowed"},
		{name: "access token", body: `{"accessToken":"forged"}`, wantStatus: 403, wantCode: "field_not_allowed"},
		{name: "refresh token beside user", body: `{"user":{"name":"Bo"},"refreshToken":"forged"}`, wantStatus: 403, wantCode: "field_not_allowed"},
		{name: "expiry", body: `{"expiresAt":99999999999999}`, wantStatus: 403, wantCode: "field_not_allowed"},
		{name: "flat fields", body: `{"name":"Bo"}`, wantStatus: 403, wantCode: "field_not_allowed"},
		{name: "empty user", body: `{"user":{}}`, wantStatus: 400, wantCode: "invalid_update"},
		{name: "empty object", body: `{}`, wantStatus: 400, wantCode: "invalid_update"},
		{name: "value of the wrong type", body: `{"user":{"name":5}}`, wantStatus: 400, wantCode: "invalid_update"},
		{name: "ValidateUpdate refuses", body: `{"user":{"name":""}}`, wantStatus: 400, wantCode: "invalid_update"},
		{name: "malformed JSON", body: `{"user":{"name":"Bo"`, wantStatus: 400, wantCode: "bad_request"},
		{name: "trailing data", body: `{"user":{"name":"Bo"}} {"user":{"name":"Cy"}}`, wantStatus: 400, wantCode: "bad_request"},
		{name: "null body", body: `null`, wantStatus: 400, wantCode: "bad_request"},
		{name: "array body", body: `[{"user":{"name":"Bo"}}]`, wantStatus: 400, wantCode: "bad_request"},
		{name: "string body", body: `"Bo"`, wantStatus: 400, wantCode: "bad_request"},
		{name: "user not an object", body: `{"user":["Bo"]}`, wantStatus: 400, wantCode: "bad_request"},
		{name: "user null", body: `{"user":null}`, wantStatus: 400, wantCode: "bad_request"},
		{name: "empty body", body: ``, wantStatus: 400, wantCode: "bad_request"},
		{name: "over the body limit", body: `{"user":{"name":"` + strings.Repeat("a", authsession.MaxAPIBodyBytes) + `"}}`, wantStatus: 413, wantCode: "body_too_large"},
		{name: "wrong content type", body: `{"user":{"name":"Bo"}}`, contentType: "text/plain", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "form content type", body: `user=Bo`, contentType: "application/x-www-form-urlencoded", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "no content type", body: `{"user":{"name":"Bo"}}`, contentType: "-", wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "no session", body: `{"user":{"name":"Bo"}}`, noSession: true, wantStatus: 401, wantCode: "no_session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, _ := newAPIAuth(t, func(c *authsession.Config[authsession.User]) {
				c.ValidateUpdate = func(old, updated authsession.User) error {
					if old.Name != "Ann" {
						t.Errorf("ValidateUpdate old.Name: got %q, want %q", old.Name, "Ann")
					}
					if updated.Name == "" {
						return errRefused
					}
					return nil
				}
			})
			var cookies []*http.Cookie
			if !tt.noSession {
				cookies = apiSignIn(t, auth, apiUser, authsession.WithTokens("at", "rt"))
			}
			ct := tt.contentType
			switch ct {
			case "":
				ct = "application/json"
			case "-":
				ct = ""
			}
			rec := apiServe(auth.Handlers, http.MethodPatch, "/api/session", apiReq{body: tt.body, contentType: ct, cookies: cookies})
			if tt.wantCode != "" {
				apiCheckError(t, rec, tt.wantStatus, tt.wantCode)
				if body := rec.Body.String(); strings.Contains(body, "u_2") || strings.Contains(body, "forged") || strings.Contains(body, errRefused.Error()) {
					t.Errorf("error body %s echoes the request", rec.Body.String())
				}
				return
			}
			b := apiCheckJSON(t, rec, tt.wantStatus)
			if b.Session == nil || b.Session.User["name"] != tt.wantName {
				t.Fatalf("response user: got %+v, want name %q", b.Session, tt.wantName)
			}
			s, ok := apiSessionOf(t, auth, rec.Result().Cookies())
			if !ok {
				t.Fatalf("the response's cookie carries no session")
			}
			old, _ := apiSessionOf(t, auth, cookies)
			if s.User.Name != tt.wantName || s.User.ID != "u_1" || s.User.Email != apiUser.Email || s.User.ExtraString("role") != "admin" {
				t.Errorf("stored user: got %+v, want name %q and the rest unchanged", s.User, tt.wantName)
			}
			if s.ID != old.ID || s.AccessToken != "at" || s.RefreshToken != "rt" || !s.CreatedAt.Equal(old.CreatedAt) || !s.ExpiresAt.Equal(old.ExpiresAt) {
				t.Errorf("stored session: got id %q tokens %q/%q, want id, tokens and times unchanged", s.ID, s.AccessToken, s.RefreshToken)
			}
		})
	}
}

// TestHandlersPatchDefaultAllowlist: without UpdatableFields, PATCH may
// change the display fields name and image, and nothing else; an explicit
// empty list allows nothing.
func TestHandlersPatchDefaultAllowlist(t *testing.T) {
	tests := []struct {
		name      string
		allowed   []string
		body      string
		wantCode  string // "" for 200
		wantName  string
		wantImage string
	}{
		{"name", nil, `{"user":{"name":"Bo"}}`, "", "Bo", ""},
		{"image", nil, `{"user":{"image":"https://example.com/bo.png"}}`, "", apiUser.Name, "https://example.com/bo.png"},
		{"name and image", nil, `{"user":{"name":"Bo","image":"i.png"}}`, "", "Bo", "i.png"},
		{"id", nil, `{"user":{"id":"u_2"}}`, "field_not_allowed", "", ""},
		{"email", nil, `{"user":{"email":"mallory@example.com"}}`, "field_not_allowed", "", ""},
		{"role", nil, `{"user":{"role":"superuser"}}`, "field_not_allowed", "", ""},
		{"name with role", nil, `{"user":{"name":"Bo","role":"superuser"}}`, "field_not_allowed", "", ""},
		{"extra field", nil, `{"user":{"theme":"dark"}}`, "field_not_allowed", "", ""},
		{"tokens", nil, `{"accessToken":"x","user":{"name":"Bo"}}`, "field_not_allowed", "", ""},
		{"session data", nil, `{"data":{"role":"admin"},"user":{"name":"Bo"}}`, "field_not_allowed", "", ""},
		{"transient", nil, `{"transient":true,"user":{"name":"Bo"}}`, "field_not_allowed", "", ""},
		{"explicit empty list: name", []string{}, `{"user":{"name":"Bo"}}`, "field_not_allowed", "", ""},
		{"explicit empty list: image", []string{}, `{"user":{"image":"i.png"}}`, "field_not_allowed", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, _ := newAPIAuth(t, func(c *authsession.Config[authsession.User]) { c.UpdatableFields = tt.allowed })
			cookies := apiSignIn(t, auth, apiUser)
			rec := apiServe(auth.Handlers, http.MethodPatch, "/api/session", apiReq{body: tt.body, contentType: "application/json", cookies: cookies})
			if tt.wantCode != "" {
				apiCheckError(t, rec, http.StatusForbidden, tt.wantCode)
				if n := len(rec.Result().Cookies()); n != 0 {
					t.Errorf("cookies: got %d, want none", n)
				}
				return
			}
			apiCheckJSON(t, rec, http.StatusOK)
			s, ok := apiSessionOf(t, auth, rec.Result().Cookies())
			if !ok {
				t.Fatal("the response's cookie carries no session")
			}
			if s.User.Name != tt.wantName || s.User.Image != tt.wantImage || s.User.ID != apiUser.ID || s.User.Email != apiUser.Email || s.User.ExtraString("role") != "admin" {
				t.Errorf("user: got %+v, want name %q, image %q and the rest unchanged", s.User, tt.wantName, tt.wantImage)
			}
		})
	}
	t.Run("resolved configuration", func(t *testing.T) {
		auth, _ := newAPIAuth(t, func(c *authsession.Config[authsession.User]) { c.UpdatableFields = nil })
		if got, want := strings.Join(auth.Config.UpdatableFields, " "), "name image"; got != want {
			t.Errorf("UpdatableFields: got %s, want %s", got, want)
		}
		// A user type without fields gets no default, and no error.
		other := buildAuth(t, authsession.Config[string]{Secret: apiTestSecret})
		if got := other.Config.UpdatableFields; got == nil || len(got) != 0 {
			t.Errorf("UpdatableFields of a string user: got %#v, want an empty list", got)
		}
	})
}

// FuzzHandlersPatch sends arbitrary PATCH bodies, under an explicit
// allowlist and under the default one (name and image): the API never
// fails with a server error, writes a cookie only on success, and never
// changes the user's id, the tokens or a field outside the allowlist.
func FuzzHandlersPatch(f *testing.F) {
	for _, seed := range []string{
		`{"user":{"name":"Bo"}}`,
		`{"user":{"id":"x"}}`,
		`{"user":{"name":"Bo","theme":{"a":[1,2,{"b":null}]}}}`,
		`{"user":{"image":null}}`,
		`{"user":{"name":"\ud800"}}`,
		`{"user":{"name":1e400}}`,
		`{"user":{"theme":18446744073709551616}}`,
		`{"user":{"NAME":"Bo"}}`,
		`{"accessToken":"x","user":{"name":"Bo"}}`,
		`{"user":{"name":"Bo"}}garbage`,
		`[[[[[[[[[[`,
		"\xff\xfe",
		``,
	} {
		f.Add(seed)
	}
	// Two configurations: an explicit allowlist, and the default one
	// (UpdatableFields unset: name and image only).
	listed := buildAuth(f, authsession.Config[authsession.User]{
		Secret:          apiTestSecret,
		Cookie:          authsession.CookieConfig{Insecure: true},
		UpdatableFields: []string{"name", "image", "theme"},
	})
	byDefault := buildAuth(f, authsession.Config[authsession.User]{
		Secret: apiTestSecret,
		Cookie: authsession.CookieConfig{Insecure: true},
	})
	rec := httptest.NewRecorder()
	if _, err := listed.CreateSession(rec, httptest.NewRequest(http.MethodPost, "/", nil), apiUser, authsession.WithTokens("at", "rt")); err != nil {
		f.Fatal(err)
	}
	cookies := rec.Result().Cookies() // the same secret and cookie name: both read it
	f.Fuzz(func(t *testing.T, body string) {
		for _, auth := range []*authsession.AuthSession[authsession.User]{listed, byDefault} {
			rec := apiServe(auth.Handlers, http.MethodPatch, "/api/session", apiReq{body: body, contentType: "application/json", cookies: cookies})
			if rec.Code >= 500 {
				t.Fatalf("body %q: got %d, want no server error", body, rec.Code)
			}
			if rec.Code != http.StatusOK {
				if n := len(rec.Result().Cookies()); n != 0 {
					t.Fatalf("body %q: got %d with %d cookies, want none", body, rec.Code, n)
				}
				continue
			}
			after := rec.Result().Cookies()
			if len(after) == 0 {
				after = cookies // nothing changed: nothing written
			}
			s, ok := apiSessionOf(t, auth, after)
			if !ok {
				t.Fatalf("body %q: 200 without a readable session cookie", body)
			}
			if s.User.ID != "u_1" || s.User.Email != apiUser.Email || s.User.ExtraString("role") != "admin" || s.AccessToken != "at" || s.RefreshToken != "rt" {
				t.Fatalf("body %q: got user %+v tokens %q/%q, want only allowed fields changed", body, s.User, s.AccessToken, s.RefreshToken)
			}
			if auth == byDefault && len(s.User.Extra) != 1 {
				t.Fatalf("body %q: default allowlist: got extra fields %v, want only role", body, s.User.Extra)
			}
		}
	})
}
