package authsession_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
