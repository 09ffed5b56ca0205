package authsession_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

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

// TestOnRefreshNoSession: an OnRefresh that returns the zero Session (the
// seed's null) ends the session: RefreshSession fails with ErrRejected and
// clears the cookie; POST /api/session answers 401 and clears it; auto
// refresh in the guard leaves the handler without a session.
func TestOnRefreshNoSession(t *testing.T) {
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
		c.OnRefresh = func(context.Context, authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
			return authsession.Session[authsession.User]{}, nil
		}
	})
	_, cookies := f.login(t, "u_1", nil, "A")
	w := httptest.NewRecorder()
	if _, err := f.auth.RefreshSession(w, requestWith(cookies)); !errors.Is(err, authsession.ErrRejected) || !cleared(w) {
		t.Errorf("RefreshSession: got %v, cookie cleared %v; want ErrRejected and cleared", err, cleared(w))
	}
	if _, ok := f.get(cookies); ok {
		t.Errorf("after RefreshSession: the session still lives")
	}
	_, cookies = f.login(t, "u_1", nil, "A")
	r := requestWithPath("/api/session", cookies)
	r.Method = http.MethodPost
	r.Header.Set("Origin", "http://example.com")
	w = httptest.NewRecorder()
	f.auth.Handlers.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized || !cleared(w) {
		t.Errorf("POST /api/session: got %d, cookie cleared %v; want 401 and cleared", w.Code, cleared(w))
	}
	_, cookies = f.login(t, "u_1", nil, "A")
	f.clk.Add(25 * time.Hour) // past the refresh threshold
	w = httptest.NewRecorder()
	f.auth.Middleware(siteMux(f.auth)).ServeHTTP(w, requestWithPath("/me", cookies))
	if w.Body.String() != "-" || !cleared(w) {
		t.Errorf("auto refresh: handler saw %q, cookie cleared %v; want no session and cleared", w.Body, cleared(w))
	}
}

// TestSessionFixation: a session id from before sign-in never survives it.
// CreateSession always issues a fresh jti and replaces the old cookie,
// including every chunk of a chunked one.
func TestSessionFixation(t *testing.T) {
	h := newHarness(t)
	t.Run("over HTTP", func(t *testing.T) {
		planted, cookie := h.login(t, "attacker")
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/signin?name=victim", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Cookie", cookie)
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fresh := string(body)
		if fresh == "" || fresh == planted {
			t.Fatalf("got session id %q after sign-in, want a fresh one (planted %q)", fresh, planted)
		}
		var newCookie string
		for _, c := range resp.Cookies() {
			if c.Name == advCookieName && c.MaxAge > 0 {
				newCookie = c.Name + "=" + c.Value
				h.remember(c.Value)
			}
		}
		if newCookie == "" || newCookie == cookie {
			t.Fatalf("got Set-Cookie %q, want a new %s cookie replacing %q", newCookie, advCookieName, cookie)
		}
		if code, body := h.whoami(t, newCookie); code != http.StatusOK || body != "session:"+fresh {
			t.Errorf("new cookie: got %d %q, want 200 %q", code, body, "session:"+fresh)
		}
	})
	t.Run("same request twice", func(t *testing.T) {
		_, cookie := h.login(t, "attacker")
		r := httptest.NewRequest(http.MethodPost, "/signin", nil)
		r.Header.Set("Cookie", cookie)
		seen := map[string]bool{}
		for i := 0; i < 3; i++ {
			w := httptest.NewRecorder()
			s, err := h.auth.CreateSession(w, r, authsession.User{ID: "victim"})
			if err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
			if seen[s.ID] || len(s.ID) < 22 {
				t.Fatalf("CreateSession #%d: got id %q, want a fresh 128-bit id", i, s.ID)
			}
			seen[s.ID] = true
			var set []string
			for _, c := range w.Result().Cookies() {
				if c.Name == advCookieName {
					set = append(set, c.Value)
					h.remember(c.Value)
				}
			}
			if len(set) != 1 || advCookieName+"="+set[0] == cookie {
				t.Fatalf("CreateSession #%d: got Set-Cookie values %d, want one new %s cookie", i, len(set), advCookieName)
			}
		}
	})
	t.Run("chunked planted cookie is cleared", func(t *testing.T) {
		// A big user makes a chunked cookie; signing in with a small one
		// must expire every old chunk.
		big := strings.Repeat("m", 6000)
		_, cookie := h.login(t, big)
		if !strings.Contains(cookie, advCookieName+".1=") {
			t.Fatalf("planted cookie is not chunked: %.60q", cookie)
		}
		r := httptest.NewRequest(http.MethodPost, "/signin", nil)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		if _, err := h.auth.CreateSession(w, r, authsession.User{ID: "victim"}); err != nil {
			t.Fatal(err)
		}
		expired := map[string]bool{}
		for _, c := range w.Result().Cookies() {
			if c.MaxAge < 0 {
				expired[c.Name] = true
			} else {
				h.remember(c.Value)
			}
		}
		for _, name := range []string{advCookieName + ".0", advCookieName + ".1"} {
			if !expired[name] {
				t.Errorf("old chunk %s: got not expired, want expired (Max-Age<0)", name)
			}
		}
	})
}

// TestCreateSessionRefusedKeepsSession: a sign-in that cannot be issued
// (a user encoding/json cannot encode) fails with ErrInvalidData before
// the session the request carries is ended: it stays signed in, with a
// store and without, behind the middleware and without it.
func TestCreateSessionRefusedKeepsSession(t *testing.T) {
	for _, store := range []bool{false, true} {
		for _, middleware := range []bool{false, true} {
			f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
				if !store {
					c.Store = nil
				}
			})
			s, cookies := f.login(t, "u_1", nil, "test")
			var err error
			h := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, err = f.auth.CreateSession(w, r, nanUser)
			}))
			if middleware {
				h = f.auth.Middleware(h)
			}
			w := httpRecorder()
			h.ServeHTTP(w, requestWith(cookies))
			if !errors.Is(err, authsession.ErrInvalidData) {
				t.Errorf("store %v, middleware %v: got %v, want ErrInvalidData", store, middleware, err)
			}
			if got, ok := f.auth.GetSession(requestWith(cookies)); !ok || got.ID != s.ID || len(w.Result().Cookies()) != 0 {
				t.Errorf("store %v, middleware %v: after the refused sign-in: session %q %v, %d cookies set; want %q, none", store, middleware, got.ID, ok, len(w.Result().Cookies()), s.ID)
			}
		}
	}
}
