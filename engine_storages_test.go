package authsession_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/memstore"
)

// The storages every behaviour test of this file runs in: switching is one
// configuration line.
var storages = []struct {
	name    string
	storage authsession.Storage
	store   bool
}{
	{"cookie", authsession.StorageCookie, false},
	{"cookie+store", authsession.StorageCookie, true},
	{"server", authsession.StorageServer, true},
}

// storageFixture is an AuthSession in one storage, over a counting memory
// store (when it has one) and a manual clock, serving a small site behind
// its guard.
type storageFixture struct {
	auth  *authsession.AuthSession[authsession.User]
	store *countingStore // nil without a store
	clk   *testclock.Clock
	logs  *testenv.Buffer
	site  http.Handler
}

func newStorageFixture(t testing.TB, storage authsession.Storage, store bool, edit func(*authsession.Config[authsession.User])) *storageFixture {
	t.Helper()
	clk := testclock.New(time.UnixMilli(1_767_139_200_000))
	f := &storageFixture{clk: clk, logs: &testenv.Buffer{}}
	cfg := authsession.Config[authsession.User]{
		Secret: storeTestSecret, Now: clk.Now, Logger: debugLogger(f.logs),
		Storage: storage, Cookie: authsession.CookieConfig{Insecure: true},
	}
	if store {
		f.store = &countingStore{Store: memstore.New(memstore.Options{Now: clk.Now})}
		cfg.Store = f.store
	}
	if edit != nil {
		edit(&cfg)
	}
	f.auth = buildAuth(t, cfg)
	f.site = f.auth.Middleware(siteMux(f.auth))
	t.Cleanup(func() {
		// No retrying goroutine outlives the test (it would allocate
		// under other tests' allocation counts).
		if f.store != nil {
			f.store.hang.Store(false)
			f.store.down.Store(false)
		}
		f.auth.Close(context.Background())
	})
	return f
}

// siteMux is next-session's README example and the pages around it: a
// visit counter for everyone, sign-in and sign-out, and the session API.
func siteMux(auth *authsession.AuthSession[authsession.User]) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /visits", func(w http.ResponseWriter, r *http.Request) {
		views, _ := authsession.Get[int](auth.SessionData(r), "views")
		views++
		if err := auth.SetData(w, r, "views", views); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "In this session, you have visited this website %d time(s).", views)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		u := authsession.User{ID: r.FormValue("user"), Extra: map[string]any{"role": r.FormValue("role")}}
		if _, err := auth.CreateSession(w, r, u); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := auth.DeleteSession(w, r); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if s, ok := auth.GetSession(r); ok {
			fmt.Fprint(w, s.User.ID)
			return
		}
		fmt.Fprint(w, "-")
	})
	mux.HandleFunc("POST /flash", func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Flash(w, r, "notice", r.FormValue("msg")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET /flash", func(w http.ResponseWriter, r *http.Request) {
		flashes, err := auth.Flashes(w, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		msg, _ := authsession.Get[string](flashes, "notice")
		fmt.Fprint(w, msg)
	})
	mux.Handle("/api/session", auth.Handlers)
	return mux
}

// browser keeps cookies as a browser does, over httptest recorders.
type browser struct{ jar map[string]*http.Cookie }

func newBrowser() *browser { return &browser{jar: map[string]*http.Cookie{}} }

// do serves one request through h with the browser's cookies, applies the
// response's Set-Cookie lines, and checks that there is at most one line
// per cookie name.
func (b *browser) do(t testing.TB, h http.Handler, method, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("Origin", "http://example.com")
	for _, c := range b.jar {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	seen := map[string]bool{}
	for _, c := range w.Result().Cookies() {
		if seen[c.Name] {
			t.Errorf("%s %s: two Set-Cookie lines for %q", method, target, c.Name)
		}
		seen[c.Name] = true
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	return w
}

// get is do for a GET, returning the body.
func (b *browser) get(t testing.TB, h http.Handler, target string) string {
	t.Helper()
	return b.do(t, h, http.MethodGet, target, nil).Body.String()
}

// visits is the counter page's text for n.
func visits(n int) string {
	return fmt.Sprintf("In this session, you have visited this website %d time(s).", n)
}

// TestVisitsEveryStorage is next-session's README example: a visitor's
// count lives in their session before sign-in, carries through it, and
// starts again after sign-out; the session API says "no session" while
// the visitor is anonymous.
func TestVisitsEveryStorage(t *testing.T) {
	for _, st := range storages {
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, nil)
			b := newBrowser()
			for i := 1; i <= 3; i++ {
				if got := b.get(t, f.site, "/visits"); got != visits(i) {
					t.Fatalf("anonymous visit %d: got %q", i, got)
				}
			}
			if got := b.get(t, f.site, "/me"); got != "-" {
				t.Errorf("an anonymous visitor: GetSession got %q, want none", got)
			}
			if got := b.get(t, f.site, "/api/session"); !strings.Contains(got, `"session":null`) {
				t.Errorf("GET /api/session of an anonymous visitor: got %s, want session null", got)
			}
			anonID := b.jar["session"].Value
			b.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
			if b.jar["session"].Value == anonID {
				t.Errorf("sign-in kept the visitor's cookie, want a new one")
			}
			if got := b.get(t, f.site, "/visits"); got != visits(4) {
				t.Errorf("after sign-in: got %q, want the count carried (4)", got)
			}
			if got := b.get(t, f.site, "/me"); got != "u_1" {
				t.Errorf("after sign-in: GetSession got %q, want u_1", got)
			}
			b.do(t, f.site, http.MethodPost, "/logout", nil)
			if got := b.get(t, f.site, "/visits"); got != visits(1) {
				t.Errorf("after sign-out: got %q, want the count started again (1)", got)
			}
		})
	}
}

// TestAnonymousSessions: a visitor who stores nothing gets no cookie and
// costs the store nothing; one who does has a session that the guard, the
// session API and GetSession still treat as "not signed in"; sign-in keeps
// its data under a new id (the visitor's id ends) and sign-out ends it.
func TestAnonymousSessions(t *testing.T) {
	for _, st := range storages {
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, func(c *authsession.Config[authsession.User]) {
				c.Routes = []authsession.Rule{authsession.Auth("/me"), authsession.Public("/login")}
			})
			b := newBrowser()
			if w := b.do(t, f.site, http.MethodGet, "/visits?dry", nil); false {
				_ = w
			}
			b = newBrowser()
			calls := int64(0)
			if f.store != nil {
				calls = f.store.calls()
			}
			if w := b.do(t, f.site, http.MethodPost, "/logout", nil); w.Code != http.StatusOK {
				t.Fatalf("sign-out without a session: got %d", w.Code)
			}
			if f.store != nil && f.store.calls() != calls {
				t.Errorf("a visitor storing nothing: %d store calls, want none", f.store.calls()-calls)
			}
			b.jar = map[string]*http.Cookie{}
			b.get(t, f.site, "/visits")
			if b.jar["session"] == nil {
				t.Fatal("the first write set no cookie")
			}
			if w := b.do(t, f.site, http.MethodGet, "/me", nil); w.Code != http.StatusSeeOther && w.Code != http.StatusFound && w.Code != http.StatusTemporaryRedirect {
				t.Errorf("an Auth route with a visitor's session: got %d, want the login redirect", w.Code)
			}
			anon := *b.jar["session"]
			b.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
			if got := b.get(t, f.site, "/visits"); got != visits(2) {
				t.Errorf("after sign-in: got %q, want the visitor's count carried", got)
			}
			if f.store != nil {
				old := newBrowser()
				old.jar["session"] = &anon
				if got := old.get(t, f.site, "/visits"); got != visits(1) {
					t.Errorf("the visitor's cookie from before sign-in: got %q, want a new session (the old one ended)", got)
				}
			}
		})
	}
}

// TestEventsEveryStorage: the events fire alike in every storage; a
// visitor's session is no sign-in and its end no sign-out.
func TestEventsEveryStorage(t *testing.T) {
	for _, st := range storages {
		t.Run(st.name, func(t *testing.T) {
			var got []string
			f := newStorageFixture(t, st.storage, st.store, func(c *authsession.Config[authsession.User]) {
				note := func(ev string) func(context.Context, authsession.Session[authsession.User]) error {
					return func(_ context.Context, s authsession.Session[authsession.User]) error {
						got = append(got, ev+" "+s.User.ID)
						return nil
					}
				}
				c.Events = authsession.Events[authsession.User]{SignIn: note("SignIn"), SignOut: note("SignOut"), Refresh: note("Refresh")}
			})
			b := newBrowser()
			b.get(t, f.site, "/visits")
			b.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
			f.clk.Add(25 * time.Hour)
			b.get(t, f.site, "/me")
			b.do(t, f.site, http.MethodPost, "/logout", nil)
			b.get(t, f.site, "/visits")
			b.do(t, f.site, http.MethodPost, "/logout", nil)
			if want := "SignIn u_1,Refresh u_1,SignOut u_1"; strings.Join(got, ",") != want {
				t.Errorf("events: got %q, want %q", strings.Join(got, ","), want)
			}
		})
	}
}

// TestOperationsEveryStorage: the store operations (devices, revoking one
// or all, privilege changes) behave alike with either storage.
func TestOperationsEveryStorage(t *testing.T) {
	for _, st := range storages[1:] {
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, nil)
			ctx := context.Background()
			phone, laptop, tablet := newBrowser(), newBrowser(), newBrowser()
			for _, b := range []*browser{phone, laptop, tablet} {
				b.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
			}
			recs, err := f.auth.ListUserSessions(ctx, "u_1")
			if err != nil || len(recs) != 3 {
				t.Fatalf("ListUserSessions: got %d, %v, want 3", len(recs), err)
			}
			if err := f.auth.RevokeSession(ctx, "u_1", recs[0].ID); err != nil {
				t.Fatal(err)
			}
			live := 0
			for _, b := range []*browser{phone, laptop, tablet} {
				if b.get(t, f.site, "/me") == "u_1" {
					live++
				}
			}
			if live != 2 {
				t.Errorf("after revoking one device: %d signed in, want 2", live)
			}
			w := httptest.NewRecorder()
			r := requestWith([]*http.Cookie{phone.jar["session"]})
			before, _ := f.auth.GetSession(r)
			if before.ID != "" {
				s, err := f.auth.UpdateSession(w, r, func(s *authsession.Session[authsession.User]) error {
					s.User.Extra = map[string]any{"role": "admin"}
					return nil
				})
				if err != nil || s.ID == before.ID {
					t.Errorf("a privilege change: got id %q (before %q), %v; want a new id", s.ID, before.ID, err)
				}
				if _, ok := f.auth.GetSession(r); ok {
					t.Errorf("the cookie from before a privilege change: still a session")
				}
			}
			if n, err := f.auth.RevokeUserSessions(ctx, "u_1"); err != nil || n != 2 {
				t.Errorf("RevokeUserSessions: got %d, %v, want 2", n, err)
			}
			for _, b := range []*browser{laptop, tablet} {
				if b.get(t, f.site, "/me") != "-" {
					t.Errorf("after log out everywhere: still signed in")
				}
			}
		})
	}
}

// TestStoreDownEveryStorage: a store that is down or slower than
// StoreTimeout fails closed: no session on pages, 503 from the session
// API (signing out still answers, and its revocation is kept).
func TestStoreDownEveryStorage(t *testing.T) {
	for _, st := range storages[1:] {
		t.Run(st.name, func(t *testing.T) {
			f := newStorageFixture(t, st.storage, st.store, func(c *authsession.Config[authsession.User]) { c.StoreTimeout = 20 * time.Millisecond })
			b := newBrowser()
			b.do(t, f.site, http.MethodPost, "/login", url.Values{"user": {"u_1"}})
			f.store.hang.Store(true)
			if got := b.get(t, f.site, "/me"); got != "-" {
				t.Errorf("a page with the store hanging: got %q, want no session", got)
			}
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				if w := b.do(t, f.site, method, "/api/session", nil); w.Code != http.StatusServiceUnavailable {
					t.Errorf("%s /api/session with the store hanging: got %d, want 503", method, w.Code)
				}
			}
			if w := b.do(t, f.site, http.MethodDelete, "/api/session", nil); w.Code != http.StatusServiceUnavailable || len(b.jar) != 0 {
				t.Errorf("DELETE /api/session with the store hanging: got %d with %d cookies kept, want 503 and the cookie cleared", w.Code, len(b.jar))
			}
		})
	}
}
