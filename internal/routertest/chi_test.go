package routertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

type counter struct{ n atomic.Int32 }

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	w.Write([]byte("ok"))
}

// attacks are request targets that must not reach a handler behind an
// auth rule without a session.
var attacks = []string{
	"/dashboard", "/dashboard/", "/dashboard/secret", "//dashboard", "///dashboard",
	"/./dashboard", "/dashboard/.", "/dashboard/../dashboard", "/login/../dashboard",
	"/dashboard/../login", "/dashboard/..%2Flogin", "/dashboard/%2e%2e/login", "/dashboard/./x",
	"/%64ashboard", "/%64ashboard/x", "/dashboard%2Fsecret", "/dashboard%2fsecret", "/dashboard%5Csecret",
	"/dashboard/%2e%2e/dashboard", "/%2e/dashboard", "/%2E%2E/dashboard", "/dashboard%252Fsecret",
	"/dashboard//", "/dashboard//x", "/dashboard%00", "/admin", "/admin/", "/admin/users",
	"/ar/dashboard", "/ar/dashboard/", "/ar//dashboard", "/ar/./dashboard", "/ar/../ar/dashboard",
	"/%61r/dashboard", "/en/%64ashboard", "/en/dashboard%2F", "/en/dashboard/x/../y",
	// chi reads "public%2Fsecret" as one segment: /files/* (auth), while the
	// decoded path /files/public/secret is under the hybrid /files/public/*.
	"/files/public%2Fsecret", "/files/public%2fsecret", "/en/files/public%2Fx",
	// chi routes on RawPath: an encoded letter of the hybrid exception is
	// the exception to the guard's decoded path but /files/* to chi, unless
	// the guard sends it to the canonical spelling first.
	"/files/publ%69c/secret", "/files/p%75blic/x", "/files/%70ublic/x", "/files/PUBLIC/x",
	"/files/publ%69c/", "/files/publ%49c/x", "/files/public/../secret",
	// Language-tag-shaped first segments that are not configured locales,
	// served by the /{lang}/dashboard routes.
	"/fr/dashboard", "/EN/dashboard", "/en-US/dashboard/x", "/zh-Hant-TW/dashboard/", "/Ar/dashboard",
}

var hostileHeaders = []map[string]string{
	nil,
	{"X-Middleware-Subrequest": "middleware:middleware:middleware:middleware:middleware"},
	{"X-Original-URL": "/login", "X-Rewrite-URL": "/login"},
	{"X-Forwarded-Prefix": "/login", "X-Forwarded-Uri": "/login"},
}

func TestGuardOnChi(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:  "chi-test-secret-0123456789abcdef-0123456789",
		Now:     func() time.Time { return now },
		Locales: []string{"en", "ar"},
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth(patterns.Dashboard),
			authsession.Auth(patterns.Admin),
			authsession.Auth("/files/*"),
			authsession.Hybrid("/files/public/*"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	guarded, open := &counter{}, &counter{}
	routes := func(r chi.Router) {
		r.Handle("/dashboard", guarded)
		r.Handle("/dashboard/*", guarded)
		r.Handle("/admin", guarded)
		r.Handle("/admin/*", guarded)
		r.Handle("/{lang}/dashboard", guarded)
		r.Handle("/{lang}/dashboard/*", guarded)
		r.Handle("/files/*", guarded)
		r.Handle("/files/public/*", open)
		r.Handle("/{lang}/files/*", guarded)
		r.Handle("/login", open)
		r.NotFound(open.ServeHTTP)
	}
	outside := chi.NewRouter() // the guard wraps the router
	routes(outside)
	inside := chi.NewRouter() // the guard is chi middleware
	inside.Use(auth.Middleware)
	routes(inside)
	handlers := map[string]http.Handler{"wrapped": auth.Middleware(outside), "use": inside}

	tok, err := auth.EncryptSession(authsession.Session[authsession.User]{
		User: authsession.User{ID: "u_1"}, CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range handlers {
		for _, target := range attacks {
			for i, hdr := range hostileHeaders {
				t.Run(name+target+"#"+string(rune('0'+i)), func(t *testing.T) {
					before := guarded.n.Load()
					loc := target
					for range 5 {
						r := httptest.NewRequest("GET", loc, nil)
						for k, v := range hdr {
							r.Header.Set(k, v)
						}
						w := httptest.NewRecorder()
						h.ServeHTTP(w, r)
						next := w.Header().Get("Location")
						if w.Code < 300 || w.Code > 399 || strings.Contains(next, "login") {
							break
						}
						loc = next
					}
					if got := guarded.n.Load() - before; got != 0 {
						t.Fatalf("guarded handler reached %d times without a session, want 0", got)
					}
				})
			}
		}
		// With a session the plain forms do get through.
		for _, target := range []string{"/dashboard", "/dashboard/x", "/ar/dashboard", "/admin/users"} {
			r := httptest.NewRequest("GET", target, nil)
			r.Header.Set("Cookie", "session="+tok)
			before := guarded.n.Load()
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got := guarded.n.Load() - before; got != 1 {
				t.Errorf("%s %s with a session: handler calls got %d, want 1", name, target, got)
			}
		}
	}
}
