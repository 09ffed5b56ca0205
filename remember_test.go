package authsession_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

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
	b, _ := s.Public(false).MarshalJSON()
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
