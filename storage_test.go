package authsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
	"github.com/authsession/authsession/storetest"
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
	clk   *storetest.Clock
	logs  *logBuffer
	site  http.Handler
}

func newStorageFixture(t *testing.T, storage authsession.Storage, store bool, edit func(*authsession.Config[authsession.User])) *storageFixture {
	t.Helper()
	clk := storetest.NewClock(time.UnixMilli(1_767_139_200_000))
	f := &storageFixture{clk: clk, logs: &logBuffer{}}
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
func (b *browser) do(t *testing.T, h http.Handler, method, target string, form url.Values) *httptest.ResponseRecorder {
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
func (b *browser) get(t *testing.T, h http.Handler, target string) string {
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
