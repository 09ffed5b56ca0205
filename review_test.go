package authsession_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/go-jose/go-jose/v4"
)

// jar applies Set-Cookie headers in order, as a browser does.
type jar map[string]string

func (j jar) apply(t *testing.T, h http.Header) {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("ParseSetCookie(%q): %v", line, err)
		}
		if c.MaxAge < 0 || c.Value == "" {
			delete(j, c.Name)
			continue
		}
		j[c.Name] = c.Value
	}
}

func (j jar) request(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for n, v := range j {
		r.AddCookie(&http.Cookie{Name: n, Value: v})
	}
	return r
}

// TestReviewSecondWriteInOneResponse: the guard's auto refresh and a later
// write or logout in the same response must leave the browser with the
// last write's cookie, whatever the chunking of each.
func TestReviewSecondWriteInOneResponse(t *testing.T) {
	big := strings.Repeat("x", 6000)
	tests := []struct {
		name      string
		initial   string                                               // access token at sign-in
		onRefresh func(s authsession.Session[authsession.User]) string // access token after refresh
		handler   func(a *authsession.AuthSession[authsession.User]) http.HandlerFunc
		wantOK    bool
		wantToken string
	}{
		{
			name:      "refresh grows to chunks, then logout",
			initial:   "",
			onRefresh: func(authsession.Session[authsession.User]) string { return big },
			handler: func(a *authsession.AuthSession[authsession.User]) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					if err := a.DeleteSession(w, r); err != nil {
						t.Errorf("DeleteSession: %v", err)
					}
				}
			},
			wantOK: false,
		},
		{
			name:      "refresh shrinks to one cookie, then update grows to chunks",
			initial:   big,
			onRefresh: func(authsession.Session[authsession.User]) string { return "" },
			handler: func(a *authsession.AuthSession[authsession.User]) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, err := a.UpdateSession(w, r, func(s *authsession.Session[authsession.User]) error {
						s.AccessToken = "updated" + big
						return nil
					})
					if err != nil {
						t.Errorf("UpdateSession: %v", err)
					}
				}
			},
			wantOK:    true,
			wantToken: "updated" + big,
		},
		{
			name:      "refresh grows to chunks, then update shrinks to one cookie",
			initial:   "",
			onRefresh: func(authsession.Session[authsession.User]) string { return big },
			handler: func(a *authsession.AuthSession[authsession.User]) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					_, err := a.UpdateSession(w, r, func(s *authsession.Session[authsession.User]) error {
						s.AccessToken = "small"
						return nil
					})
					if err != nil {
						t.Errorf("UpdateSession: %v", err)
					}
				}
			},
			wantOK:    true,
			wantToken: "small",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
				c.Cookie.Insecure = true
				c.OnRefresh = func(_ context.Context, s authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
					s.AccessToken = tt.onRefresh(s)
					return s, nil
				}
			})
			_, cs := signIn(t, a, authsession.User{ID: "u_1"}, authsession.WithTokens(tt.initial, ""))
			j := jar{}
			for _, c := range cs {
				if c.MaxAge >= 0 && c.Value != "" {
					j[c.Name] = c.Value
				}
			}
			clk.Add(authsession.DefaultRefreshThreshold + time.Minute)
			w := httptest.NewRecorder()
			a.Middleware(tt.handler(a)).ServeHTTP(w, j.request("GET", "/"))
			j.apply(t, w.Header())
			// Read without the guard's auto refresh side effects.
			s, ok := a.GetSession(j.request("GET", "/"))
			if ok != tt.wantOK {
				t.Fatalf("session after the response: got ok=%v, want %v (cookies %v)", ok, tt.wantOK, keys(j))
			}
			if ok && s.AccessToken != tt.wantToken {
				t.Errorf("access token: got %d bytes, want %d bytes", len(s.AccessToken), len(tt.wantToken))
			}
		})
	}
}

func keys(j jar) []string {
	var out []string
	for k := range j {
		out = append(out, k)
	}
	return out
}

// TestReviewOnRefreshGetsPrivateCopy: OnRefresh may return a changed
// session; changing the user's maps in place must not reach sessions held
// by other requests (or the cache).
func TestReviewOnRefreshGetsPrivateCopy(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.OnRefresh = func(_ context.Context, s authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
			s.User.Extra["role"] = "refreshed"
			return s, nil
		}
	})
	_, cs := signIn(t, a, authsession.User{ID: "u_1", Extra: map[string]any{"role": "user"}})

	var earlier authsession.Session[authsession.User]
	a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		earlier, _ = a.GetSession(r)
	})).ServeHTTP(httptest.NewRecorder(), requestWith(cs))

	clk.Add(authsession.DefaultRefreshThreshold + time.Minute)
	w := httptest.NewRecorder()
	a.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, requestWith(cs))
	if got := earlier.User.ExtraString("role"); got != "user" {
		t.Errorf("another request's session changed: role got %q, want %q", got, "user")
	}

	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				a.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(httptest.NewRecorder(), requestWith(cs))
			})
		}
		wg.Wait()
	})
}

// TestReviewCacheIsPrivate: the verified-token cache must hold what the
// token says, not memory the caller still owns.
func TestReviewCacheIsPrivate(t *testing.T) {
	t.Run("create", func(t *testing.T) {
		a := newAuth(t, newClock(), nil)
		u := authsession.User{ID: "u_1", Extra: map[string]any{"role": "user"}}
		_, cs := signIn(t, a, u)
		u.Extra["role"] = "admin" // the caller reuses its map
		s, ok := a.GetSession(requestWith(cs))
		if !ok {
			t.Fatal("no session")
		}
		if got := s.User.ExtraString("role"); got != "user" {
			t.Errorf("role: got %q, want %q", got, "user")
		}
	})
	t.Run("returned session", func(t *testing.T) {
		a := newAuth(t, newClock(), nil)
		s0, cs := signIn(t, a, authsession.User{ID: "u_1", Extra: map[string]any{"role": "user"}})
		s0.User.Extra["role"] = "admin"
		s, ok := a.GetSession(requestWith(cs))
		if !ok {
			t.Fatal("no session")
		}
		if got := s.User.ExtraString("role"); got != "user" {
			t.Errorf("role: got %q, want %q", got, "user")
		}
	})
}

// TestReviewMaxCookieBytesFitsChunks: a limit that the chunked cookie
// cannot carry (more than cookies.MaxChunks chunks) is a configuration
// error, not sessions that are written and never read back.
func TestReviewMaxCookieBytesFitsChunks(t *testing.T) {
	_, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, MaxCookieBytes: 1 << 20})
	if !errors.Is(err, authsession.ErrConfig) {
		t.Fatalf("MaxCookieBytes 1 MiB: got %v, want ErrConfig", err)
	}
	if _, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, MaxCookieBytes: 64 << 10}); err != nil {
		t.Fatalf("MaxCookieBytes 64 KiB: got %v, want nil", err)
	}
}

// TestReviewTimeClaimOverflow: iat and exp whose millisecond forms
// overflow int64 must not turn into a session: a wrapped createdAt in the
// far future would never reach MaxLifetime, a wrapped expiresAt makes
// DecryptSession return an expired session without error.
func TestReviewTimeClaimOverflow(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	key, err := authsession.DeriveKey(testSecret, "session")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: key, KeyID: authsession.KeyID(key)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now().Unix()
	tests := []struct {
		name    string
		payload string
	}{
		{"huge exp", fmt.Sprintf(`{"user":{"id":"u"},"iat":%d,"exp":9000000000000000000,"jti":"x"}`, now)},
		{"exp wrapping to a small value", fmt.Sprintf(`{"user":{"id":"u"},"iat":%d,"exp":18446744073709552,"jti":"x"}`, now)},
		{"huge negative iat", fmt.Sprintf(`{"user":{"id":"u"},"iat":-9000000000000000000,"exp":%d,"jti":"x"}`, now+100)},
		{"negative exp", fmt.Sprintf(`{"user":{"id":"u"},"iat":%d,"exp":-9000000000000000000,"jti":"x"}`, now)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := enc.Encrypt([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := obj.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			if s, err := a.DecryptSession(tok); err == nil {
				t.Errorf("DecryptSession: got session (expires %v, created %v), want an error", s.ExpiresAt.UTC(), s.CreatedAt.UTC())
			}
			if _, ok := a.GetSession(requestWith([]*http.Cookie{{Name: "session", Value: tok}})); ok {
				t.Errorf("GetSession: got a session, want none")
			}
		})
	}
}

// A token whose createdAt lies after its iat cannot escape MaxLifetime:
// createdAt is clamped to iat.
func TestCreatedAtClampedToIssuedAt(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	key, _ := authsession.DeriveKey(testSecret, "session")
	now := clk.Now()
	tok := encryptRaw(t, key, jose.A256GCM, nil, map[string]any{
		"user": map[string]any{"id": "u_1"}, "jti": "abcdefghijklmnopqrstuv",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"createdAt": now.Add(365 * 24 * time.Hour).UnixMilli(),
	})
	s, err := a.DecryptSession(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !s.CreatedAt.Equal(now) {
		t.Errorf("CreatedAt: got %v, want %v (the iat)", s.CreatedAt, now)
	}
}

// EncryptSession fills zero times, so a session built by hand is usable.
func TestEncryptSessionFillsZeroTimes(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	tok, err := a.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.DecryptSession(tok)
	if err != nil {
		t.Fatalf("DecryptSession: %v", err)
	}
	if !s.CreatedAt.Equal(clk.Now()) || !s.LastActivity.Equal(clk.Now()) || !s.ExpiresAt.Equal(clk.Now().Add(a.Config.Expiry)) {
		t.Errorf("got created %v last %v expires %v", s.CreatedAt, s.LastActivity, s.ExpiresAt)
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
