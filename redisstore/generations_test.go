package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/redisstore"
)

// Issue 29's generation scenarios on Redis and Redis Cluster, with two
// application instances sharing the store (the root package runs them on
// the memory store): an older cookie may read inside the grace but never
// write history back; a demotion is a privilege change; a superseded
// cookie signs nothing out; a flash is read once, in both storages.

// twoInstances returns two instances of one application on kind, sharing
// one key prefix and one fake clock, in the given storage.
func twoInstances(t *testing.T, kind string, storage authsession.Storage) (one, two *app, advance func(time.Duration)) {
	t.Helper()
	connect(t, kind)
	pfx := prefix(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	newInstance := func() *app {
		a := newApp(t, connect(t, kind), pfx, func(c *authsession.Config[authsession.User], _ *redisstore.Options) {
			c.Now, c.Storage = clock, storage
		})
		t.Cleanup(func() { a.auth.Close(context.Background()) })
		return a
	}
	return newInstance(), newInstance(), func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
}

// signInAs signs user in on a with the given role.
func (a *app) signInAs(t *testing.T, user, role string) []*http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	u := authsession.User{ID: user, Name: "Ann", Extra: map[string]any{"role": role}}
	if _, err := a.auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), u); err != nil {
		t.Fatal(err)
	}
	return w.Result().Cookies()
}

// role returns the role of the session cookies carry on a, and whether
// they carry one.
func (a *app) role(cookies []*http.Cookie) (string, bool) {
	s, ok := a.auth.GetSession(request(cookies))
	return s.User.ExtraString("role"), ok
}

// replaced returns cookies with those a response set put in their place.
func replaced(cookies []*http.Cookie, w *httptest.ResponseRecorder) []*http.Cookie {
	set := w.Result().Cookies()
	out := make([]*http.Cookie, 0, len(cookies)+len(set))
	for _, c := range cookies {
		kept := true
		for _, s := range set {
			kept = kept && s.Name != c.Name
		}
		if kept {
			out = append(out, c)
		}
	}
	for _, s := range set {
		if s.MaxAge >= 0 && s.Value != "" {
			out = append(out, s)
		}
	}
	return out
}

// TestRedisDemotionCannotBeUndone: a role lowered on one instance through
// UpdateSession, with no mark, ends the pre-change cookie at once on the
// other, so a write made there with it brings no admin back.
func TestRedisDemotionCannotBeUndone(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			one, two, _ := twoInstances(t, kind, authsession.StorageCookie)
			admin := one.signInAs(t, "u_demoted", "admin")
			w := httptest.NewRecorder()
			if _, err := one.auth.UpdateSession(w, request(admin), func(s *authsession.Session[authsession.User]) error {
				s.User.Extra = map[string]any{"role": "user"}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			demoted := replaced(admin, w)
			if _, ok := two.role(admin); ok {
				t.Errorf("the pre-demotion cookie on the other instance: got a session, want none")
			}
			// SetData with it starts a visitor's session at most (the old
			// cookie is no session), never the admin's again.
			w = httptest.NewRecorder()
			two.auth.SetData(w, request(admin), "k", 1)
			if role, ok := two.role(replaced(admin, w)); ok && role == "admin" {
				t.Errorf("a write with the pre-demotion cookie gave an admin session back")
			}
			if role, ok := two.role(demoted); !ok || role != "user" {
				t.Errorf("the demoted session after the old cookie's write: got %q %v, want user, kept", role, ok)
			}
		})
	}
}

// TestRedisGraceCookieCannotWriteBack: after a display change on one
// instance, the cookie before it still reads on the other inside the
// grace, but a write made with it there is refused and the new name stays.
func TestRedisGraceCookieCannotWriteBack(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			one, two, _ := twoInstances(t, kind, authsession.StorageCookie)
			old := one.signInAs(t, "u_renamed", "user")
			w := httptest.NewRecorder()
			if res := one.auth.Actions.Update(w, request(old), map[string]any{"name": "Bo"}); !res.Success {
				t.Fatal(res.Err)
			}
			renamed := replaced(old, w)
			if s, ok := two.auth.GetSession(request(old)); !ok || s.User.Name != "Ann" {
				t.Fatalf("the old cookie on the other instance inside the grace: got %v, want it read", ok)
			}
			w = httptest.NewRecorder()
			if err := two.auth.SetData(w, request(old), "k", 1); err == nil {
				t.Errorf("a write with the old cookie: got nil, want it refused")
			}
			if set := w.Result().Cookies(); len(set) != 0 {
				if s, ok := two.auth.GetSession(request(replaced(old, w))); ok && s.User.Name == "Ann" {
					t.Errorf("a write with the old cookie issued a session with the old name")
				}
			}
			if s, ok := one.auth.GetSession(request(renamed)); !ok || s.User.Name != "Bo" {
				t.Errorf("the renamed session: got %v %q, want Bo", ok, s.User.Name)
			}
		})
	}
}

// TestRedisStaleCookieCannotSignOut: DELETE /api/session on one instance
// with a cookie of an older generation, inside the grace or past it,
// leaves the current session live on the other.
func TestRedisStaleCookieCannotSignOut(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			one, two, advance := twoInstances(t, kind, authsession.StorageCookie)
			old := one.signInAs(t, "u_stale", "user")
			w := httptest.NewRecorder()
			if res := one.auth.Actions.Update(w, request(old), map[string]any{"name": "Bo"}); !res.Success {
				t.Fatal(res.Err)
			}
			current := replaced(old, w)
			for _, when := range []string{"inside the grace", "past the grace"} {
				r := request(old)
				r.Method = http.MethodDelete
				r.URL.Path = "/api/session"
				two.auth.Handlers.ServeHTTP(httptest.NewRecorder(), r)
				if !one.signedIn(current) {
					t.Fatalf("DELETE with the older cookie %s signed the current session out", when)
				}
				advance(two.auth.Config.GenerationGrace)
			}
		})
	}
}

// TestRedisFlashReadOnce: two instances read one session's flash at the
// same time: it is shown once, in both storages.
func TestRedisFlashReadOnce(t *testing.T) {
	for _, kind := range kinds {
		for _, storage := range []authsession.Storage{authsession.StorageCookie, authsession.StorageServer} {
			name := kind + "/cookie"
			if storage == authsession.StorageServer {
				name = kind + "/server"
			}
			t.Run(name, func(t *testing.T) {
				one, two, _ := twoInstances(t, kind, storage)
				for round := range 20 {
					w := httptest.NewRecorder()
					u := authsession.User{ID: "u_flash"}
					if _, err := one.auth.CreateSession(w, httptest.NewRequest("POST", "/login", nil), u, authsession.WithFlash("notice", round)); err != nil {
						t.Fatal(err)
					}
					cookies := w.Result().Cookies()
					var mu sync.Mutex
					var wg sync.WaitGroup
					shown := 0
					for _, a := range []*app{one, two} {
						wg.Add(1)
						go func() {
							defer wg.Done()
							flashes, err := a.auth.Flashes(httptest.NewRecorder(), request(cookies))
							if err != nil {
								return // the read that lost the race may be refused
							}
							mu.Lock()
							shown += len(flashes)
							mu.Unlock()
						}()
					}
					wg.Wait()
					if shown != 1 {
						t.Fatalf("round %d: two instances reading at once showed the flash %d times, want once", round, shown)
					}
				}
			})
		}
	}
}
