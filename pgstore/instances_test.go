package pgstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/pgstore"
)

const secret = "postgres-test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

func login(t testing.TB, auth *authsession.AuthSession[authsession.User], user string) []*http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/login", nil)
	r.Header.Set("User-Agent", "test browser")
	if _, err := auth.CreateSession(w, r, authsession.User{ID: user}); err != nil {
		t.Errorf("CreateSession: %v", err)
		return nil
	}
	return w.Result().Cookies()
}

func request(cookies []*http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// instance is one application instance: its own pool, store and
// AuthSession, on the shared table.
func instance(t *testing.T, name string, edit func(*authsession.Config[authsession.User], *pgstore.Options)) *authsession.AuthSession[authsession.User] {
	t.Helper()
	cfg := authsession.Config[authsession.User]{Secret: secret}
	opts := pgstore.Options{Table: name}
	if edit != nil {
		edit(&cfg, &opts)
	}
	cfg.Store = newStore(t, connect(t), opts)
	auth, err := authsession.NextAuthSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close(context.Background()) })
	return auth
}

// TestTwoInstancesShareRevocation runs two application instances (two
// NextAuthSession values, each with its own pool) on one table: a session
// signed in on one is live on the other, listed there, and a logout or a
// "log out everywhere" on either ends it on both at once.
func TestTwoInstancesShareRevocation(t *testing.T) {
	name := table(t, connect(t))
	one, two := instance(t, name, nil), instance(t, name, nil)
	ctx := context.Background()
	logouts := map[string]func(t *testing.T, cookies []*http.Cookie){
		"DeleteSession on the other instance": func(t *testing.T, cookies []*http.Cookie) {
			if err := two.DeleteSession(httptest.NewRecorder(), request(cookies)); err != nil {
				t.Fatal(err)
			}
		},
		"log out everywhere on the other instance": func(t *testing.T, _ []*http.Cookie) {
			if n, err := two.RevokeUserSessions(ctx, "u_1"); n != 1 || err != nil {
				t.Fatalf("RevokeUserSessions: got %d, %v, want 1, nil", n, err)
			}
		},
	}
	for what, logout := range logouts {
		t.Run(what, func(t *testing.T) {
			cookies := login(t, one, "u_1")
			// Instance one reads twice, so its verified-token cache
			// holds the token.
			for _, a := range []*authsession.AuthSession[authsession.User]{one, one, two} {
				if !a.IsAuthenticated(request(cookies)) {
					t.Fatalf("before logout: got signed out, want signed in")
				}
			}
			if recs, err := two.ListUserSessions(ctx, "u_1"); err != nil || len(recs) != 1 || recs[0].Client != "test browser" {
				t.Errorf("ListUserSessions on the other instance: got %+v, %v", recs, err)
			}
			logout(t, cookies)
			for i, a := range []*authsession.AuthSession[authsession.User]{one, two} {
				if a.IsAuthenticated(request(cookies)) {
					t.Errorf("instance %d after logout: got signed in, want signed out", i+1)
				}
			}
		})
	}
}

// TestConcurrentInstances signs in, reads and logs out from many
// goroutines across two instances, and races "log out everywhere"
// against sign-ins; run with -race.
func TestConcurrentInstances(t *testing.T) {
	name := table(t, connect(t))
	// StoreTimeout well above the default: 33 goroutines under -race on a
	// loaded machine can wait on PostgreSQL longer than 250 ms, and this
	// test is about races, not deadlines (TestDatabaseFrozen is).
	roomy := func(c *authsession.Config[authsession.User], o *pgstore.Options) {
		o.MaxSessionsPerUser = 100
		c.StoreTimeout = 5 * time.Second
	}
	apps := []*authsession.AuthSession[authsession.User]{instance(t, name, roomy), instance(t, name, roomy)}
	ctx := context.Background()
	const workers, each = 16, 15
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			user := fmt.Sprintf("w%d", w%4)
			for i := range each {
				a, b := apps[(w+i)%2], apps[(w+i+1)%2]
				cookies := login(t, a, user)
				if !b.IsAuthenticated(request(cookies)) {
					t.Errorf("worker %d: new session not live on the other instance", w)
				}
				if i%3 == 0 {
					if err := b.DeleteSession(httptest.NewRecorder(), request(cookies)); err != nil {
						t.Errorf("DeleteSession: %v", err)
					}
					if a.IsAuthenticated(request(cookies)) {
						t.Errorf("worker %d: deleted session still live", w)
					}
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			login(t, apps[i%2], "racer")
			if _, err := apps[(i+1)%2].RevokeUserSessions(ctx, "racer"); err != nil {
				t.Errorf("RevokeUserSessions: %v", err)
			}
		}
	})
	wg.Wait()
	total := 0
	for u := range 4 {
		recs, err := apps[u%2].ListUserSessions(ctx, fmt.Sprintf("w%d", u))
		if err != nil {
			t.Fatal(err)
		}
		total += len(recs)
	}
	if want := workers * (each - (each+2)/3); total != want {
		t.Errorf("live sessions: got %d, want %d", total, want)
	}
	if recs, _ := apps[0].ListUserSessions(ctx, "racer"); len(recs) != 0 {
		t.Errorf("racer: got %d live sessions after the last log out everywhere, want 0", len(recs))
	}
}

// TestTwoInstancesShareGenerations: a role change on one instance makes
// the cookie captured before it "no session" on the other once
// GenerationGrace has passed, and at once for a privilege change.
func TestTwoInstancesShareGenerations(t *testing.T) {
	name := table(t, connect(t))
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	withClock := func(c *authsession.Config[authsession.User], o *pgstore.Options) { c.Now, o.Now = clock, clock }
	one, two := instance(t, name, withClock), instance(t, name, withClock)
	for _, privileged := range []bool{false, true} {
		captured := login(t, one, "u_1")
		w := httptest.NewRecorder()
		_, err := one.UpdateSession(w, request(captured), func(s *authsession.Session[authsession.User]) error {
			s.User.Extra = map[string]any{"role": "admin"}
			if privileged {
				s.MarkPrivilegeChange()
			} else {
				s.MarkDisplayChange()
			}
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateSession: %v", err)
		}
		after := w.Result().Cookies()
		if got := two.IsAuthenticated(request(captured)); got == privileged {
			t.Errorf("privileged=%v, within the grace: the other instance accepted the captured cookie=%v, want %v", privileged, got, !privileged)
		}
		mu.Lock()
		now = now.Add(two.Config.GenerationGrace)
		mu.Unlock()
		if two.IsAuthenticated(request(captured)) || !two.IsAuthenticated(request(after)) {
			t.Errorf("privileged=%v, past the grace: the other instance accepted the captured cookie=%v, the new one=%v, want false, true",
				privileged, two.IsAuthenticated(request(captured)), two.IsAuthenticated(request(after)))
		}
	}
}
