package authsession_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
)

// genFixture is a store fixture whose OnRefresh gives the user the role
// in roles (when set), marked as a privilege change when privileged is
// set, with a second instance on the same store.
type genFixture struct {
	*storeFixture
	other      *authsession.AuthSession[authsession.User]
	roles      sync.Map // user id → role, read by OnRefresh
	privileged atomic.Bool
}

func newGenFixture(t *testing.T, edit func(*authsession.Config[authsession.User])) *genFixture {
	t.Helper()
	g := &genFixture{}
	g.storeFixture = newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
		c.Expiry, c.RefreshThreshold = time.Hour, 10*time.Minute
		c.UpdatableFields = []string{"name"}
		c.OnRefresh = func(_ context.Context, s authsession.Session[authsession.User]) (authsession.Session[authsession.User], error) {
			if role, ok := g.roles.Load(s.User.ID); ok {
				s.User.Extra = map[string]any{"role": role}
			}
			if g.privileged.Load() {
				s.MarkPrivilegeChange()
			}
			return s, nil
		}
		if edit != nil {
			edit(c)
		}
	})
	g.other = g.secondInstance(t)
	return g
}

// sessionCookies returns cookies with the session cookie replaced by the
// one the response set, if it set one.
func sessionCookies(cookies []*http.Cookie, w *httptest.ResponseRecorder) []*http.Cookie {
	set := w.Result().Cookies()
	if len(set) == 0 {
		return cookies
	}
	return set
}

// roleOf returns the role the instance sees in the cookie's session, or
// "" with ok false when it sees none.
func roleOf(a *authsession.AuthSession[authsession.User], cookies []*http.Cookie) (string, bool) {
	s, ok := a.GetSession(requestWith(cookies))
	return s.User.ExtraString("role"), ok
}

// change is one way of changing a session: it returns the cookies after
// it and whether it was marked as a privilege change.
type change struct {
	name       string
	privileged bool
	do         func(t *testing.T, g *genFixture, cookies []*http.Cookie) []*http.Cookie
}

// Marks an update of the role makes.
const (
	unmarked = iota // a role change: a privilege change by default
	markPrivilege
	markDisplay // said not to be one
)

func updateRole(mark int) func(*testing.T, *genFixture, []*http.Cookie) []*http.Cookie {
	return func(t *testing.T, g *genFixture, cookies []*http.Cookie) []*http.Cookie {
		w := httptest.NewRecorder()
		_, err := g.auth.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
			s.User.Extra = map[string]any{"role": "admin"}
			switch mark {
			case markPrivilege:
				s.MarkPrivilegeChange()
			case markDisplay:
				s.MarkDisplayChange()
			}
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateSession: %v", err)
		}
		return sessionCookies(cookies, w)
	}
}

func refreshRole(privileged bool) func(*testing.T, *genFixture, []*http.Cookie) []*http.Cookie {
	return func(t *testing.T, g *genFixture, cookies []*http.Cookie) []*http.Cookie {
		g.roles.Store("u_1", "admin")
		g.privileged.Store(privileged)
		w := httptest.NewRecorder()
		if _, err := g.auth.RefreshSession(w, requestWith(cookies)); err != nil {
			t.Fatalf("RefreshSession: %v", err)
		}
		return sessionCookies(cookies, w)
	}
}

var changes = []change{
	{"UpdateSession marked as a display change", false, updateRole(markDisplay)},
	{"UpdateSession privileged", true, updateRole(markPrivilege)},
	{"OnRefresh", false, refreshRole(false)},
	{"OnRefresh privileged", true, refreshRole(true)},
	{"Actions.Update", false, func(t *testing.T, g *genFixture, cookies []*http.Cookie) []*http.Cookie {
		w := httptest.NewRecorder()
		if res := g.auth.Actions.Update(w, requestWith(cookies), map[string]any{"name": "Bo"}); !res.Success {
			t.Fatalf("Actions.Update: %v", res.Err)
		}
		return sessionCookies(cookies, w)
	}},
	{"PATCH on the other instance", false, func(t *testing.T, g *genFixture, cookies []*http.Cookie) []*http.Cookie {
		r := httptest.NewRequest(http.MethodPatch, "/api/session", strings.NewReader(`{"user":{"name":"Bo"}}`))
		r.Header.Set("Content-Type", "application/json")
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		g.other.Handlers.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("PATCH: got %d %s", w.Code, w.Body)
		}
		return sessionCookies(cookies, w)
	}},
	{"UpdateSession of a role, unmarked", true, updateRole(unmarked)},
}

// TestGenerationSupersedesOlderTokens: with a store, a cookie captured
// before a change of the session (a role change through UpdateSession or
// OnRefresh, a PATCH) replays as "no session" on every instance once
// Config.GenerationGrace has passed, and works until then (requests in
// flight), unless the change was marked as a privilege change: then it is
// refused at once. The new cookie works throughout. Before session
// generations, the captured cookie replayed the old user until it
// expired.
func TestGenerationSupersedesOlderTokens(t *testing.T) {
	for _, ch := range changes {
		t.Run(ch.name, func(t *testing.T) {
			g := newGenFixture(t, nil)
			before, captured := g.login(t, "u_1", nil, "A")
			g.clk.Add(time.Minute)
			after := ch.do(t, g, captured)
			s, ok := g.get(after)
			if !ok {
				t.Fatalf("the new cookie: got no session")
			}
			if got := s.ID != before.ID; got != ch.privileged {
				t.Errorf("new session id: got %v, want %v (a privilege change re-issues under a new id)", got, ch.privileged)
			}
			for name, a := range map[string]*authsession.AuthSession[authsession.User]{"this": g.auth, "other": g.other} {
				if _, ok := a.GetSession(requestWith(captured)); ok == ch.privileged {
					t.Errorf("%s instance, within the grace: the captured cookie got a session=%v, want %v", name, ok, !ch.privileged)
				}
			}
			g.clk.Add(authsession.DefaultGenerationGrace)
			for name, a := range map[string]*authsession.AuthSession[authsession.User]{"this": g.auth, "other": g.other} {
				if _, ok := a.GetSession(requestWith(captured)); ok {
					t.Errorf("%s instance, past the grace: the captured cookie got a session, want none", name)
				}
				if _, ok := a.GetSession(requestWith(after)); !ok {
					t.Errorf("%s instance, past the grace: the new cookie got no session", name)
				}
			}
			if recs, _ := g.auth.ListUserSessions(context.Background(), "u_1"); len(recs) != 1 {
				t.Errorf("ListUserSessions: got %d sessions, want 1", len(recs))
			}
		})
	}
}

// TestGenerationGraceCoversOneGeneration: only the generation just before
// the latest change gets the grace; a change cuts the grace of the one
// before short. A negative GenerationGrace means none.
func TestGenerationGraceCoversOneGeneration(t *testing.T) {
	g := newGenFixture(t, nil)
	_, c1 := g.login(t, "u_1", nil, "A")
	c2 := changes[0].do(t, g, c1)
	c3 := changes[4].do(t, g, c2) // Actions.Update
	for _, tt := range []struct {
		name    string
		cookies []*http.Cookie
		want    bool
	}{{"two generations back", c1, false}, {"one generation back", c2, true}, {"current", c3, true}} {
		if _, ok := g.get(tt.cookies); ok != tt.want {
			t.Errorf("%s, within the grace: got a session=%v, want %v", tt.name, ok, tt.want)
		}
	}

	none := newGenFixture(t, func(c *authsession.Config[authsession.User]) { c.GenerationGrace = -1 })
	_, before := none.login(t, "u_1", nil, "A")
	after := changes[0].do(t, none, before)
	if _, ok := none.get(before); ok {
		t.Errorf("GenerationGrace < 0: the token before the change got a session, want none at once")
	}
	if _, ok := none.get(after); !ok {
		t.Errorf("GenerationGrace < 0: the new token got no session")
	}
}

// TestGenerationUnchangedKeepsTokens: re-issues that do not change the
// session keep its generation: a plain refresh (the old token is a valid
// copy of the same session until its exp), an OnRefresh that changed
// nothing, an update that changed nothing. They write no generation.
func TestGenerationUnchangedKeepsTokens(t *testing.T) {
	for _, tt := range []struct {
		name string
		do   func(t *testing.T, g *genFixture, cookies []*http.Cookie) []*http.Cookie
	}{
		{"refresh", func(t *testing.T, g *genFixture, cookies []*http.Cookie) []*http.Cookie {
			w := httptest.NewRecorder()
			if _, err := g.auth.RefreshSession(w, requestWith(cookies)); err != nil {
				t.Fatal(err)
			}
			return sessionCookies(cookies, w)
		}},
		{"update to the same values", func(t *testing.T, g *genFixture, cookies []*http.Cookie) []*http.Cookie {
			w := httptest.NewRecorder()
			if _, err := g.auth.UpdateSession(w, requestWith(cookies), func(s *authsession.Session[authsession.User]) error {
				s.User.Email = "u_1@example.com"
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return sessionCookies(cookies, w)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGenFixture(t, nil)
			s, before := g.login(t, "u_1", nil, "A")
			g.clk.Add(15 * time.Minute) // past the refresh threshold
			g.get(before)               // the store check's own touch (TouchAfter)
			touches := g.store.touches.Load()
			after := tt.do(t, g, before)
			g.clk.Add(authsession.DefaultGenerationGrace)
			if _, ok := g.get(before); !ok {
				t.Errorf("the token before: got no session, want it kept")
			}
			if _, ok := g.get(after); !ok {
				t.Errorf("the token after: got no session")
			}
			rec, _, _ := g.store.Store.Get(context.Background(), authsession.OwnerOf("u_1"), s.ID, authsession.Touch{})
			if rec.Generation != 1 {
				t.Errorf("store generation: got %d, want 1", rec.Generation)
			}
			if tt.name != "refresh" && g.store.touches.Load() != touches {
				t.Errorf("an update that changed nothing wrote to the store")
			}
		})
	}
}

// tokenGeneration returns the "gen" claim of the cookie's token, and
// whether it has one.
func tokenGeneration(t *testing.T, cfg authsession.Config[authsession.User], cookies []*http.Cookie) (uint64, bool) {
	t.Helper()
	info, err := inspectToken(cfg, cookieNamed(cookies, cfg.Cookie.Name).Value)
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(info.Claims, &claims); err != nil {
		t.Fatal(err)
	}
	raw, ok := claims["gen"]
	var gen uint64
	if ok {
		if err := json.Unmarshal(raw, &gen); err != nil {
			t.Fatalf("gen claim %s: %v", raw, err)
		}
	}
	return gen, ok
}

// TestGenerationClaim: with a store, the token carries its generation
// ("gen": 1 at sign-in, 2 after a change); without a store it carries
// none, so stateless tokens are as they were. (The Auth.js and NextAuth.js
// formats take no store.)
func TestGenerationClaim(t *testing.T) {
	g := newGenFixture(t, nil)
	_, c1 := g.login(t, "u_1", nil, "A")
	if gen, ok := tokenGeneration(t, g.auth.Config, c1); !ok || gen != 1 {
		t.Errorf("after sign-in: got gen %d (present %v), want 1", gen, ok)
	}
	c2 := changes[0].do(t, g, c1)
	if gen, _ := tokenGeneration(t, g.auth.Config, c2); gen != 2 {
		t.Errorf("after a change: got gen %d, want 2", gen)
	}

	clk := newClock()
	stateless := newAuth(t, clk, nil)
	_, cookies := signIn(t, stateless, testUser)
	if _, ok := tokenGeneration(t, stateless.Config, cookies); ok {
		t.Errorf("without a store: the token has a gen claim, want none")
	}
}

// TestGenerationPrivilegeChangeInGuard: an OnRefresh marked as a privilege
// change, run by the guard's auto refresh, re-issues the session under a
// new id in that response; the request goes on with the new session, and
// the old cookie is refused at once. When the store cannot take it, the
// request goes on without a session.
func TestGenerationPrivilegeChangeInGuard(t *testing.T) {
	serve := func(g *genFixture, cookies []*http.Cookie) (*httptest.ResponseRecorder, string) {
		var seen string
		h := g.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s, ok := g.auth.GetSession(r); ok {
				seen = s.User.ExtraString("role") + "/" + s.ID
			}
		}))
		r := requestWith(cookies)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w, seen
	}
	g := newGenFixture(t, nil)
	s, before := g.login(t, "u_1", nil, "A")
	g.clk.Add(15 * time.Minute) // past the refresh threshold
	g.roles.Store("u_1", "admin")
	g.privileged.Store(true)
	w, seen := serve(g, before)
	after := sessionCookies(before, w)
	now, ok := g.get(after)
	if !ok || now.ID == s.ID || seen != "admin/"+now.ID {
		t.Errorf("auto refresh with a privilege change: handler saw %q, new cookie %v (id %q), want the new session, under a new id", seen, ok, now.ID)
	}
	if _, ok := g.get(before); ok {
		t.Errorf("the cookie before the privilege change: got a session, want none")
	}

	g = newGenFixture(t, nil)
	_, before = g.login(t, "u_1", nil, "A")
	g.clk.Add(15 * time.Minute)
	g.privileged.Store(true)
	g.store.dropRevokes.Store(true)
	if w, seen := serve(g, before); seen != "" || cookieNamed(w.Result().Cookies(), "session") == nil {
		t.Errorf("auto refresh with a privilege change the store could not take: handler saw %q, want no session and the cookie cleared", seen)
	}
}

// TestGenerationUserIDChange: with a store, an update that gives the
// session another user id is a privilege change: the session is re-issued
// under a new id recorded under the new user, and the old one is revoked
// under the old user, so that neither stays recorded under the wrong
// user.
func TestGenerationUserIDChange(t *testing.T) {
	g := newGenFixture(t, nil)
	ctx := context.Background()
	_, before := g.login(t, "u_1", nil, "A")
	w := httptest.NewRecorder()
	s, err := g.auth.UpdateSession(w, requestWith(before), func(s *authsession.Session[authsession.User]) error {
		s.User.ID = "u_2"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateSession: %v", err)
	}
	after := sessionCookies(before, w)
	if got, ok := g.get(after); !ok || got.User.ID != "u_2" || got.ID != s.ID {
		t.Errorf("the new cookie: got %q/%q, session=%v, want u_2's session %q", got.User.ID, got.ID, ok, s.ID)
	}
	if _, ok := g.get(before); ok {
		t.Errorf("the old cookie: got a session, want none")
	}
	for user, want := range map[string]int{"u_1": 0, "u_2": 1} {
		if recs, _ := g.auth.ListUserSessions(ctx, user); len(recs) != want {
			t.Errorf("ListUserSessions(%s): got %d, want %d", user, len(recs), want)
		}
	}
}
