package authsession_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
)

// eventLog records the events it receives, with the value of ctxKey in
// each event's context.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

type ctxKey struct{}

func (l *eventLog) add(ctx context.Context, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	tag, _ := ctx.Value(ctxKey{}).(string)
	l.events = append(l.events, fmt.Sprintf(format, args...)+" ctx="+tag)
}

func (l *eventLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

func (l *eventLog) hooks() authsession.Events[authsession.User] {
	return authsession.Events[authsession.User]{
		SignIn: func(ctx context.Context, s authsession.Session[authsession.User]) error {
			l.add(ctx, "SignIn %s", s.User.ID)
			return nil
		},
		SignOut: func(ctx context.Context, s authsession.Session[authsession.User]) error {
			l.add(ctx, "SignOut %s", s.User.ID)
			return nil
		},
		Refresh: func(ctx context.Context, s authsession.Session[authsession.User]) error {
			l.add(ctx, "Refresh %s", s.User.ID)
			return nil
		},
		Revoke: func(ctx context.Context, userID, sessionID string) error {
			l.add(ctx, "Revoke %s", userID)
			return nil
		},
		RevokeAll: func(ctx context.Context, userID string, n int) error {
			l.add(ctx, "RevokeAll %s %d", userID, n)
			return nil
		},
	}
}

// tagged returns r with "req" under ctxKey in its context.
func tagged(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), ctxKey{}, "req"))
}

func TestEvents(t *testing.T) {
	log := &eventLog{}
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
		c.Events = log.hooks()
		c.Expiry = time.Hour
		c.RefreshThreshold = 10 * time.Minute
	})
	a := f.auth
	signInAs := func(id string, cookies []*http.Cookie) []*http.Cookie {
		w := httptest.NewRecorder()
		if _, err := a.CreateSession(w, tagged(requestWith(cookies)), authsession.User{ID: id}); err != nil {
			t.Fatal(err)
		}
		return w.Result().Cookies()
	}
	check := func(what string, want ...string) {
		t.Helper()
		got := log.take()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got events %q, want %q", what, got, want)
		}
	}

	ann := signInAs("u_ann", nil)
	check("sign-in", "SignIn u_ann ctx=req")
	bob := signInAs("u_bob", ann)
	check("sign-in over Ann's session", "SignOut u_ann ctx=req", "SignIn u_bob ctx=req")

	f.clk.Add(15 * time.Minute)
	w := httptest.NewRecorder()
	if _, err := a.RefreshSession(w, tagged(requestWith(bob))); err != nil {
		t.Fatal(err)
	}
	check("RefreshSession", "Refresh u_bob ctx=req")
	a.Middleware(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), tagged(requestWith(bob)))
	check("auto refresh", "Refresh u_bob ctx=req")
	if _, ok := a.GetSession(tagged(requestWith(bob))); !ok {
		t.Fatal("GetSession: no session")
	}
	check("GetSession (no refresh)")

	if err := a.DeleteSession(httptest.NewRecorder(), tagged(requestWith(bob))); err != nil {
		t.Fatal(err)
	}
	check("DeleteSession", "SignOut u_bob ctx=req")
	if err := a.DeleteSession(httptest.NewRecorder(), tagged(requestWith(nil))); err != nil {
		t.Fatal(err)
	}
	check("DeleteSession without a session")

	carol1 := signInAs("u_carol", nil)
	signInAs("u_carol", nil)
	log.take()
	s, _ := a.GetSession(requestWith(carol1))
	ctx := context.WithValue(context.Background(), ctxKey{}, "call")
	if err := a.RevokeSession(ctx, "u_carol", s.ID); err != nil {
		t.Fatal(err)
	}
	check("RevokeSession", "Revoke u_carol ctx=call")
	if err := a.RevokeSession(ctx, "u_carol", s.ID); !errors.Is(err, authsession.ErrNoSession) {
		t.Fatalf("second revoke: got %v, want ErrNoSession", err)
	}
	check("RevokeSession of an ended session")
	if n, err := a.RevokeUserSessions(ctx, "u_carol"); err != nil || n != 1 {
		t.Fatalf("RevokeUserSessions: got %d %v, want 1 nil", n, err)
	}
	check("RevokeUserSessions", "RevokeAll u_carol 1 ctx=call")
}

// TestEventsFailingHooks: a hook that errors or panics is logged at error
// level and never breaks the operation or the request.
func TestEventsFailingHooks(t *testing.T) {
	for _, mode := range []string{"error", "panic"} {
		t.Run(mode, func(t *testing.T) {
			fail := func() error {
				if mode == "panic" {
					panic("audit log unreachable")
				}
				return errors.New("audit log unreachable")
			}
			logs := &testenv.Buffer{}
			f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) {
				c.Logger = debugLogger(logs)
				c.Expiry = time.Hour
				c.RefreshThreshold = 10 * time.Minute
				c.Events = authsession.Events[authsession.User]{
					SignIn:    func(context.Context, authsession.Session[authsession.User]) error { return fail() },
					SignOut:   func(context.Context, authsession.Session[authsession.User]) error { return fail() },
					Refresh:   func(context.Context, authsession.Session[authsession.User]) error { return fail() },
					Revoke:    func(context.Context, string, string) error { return fail() },
					RevokeAll: func(context.Context, string, int) error { return fail() },
				}
			})
			a := f.auth
			s, cookies := f.login(t, "u_1", nil, "UA")
			_, other := f.login(t, "u_1", nil, "UA2")

			f.clk.Add(15 * time.Minute)
			guarded := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, ok := a.GetSession(r); !ok {
					t.Error("handler: no session after a failing Refresh hook")
				}
				w.WriteHeader(http.StatusTeapot)
			}))
			w := httptest.NewRecorder()
			guarded.ServeHTTP(w, requestWith(cookies))
			if w.Code != http.StatusTeapot || len(w.Result().Cookies()) == 0 {
				t.Errorf("auto refresh: got %d with %d cookies, want the handler's 418 and the refreshed cookie", w.Code, len(w.Result().Cookies()))
			}
			if err := a.DeleteSession(httptest.NewRecorder(), requestWith(cookies)); err != nil {
				t.Errorf("DeleteSession: %v", err)
			}
			if _, ok := f.get(cookies); ok {
				t.Error("the session survived its logout")
			}
			o, _ := f.get(other)
			if err := a.RevokeSession(context.Background(), "u_1", o.ID); err != nil {
				t.Errorf("RevokeSession: %v", err)
			}
			if _, err := a.RevokeUserSessions(context.Background(), "u_1"); err != nil {
				t.Errorf("RevokeUserSessions: %v", err)
			}
			out := logs.String()
			for _, ev := range []string{"SignIn", "SignOut", "Refresh", "Revoke", "RevokeAll"} {
				if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "event="+ev+" ") {
					t.Errorf("log: no error-level entry for %s in\n%s", ev, out)
				}
			}
			if strings.Contains(out, s.ID) {
				t.Error("log contains a session id")
			}
			for _, c := range cookies {
				if strings.Contains(out, c.Value) {
					t.Error("log contains a token")
				}
			}
		})
	}
}

// TestDeleteAfterCreate: DeleteSession after CreateSession in one handler
// ends the session CreateSession issued (its token was written to the
// response): revoked in the store, one SignOut for it, and the request's
// own session (already replaced by the sign-in) is not signed out twice.
// A second DeleteSession in the same response does nothing more.
func TestDeleteAfterCreate(t *testing.T) {
	log := &eventLog{}
	f := newStoreFixture(t, func(c *authsession.Config[authsession.User]) { c.Events = log.hooks() })
	ctx := context.Background()
	for _, carried := range []bool{false, true} {
		var cookies []*http.Cookie
		var old authsession.Session[authsession.User]
		if carried {
			old, cookies = f.login(t, "old", nil, "ua")
		}
		log.take()
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/login", nil)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		s, err := f.auth.CreateSession(w, r, authsession.User{ID: "new"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := f.store.Get(ctx, authsession.OwnerOf("new"), s.ID, authsession.Touch{}); !ok {
			t.Fatalf("carried=%v: the new session is not in the store: %v", carried, err)
		}
		if err := f.auth.DeleteSession(w, r); err != nil {
			t.Fatal(err)
		}
		if err := f.auth.DeleteSession(w, r); err != nil {
			t.Fatal(err)
		}
		if rec, ok, err := f.store.Get(ctx, authsession.OwnerOf("new"), s.ID, authsession.Touch{}); ok {
			t.Errorf("carried=%v: the session CreateSession issued is still live in the store (%+v, %v, %d revokes)", carried, rec, err, f.store.revokes.Load())
		}
		if carried {
			if _, ok, _ := f.store.Get(ctx, authsession.OwnerOf("old"), old.ID, authsession.Touch{}); ok {
				t.Errorf("the replaced session is still live in the store")
			}
		}
		want := []string{"SignIn new ctx=", "SignOut new ctx="}
		if carried {
			want = []string{"SignOut old ctx=", "SignIn new ctx=", "SignOut new ctx="}
		}
		if got := log.take(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("carried=%v: events %q, want %q", carried, got, want)
		}
		resp := w.Result()
		jar := map[string]string{}
		for _, c := range resp.Cookies() {
			jar[c.Name] = c.Value
			if c.MaxAge < 0 {
				delete(jar, c.Name)
			}
		}
		if len(jar) != 0 {
			t.Errorf("carried=%v: cookies left set after the response: %v", carried, jar)
		}
		next := httptest.NewRequest("GET", "/", nil)
		for _, c := range resp.Cookies() {
			if c.Name == authsession.DefaultCookieName && c.Value != "" {
				next.AddCookie(c) // the token CreateSession wrote, replayed
			}
		}
		if _, ok := f.auth.GetSession(next); ok {
			t.Errorf("carried=%v: the token CreateSession wrote still reads as a session", carried)
		}
	}
}
