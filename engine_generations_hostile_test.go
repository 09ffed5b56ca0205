package authsession_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
)

// Older cookies and concurrent requests against a session's generations,
// on the memory store (and, through the conformance suite, every store):
// a cookie of an older generation may read but never write history back;
// a role change is a privilege change unless marked otherwise; a
// superseded or "no session" cookie signs nothing out; a response moves
// the generation on at most once; no cookie locks a browser out; racing
// updates and a store that drops writes lose nothing.

// roleIn returns the role of the session cookies carry, and whether they
// carry one.
func roleIn(f *storeFixture, cookies []*http.Cookie) (string, bool) {
	s, ok := f.get(cookies)
	return s.User.ExtraString("role"), ok
}

// signInAdmin signs u_1 in as an admin.
func signInAdmin(t *testing.T, f *storeFixture) []*http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if _, err := f.auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), authsession.User{ID: "u_1", Name: "Ann", Extra: map[string]any{"role": "admin"}}); err != nil {
		t.Fatal(err)
	}
	return w.Result().Cookies()
}

// TestDemotionCannotBeUndone: a role lowered through UpdateSession without
// any mark ends the pre-change cookie at once (a privilege change), so
// nothing made with it (a name change, data, a flash) brings the admin
// role back.
func TestDemotionCannotBeUndone(t *testing.T) {
	f := newStoreFixture(t, nil)
	admin := signInAdmin(t, f)
	w := httptest.NewRecorder()
	if _, err := f.auth.UpdateSession(w, requestWith(admin), func(s *authsession.Session[authsession.User]) error {
		s.User.Extra = map[string]any{"role": "user"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	demoted := sessionCookies(admin, w)
	writes := map[string]func(w http.ResponseWriter, r *http.Request) error{
		"PATCH name": func(w http.ResponseWriter, r *http.Request) error {
			if res := f.auth.Actions.Update(w, r, map[string]any{"name": "Eve"}); !res.Success {
				return res.Err
			}
			return nil
		},
		"SetData": func(w http.ResponseWriter, r *http.Request) error { return f.auth.SetData(w, r, "k", 1) },
		"Flash":   func(w http.ResponseWriter, r *http.Request) error { return f.auth.Flash(w, r, "n", "x") },
	}
	for name, write := range writes {
		w := httptest.NewRecorder()
		write(w, requestWith(admin))
		if role, ok := roleIn(f, sessionCookies(admin, w)); ok && role == "admin" {
			t.Errorf("%s with the pre-demotion cookie: got an admin session back", name)
		}
		if role, ok := roleIn(f, demoted); !ok || role != "user" {
			t.Errorf("after %s with the old cookie: the demoted session got %q %v, want it kept", name, role, ok)
		}
	}
}

// TestGraceCookieCannotWriteBack: after a display change (the new name),
// a cookie of the generation before it still reads inside the grace, but
// a write made with it is refused: it never restores the old name over
// the new one.
func TestGraceCookieCannotWriteBack(t *testing.T) {
	f := newStoreFixture(t, nil)
	old := signInAdmin(t, f)
	w := httptest.NewRecorder()
	if res := f.auth.Actions.Update(w, requestWith(old), map[string]any{"name": "Bo"}); !res.Success {
		t.Fatal(res.Err)
	}
	renamed := sessionCookies(old, w)
	if s, ok := f.get(old); !ok || s.User.Name != "Ann" {
		t.Fatalf("the old cookie inside the grace: got %v, want it read", ok)
	}
	w = httptest.NewRecorder()
	err := f.auth.SetData(w, requestWith(old), "k", 1)
	if set := w.Result().Cookies(); len(set) != 0 {
		if s, ok := f.get(set); ok && s.User.Name == "Ann" {
			t.Errorf("a write with the old cookie issued a session with the old name (error %v)", err)
		}
	}
	if err == nil {
		t.Errorf("a write with the old cookie: got nil, want it refused")
	}
	if s, ok := f.get(renamed); !ok || s.User.Name != "Bo" {
		t.Errorf("the renamed session after the old cookie's write: got %v %q, want Bo", ok, s.User.Name)
	}
}

// TestStaleCookieCannotSignOut: a cookie of an older generation (inside
// the grace or past it) or of a session re-issued under a new id signs
// out only its own browser: the current session stays.
func TestStaleCookieCannotSignOut(t *testing.T) {
	f := newStoreFixture(t, nil)
	old := signInAdmin(t, f)
	w := httptest.NewRecorder()
	if res := f.auth.Actions.Update(w, requestWith(old), map[string]any{"name": "Bo"}); !res.Success {
		t.Fatal(res.Err)
	}
	current := sessionCookies(old, w)
	for _, when := range []string{"inside the grace", "past the grace"} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodDelete, "/api/session", nil)
		for _, c := range old {
			r.AddCookie(c)
		}
		f.auth.Handlers.ServeHTTP(w, r)
		if _, ok := f.get(current); !ok {
			t.Fatalf("DELETE with the older cookie %s signed the current session out", when)
		}
		f.clk.Add(authsession.DefaultGenerationGrace)
	}
	w = httptest.NewRecorder()
	if _, err := f.auth.UpdateSession(w, requestWith(current), func(s *authsession.Session[authsession.User]) error {
		s.MarkPrivilegeChange()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rotated := sessionCookies(current, w)
	if err := f.auth.DeleteSession(httptest.NewRecorder(), requestWith(current)); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.get(rotated); !ok {
		t.Errorf("DeleteSession with the cookie of the id before a privilege change signed the new one out")
	}
}

// TestOneGenerationPerResponse: a response that writes twice (data, then
// a flash) moves the session on one generation, so another tab's request
// carrying the cookie before it still reads inside the grace.
func TestOneGenerationPerResponse(t *testing.T) {
	f := newStoreFixture(t, nil)
	before := signInAdmin(t, f)
	h := f.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f.auth.SetData(w, r, "k", 1); err != nil {
			t.Error(err)
		}
		if err := f.auth.Flash(w, r, "n", "x"); err != nil {
			t.Error(err)
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, requestWith(before))
	recs, err := f.auth.ListUserSessions(t.Context(), "u_1")
	if err != nil || len(recs) != 1 || recs[0].Generation != 2 {
		t.Errorf("after one response writing twice: got %+v (%v), want generation 2", recs, err)
	}
	if _, ok := f.get(before); !ok {
		t.Errorf("another tab's cookie from before the response: got no session inside the grace")
	}
}

// TestNoCookieLockOut: a cookie the browser could not send back to the
// server (over its header limit) is never written: the write fails with
// ErrSessionTooLarge and the browser keeps a cookie it can send, so it
// can still sign out. MaxCookieBytes beyond what the cookie chunks carry
// is refused at configuration.
func TestNoCookieLockOut(t *testing.T) {
	if _, err := authsession.NextAuthSession(authsession.Config[authsession.User]{Secret: testSecret, MaxCookieBytes: 200 << 10}); !errors.Is(err, authsession.ErrConfig) || !strings.Contains(err.Error(), "browsers") {
		t.Errorf("MaxCookieBytes 200 KiB: got %v, want a configuration error saying why", err)
	}
	auth := buildAuth(t, authsession.Config[authsession.User]{Secret: testSecret, MaxCookieBytes: 64 << 10, Cookie: authsession.CookieConfig{Insecure: true}})
	var setErr error
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) { auth.CreateSession(w, r, authsession.User{ID: "u_1"}) })
	mux.HandleFunc("POST /fill", func(w http.ResponseWriter, r *http.Request) {
		setErr = auth.SetData(w, r, "big", strings.Repeat("x", 30<<10))
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := auth.GetSession(r); ok {
			io.WriteString(w, "in")
		}
	})
	mux.Handle("/api/session", auth.Handlers)
	srv := httptest.NewUnstartedServer(auth.Middleware(mux))
	srv.Config.MaxHeaderBytes = 16 << 10 // a server stricter than Go's default
	srv.Start()
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := srv.Client()
	client.Jar = jar
	do := func(method, path string) int {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Origin", srv.URL)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	do("POST", "/login")
	do("POST", "/fill")
	if !errors.Is(setErr, authsession.ErrSessionTooLarge) {
		t.Errorf("SetData of 30 KiB under a 16 KiB header limit: got %v, want ErrSessionTooLarge", setErr)
	}
	if code := do("GET", "/me"); code != http.StatusOK {
		t.Errorf("after the refused write: GET got %d, want 200", code)
	}
	if code := do("DELETE", "/api/session"); code != http.StatusOK {
		t.Errorf("signing out: got %d, want 200", code)
	}
	u, _ := url.Parse(srv.URL)
	if n := len(jar.Cookies(u)); n != 0 {
		t.Errorf("after signing out: the browser holds %d cookies, want none", n)
	}
}

// TestGenerationHostileTokens: tokens (made with the secret) whose
// generation the store does not hold are "no session": ahead of the
// store's (never recorded), two or more behind, malformed; a token without
// one (generation 0) of a record without one (written before generations)
// is accepted until the session changes.
func TestGenerationHostileTokens(t *testing.T) {
	g := newGenFixture(t, nil)
	ctx := context.Background()
	now := g.clk.Now()
	key, err := jwe.DeriveKey(storeTestSecret, "session")
	if err != nil {
		t.Fatal(err)
	}
	rec := authsession.SessionRecord{ID: "legacy-id", Owner: authsession.OwnerOf("u_1"), UserID: "u_1", CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour)}
	if err := g.store.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	mint := func(gen any) []*http.Cookie {
		claims := map[string]any{
			"user": map[string]any{"id": "u_1"}, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "legacy-id",
			"createdAt": now.UnixMilli(), "lastActivity": now.UnixMilli(), "expiresAt": now.Add(time.Hour).UnixMilli(),
		}
		if gen != nil {
			claims["gen"] = gen
		}
		return []*http.Cookie{{Name: "session", Value: encryptRaw(t, key, "A256GCM", nil, claims)}}
	}
	legacy := mint(nil)
	if _, ok := g.get(legacy); !ok {
		t.Fatalf("a token without a generation, of a record without one: got no session, want accepted")
	}
	for _, tt := range []struct {
		name string
		gen  any
	}{{"negative", -1}, {"a string", "1"}, {"a fraction", 0.5}, {"an object", map[string]any{}}} {
		if _, ok := g.get(mint(tt.gen)); ok {
			t.Errorf("gen %s (%v): got a session, want none (malformed)", tt.name, tt.gen)
		}
	}
	c1 := changes[0].do(t, g, legacy) // the record gets generation 1
	c2 := changes[4].do(t, g, c1)     // and 2
	for _, tt := range []struct {
		name    string
		cookies []*http.Cookie
		want    bool
	}{{"no generation, two behind", legacy, false}, {"gen 0, two behind", mint(0), false}, {"gen 1, one behind", mint(1), true}, {"gen 3, ahead", mint(3), false}, {"far ahead", mint(uint64(1) << 62), false}, {"current", c2, true}} {
		if _, ok := g.get(tt.cookies); ok != tt.want {
			t.Errorf("%s, within the grace: got a session=%v, want %v", tt.name, ok, tt.want)
		}
	}
}

// TestGenerationConcurrentUpdates: updates of one session racing on two
// instances never lower the store's generation; an update that loses the
// race fails with ErrStore and sets no cookie, and the newest cookie
// works afterwards.
func TestGenerationConcurrentUpdates(t *testing.T) {
	g := newGenFixture(t, nil)
	s, start := g.login(t, "u_1", nil, "A")
	ctx := context.Background()
	var (
		wg      sync.WaitGroup
		done    atomic.Bool
		mu      sync.Mutex
		newest  = start
		highest uint64
	)
	wg.Add(1)
	go func() { // the store's generation, sampled: it never goes down
		defer wg.Done()
		var last uint64
		for !done.Load() {
			rec, _, _ := g.store.Store.Get(ctx, authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
			if rec.Generation < last {
				t.Errorf("the store's generation went down: %d after %d", rec.Generation, last)
			}
			last = rec.Generation
		}
	}()
	var workers sync.WaitGroup
	for w := range 8 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			a, cookies := g.auth, start
			if w%2 == 1 {
				a = g.other
			}
			for i := range 20 {
				rw := httptest.NewRecorder()
				_, err := a.UpdateSession(rw, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
					s.User.Name = fmt.Sprintf("w%d-%d", w, i)
					return nil
				})
				switch {
				case errors.Is(err, authsession.ErrStore), errors.Is(err, authsession.ErrConflict):
					if len(rw.Result().Cookies()) != 0 {
						t.Errorf("an update that lost the race set a cookie")
					}
					if errors.Is(err, authsession.ErrStore) {
						continue
					}
					// A cookie behind the store's generation may not
					// write: take the newest cookie.
					mu.Lock()
					cookies = newest
					mu.Unlock()
					continue
				case errors.Is(err, authsession.ErrNoSession):
					// Two generations behind: take the newest cookie.
					mu.Lock()
					cookies = newest
					mu.Unlock()
					continue
				case err != nil:
					t.Errorf("UpdateSession: %v", err)
					return
				}
				cookies = sessionCookies(cookies, rw)
				info, err := inspectToken(g.auth.Config, cookieNamed(cookies, "session").Value)
				if err != nil {
					t.Error(err)
					return
				}
				var claims struct{ Gen uint64 }
				json.Unmarshal(info.Claims, &claims)
				mu.Lock()
				if claims.Gen > highest {
					highest, newest = claims.Gen, cookies
				}
				mu.Unlock()
			}
		}()
	}
	workers.Wait()
	done.Store(true)
	wg.Wait()
	rec, _, _ := g.store.Store.Get(ctx, authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
	if rec.Generation != highest || highest < 2 {
		t.Errorf("final generation: got %d in the store, %d issued at most, want equal and past 1", rec.Generation, highest)
	}
	g.clk.Add(authsession.DefaultGenerationGrace)
	for name, a := range map[string]*authsession.AuthSession[authsession.User]{"this": g.auth, "other": g.other} {
		if _, ok := a.GetSession(requestWith(newest)); !ok {
			t.Errorf("%s instance: the newest cookie got no session", name)
		}
		if _, ok := a.GetSession(requestWith(start)); ok {
			t.Errorf("%s instance: the first cookie got a session, want none", name)
		}
	}
}

// TestGenerationStoreDropsWrite: a store that does not take the new
// generation (its compare-and-swap finds another) fails safe: the change
// fails with ErrConflict and sets no cookie, so no token of a generation
// the store does not hold is ever issued, and the session stays as it
// was. A privilege change whose revocation of the old id the store drops
// ends the session.
func TestGenerationStoreDropsWrite(t *testing.T) {
	t.Run("change", func(t *testing.T) {
		g := newGenFixture(t, nil)
		_, before := g.login(t, "u_1", nil, "A")
		g.store.dropTouches.Store(true)
		w := httptest.NewRecorder()
		_, err := g.auth.UpdateSession(w, requestWith(before), func(s *authsession.Session[authsession.User]) error {
			s.User.Extra = map[string]any{"role": "admin"}
			s.MarkDisplayChange()
			return nil
		})
		if !errors.Is(err, authsession.ErrConflict) {
			t.Errorf("UpdateSession on a store that dropped the generation: got %v, want ErrConflict", err)
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("UpdateSession on a store that dropped the generation: set a cookie")
		}
		g.clk.Add(authsession.DefaultGenerationGrace)
		if role, ok := roleOf(g.other, before); !ok || role != "" {
			t.Errorf("after the failed change: got role %q, session=%v, want the unchanged session", role, ok)
		}
		// The same through the API: 503, nothing changed.
		r := httptest.NewRequest(http.MethodPatch, "/api/session", strings.NewReader(`{"user":{"name":"Bo"}}`))
		r.Header.Set("Content-Type", "application/json")
		for _, c := range before {
			r.AddCookie(c)
		}
		w = httptest.NewRecorder()
		g.auth.Handlers.ServeHTTP(w, r)
		if w.Code != http.StatusConflict || len(w.Result().Cookies()) != 0 {
			t.Errorf("PATCH on a store that dropped the generation: got %d with %d cookies, want 409 and none", w.Code, len(w.Result().Cookies()))
		}
	})
	t.Run("privilege change", func(t *testing.T) {
		g := newGenFixture(t, nil)
		_, before := g.login(t, "u_1", nil, "A")
		g.store.dropRevokes.Store(true)
		w := httptest.NewRecorder()
		_, err := g.auth.UpdateSession(w, requestWith(before), func(s *authsession.Session[authsession.User]) error {
			s.User.Extra = map[string]any{"role": "user"}
			s.MarkPrivilegeChange()
			return nil
		})
		if !errors.Is(err, authsession.ErrStore) {
			t.Errorf("a privilege change on a store that dropped the revocation: got %v, want ErrStore", err)
		}
		if c := cookieNamed(w.Result().Cookies(), "session"); c == nil || c.MaxAge >= 0 {
			t.Errorf("a privilege change on a store that dropped the revocation: want the cookie cleared")
		}
		if _, ok := g.get(before); ok {
			t.Errorf("the token before the failed privilege change: got a session, want none (its revocation is pending)")
		}
	})
}

// TestPrivilegeChangeRefusedKeepsSession: an update that would re-issue
// the session under a new id (a change beyond the display fields) but
// cannot be encoded (a NaN in the user) fails with ErrInvalidData and
// changes nothing: the session keeps its id and still works, in both
// storages.
func TestPrivilegeChangeRefusedKeepsSession(t *testing.T) {
	for _, storage := range []authsession.Storage{authsession.StorageCookie, authsession.StorageServer} {
		f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) { c.Storage = storage })
		s, cookies := f.login(t, "u_1", nil, "test")
		_, err := f.auth.UpdateSession(httpRecorder(), requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
			s.User.Extra = map[string]any{"role": "admin", "score": math.NaN()}
			return nil
		})
		if !errors.Is(err, authsession.ErrInvalidData) {
			t.Errorf("storage %d: an update to a NaN: got %v, want ErrInvalidData", storage, err)
		}
		if got, ok := f.auth.GetSession(requestWith(cookies)); !ok || got.ID != s.ID {
			t.Errorf("storage %d: after the refused update: got %q, %v, want the session %q", storage, got.ID, ok, s.ID)
		}
	}
}
