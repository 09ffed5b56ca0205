package authsession_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/memstore"
)

// switchApp is the README's quick start: deny by default, a public sign-in
// route whose POST handler is wrapped in CrossOriginProtection, with a
// store so that a replaced session is revoked.
func switchApp(t *testing.T, store authsession.Store, log *eventLog) (*authsession.AuthSession[authsession.User], http.Handler) {
	t.Helper()
	auth := buildAuth(t, authsession.Config[authsession.User]{
		Secret:           testSecret,
		Cookie:           authsession.CookieConfig{Insecure: true},
		DefaultRouteType: authsession.RouteAuth,
		Routes:           []authsession.Rule{authsession.Public("/login"), authsession.Hybrid("/")},
		Store:            store,
		Events:           log.hooks(),
	})
	mux := http.NewServeMux()
	csrf := http.NewCrossOriginProtection()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("login form")) })
	mux.Handle("POST /login", csrf.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PostFormValue("name")
		if _, err := auth.CreateSession(w, r, authsession.User{ID: "u_" + strings.ToLower(name), Name: name}); err != nil {
			http.Error(w, "sign-in failed", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	})))
	mux.HandleFunc("GET /dashboard", func(w http.ResponseWriter, r *http.Request) {
		s, _ := auth.GetSession(r)
		w.Write([]byte("hello " + s.User.Name))
	})
	return auth, auth.Middleware(mux)
}

// post sends the sign-in form with the cookies and headers given.
func postLogin(h http.Handler, name string, cookies []*http.Cookie, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "http://app.example/login", strings.NewReader(url.Values{"name": {name}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	for _, c := range cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestGuardSwitchAccounts: a signed-in user posts the sign-in form to sign
// in as someone else; CreateSession replaces (and revokes) the old
// session. A GET of the sign-in page still sends them home, and a
// cross-site post is refused by the app's CrossOriginProtection.
func TestGuardSwitchAccounts(t *testing.T) {
	for _, withStore := range []bool{true, false} {
		name := "stateless"
		var store authsession.Store
		if withStore {
			name, store = "memory store", memstore.New(memstore.Options{})
		}
		t.Run(name, func(t *testing.T) {
			log := &eventLog{}
			auth, h := switchApp(t, store, log)
			sameOrigin := []string{"Sec-Fetch-Site", "same-origin", "Origin", "http://app.example"}

			w := postLogin(h, "Ann", nil, sameOrigin...)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("first sign-in: got %d, want 303", w.Code)
			}
			ann := w.Result().Cookies()

			// GET and HEAD of the public route: home, as before.
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				r := requestWith(ann)
				r.Method, r.URL.Path = method, "/login"
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code != http.StatusTemporaryRedirect || rec.Header().Get("Location") != "/" {
					t.Errorf("%s /login signed in: got %d %q, want 307 /", method, rec.Code, rec.Header().Get("Location"))
				}
			}

			// Cross-site posts are refused before the handler: nothing changes.
			for _, hdrs := range [][]string{
				{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
				{"Sec-Fetch-Site", "same-site", "Origin", "https://sub.app.example"},
				{"Origin", "https://evil.example"}, // an older browser
			} {
				rec := postLogin(h, "Mallory", ann, hdrs...)
				if rec.Code != http.StatusForbidden || len(rec.Result().Cookies()) != 0 {
					t.Errorf("cross-site post %v: got %d with %d cookies, want 403 and none", hdrs, rec.Code, len(rec.Result().Cookies()))
				}
			}
			if s, ok := auth.GetSession(requestWith(ann)); !ok || s.User.Name != "Ann" {
				t.Fatalf("after refused posts: got %v %+v, want Ann still signed in", ok, s.User)
			}
			log.take()

			// Same-origin post: Bob replaces Ann.
			w = postLogin(h, "Bob", ann, sameOrigin...)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/dashboard" {
				t.Fatalf("switch: got %d %q, want 303 /dashboard (body %q)", w.Code, w.Header().Get("Location"), w.Body)
			}
			bob := w.Result().Cookies()
			if s, ok := auth.GetSession(requestWith(bob)); !ok || s.User.Name != "Bob" {
				t.Errorf("new cookie: got %v %+v, want Bob", ok, s.User)
			}
			if got := strings.Join(log.take(), "|"); got != "SignOut u_ann ctx=|SignIn u_bob ctx=" {
				t.Errorf("events: got %q, want Ann's sign-out then Bob's sign-in", got)
			}
			_, annStillValid := auth.GetSession(requestWith(ann))
			if annStillValid == withStore {
				t.Errorf("Ann's old cookie: valid %v, want %v (revoked only with a store)", annStillValid, !withStore)
			}
			if withStore {
				recs, _ := auth.ListUserSessions(context.Background(), "u_ann")
				if len(recs) != 0 {
					t.Errorf("Ann's sessions in the store: got %d, want 0", len(recs))
				}
			}
			rec := httptest.NewRecorder()
			dash := requestWith(bob)
			dash.URL.Path = "/dashboard"
			h.ServeHTTP(rec, dash)
			if rec.Body.String() != "hello Bob" {
				t.Errorf("dashboard: got %q, want hello Bob", rec.Body)
			}
		})
	}
}
