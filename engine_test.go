package authsession_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
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

// TestSecondWriteInOneResponse: the guard's auto refresh and a later
// write or logout in the same response must leave the browser with the
// last write's cookie, whatever the chunking of each.
func TestSecondWriteInOneResponse(t *testing.T) {
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

// TestOnRefreshGetsPrivateCopy: OnRefresh may return a changed
// session; changing the user's maps in place must not reach sessions held
// by other requests (or the cache).
func TestOnRefreshGetsPrivateCopy(t *testing.T) {
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

type outerKey struct{}

// TestMiddlewareContext checks that the session the guard stores in the
// request context reaches GetSession and IsAuthenticated, and that values
// set by outer middleware stay visible.
func TestMiddlewareContext(t *testing.T) {
	auth := newBenchAuth(t, 0)
	tok := benchToken(t, auth)
	tests := []struct {
		name   string
		path   string
		token  string
		wantOK bool
	}{
		{"valid cookie", "/dashboard", tok, true},
		{"no cookie", "/about", "", false},
		{"garbage cookie", "/about", "not-a-token", false},
		{"public path", "/login", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotOK, gotAuth bool
			var gotID string
			var gotOuter any
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, ok := auth.GetSession(r)
				gotOK, gotID = ok, s.User.ID
				gotAuth = auth.IsAuthenticated(r)
				gotOuter = r.Context().Value(outerKey{})
			})
			r := requestWithCookie(tt.path, authsession.DefaultCookieName, tt.token)
			r = r.WithContext(context.WithValue(r.Context(), outerKey{}, "outer"))
			auth.Middleware(next).ServeHTTP(httptest.NewRecorder(), r)
			if gotOK != tt.wantOK || gotAuth != tt.wantOK {
				t.Errorf("got GetSession ok %v, IsAuthenticated %v, want %v", gotOK, gotAuth, tt.wantOK)
			}
			if wantID := benchdata.Session(time.Now()).User.ID; tt.wantOK && gotID != wantID {
				t.Errorf("got user id %q, want %q", gotID, wantID)
			}
			if gotOuter != "outer" {
				t.Errorf("got outer context value %v, want %q", gotOuter, "outer")
			}
		})
	}
}

// TestGetSessionCachedHonoursHooks checks that a cached token still goes
// through the lifetime checks and OnValidate on every read.
func TestGetSessionCachedHonoursHooks(t *testing.T) {
	start := time.Now()
	now := start
	valid := true
	auth := buildAuth(t, authsession.Config[authsession.User]{
		Secret:     benchdata.Secret,
		Now:        func() time.Time { return now },
		OnValidate: func(context.Context, authsession.Session[authsession.User]) bool { return valid },
	})
	s := benchdata.Session(start)
	s.ExpiresAt = s.CreatedAt.Add(time.Hour)
	tok, err := auth.EncryptSession(s)
	if err != nil {
		t.Fatal(err)
	}
	r := requestWithCookie("/", authsession.DefaultCookieName, tok)
	steps := []struct {
		name   string
		setup  func()
		wantOK bool
	}{
		{"first read decrypts", func() {}, true},
		{"second read is cached", func() {}, true},
		{"OnValidate refuses", func() { valid = false }, false},
		{"OnValidate accepts again", func() { valid = true }, true},
		{"past expiry plus leeway", func() { now = start.Add(time.Hour + authsession.DefaultLeeway) }, false},
	}
	for _, st := range steps {
		st.setup()
		if _, ok := auth.GetSession(r); ok != st.wantOK {
			t.Errorf("%s: got ok %v, want %v", st.name, ok, st.wantOK)
		}
	}
}

func TestCreateAndGetSession(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser, authsession.WithTokens("at-123", "rt-456"))

	if len(cookies) != 1 {
		t.Fatalf("got %d cookies, want 1", len(cookies))
	}
	c := cookies[0]
	if c.Name != "session" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie attributes: got %+v", c)
	}
	if c.MaxAge != int((7 * 24 * time.Hour).Seconds()) {
		t.Errorf("Max-Age: got %d, want %d", c.MaxAge, int((7 * 24 * time.Hour).Seconds()))
	}
	if !c.Expires.Equal(s.ExpiresAt.Truncate(time.Second)) {
		t.Errorf("Expires: got %v, want %v", c.Expires, s.ExpiresAt)
	}
	if len(s.ID) < 22 {
		t.Errorf("session id %q shorter than 128 bits", s.ID)
	}

	got, ok := a.GetSession(requestWith(cookies))
	if !ok {
		t.Fatal("GetSession: no session")
	}
	if got.ID != s.ID || got.User.ID != "u_1" || got.User.Name != "Ann" || got.User.ExtraString("role") != "admin" {
		t.Errorf("got %+v, want user u_1 Ann admin with id %s", got, s.ID)
	}
	if got.AccessToken != "at-123" || got.RefreshToken != "rt-456" {
		t.Errorf("tokens: got %q %q", got.AccessToken, got.RefreshToken)
	}
	if !got.ExpiresAt.Equal(clk.Now().Add(7*24*time.Hour)) || !got.CreatedAt.Equal(clk.Now()) || !got.LastActivity.Equal(clk.Now()) {
		t.Errorf("times: got expires %v created %v last %v", got.ExpiresAt, got.CreatedAt, got.LastActivity)
	}
	if !a.IsAuthenticated(requestWith(cookies)) {
		t.Error("IsAuthenticated: got false, want true")
	}
	if a.IsAuthenticated(httptest.NewRequest("GET", "/", nil)) {
		t.Error("IsAuthenticated without cookie: got true, want false")
	}
}

func TestCreateSessionWithoutTokens(t *testing.T) {
	a := newAuth(t, newClock(), nil)
	_, cookies := signIn(t, a, authsession.User{ID: "u_2"})
	got, ok := a.GetSession(requestWith(cookies))
	if !ok || got.AccessToken != "" || got.RefreshToken != "" {
		t.Errorf("got %+v %v, want a session without tokens", got, ok)
	}
}

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

func TestSessionTooLarge(t *testing.T) {
	a := newAuth(t, newClock(), func(c *authsession.Config[authsession.User]) { c.MaxCookieBytes = 4096 })
	big := testUser
	big.Extra = map[string]any{"bio": strings.Repeat("z", 5000)}

	w := httptest.NewRecorder()
	_, err := a.CreateSession(w, httptest.NewRequest("POST", "/", nil), big)
	if !errors.Is(err, authsession.ErrSessionTooLarge) {
		t.Fatalf("create: got %v, want ErrSessionTooLarge", err)
	}
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("create wrote %d cookies, want none", len(got))
	}

	_, cookies := signIn(t, a, testUser)
	w = httptest.NewRecorder()
	_, err = a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
		s.User.Extra = big.Extra
		return nil
	})
	if !errors.Is(err, authsession.ErrSessionTooLarge) {
		t.Fatalf("update: got %v, want ErrSessionTooLarge", err)
	}
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("update wrote %d cookies, want none", len(got))
	}
	if s, ok := a.GetSession(requestWith(cookies)); !ok || s.User.ExtraString("bio") != "" {
		t.Error("the failed update changed the session")
	}
}

func TestUpdateSession(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	orig, cookies := signIn(t, a, testUser, authsession.WithTokens("at-1", "rt-1"))
	clk.Add(time.Minute)

	cur, _ := a.GetSession(requestWith(cookies))
	w := httptest.NewRecorder()
	next, err := a.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
		s.User.Name = "Ann Updated"
		s.User.Extra["role"] = "user" // must not touch the cached copy
		s.AccessToken = "at-2"
		s.ID = "forged"                   // ignored
		s.ExpiresAt = time.Unix(1<<40, 0) // ignored
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next.ID != orig.ID || !next.ExpiresAt.Equal(orig.ExpiresAt) || !next.CreatedAt.Equal(orig.CreatedAt) {
		t.Errorf("update changed id or times: got %+v", next)
	}
	if cur.User.ExtraString("role") != "admin" {
		t.Error("update mutated a session returned earlier")
	}
	got, ok := a.GetSession(requestWith(w.Result().Cookies()))
	if !ok || got.User.Name != "Ann Updated" || got.User.ExtraString("role") != "user" || got.AccessToken != "at-2" || got.RefreshToken != "rt-1" {
		t.Errorf("got %+v %v", got, ok)
	}
	if again, _ := a.GetSession(requestWith(cookies)); again.User.ExtraString("role") != "admin" {
		t.Error("update mutated the cached session of the old cookie")
	}

	// An error from the update function writes nothing.
	w = httptest.NewRecorder()
	boom := errors.New("boom")
	if _, err := a.UpdateSession(w, requestWith(cookies), func(*authsession.Session[authsession.User]) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("got %v, want boom", err)
	}
	if len(w.Header().Values("Set-Cookie")) != 0 {
		t.Error("a failed update wrote a cookie")
	}

	// Without a session: ErrNoSession.
	if _, err := a.UpdateSession(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), func(*authsession.Session[authsession.User]) error { return nil }); !errors.Is(err, authsession.ErrNoSession) {
		t.Errorf("got %v, want ErrNoSession", err)
	}
}

func TestExpiryAndRefresh(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser)

	if a.ShouldRefreshSession(s) || a.IsSessionExpired(s) {
		t.Fatal("a new session should neither need refresh nor be expired")
	}
	clk.Add(25 * time.Hour)
	if !a.ShouldRefreshSession(s) {
		t.Error("ShouldRefreshSession after the threshold: got false, want true")
	}
	w := httptest.NewRecorder()
	r, err := a.RefreshSession(w, requestWith(cookies))
	if err != nil {
		t.Fatal(err)
	}
	if want := clk.Now().Add(7 * 24 * time.Hour); !r.ExpiresAt.Equal(want) || !r.LastActivity.Equal(clk.Now()) || r.ID != s.ID {
		t.Errorf("refreshed: got expires %v last %v id %v, want expires %v", r.ExpiresAt, r.LastActivity, r.ID, want)
	}
	cookies = w.Result().Cookies()
	if a.ShouldRefreshSession(r) {
		t.Error("a just-refreshed session should not need refresh")
	}

	// Past the expiry (plus leeway) the cookie is no session.
	clk.Add(7*24*time.Hour + 6*time.Second)
	if _, ok := a.GetSession(requestWith(cookies)); ok {
		t.Error("an expired session was accepted")
	}
	if !a.IsSessionExpired(r) {
		t.Error("IsSessionExpired: got false, want true")
	}
	if _, err := a.DecryptSession(cookies[0].Value); !errors.Is(err, authsession.ErrTokenExpired) {
		t.Errorf("DecryptSession: got %v, want ErrTokenExpired", err)
	}
	if _, err := a.RefreshSession(httptest.NewRecorder(), requestWith(cookies)); !errors.Is(err, authsession.ErrNoSession) {
		t.Errorf("refresh of an expired session: got %v, want ErrNoSession", err)
	}
}

func TestMaxLifetime(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser)

	// Refresh every 6 days: the session slides, but never past 30 days.
	for i := 0; i < 10; i++ {
		clk.Add(6 * 24 * time.Hour)
		w := httptest.NewRecorder()
		r, err := a.RefreshSession(w, requestWith(cookies))
		if err != nil {
			if !errors.Is(err, authsession.ErrMaxLifetime) && !errors.Is(err, authsession.ErrNoSession) {
				t.Fatalf("refresh %d: got %v", i, err)
			}
			break
		}
		if end := s.CreatedAt.Add(30 * 24 * time.Hour); r.ExpiresAt.After(end) {
			t.Fatalf("refresh %d: expiry %v is past the maximum lifetime %v", i, r.ExpiresAt, end)
		}
		cookies = w.Result().Cookies()
	}
	if clk.Now().Sub(s.CreatedAt) < 30*24*time.Hour {
		t.Fatalf("loop ended early at %v", clk.Now().Sub(s.CreatedAt))
	}
	if _, ok := a.GetSession(requestWith(cookies)); ok {
		t.Error("a session past its maximum lifetime was accepted")
	}
}

func TestAutoRefreshThroughMiddleware(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	s, cookies := signIn(t, a, testUser)
	var seen authsession.Session[authsession.User]
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = a.GetSession(r)
		w.WriteHeader(http.StatusNoContent)
	}))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, requestWith(cookies))
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("fresh session: got Set-Cookie %d times, want none", len(got))
	}

	clk.Add(25 * time.Hour)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, requestWith(cookies))
	if len(w.Result().Cookies()) != 1 {
		t.Fatalf("after the threshold: got %d cookies, want the session re-issued", len(w.Result().Cookies()))
	}
	if !seen.LastActivity.Equal(clk.Now()) || seen.ID != s.ID {
		t.Errorf("handler saw %+v, want the refreshed session", seen)
	}

	// With auto refresh off nothing is re-issued.
	b := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.DisableAutoRefresh = true })
	_, cookies = signIn(t, b, testUser)
	clk.Add(25 * time.Hour)
	w = httptest.NewRecorder()
	b.Middleware(http.NotFoundHandler()).ServeHTTP(w, requestWith(cookies))
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("auto refresh off: got %d Set-Cookie, want none", len(got))
	}
}

func TestHooks(t *testing.T) {
	clk := newClock()
	banned := map[string]bool{"u_bad": true}
	a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.OnValidate = func(_ context.Context, s authsession.Session[authsession.User]) bool { return !banned[s.User.ID] }
		c.OnRefresh = func(_ context.Context, s authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
			if s.User.ID == "u_stop" {
				return s, errors.New("account closed")
			}
			s.AccessToken = "renewed"
			return s, nil
		}
	})

	_, bad := signIn(t, a, authsession.User{ID: "u_bad"})
	if _, ok := a.GetSession(requestWith(bad)); ok {
		t.Error("OnValidate false: got a session")
	}

	_, good := signIn(t, a, authsession.User{ID: "u_ok"}, authsession.WithTokens("old", ""))
	clk.Add(time.Hour)
	w := httptest.NewRecorder()
	s, err := a.RefreshSession(w, requestWith(good))
	if err != nil || s.AccessToken != "renewed" {
		t.Errorf("OnRefresh change: got %v %v", s.AccessToken, err)
	}

	_, stop := signIn(t, a, authsession.User{ID: "u_stop"})
	w = httptest.NewRecorder()
	if _, err := a.RefreshSession(w, requestWith(stop)); !errors.Is(err, authsession.ErrRejected) {
		t.Errorf("OnRefresh error: got %v, want ErrRejected", err)
	}
	if c := cookieNamed(w.Result().Cookies(), "session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("OnRefresh error: got %+v, want the cookie cleared", c)
	}
}

// TestRequestReadsClockOnce: a signed-in request through the guard with a
// cached cookie reads the clock once, however often the handler then asks
// for the session. A cookie seen for the first time reads it once more,
// inside golang-jwt's validator (Config.Now is its time function).
func TestRequestReadsClockOnce(t *testing.T) {
	start := time.Now()
	var reads atomic.Int64
	auth := buildAuth(t, authsession.Config[authsession.User]{
		Secret: benchdata.Secret,
		Now:    func() time.Time { reads.Add(1); return start },
		Routes: []authsession.Rule{authsession.Auth("/dashboard/*")},
	})
	tok, err := auth.EncryptSession(benchdata.Session(start))
	if err != nil {
		t.Fatal(err)
	}
	h := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 3 {
			if _, ok := auth.GetSession(r); !ok {
				t.Error("handler: no session")
			}
			if _, ok := authsession.SessionFromContext[authsession.User](r.Context()); !ok {
				t.Error("handler: no session in the context")
			}
		}
	}))
	for _, round := range []struct {
		name string
		want int64
	}{{"first sight", 2}, {"cached", 1}} {
		reads.Store(0)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, requestWithCookie("/dashboard", authsession.DefaultCookieName, tok))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: got status %d, want 200", round.name, rec.Code)
		}
		if got := reads.Load(); got != round.want {
			t.Errorf("%s: got %d clock readings, want %d", round.name, got, round.want)
		}
	}
}
