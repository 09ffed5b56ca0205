package authsession_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

const apiTestSecret = "0123456789abcdef0123456789abcdef-test-secret"

// newAPIAuth returns an AuthSession over a fixed clock; mod adjusts the
// configuration.
func newAPIAuth(t *testing.T, mod func(*authsession.Config[authsession.User])) (*authsession.AuthSession[authsession.User], *clock) {
	t.Helper()
	clock := newClock()
	cfg := authsession.Config[authsession.User]{
		Secret:          apiTestSecret,
		Cookie:          authsession.CookieConfig{Insecure: true},
		Now:             clock.Now,
		UpdatableFields: []string{"name", "image", "theme"},
	}
	if mod != nil {
		mod(&cfg)
	}
	return buildAuth(t, cfg), clock
}

var apiUser = authsession.User{ID: "u_1", Email: "ann@example.com", Name: "Ann", Extra: map[string]any{"role": "admin"}}

// signIn creates a session for user and returns its cookies.
func apiSignIn[U any](t *testing.T, auth *authsession.AuthSession[U], user U, opts ...authsession.SessionOption) []*http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/login", nil)
	if _, err := auth.CreateSession(rec, req, user, opts...); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return rec.Result().Cookies()
}

type apiReq struct {
	body        string
	contentType string
	cookies     []*http.Cookie
	header      map[string]string
}

// serve sends one request to h and returns the recorded response.
func apiServe(h http.Handler, method, target string, o apiReq) *httptest.ResponseRecorder {
	var body io.Reader
	if o.body != "" {
		body = strings.NewReader(o.body)
	}
	req := httptest.NewRequest(method, target, body)
	if o.contentType != "" {
		req.Header.Set("Content-Type", o.contentType)
	}
	for _, c := range o.cookies {
		req.AddCookie(c)
	}
	for k, v := range o.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// sessionOf returns the session that cookies carry.
func apiSessionOf[U any](t *testing.T, auth *authsession.AuthSession[U], cookies []*http.Cookie) (authsession.Session[U], bool) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		if c.MaxAge >= 0 {
			req.AddCookie(c)
		}
	}
	return auth.GetSession(req)
}

type apiBody struct {
	Session *struct {
		User         map[string]any `json:"user"`
		AccessToken  string         `json:"accessToken"`
		RefreshToken string         `json:"refreshToken"`
		ExpiresAt    int64          `json:"expiresAt"`
		ExpiryDate   string         `json:"expiryDate"`
		CreatedAt    int64          `json:"createdAt"`
		LastActivity int64          `json:"lastActivity"`
	} `json:"session"`
	RefreshThreshold *int64 `json:"refreshThreshold"`
	SessionExpiry    *int64 `json:"sessionExpiry"`
	Error            *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func apiDecodeBody(t *testing.T, rec *httptest.ResponseRecorder) apiBody {
	t.Helper()
	var b apiBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
	}
	return b
}

// checkJSON checks the headers every JSON response of the API carries and
// the status.
func apiCheckJSON(t *testing.T, rec *httptest.ResponseRecorder, wantStatus int) apiBody {
	t.Helper()
	if rec.Code != wantStatus {
		t.Errorf("status: got %d, want %d (body %s)", rec.Code, wantStatus, rec.Body.String())
	}
	apiCheckCacheHeaders(t, rec.Result().Header)
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type: got %q, want %q", got, "application/json")
	}
	return apiDecodeBody(t, rec)
}

func apiCheckCacheHeaders(t *testing.T, h http.Header) {
	t.Helper()
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want %q", got, "no-store")
	}
	if got := h.Values("Vary"); !apiContains(got, "Cookie") {
		t.Errorf("Vary: got %q, want it to include Cookie", got)
	}
}

func apiContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkError checks an error response: status, code, generic message.
func apiCheckError(t *testing.T, rec *httptest.ResponseRecorder, wantStatus int, wantCode string) {
	t.Helper()
	b := apiCheckJSON(t, rec, wantStatus)
	if b.Error == nil {
		t.Fatalf("body %s: got no error object, want code %q", rec.Body.String(), wantCode)
	}
	if b.Error.Code != wantCode {
		t.Errorf("error code: got %q, want %q", b.Error.Code, wantCode)
	}
	if b.Error.Message == "" {
		t.Errorf("error message: got empty, want a generic message")
	}
	if n := len(rec.Result().Cookies()); n != 0 {
		t.Errorf("error response set %d cookies, want none", n)
	}
}

func TestHandlersMounting(t *testing.T) {
	auth, _ := newAPIAuth(t, nil)
	cookies := apiSignIn(t, auth, apiUser)
	onMux := http.NewServeMux()
	onMux.Handle("/api/session/", auth.Handlers)
	onMux.Handle("/api/session", auth.Handlers)
	stripped := http.NewServeMux()
	stripped.Handle("/auth/", http.StripPrefix("/auth", auth.Handlers))
	stripped.Handle("/auth", http.StripPrefix("/auth", auth.Handlers))
	strippedSlash := http.NewServeMux()
	strippedSlash.Handle("/v1/me/", http.StripPrefix("/v1/me/", auth.Handlers))

	tests := []struct {
		name           string
		h              http.Handler
		base, client   string
		unknown        []string
		strippedToRoot bool
	}{
		{name: "ServeMux", h: onMux, base: "/api/session", client: "/api/session/client.js",
			unknown: []string{"/api/session/nope", "/api/session/client.js/x"}},
		{name: "ServeMux trailing slash", h: onMux, base: "/api/session/", client: "/api/session/client.js"},
		{name: "unmounted full path", h: auth.Handlers, base: "/api/session", client: "/api/session/client.js",
			unknown: []string{"/api/sessions", "/api/session-x", "/api/session//", "/other", "/client.js/"}},
		{name: "StripPrefix at APIPath", h: http.StripPrefix("/api/session", auth.Handlers), base: "/api/session", client: "/api/session/client.js",
			unknown: []string{"/api/session/x"}},
		{name: "StripPrefix at APIPath, slash", h: http.StripPrefix("/api/session", auth.Handlers), base: "/api/session/", client: "/api/session/client.js"},
		{name: "StripPrefix at another prefix", h: stripped, base: "/auth", client: "/auth/client.js",
			unknown: []string{"/auth/session", "/auth/api"}},
		{name: "StripPrefix at another prefix, slash", h: stripped, base: "/auth/", client: "/auth/client.js"},
		{name: "StripPrefix with trailing slash", h: strippedSlash, base: "/v1/me/", client: "/v1/me/client.js",
			unknown: []string{"/v1/me/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := apiCheckJSON(t, apiServe(tt.h, http.MethodGet, tt.base, apiReq{cookies: cookies}), http.StatusOK)
			if b.Session == nil || b.Session.User["id"] != "u_1" {
				t.Errorf("GET %s: got session %+v, want user u_1", tt.base, b.Session)
			}
			rec := apiServe(tt.h, http.MethodPost, tt.base, apiReq{cookies: cookies})
			if rec.Code != http.StatusOK {
				t.Errorf("POST %s: got status %d, want %d", tt.base, rec.Code, http.StatusOK)
			}
			// client.js goes to the browser-client handler, not to the
			// API's JSON "not found".
			rec = apiServe(tt.h, http.MethodGet, tt.client, apiReq{})
			if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusOK || !strings.HasPrefix(ct, "text/javascript") {
				t.Errorf("GET %s: got %d %s, want the browser client", tt.client, rec.Code, ct)
			}
			if rec.Header().Get("ETag") == "" || rec.Header().Get("Vary") == "Cookie" {
				t.Errorf("GET %s: got ETag %q Vary %q, want an ETag and no Vary: Cookie", tt.client, rec.Header().Get("ETag"), rec.Header().Get("Vary"))
			}
			for _, p := range tt.unknown {
				apiCheckError(t, apiServe(tt.h, http.MethodGet, p, apiReq{cookies: cookies}), http.StatusNotFound, "not_found")
			}
		})
	}
}

func TestHandlersGet(t *testing.T) {
	t.Run("no session", func(t *testing.T) {
		auth, _ := newAPIAuth(t, nil)
		rec := apiServe(auth.Handlers, http.MethodGet, "/api/session", apiReq{})
		b := apiCheckJSON(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"session":null`) {
			t.Errorf("body: got %s, want session null", rec.Body.String())
		}
		if b.RefreshThreshold == nil || *b.RefreshThreshold != 86400 {
			t.Errorf("refreshThreshold: got %v, want 86400", b.RefreshThreshold)
		}
		if b.SessionExpiry == nil || *b.SessionExpiry != 7*86400 {
			t.Errorf("sessionExpiry: got %v, want %d", b.SessionExpiry, 7*86400)
		}
		if n := len(rec.Result().Cookies()); n != 0 {
			t.Errorf("got %d Set-Cookie, want none", n)
		}
	})
	t.Run("bad cookie is no session", func(t *testing.T) {
		auth, _ := newAPIAuth(t, nil)
		rec := apiServe(auth.Handlers, http.MethodGet, "/api/session", apiReq{cookies: []*http.Cookie{{Name: "session", Value: "not.a.token.at.all"}}})
		b := apiCheckJSON(t, rec, http.StatusOK)
		if b.Session != nil {
			t.Errorf("session: got %+v, want null", b.Session)
		}
	})
	t.Run("fresh session is not re-issued", func(t *testing.T) {
		auth, clock := newAPIAuth(t, nil)
		cookies := apiSignIn(t, auth, apiUser)
		clock.Add(time.Hour)
		rec := apiServe(auth.Handlers, http.MethodGet, "/api/session", apiReq{cookies: cookies})
		b := apiCheckJSON(t, rec, http.StatusOK)
		if b.Session == nil {
			t.Fatalf("session: got null, want one")
		}
		if got := rec.Header().Values("Set-Cookie"); len(got) != 0 {
			t.Errorf("Set-Cookie: got %d cookies, want none", len(got))
		}
		if b.Session.User["name"] != "Ann" || b.Session.User["role"] != "admin" {
			t.Errorf("user: got %v, want name Ann, role admin", b.Session.User)
		}
		want := time.Date(2026, 1, 8, 12, 0, 0, 0, time.UTC)
		if b.Session.ExpiresAt != want.UnixMilli() || b.Session.ExpiryDate != "2026-01-08T12:00:00.000Z" {
			t.Errorf("expiry: got %d %q, want %d %q", b.Session.ExpiresAt, b.Session.ExpiryDate, want.UnixMilli(), "2026-01-08T12:00:00.000Z")
		}
	})
	t.Run("session past the refresh threshold is re-issued", func(t *testing.T) {
		auth, clock := newAPIAuth(t, nil)
		cookies := apiSignIn(t, auth, apiUser)
		clock.Add(25 * time.Hour)
		rec := apiServe(auth.Handlers, http.MethodGet, "/api/session", apiReq{cookies: cookies})
		b := apiCheckJSON(t, rec, http.StatusOK)
		if len(rec.Result().Cookies()) == 0 {
			t.Fatalf("Set-Cookie: got none, want the re-issued session")
		}
		if got, want := b.Session.LastActivity, clock.Now().UnixMilli(); got != want {
			t.Errorf("lastActivity: got %d, want %d", got, want)
		}
		s, ok := apiSessionOf(t, auth, rec.Result().Cookies())
		if !ok || !s.ExpiresAt.Equal(clock.Now().Add(7*24*time.Hour)) {
			t.Errorf("re-issued cookie: got %v %v, want expiry %v", ok, s.ExpiresAt, clock.Now().Add(7*24*time.Hour))
		}
	})
	t.Run("auto refresh off", func(t *testing.T) {
		auth, clock := newAPIAuth(t, func(c *authsession.Config[authsession.User]) { c.DisableAutoRefresh = true })
		cookies := apiSignIn(t, auth, apiUser)
		clock.Add(25 * time.Hour)
		rec := apiServe(auth.Handlers, http.MethodGet, "/api/session", apiReq{cookies: cookies})
		apiCheckJSON(t, rec, http.StatusOK)
		if got := rec.Header().Values("Set-Cookie"); len(got) != 0 {
			t.Errorf("Set-Cookie: got %d cookies, want none", len(got))
		}
	})
	t.Run("HEAD is like GET without a body", func(t *testing.T) {
		auth, _ := newAPIAuth(t, nil)
		srv := httptest.NewServer(auth.Handlers)
		defer srv.Close()
		res, err := srv.Client().Head(srv.URL + "/api/session")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD: got %d with %d body bytes, want 200 and none", res.StatusCode, len(body))
		}
		apiCheckCacheHeaders(t, res.Header)
	})
}

func TestHandlersTokensStayOnServer(t *testing.T) {
	const access, refresh = "ACCESS-TOKEN-abc123", "REFRESH-TOKEN-xyz789"
	tests := []struct {
		name       string
		expose     bool
		wantAccess bool
	}{
		{name: "default", expose: false, wantAccess: false},
		{name: "ExposeAccessToken", expose: true, wantAccess: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, _ := newAPIAuth(t, func(c *authsession.Config[authsession.User]) { c.ExposeAccessToken = tt.expose })
			cookies := apiSignIn(t, auth, apiUser, authsession.WithTokens(access, refresh))
			for _, req := range []struct{ method, body string }{
				{http.MethodGet, ""},
				{http.MethodPost, ""},
				{http.MethodPatch, `{"user":{"name":"Bo"}}`},
			} {
				rec := apiServe(auth.Handlers, req.method, "/api/session", apiReq{cookies: cookies, body: req.body, contentType: "application/json"})
				apiCheckJSON(t, rec, http.StatusOK)
				body := rec.Body.String()
				if strings.Contains(body, refresh) || strings.Contains(body, "refreshToken") {
					t.Errorf("%s: body %s contains the refresh token", req.method, body)
				}
				if got := strings.Contains(body, `"accessToken":"`+access+`"`); got != tt.wantAccess {
					t.Errorf("%s: access token in body: got %v, want %v", req.method, got, tt.wantAccess)
				}
			}
		})
	}
}

func TestHandlersPost(t *testing.T) {
	t.Run("no session", func(t *testing.T) {
		auth, _ := newAPIAuth(t, nil)
		apiCheckError(t, apiServe(auth.Handlers, http.MethodPost, "/api/session", apiReq{}), http.StatusUnauthorized, "no_session")
	})
	t.Run("refreshes", func(t *testing.T) {
		auth, clock := newAPIAuth(t, nil)
		cookies := apiSignIn(t, auth, apiUser)
		clock.Add(time.Hour)
		rec := apiServe(auth.Handlers, http.MethodPost, "/api/session", apiReq{cookies: cookies})
		b := apiCheckJSON(t, rec, http.StatusOK)
		want := clock.Now().Add(7 * 24 * time.Hour)
		if b.Session == nil || b.Session.ExpiresAt != want.UnixMilli() {
			t.Fatalf("expiresAt: got %+v, want %d", b.Session, want.UnixMilli())
		}
		s, ok := apiSessionOf(t, auth, rec.Result().Cookies())
		if !ok || !s.ExpiresAt.Equal(want) {
			t.Errorf("cookie: got %v %v, want expiry %v", ok, s.ExpiresAt, want)
		}
	})
	t.Run("max lifetime reached", func(t *testing.T) {
		auth, clock := newAPIAuth(t, func(c *authsession.Config[authsession.User]) {
			c.Expiry, c.RefreshThreshold, c.MaxLifetime = 2*time.Hour, time.Hour, 2*time.Hour
			c.Leeway = time.Hour
		})
		cookies := apiSignIn(t, auth, apiUser)
		clock.Add(2*time.Hour + time.Minute)
		rec := apiServe(auth.Handlers, http.MethodPost, "/api/session", apiReq{cookies: cookies})
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("status: got %d, want %d", rec.Code, http.StatusUnauthorized)
		}
	})
}

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

func TestHandlersDelete(t *testing.T) {
	t.Run("clears every chunk", func(t *testing.T) {
		auth, _ := newAPIAuth(t, nil)
		big := apiUser
		big.Extra = map[string]any{"notes": strings.Repeat("n", 5000)}
		cookies := apiSignIn(t, auth, big)
		if len(cookies) < 2 {
			t.Fatalf("setup: got %d cookies, want a chunked session", len(cookies))
		}
		rec := apiServe(auth.Handlers, http.MethodDelete, "/api/session", apiReq{cookies: cookies})
		b := apiCheckJSON(t, rec, http.StatusOK)
		if b.Session != nil {
			t.Errorf("session: got %+v, want null", b.Session)
		}
		cleared := map[string]bool{}
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge < 0 {
				cleared[c.Name] = true
			}
		}
		for _, c := range cookies {
			if !cleared[c.Name] {
				t.Errorf("cookie %s: not cleared, want Max-Age<0", c.Name)
			}
		}
	})
	t.Run("without a session", func(t *testing.T) {
		auth, _ := newAPIAuth(t, nil)
		rec := apiServe(auth.Handlers, http.MethodDelete, "/api/session", apiReq{})
		apiCheckJSON(t, rec, http.StatusOK)
	})
}

func TestHandlersCrossOrigin(t *testing.T) {
	const host = "app.example.com"
	tests := []struct {
		name   string
		header map[string]string
		allow  bool
	}{
		{name: "same-origin fetch", header: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://" + host}, allow: true},
		{name: "user-initiated", header: map[string]string{"Sec-Fetch-Site": "none"}, allow: true},
		{name: "same-site sibling", header: map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://evil.example.com"}, allow: false},
		{name: "cross-site", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}, allow: false},
		{name: "cross-site from a trusted origin", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://admin.example.net"}, allow: true},
		{name: "old browser, same origin", header: map[string]string{"Origin": "https://" + host}, allow: true},
		{name: "old browser, other origin", header: map[string]string{"Origin": "https://evil.test"}, allow: false},
		{name: "neither header (curl)", header: nil, allow: true},
	}
	for _, tt := range tests {
		for _, m := range []struct{ method, body string }{
			{http.MethodPost, ""},
			{http.MethodPatch, `{"user":{"name":"Bo"}}`},
			{http.MethodDelete, ""},
		} {
			t.Run(tt.name+"/"+m.method, func(t *testing.T) {
				auth, _ := newAPIAuth(t, func(c *authsession.Config[authsession.User]) {
					c.TrustedOrigins = []string{"https://admin.example.net"}
				})
				cookies := apiSignIn(t, auth, apiUser)
				req := httptest.NewRequest(m.method, "https://"+host+"/api/session", strings.NewReader(m.body))
				req.Header.Set("Content-Type", "application/json")
				for k, v := range tt.header {
					req.Header.Set(k, v)
				}
				for _, c := range cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				auth.Handlers.ServeHTTP(rec, req)
				if !tt.allow {
					apiCheckError(t, rec, http.StatusForbidden, "cross_origin")
					return
				}
				if rec.Code != http.StatusOK || len(rec.Result().Cookies()) == 0 {
					t.Errorf("got %d with %d cookies, want 200 with Set-Cookie", rec.Code, len(rec.Result().Cookies()))
				}
			})
		}
	}
	t.Run("GET from another site is served", func(t *testing.T) {
		auth, _ := newAPIAuth(t, nil)
		rec := apiServe(auth.Handlers, http.MethodGet, "/api/session", apiReq{header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}})
		apiCheckJSON(t, rec, http.StatusOK)
	})
}

func TestHandlersMethods(t *testing.T) {
	auth, _ := newAPIAuth(t, nil)
	cookies := apiSignIn(t, auth, apiUser)
	tests := []struct {
		method, path string
		wantAllow    string
	}{
		{http.MethodPut, "/api/session", "GET, HEAD, POST, PATCH, DELETE"},
		{http.MethodOptions, "/api/session", "GET, HEAD, POST, PATCH, DELETE"},
		{http.MethodTrace, "/api/session", "GET, HEAD, POST, PATCH, DELETE"},
		{"FOO", "/api/session/", "GET, HEAD, POST, PATCH, DELETE"},
		{http.MethodPost, "/api/session/client.js", "GET, HEAD"},
		{http.MethodDelete, "/api/session/client.js", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := apiServe(auth.Handlers, tt.method, tt.path, apiReq{cookies: cookies, body: `{"user":{"name":"Bo"}}`, contentType: "application/json"})
			if strings.HasSuffix(tt.path, "client.js") {
				// Static asset: no session headers, but still a 405.
				if rec.Code != http.StatusMethodNotAllowed {
					t.Errorf("got status %d, want 405", rec.Code)
				}
			} else {
				apiCheckError(t, rec, http.StatusMethodNotAllowed, "method_not_allowed")
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow: got %q, want %q", got, tt.wantAllow)
			}
		})
	}
}

func TestHandlersConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		origins []string
		want    string
	}{
		{name: "not an origin", origins: []string{"evil"}, want: "TrustedOrigins[0]"},
		{name: "path", origins: []string{"https://ok.example", "https://x.example/path"}, want: "TrustedOrigins[1]"},
		{name: "no host", origins: []string{"https://"}, want: "TrustedOrigins[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: apiTestSecret, TrustedOrigins: tt.origins})
			if !errors.Is(err, authsession.ErrConfig) {
				t.Fatalf("got %v, want ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want it to name %s", err, tt.want)
			}
		})
	}
	t.Run("valid origins", func(t *testing.T) {
		_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: apiTestSecret, TrustedOrigins: []string{"https://a.example", "http://localhost:3000"}})
		if err != nil {
			t.Errorf("got %v, want nil", err)
		}
	})
	t.Run("updatable fields need an object user type", func(t *testing.T) {
		_, err := authsession.NextAuthSession(authsession.Config[string]{Secret: apiTestSecret, UpdatableFields: []string{"name"}})
		if !errors.Is(err, authsession.ErrConfig) || !strings.Contains(err.Error(), "UpdatableFields") {
			t.Errorf("got %v, want ErrConfig naming UpdatableFields", err)
		}
		if _, err := authsession.NextAuthSession(authsession.Config[string]{Secret: apiTestSecret}); err != nil {
			t.Errorf("without UpdatableFields: got %v, want nil", err)
		}
	})
}

// TestHandlersRoundTrip drives the API like a browser would, through a real
// server and cookie jar: sign in, read, update, refresh, log out.
func TestHandlersRoundTrip(t *testing.T) {
	auth, clock := newAPIAuth(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /test/login", func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.CreateSession(w, r, apiUser, authsession.WithTokens("at-secret", "rt-secret")); err != nil {
			http.Error(w, "sign-in failed", http.StatusInternalServerError)
		}
	})
	mux.Handle("/api/session/", auth.Handlers)
	mux.Handle("/api/session", auth.Handlers)
	srv := httptest.NewServer(auth.Middleware(mux))
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client()
	client.Jar = jar

	call := func(method, path, body string) (int, apiBody) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		// What a browser sends for a same-origin fetch.
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if strings.Contains(string(raw), "secret") {
			t.Errorf("%s %s: body %s leaks a token", method, path, raw)
		}
		if strings.HasPrefix(path, "/api/") {
			apiCheckCacheHeaders(t, res.Header)
		}
		var b apiBody
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Fatalf("%s %s: body %q: %v", method, path, raw, err)
			}
		}
		return res.StatusCode, b
	}
	name := func(b apiBody) any {
		if b.Session == nil {
			return nil
		}
		return b.Session.User["name"]
	}

	if code, b := call(http.MethodGet, "/api/session", ""); code != 200 || b.Session != nil {
		t.Fatalf("GET before sign-in: got %d %v, want 200 null", code, name(b))
	}
	if code, _ := call(http.MethodPost, "/test/login", ""); code != 200 {
		t.Fatalf("sign-in: got %d, want 200", code)
	}
	if code, b := call(http.MethodGet, "/api/session", ""); code != 200 || name(b) != "Ann" {
		t.Fatalf("GET: got %d %v, want 200 Ann", code, name(b))
	}
	if code, b := call(http.MethodPatch, "/api/session", `{"user":{"name":"Bo"}}`); code != 200 || name(b) != "Bo" {
		t.Fatalf("PATCH: got %d %v, want 200 Bo", code, name(b))
	}
	if code, b := call(http.MethodPatch, "/api/session", `{"user":{"id":"u_2"}}`); code != 403 || b.Error == nil {
		t.Fatalf("PATCH id: got %d, want 403", code)
	}
	if code, b := call(http.MethodGet, "/api/session", ""); code != 200 || name(b) != "Bo" || b.Session.User["id"] != "u_1" {
		t.Fatalf("GET after PATCH: got %d %v, want 200 Bo u_1", code, b.Session)
	}
	clock.Add(time.Hour)
	code, b := call(http.MethodPost, "/api/session", "")
	if want := clock.Now().Add(7 * 24 * time.Hour).UnixMilli(); code != 200 || b.Session == nil || b.Session.ExpiresAt != want {
		t.Fatalf("POST: got %d %+v, want 200 with expiresAt %d", code, b.Session, want)
	}
	if code, b := call(http.MethodDelete, "/api/session", ""); code != 200 || b.Session != nil {
		t.Fatalf("DELETE: got %d %v, want 200 null", code, name(b))
	}
	if code, b := call(http.MethodGet, "/api/session", ""); code != 200 || b.Session != nil {
		t.Fatalf("GET after DELETE: got %d %v, want 200 null", code, name(b))
	}
	if code, _ := call(http.MethodPost, "/api/session", ""); code != 401 {
		t.Fatalf("POST after DELETE: got %d, want 401", code)
	}
}

func TestHandlersBodyLimitWithoutContentLength(t *testing.T) {
	auth, _ := newAPIAuth(t, nil)
	cookies := apiSignIn(t, auth, apiUser)
	body := `{"user":{"name":"` + strings.Repeat("a", 2*authsession.MaxAPIBodyBytes) + `"}}`
	req := httptest.NewRequest(http.MethodPatch, "/api/session", io.MultiReader(strings.NewReader(body)))
	req.ContentLength = -1 // as with a chunked request body
	req.Header.Set("Content-Type", "application/json")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	auth.Handlers.ServeHTTP(rec, req)
	apiCheckError(t, rec, http.StatusRequestEntityTooLarge, "body_too_large")
}

func TestHandlersRefreshRefusedByHook(t *testing.T) {
	auth, _ := newAPIAuth(t, func(c *authsession.Config[authsession.User]) {
		c.OnRefresh = func(ctx context.Context, s authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
			return s, errors.New("upstream said: token t0k3n-internal revoked")
		}
	})
	cookies := apiSignIn(t, auth, apiUser)
	rec := apiServe(auth.Handlers, http.MethodPost, "/api/session", apiReq{cookies: cookies})
	b := apiCheckJSON(t, rec, http.StatusUnauthorized)
	if b.Error == nil || b.Error.Code != "no_session" {
		t.Errorf("error: got %+v, want code no_session", b.Error)
	}
	if strings.Contains(rec.Body.String(), "t0k3n") || strings.Contains(rec.Body.String(), "upstream") {
		t.Errorf("body %s leaks the hook's error text", rec.Body.String())
	}
	got := rec.Result().Cookies()
	if len(got) == 0 || got[0].MaxAge >= 0 {
		t.Errorf("cookies: got %v, want the ended session's cookie cleared", got)
	}
}

// TestHandlersConcurrent exercises one handler from many goroutines; run
// with -race.
func TestHandlersConcurrent(t *testing.T) {
	auth, clock := newAPIAuth(t, nil)
	cookies := apiSignIn(t, auth, apiUser)
	clock.Add(25 * time.Hour) // every GET is due for a refresh
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rec *httptest.ResponseRecorder
			switch i % 3 {
			case 0:
				rec = apiServe(auth.Handlers, http.MethodGet, "/api/session", apiReq{cookies: cookies})
			case 1:
				rec = apiServe(auth.Handlers, http.MethodPatch, "/api/session", apiReq{cookies: cookies, body: `{"user":{"theme":"dark"}}`, contentType: "application/json"})
			default:
				rec = apiServe(auth.Handlers, http.MethodPost, "/api/session", apiReq{cookies: cookies})
			}
			if rec.Code != http.StatusOK {
				t.Errorf("request %d: got %d, want 200", i, rec.Code)
			}
		}()
	}
	wg.Wait()
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
