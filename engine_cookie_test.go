package authsession_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name   string
		cookie authsession.CookieConfig
		check  func(*http.Cookie) error
	}{
		{"domain and path", authsession.CookieConfig{Domain: "example.com", Path: "/app"}, func(c *http.Cookie) error {
			if c.Domain != "example.com" || c.Path != "/app" {
				return fmt.Errorf("got domain %q path %q", c.Domain, c.Path)
			}
			return nil
		}},
		{"strict", authsession.CookieConfig{SameSite: http.SameSiteStrictMode}, func(c *http.Cookie) error {
			if c.SameSite != http.SameSiteStrictMode {
				return fmt.Errorf("got SameSite %v", c.SameSite)
			}
			return nil
		}},
		{"none", authsession.CookieConfig{SameSite: http.SameSiteNoneMode}, func(c *http.Cookie) error {
			if c.SameSite != http.SameSiteNoneMode || !c.Secure {
				return fmt.Errorf("got SameSite %v Secure %v", c.SameSite, c.Secure)
			}
			return nil
		}},
		{"insecure for http development", authsession.CookieConfig{Insecure: true}, func(c *http.Cookie) error {
			if c.Secure || !c.HttpOnly {
				return fmt.Errorf("got Secure %v HttpOnly %v", c.Secure, c.HttpOnly)
			}
			return nil
		}},
		{"__Host- prefix", authsession.CookieConfig{Name: "__Host-session"}, func(c *http.Cookie) error {
			if c.Name != "__Host-session" || !c.Secure || c.Path != "/" || c.Domain != "" {
				return fmt.Errorf("got %+v", c)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, newClock(), func(c *authsession.Config[authsession.User]) { c.Cookie = tt.cookie })
			_, cookies := signIn(t, a, testUser)
			if len(cookies) != 1 {
				t.Fatalf("got %d cookies, want 1", len(cookies))
			}
			if !cookies[0].HttpOnly {
				t.Error("cookie is not HttpOnly")
			}
			if err := tt.check(cookies[0]); err != nil {
				t.Error(err)
			}
			if _, ok := a.GetSession(requestWith(cookies)); !ok {
				t.Error("session does not read back")
			}
			// Deleting sends an expired cookie with the same attributes.
			w := httptest.NewRecorder()
			if err := a.DeleteSession(w, requestWith(cookies)); err != nil {
				t.Fatal(err)
			}
			del := cookieNamed(w.Result().Cookies(), cookies[0].Name)
			if del == nil || del.MaxAge >= 0 || del.Value != "" || !del.Expires.Before(time.Unix(1, 0)) {
				t.Fatalf("delete: got %+v, want an expired empty cookie", del)
			}
			if del.Path != cookies[0].Path || del.Domain != cookies[0].Domain || del.Secure != cookies[0].Secure ||
				del.SameSite != cookies[0].SameSite || !del.HttpOnly {
				t.Errorf("delete attributes: got %+v, want those of %+v", del, cookies[0])
			}
		})
	}
}

func TestChunkedCookies(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	big := testUser
	big.Extra = map[string]any{"bio": strings.Repeat("x", 9000)}
	s, cookies := signIn(t, a, big)

	if len(cookies) < 3 {
		t.Fatalf("got %d cookies, want the token split in 3 or more", len(cookies))
	}
	for i, c := range cookies {
		if want := fmt.Sprintf("session.%d", i); c.Name != want {
			t.Errorf("cookie %d: got name %q, want %q", i, c.Name, want)
		}
		if n := len(c.Name) + 1 + len(c.Value); n > 4096 {
			t.Errorf("cookie %s: name=value is %d bytes, over 4096", c.Name, n)
		}
		if !c.HttpOnly || c.MaxAge <= 0 {
			t.Errorf("cookie %s: got %+v", c.Name, c)
		}
	}
	got, ok := a.GetSession(requestWith(cookies))
	if !ok || got.ID != s.ID || got.User.ExtraString("bio") != big.Extra["bio"] {
		t.Fatalf("chunked session did not read back whole")
	}

	// A missing chunk is no session.
	if _, ok := a.GetSession(requestWith(cookies[1:])); ok {
		t.Error("a chunk set missing chunk 0 was accepted")
	}
	if _, ok := a.GetSession(requestWith(append(cookies[:1:1], cookies[2:]...))); ok {
		t.Error("a chunk set missing chunk 1 was accepted")
	}

	// Shrinking the session writes one cookie and clears every old chunk.
	w := httptest.NewRecorder()
	if _, err := a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
		s.User.Extra = nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out := w.Result().Cookies()
	if c := cookieNamed(out, "session"); c == nil || c.MaxAge <= 0 {
		t.Errorf("got %v, want a live single cookie", c)
	}
	for i := range cookies {
		c := cookieNamed(out, fmt.Sprintf("session.%d", i))
		if c == nil || c.MaxAge >= 0 {
			t.Errorf("chunk %d: got %+v, want it expired", i, c)
		}
	}

	// And deleting clears every chunk that the browser still has.
	w = httptest.NewRecorder()
	a.DeleteSession(w, requestWith(cookies))
	for i := range cookies {
		if c := cookieNamed(w.Result().Cookies(), fmt.Sprintf("session.%d", i)); c == nil || c.MaxAge >= 0 {
			t.Errorf("delete: chunk %d not expired: %+v", i, c)
		}
	}
}

func TestGrowingSessionClearsSingleCookie(t *testing.T) {
	a := newAuth(t, newClock(), nil)
	_, cookies := signIn(t, a, testUser)
	w := httptest.NewRecorder()
	if _, err := a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
		s.User.Extra = map[string]any{"bio": strings.Repeat("y", 6000)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out := w.Result().Cookies()
	if c := cookieNamed(out, "session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("single cookie: got %+v, want it expired", c)
	}
	if got, ok := a.GetSession(requestWith(out)); !ok || got.User.ExtraString("bio") == "" {
		t.Error("grown session did not read back")
	}
}

// A response that carries a session cookie is marked private unless the
// handler chose its own caching: auto refresh on a page, sign-in, logout.
func TestSessionCookieResponsesArePrivate(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	_, cookies := signIn(t, a, testUser)

	w := httptest.NewRecorder()
	a.CreateSession(w, httptest.NewRequest("POST", "/login", nil), testUser)
	if got := w.Header().Get("Cache-Control"); got != "private" {
		t.Errorf("sign-in: got Cache-Control %q, want private", got)
	}

	clk.Add(25 * time.Hour) // past the refresh threshold: the guard re-issues
	page := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	w = httptest.NewRecorder()
	page.ServeHTTP(w, requestWith(cookies))
	if len(w.Result().Cookies()) == 0 || w.Header().Get("Cache-Control") != "private" {
		t.Errorf("auto refresh: got %d cookies, Cache-Control %q; want a re-issued cookie, private", len(w.Result().Cookies()), w.Header().Get("Cache-Control"))
	}

	w = httptest.NewRecorder()
	w.Header().Set("Cache-Control", "no-store")
	a.DeleteSession(w, requestWith(cookies))
	if got := w.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("logout with the handler's own Cache-Control: got %q, want no-store kept", got)
	}
}

// checkLifetimeAttrs fails unless every session cookie the response sets
// (not those it clears) carries Max-Age and Expires exactly when
// persistent is true.
func checkLifetimeAttrs(t *testing.T, what string, h http.Header, persistent bool) {
	t.Helper()
	n := 0
	for _, line := range h.Values("Set-Cookie") {
		if !strings.HasPrefix(line, "session") || strings.Contains(line, "Max-Age=0") {
			continue
		}
		n++
		hasMaxAge, hasExpires := strings.Contains(line, "Max-Age="), strings.Contains(line, "Expires=")
		if hasMaxAge != persistent || hasExpires != persistent {
			t.Errorf("%s: Set-Cookie %.60q…: Max-Age %v, Expires %v, want both %v", what, line, hasMaxAge, hasExpires, persistent)
		}
	}
	if n == 0 {
		t.Errorf("%s: no session cookie set", what)
	}
}

func TestRememberMe(t *testing.T) {
	tests := []struct {
		name       string
		opts       []authsession.SessionOption
		persistent bool
	}{
		{"default", nil, true},
		{"remember", []authsession.SessionOption{authsession.WithRememberMe(true)}, true},
		{"don't remember", []authsession.SessionOption{authsession.WithRememberMe(false)}, false},
		{"last option wins", []authsession.SessionOption{authsession.WithRememberMe(false), authsession.WithRememberMe(true)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
				c.Cookie.Insecure = true
				c.Expiry = time.Hour
				c.RefreshThreshold = 10 * time.Minute
			})
			w := httptest.NewRecorder()
			s, err := a.CreateSession(w, httptest.NewRequest("POST", "/login", nil), testUser, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if s.Transient == tt.persistent {
				t.Errorf("Transient: got %v, want %v", s.Transient, !tt.persistent)
			}
			checkLifetimeAttrs(t, "sign-in", w.Header(), tt.persistent)
			cookies := w.Result().Cookies()

			// The choice survives every kind of refresh and an update.
			clk.Add(15 * time.Minute)
			w = httptest.NewRecorder()
			if _, err := a.RefreshSession(w, requestWith(cookies)); err != nil {
				t.Fatal(err)
			}
			checkLifetimeAttrs(t, "RefreshSession", w.Header(), tt.persistent)
			w = httptest.NewRecorder()
			if res := a.Actions.Refresh(w, requestWith(cookies)); !res.Success {
				t.Fatal(res.Err)
			}
			checkLifetimeAttrs(t, "Actions.Refresh", w.Header(), tt.persistent)
			w = httptest.NewRecorder()
			post := requestWith(cookies)
			post.Method, post.URL.Path = http.MethodPost, "/api/session"
			a.Handlers.ServeHTTP(w, post)
			checkLifetimeAttrs(t, "POST /api/session", w.Header(), tt.persistent)
			w = httptest.NewRecorder()
			a.Middleware(http.NotFoundHandler()).ServeHTTP(w, requestWith(cookies)) // auto refresh
			checkLifetimeAttrs(t, "auto refresh", w.Header(), tt.persistent)
			refreshed, ok := sessionOf(t, a, w.Result().Cookies())
			if !ok || refreshed.Transient == tt.persistent {
				t.Errorf("auto-refreshed session: got %v, Transient %v", ok, refreshed.Transient)
			}
			w = httptest.NewRecorder()
			if res := a.Actions.Update(w, requestWith(cookies), map[string]any{"name": "Bo"}); !res.Success {
				t.Fatal(res.Err)
			}
			checkLifetimeAttrs(t, "Actions.Update", w.Header(), tt.persistent)

			// The token still expires on the server, cookie or not.
			clk.Add(time.Hour)
			if _, ok := a.GetSession(requestWith(cookies)); ok {
				t.Error("after Expiry: got a session, want none")
			}
		})
	}
}

func TestRememberMeChunksAndLogout(t *testing.T) {
	a, _ := dataAuth(t, nil)
	big := testUser
	big.Extra = map[string]any{"bio": strings.Repeat("b", 6000)}
	w := httptest.NewRecorder()
	if _, err := a.CreateSession(w, httptest.NewRequest("POST", "/login", nil), big, authsession.WithRememberMe(false)); err != nil {
		t.Fatal(err)
	}
	if n := len(w.Header().Values("Set-Cookie")); n < 2 {
		t.Fatalf("got %d cookies, want chunks", n)
	}
	checkLifetimeAttrs(t, "chunked sign-in", w.Header(), false)
	// Logging out still expires every chunk.
	cookies := w.Result().Cookies()
	w = httptest.NewRecorder()
	if err := a.DeleteSession(w, requestWith(cookies)); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		if c.MaxAge >= 0 {
			t.Errorf("logout: cookie %s has Max-Age %d, want it cleared", c.Name, c.MaxAge)
		}
	}
}

// TestRememberMeWire: the choice travels in the token as "transient":
// true; a token without it (every token issued before) is persistent.
func TestRememberMeWire(t *testing.T) {
	a, _ := dataAuth(t, nil)
	_, cookies := signIn(t, a, testUser, authsession.WithRememberMe(false))
	s, ok := sessionOf(t, a, cookies)
	if !ok || !s.Transient {
		t.Fatalf("got %v Transient %v, want a transient session", ok, s.Transient)
	}
	b, _ := s.Redacted(false).MarshalJSON()
	if !strings.Contains(string(b), `"transient":true`) {
		t.Errorf("JSON: got %s, want \"transient\":true", b)
	}
	s.Transient = false
	if b, _ := s.MarshalJSON(); strings.Contains(string(b), "transient") {
		t.Errorf("JSON of a persistent session: got %s, want no transient member", b)
	}

	// OnRefresh cannot turn the choice around.
	b2 := newAuth(t, newClock(), func(c *authsession.Config[authsession.User]) {
		c.OnRefresh = func(_ context.Context, s authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
			s.Transient = false
			return s, nil
		}
	})
	_, cookies = signIn(t, b2, testUser, authsession.WithRememberMe(false))
	w := httptest.NewRecorder()
	if _, err := b2.RefreshSession(w, requestWith(cookies)); err != nil {
		t.Fatal(err)
	}
	checkLifetimeAttrs(t, "refresh after OnRefresh", w.Header(), false)
	if _, err := b2.RefreshSession(httptest.NewRecorder(), requestWith(nil)); !errors.Is(err, authsession.ErrNoSession) {
		t.Errorf("without a session: got %v, want ErrNoSession", err)
	}
}
