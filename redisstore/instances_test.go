package redisstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/redisstore"
	"github.com/authsession/authsession/storetest"
	"github.com/redis/go-redis/v9"
)

// app is one instance of an application.
type app struct {
	auth *authsession.AuthSession[authsession.User]
	logs *bytes.Buffer
}

// newApp returns an instance on rdb whose store keys start with pfx; opts
// edit its configuration.
func newApp(t testing.TB, rdb redis.UniversalClient, pfx string, opts ...func(*authsession.Config[authsession.User], *redisstore.Options)) *app {
	t.Helper()
	a := &app{logs: &bytes.Buffer{}}
	var mu sync.Mutex
	cfg := authsession.Config[authsession.User]{
		Secret: secret,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, a.logs}, nil)),
	}
	so := redisstore.Options{Prefix: pfx}
	for _, o := range opts {
		o(&cfg, &so)
	}
	cfg.Store = redisstore.New(rdb, so)
	auth, err := authsession.NextAuthSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.auth = auth
	return a
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (a *app) login(t testing.TB, user string) []*http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/login", nil)
	r.Header.Set("User-Agent", "test browser")
	if _, err := a.auth.CreateSession(w, r, authsession.User{ID: user}); err != nil {
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

func (a *app) signedIn(cookies []*http.Cookie) bool {
	return a.auth.IsAuthenticated(request(cookies))
}

// TestTwoInstancesShareRevocation runs two application instances (two
// NextAuthSession values, each with its own Redis client) sharing one
// Redis (or one Redis Cluster) and one secret: a logout on one is seen by
// the other at once.
func TestTwoInstancesShareRevocation(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) { testTwoInstances(t, kind) })
	}
}

func testTwoInstances(t *testing.T, kind string) {
	connect(t, kind) // skip early when missing
	pfx := prefix(t)
	newInstance := func() *app { return newApp(t, connect(t, kind), pfx) }
	one, two := newInstance(), newInstance()
	ctx := context.Background()

	tests := []struct {
		name   string
		logout func(t *testing.T, cookies []*http.Cookie)
	}{
		{"DeleteSession on the other instance", func(t *testing.T, cookies []*http.Cookie) {
			if err := two.auth.DeleteSession(httptest.NewRecorder(), request(cookies)); err != nil {
				t.Fatal(err)
			}
		}},
		{"log out everywhere on the other instance", func(t *testing.T, _ []*http.Cookie) {
			if n, err := two.auth.RevokeUserSessions(ctx, "u_1"); n != 1 || err != nil {
				t.Fatalf("RevokeUserSessions: got %d, %v, want 1, nil", n, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cookies := one.login(t, "u_1")
			// Both instances accept it; instance one reads twice so its
			// verified-token cache holds it.
			for _, a := range []*app{one, one, two} {
				if !a.signedIn(cookies) {
					t.Fatalf("before logout: got signed out, want signed in")
				}
			}
			if recs, err := two.auth.ListUserSessions(ctx, "u_1"); err != nil || len(recs) != 1 || recs[0].Client != "test browser" {
				t.Errorf("ListUserSessions on the other instance: got %+v, %v", recs, err)
			}
			tt.logout(t, cookies)
			for i, a := range []*app{one, two} {
				if a.signedIn(cookies) {
					t.Errorf("instance %d after logout: got signed in, want signed out", i+1)
				}
			}
		})
	}
}

// TestConcurrentInstances creates, reads and revokes sessions from many
// goroutines across two instances; run with -race.
func TestConcurrentInstances(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) { testConcurrentInstances(t, kind) })
	}
}

func testConcurrentInstances(t *testing.T, kind string) {
	pfx := prefix(t)
	// Four users, four workers each: a cap above what they keep.
	// StoreTimeout well above the default: 33 goroutines under -race on a
	// loaded machine can wait on Redis longer than 250 ms, and this test
	// is about races, not deadlines (TestRedisFrozen is).
	roomy := func(c *authsession.Config[authsession.User], o *redisstore.Options) {
		o.MaxSessionsPerUser = 100
		c.StoreTimeout = 5 * time.Second
	}
	apps := []*app{newApp(t, connect(t, kind), pfx, roomy), newApp(t, connect(t, kind), pfx, roomy)}
	ctx := context.Background()
	const workers, each = 16, 15
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf("w%d", w%4)
			for i := range each {
				a, b := apps[(w+i)%2], apps[(w+i+1)%2]
				cookies := a.login(t, user)
				if !b.signedIn(cookies) {
					t.Errorf("worker %d: new session not live on the other instance", w)
				}
				if i%3 == 0 {
					if err := b.auth.DeleteSession(httptest.NewRecorder(), request(cookies)); err != nil {
						t.Errorf("DeleteSession: %v", err)
					}
					if a.signedIn(cookies) {
						t.Errorf("worker %d: deleted session still live", w)
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // log out everywhere, racing the sign-ins of another user
		defer wg.Done()
		for i := range 20 {
			apps[i%2].login(t, "racer")
			if _, err := apps[(i+1)%2].auth.RevokeUserSessions(ctx, "racer"); err != nil {
				t.Errorf("RevokeUserSessions: %v", err)
			}
		}
	}()
	wg.Wait()
	total := 0
	for u := range 4 {
		recs, err := apps[u%2].auth.ListUserSessions(ctx, fmt.Sprintf("w%d", u))
		if err != nil {
			t.Fatal(err)
		}
		total += len(recs)
	}
	if want := workers * (each - (each+2)/3); total != want {
		t.Errorf("live sessions: got %d, want %d", total, want)
	}
	if recs, _ := apps[0].auth.ListUserSessions(ctx, "racer"); len(recs) != 0 {
		t.Errorf("racer: got %d live sessions after the last log out everywhere, want 0", len(recs))
	}
}

// TestTwoInstancesShareGenerations: a role change on one instance makes
// the cookie captured before it "no session" on the other once
// GenerationGrace has passed (at once for a privilege change), on one Redis
// and on a cluster; and a record written before generations (no "g"
// field) accepts its tokens until the session changes.
func TestTwoInstancesShareGenerations(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			connect(t, kind)
			pfx := prefix(t)
			var mu sync.Mutex
			now := time.Now()
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			newInstance := func() *app {
				return newApp(t, connect(t, kind), pfx, func(c *authsession.Config[authsession.User], _ *redisstore.Options) { c.Now = clock })
			}
			one, two := newInstance(), newInstance()
			for _, privileged := range []bool{false, true} {
				captured := one.login(t, "u_1")
				w := httptest.NewRecorder()
				_, err := one.auth.UpdateSession(w, request(captured), func(s *authsession.Session[authsession.User]) error {
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
				if got := two.signedIn(captured); got == privileged {
					t.Errorf("privileged=%v, within the grace: the other instance accepted the captured cookie=%v, want %v", privileged, got, !privileged)
				}
				mu.Lock()
				now = now.Add(two.auth.Config.GenerationGrace)
				mu.Unlock()
				if two.signedIn(captured) || !two.signedIn(after) {
					t.Errorf("privileged=%v, past the grace: the other instance accepted the captured cookie=%v, the new one=%v, want false, true",
						privileged, two.signedIn(captured), two.signedIn(after))
				}
			}
		})
	}
}

// TestRecordWithoutGeneration: a session hash without "g" and "gu" (as
// written before generations) reads back with generation 0 and no grace,
// and a save over generation 0 lands.
func TestRecordWithoutGeneration(t *testing.T) {
	rdb := redisClient(t)
	pfx := prefix(t)
	ctx := context.Background()
	st := redisstore.New(rdb, redisstore.Options{Prefix: pfx})
	rec := storetest.Record("s", "o1", time.Now(), time.Hour)
	rec.Generation, rec.GraceUntil = 3, time.Now().Add(time.Second)
	if err := st.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HDel(ctx, pfx+"s:{o1}:s", "g", "gu").Err(); err != nil {
		t.Fatal(err)
	}
	if got, found, err := st.Get(ctx, "o1", "s", authsession.Touch{}); err != nil || !found || got.Generation != 0 || !got.GraceUntil.IsZero() {
		t.Fatalf("a record without generation fields: got %+v, %v, %v, want generation 0", got, found, err)
	}
	if ok, err := st.Save(ctx, rec, 3); ok || err != nil {
		t.Errorf("Save over generation 3: got %v, %v, want false (the record has none)", ok, err)
	}
	if ok, err := st.Save(ctx, rec, 0); !ok || err != nil {
		t.Errorf("Save over generation 0: got %v, %v, want true", ok, err)
	}
	if got, _, _ := st.Get(ctx, "o1", "s", authsession.Touch{}); got.Generation != 3 {
		t.Errorf("after the save: got generation %d, want 3", got.Generation)
	}
}

// ownerOf is the engine's owner of a user id (a digest), which the
// failover test needs to find the hash slot of a user's keys before
// signing the user in. TestOwnerOf checks it against the engine.
func ownerOf(userID string) string {
	sum := sha256.Sum256([]byte("authsession owner\x00" + userID))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// TestOwnerOf: the owner the engine records for a user is ownerOf's, and
// the user's keys are under it.
func TestOwnerOf(t *testing.T) {
	rdb := redisClient(t)
	pfx := prefix(t)
	a := newApp(t, rdb, pfx)
	a.login(t, "u_1")
	recs, err := a.auth.ListUserSessions(context.Background(), "u_1")
	if err != nil || len(recs) != 1 || recs[0].Owner != ownerOf("u_1") {
		t.Fatalf("ListUserSessions: got %+v, %v, want one record of owner %q", recs, err, ownerOf("u_1"))
	}
	if n, _ := rdb.Exists(context.Background(), pfx+"s:{"+ownerOf("u_1")+"}:"+recs[0].ID).Result(); n != 1 {
		t.Errorf("the session's key is not under its owner's hash tag")
	}
}
