package authsession_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/authsession/authsession"
)

// Issue 29's session findings, each on the memory store (and, through the
// conformance suite, every store): a cookie of an older generation may
// read but never write history back; a role change is a privilege change
// unless marked otherwise; a superseded or "no session" cookie signs
// nothing out; a flash is read exactly once; a response moves the
// generation on at most once; no cookie locks a browser out.

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

// TestFlashReadOnce: two requests carrying the same cookie (two tabs, or
// the first request's answer not yet applied) read a flash once between
// them.
func TestFlashReadOnce(t *testing.T) {
	for _, st := range storages[1:] {
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, nil)
			_, cookies := signIn(t, f.auth, authsession.User{ID: "u_1"}, authsession.WithFlash("notice", "hello"))
			got := 0
			for range 2 {
				flashes, err := f.auth.Flashes(httptest.NewRecorder(), requestWith(cookies))
				if err != nil {
					t.Fatal(err)
				}
				got += len(flashes)
			}
			if got != 1 {
				t.Errorf("two reads with the same cookie: got the flash %d times, want once", got)
			}
		})
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
