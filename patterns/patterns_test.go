package patterns_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

const secret = "patterns-test-secret-0123456789abcdef-0123"

func TestNamedPatterns(t *testing.T) {
	named := map[string]string{
		"/api":       patterns.API,
		"/dashboard": patterns.Dashboard,
		"/admin":     patterns.Admin,
		"/settings":  patterns.Settings,
		"/profile":   patterns.Profile,
	}
	for base, p := range named {
		t.Run(p, func(t *testing.T) {
			auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
				Secret: secret,
				Routes: []authsession.Rule{authsession.Auth(p)},
			})
			if err != nil {
				t.Fatalf("NextAuthSession: %v", err)
			}
			h := auth.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			for path, guarded := range map[string]bool{
				base: true, base + "/": true, base + "/a/b": true, base + "x": false, "/x" + base: false,
			} {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
				if got := w.Code != http.StatusOK; got != guarded {
					t.Errorf("%s: guarded got %v (status %d), want %v", path, got, w.Code, guarded)
				}
			}
		})
	}
}

func Example() {
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: secret,
		Routes: []authsession.Rule{
			authsession.Public("/login"),
			authsession.Auth(patterns.Dashboard),
			authsession.Auth(patterns.API),
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := auth.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, path := range []string{"/dashboard/stats", "/api/items", "/about"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, w.Code)
	}
	// Output:
	// /dashboard/stats 307
	// /api/items 401
	// /about 200
}
