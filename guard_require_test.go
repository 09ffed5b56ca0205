package authsession_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/patterns"
)

func isAdmin(s authsession.Session[authsession.User]) bool {
	return s.User.ExtraString("role") == "admin"
}

// sessionEcho answers with the user id it finds through GetSession and
// SessionFromContext, so tests see that the middleware handed it over.
func sessionEcho(auth *authsession.AuthSession[authsession.User]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s1, ok1 := auth.GetSession(r)
		s2, ok2 := authsession.SessionFromContext[authsession.User](r.Context())
		if ok1 != ok2 || s1.ID != s2.ID {
			http.Error(w, "GetSession and SessionFromContext disagree", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "user "+s1.User.ID)
	})
}

// TestRequireSession: the per-handler middleware protects a handler that
// no rule covers, without the guard in front and behind it, with the
// guard's own answers.
func TestRequireSession(t *testing.T) {
	auth := buildAuth(t, guardConfig())
	user := sessionCookie(t, auth, "user", guardNow)
	stale := sessionCookie(t, auth, "user", guardNow.Add(-2*auth.Config.RefreshThreshold))
	expired := sessionCookie(t, auth, "user", guardNow.Add(-30*24*time.Hour))
	mux := http.NewServeMux()
	mux.Handle("/reports/", auth.RequireSession(sessionEcho(auth))) // no rule covers /reports
	mux.Handle("/ar/reports/", auth.RequireSession(sessionEcho(auth)))
	mux.Handle("/api/reports", auth.RequireSession(sessionEcho(auth)))
	for name, h := range map[string]http.Handler{"without the guard": mux, "behind the guard": auth.Middleware(mux)} {
		t.Run(name, func(t *testing.T) {
			tests := []struct {
				name, method, target, cookie, accept string
				status                               int
				location, body                       string
			}{
				{"anonymous", "GET", "/reports/q1?x=1", "", "", 307, "/login?callbackUrl=%2Freports%2Fq1%3Fx%3D1", ""},
				{"anonymous POST", "POST", "/reports/q1", "", "", 303, "/login?callbackUrl=%2Freports%2Fq1", ""},
				{"anonymous, locale", "GET", "/ar/reports/q1", "", "", 307, "/ar/login?callbackUrl=%2Far%2Freports%2Fq1", ""},
				{"anonymous JSON client", "GET", "/reports/q1", "", "application/json", 401, "", `"unauthenticated"`},
				{"anonymous API path", "GET", "/api/reports", "", "", 401, "", `"unauthenticated"`},
				{"garbage cookie", "GET", "/reports/q1", "session=garbage", "", 307, "/login?callbackUrl=%2Freports%2Fq1", ""},
				{"expired session", "GET", "/reports/q1", expired, "", 307, "/login?callbackUrl=%2Freports%2Fq1", ""},
				{"signed in", "GET", "/reports/q1", user, "", 200, "", "user u_1"},
				{"signed in, JSON", "GET", "/api/reports", user, "", 200, "", "user u_1"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					w := serve(h, tt.method, tt.target, tt.cookie, map[string]string{"Accept": tt.accept})
					if w.Code != tt.status {
						t.Fatalf("status: got %d, want %d (body %q)", w.Code, tt.status, w.Body)
					}
					if got := w.Header().Get("Location"); got != tt.location {
						t.Errorf("Location: got %q, want %q", got, tt.location)
					}
					if !strings.Contains(w.Body.String(), tt.body) {
						t.Errorf("body: got %q, want it to contain %q", w.Body, tt.body)
					}
					if tt.status != 200 && w.Header().Get("Cache-Control") != "no-store" {
						t.Errorf("Cache-Control: got %q, want no-store", w.Header().Get("Cache-Control"))
					}
				})
			}
			// Auto refresh, as the guard does it: a stale session is
			// re-issued before the handler writes.
			w := serve(h, "GET", "/reports/q1", stale, nil)
			if w.Code != 200 || len(w.Result().Cookies()) == 0 {
				t.Errorf("stale session: got %d with cookies %v, want 200 and a re-issued cookie", w.Code, w.Result().Cookies())
			}
		})
	}
}

// TestRequireDecodesOnce: behind the guard, the per-handler middleware
// reuses the session the guard decoded.
func TestRequireDecodesOnce(t *testing.T) {
	var validations atomic.Int32
	cfg := guardConfig()
	cfg.OnValidate = func(context.Context, authsession.Session[authsession.User]) bool {
		validations.Add(1)
		return true
	}
	auth := buildAuth(t, cfg)
	cookie := sessionCookie(t, auth, "admin", guardNow)
	h := auth.Middleware(auth.RequireSession(auth.Require(isAdmin)(sessionEcho(auth))))
	if w := serve(h, "GET", "/dashboard", cookie, nil); w.Code != 200 {
		t.Fatalf("status: got %d, want 200", w.Code)
	}
	if got := validations.Load(); got != 1 {
		t.Errorf("decodes: got %d, want 1", got)
	}
}

// TestRequire: a check over the typed session; 403 for a signed-in
// visitor who fails it, as the default HTML page, Config.ForbiddenHandler's page
// or JSON.
func TestRequire(t *testing.T) {
	plain := buildAuth(t, guardConfig())
	cfg := guardConfig()
	cfg.ForbiddenHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "custom forbidden page")
	})
	custom := buildAuth(t, cfg)
	for _, tc := range []struct {
		name    string
		auth    *authsession.AuthSession[authsession.User]
		forbids string
	}{{"default page", plain, "<title>403 Forbidden</title>"}, {"ForbiddenHandler", custom, "custom forbidden page"}} {
		t.Run(tc.name, func(t *testing.T) {
			auth := tc.auth
			h := auth.Require(isAdmin)(sessionEcho(auth))
			tests := []struct {
				name, role, accept string
				status             int
				body               string
			}{
				{"anonymous", "", "", 307, ""},
				{"user", "user", "", 403, tc.forbids},
				{"user, JSON", "user", "application/json", 403, `{"error":{"code":"forbidden","message":"Access denied."}}`},
				{"admin", "admin", "", 200, "user u_1"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					c := ""
					if tt.role != "" {
						c = sessionCookie(t, auth, tt.role, guardNow)
					}
					w := serve(h, "GET", "/anywhere", c, map[string]string{"Accept": tt.accept})
					if w.Code != tt.status {
						t.Fatalf("status: got %d, want %d", w.Code, tt.status)
					}
					if !strings.Contains(w.Body.String(), tt.body) {
						t.Errorf("body: got %q, want %q", w.Body, tt.body)
					}
					if tt.status == 403 && w.Header().Get("Cache-Control") != "no-store" {
						t.Errorf("Cache-Control: got %q, want no-store", w.Header().Get("Cache-Control"))
					}
				})
			}
		})
	}
}

// TestAuthWhere: a rule whose check receives the typed session.
func TestAuthWhere(t *testing.T) {
	var checks atomic.Int32
	cfg := guardConfig()
	cfg.Routes = []authsession.Rule{
		authsession.Public("/login"),
		authsession.Auth(patterns.Dashboard),
		authsession.AuthWhere(patterns.Admin, func(s authsession.Session[authsession.User]) bool {
			checks.Add(1)
			return isAdmin(s)
		}),
	}
	auth := buildAuth(t, cfg)
	h := auth.Middleware(sessionEcho(auth))
	tests := []struct {
		name, target, role, accept string
		status                     int
		location                   string
		checked                    int32
	}{
		{"anonymous", "/admin/users", "", "", 307, "/login?callbackUrl=%2Fadmin%2Fusers", 0},
		{"user", "/admin/users", "user", "", 403, "", 1},
		{"user, JSON", "/admin/users", "user", "application/json", 403, "", 1},
		{"user, locale", "/ar/admin", "user", "", 403, "", 1},
		{"user, unknown locale", "/fr/admin/users", "user", "", 403, "", 1}, // the {lang} reading's check applies
		{"user, trailing slash", "/admin/", "user", "", 403, "", 1},
		{"admin", "/admin/users", "admin", "", 200, "", 1},
		{"admin, unknown locale", "/fr/admin", "admin", "", 200, "", 1},
		{"user elsewhere", "/dashboard", "user", "", 200, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ""
			if tt.role != "" {
				c = sessionCookie(t, auth, tt.role, guardNow)
			}
			checks.Store(0)
			w := serve(h, "GET", tt.target, c, map[string]string{"Accept": tt.accept})
			if w.Code != tt.status {
				t.Fatalf("status: got %d, want %d", w.Code, tt.status)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Errorf("Location: got %q, want %q", got, tt.location)
			}
			if got := checks.Load(); got != tt.checked {
				t.Errorf("checks: got %d, want %d", got, tt.checked)
			}
			if tt.accept != "" {
				var body struct{ Error struct{ Code string } }
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != "forbidden" {
					t.Errorf("JSON body: got %q (%v), want code forbidden", w.Body, err)
				}
			}
		})
	}
}

// TestAuthWhereConfigErrors: the check's type is checked against the
// configuration's user type at NextAuthSession.
func TestAuthWhereConfigErrors(t *testing.T) {
	type other struct{ ID string }
	cfg := guardConfig()
	cfg.Routes = append(cfg.Routes, authsession.AuthWhere("/reports/*", func(authsession.Session[other]) bool { return true }))
	_, err := authsession.NextAuthSession(cfg)
	if !errors.Is(err, authsession.ErrConfig) || !strings.HasPrefix(err.Error(), `authsession: invalid configuration: Routes[6] "/reports/*": the AuthWhere check is a func(authsession.Session[`) {
		t.Errorf("wrong user type: got %v, want a Routes[6] configuration error", err)
	}
	cfg = guardConfig()
	cfg.Routes = append(cfg.Routes, authsession.AuthWhere[authsession.User]("/reports/*", nil))
	if _, err := authsession.NextAuthSession(cfg); !errors.Is(err, authsession.ErrConfig) || !strings.Contains(err.Error(), "nil") {
		t.Errorf("nil check: got %v, want a configuration error", err)
	}
}

// TestSessionFromContext: typed access to the session without the
// *AuthSession, per user type, innermost instance first, no allocation.
func TestSessionFromContext(t *testing.T) {
	type member struct {
		ID   string `json:"id"`
		Team string `json:"team"`
	}
	users := buildAuth(t, guardConfig())
	mcfg := authsession.Config[member]{Secret: guardSecret, Now: func() time.Time { return guardNow }, Cookie: authsession.CookieConfig{Name: "member"}}
	members := buildAuth(t, mcfg)
	tok, err := members.EncryptSession(authsession.Session[member]{User: member{ID: "m_1", Team: "blue"}, CreatedAt: guardNow, LastActivity: guardNow, ExpiresAt: guardNow.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var gotUser, gotMember string
	h := users.Middleware(members.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := authsession.SessionFromContext[authsession.User](r.Context())
		m, _ := authsession.SessionFromContext[member](r.Context())
		gotUser, gotMember = u.User.ID, m.User.Team
		ctx := r.Context()
		if n := testing.AllocsPerRun(100, func() { authsession.SessionFromContext[authsession.User](ctx) }); n != 0 {
			t.Errorf("SessionFromContext: %v allocs, want 0", n)
		}
	})))
	serve(h, "GET", "/about", sessionCookie(t, users, "user", guardNow)+"; member="+tok, nil)
	if gotUser != "u_1" || gotMember != "blue" {
		t.Errorf("got user %q and team %q, want u_1 and blue", gotUser, gotMember)
	}
	// Nothing in the context: no session, never a panic.
	if _, ok := authsession.SessionFromContext[authsession.User](context.Background()); ok {
		t.Error("empty context: got a session")
	}
	//lint:ignore SA1012 a nil context must be handled too
	if _, ok := authsession.SessionFromContext[authsession.User](nil); ok {
		t.Error("nil context: got a session")
	}
	// Two instances of the same user type: the innermost wins.
	cfg2 := guardConfig()
	cfg2.Cookie.Name = "second"
	second := buildAuth(t, cfg2)
	tok2, _ := second.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{ID: "u_2"}, CreatedAt: guardNow, LastActivity: guardNow, ExpiresAt: guardNow.Add(time.Hour)})
	var got string
	h = users.Middleware(second.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := authsession.SessionFromContext[authsession.User](r.Context())
		first, _ := users.GetSession(r)
		got = s.User.ID + " " + first.User.ID
	})))
	serve(h, "GET", "/about", sessionCookie(t, users, "user", guardNow)+"; second="+tok2, nil)
	if got != "u_2 u_1" {
		t.Errorf("two instances: got %q, want the innermost (u_2) from SessionFromContext and u_1 from the outer GetSession", got)
	}
}
