package redisstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/storetest"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/redisstore"
	"github.com/redis/go-redis/v9"
)

// AddrEnv names the Redis server the tests use; scripts/steps/30-redis.sh
// starts one and sets it.
const AddrEnv = "AUTHSESSION_REDIS_ADDR"

const secret = "redis-test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

func redisClient(t testing.TB) *redis.Client {
	t.Helper()
	addr := os.Getenv(AddrEnv)
	if addr == "" {
		testenv.Missing(t, "a Redis server", "set "+AddrEnv+" to host:port of a redis-server, or run scripts/test")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s (%s): %v", addr, AddrEnv, err)
	}
	return rdb
}

// prefix returns a key prefix no other test uses.
func prefix(t testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "test:" + hex.EncodeToString(b) + ":"
}

func TestConformance(t *testing.T) {
	rdb := redisClient(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) authsession.Store {
		return redisstore.New(rdb, redisstore.Options{Prefix: prefix(t), Now: now})
	})
}

// TestKeysExpireWithTheSession checks the TTLs that Redis holds: a session
// key lives as long as the session, a user's index as long as their longest
// session.
func TestKeysExpireWithTheSession(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	p := prefix(t)
	s := redisstore.New(rdb, redisstore.Options{Prefix: p})
	now := time.Now()
	ttl := func(key string) time.Duration {
		t.Helper()
		d, err := rdb.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	near := func(got, want time.Duration) bool { return got <= want && got > want-5*time.Second }
	steps := []struct {
		name            string
		do              func() error
		key             string
		wantSessionTTL  time.Duration
		wantIndexTTL    time.Duration
		wantIndexLength int64
	}{
		{"create 1h", func() error { return s.Create(ctx, storetest.Record("a", "u", now, time.Hour)) }, "a", time.Hour, time.Hour, 1},
		{"create 2h extends the index", func() error { return s.Create(ctx, storetest.Record("b", "u", now, 2*time.Hour)) }, "b", 2 * time.Hour, 2 * time.Hour, 2},
		{"create 30m keeps the index", func() error { return s.Create(ctx, storetest.Record("c", "u", now, 30*time.Minute)) }, "c", 30 * time.Minute, 2 * time.Hour, 3},
		{"touch to 3h extends both", func() error { return s.Touch(ctx, "c", now, now.Add(3*time.Hour)) }, "c", 3 * time.Hour, 3 * time.Hour, 3},
		{"revoke removes key and member", func() error { return s.Revoke(ctx, "a") }, "a", -2 * time.Nanosecond, 3 * time.Hour, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			got := ttl(p + "s:" + st.key)
			if st.wantSessionTTL < 0 {
				if got != st.wantSessionTTL {
					t.Errorf("session key TTL: got %v, want %v (no key)", got, st.wantSessionTTL)
				}
			} else if !near(got, st.wantSessionTTL) {
				t.Errorf("session key TTL: got %v, want about %v", got, st.wantSessionTTL)
			}
			if got := ttl(p + "u:u"); !near(got, st.wantIndexTTL) {
				t.Errorf("index TTL: got %v, want about %v", got, st.wantIndexTTL)
			}
			if got, _ := rdb.ZCard(ctx, p+"u:u").Result(); got != st.wantIndexLength {
				t.Errorf("index length: got %d, want %d", got, st.wantIndexLength)
			}
		})
	}
	if n, err := s.RevokeUser(ctx, "u"); n != 2 || err != nil {
		t.Fatalf("RevokeUser: got %d, %v, want 2, nil", n, err)
	}
	for _, k := range []string{p + "s:b", p + "s:c", p + "u:u"} {
		if n, _ := rdb.Exists(ctx, k).Result(); n != 0 {
			t.Errorf("after RevokeUser: key %s still exists", k)
		}
	}
}

func TestPrefixesIsolate(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	p := prefix(t)
	a := redisstore.New(rdb, redisstore.Options{Prefix: p + "a:"})
	b := redisstore.New(rdb, redisstore.Options{Prefix: p + "b:"})
	if err := a.Create(ctx, storetest.Record("x", "u", time.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.Get(ctx, "x"); found {
		t.Errorf("store b sees store a's session")
	}
	if n, _ := b.RevokeUser(ctx, "u"); n != 0 {
		t.Errorf("store b revoked %d of store a's sessions, want 0", n)
	}
	if _, found, _ := a.Get(ctx, "x"); !found {
		t.Errorf("store a lost its session")
	}
	if n, _ := rdb.Exists(ctx, p+"a:s:x").Result(); n != 1 {
		t.Errorf("key %q: got missing, want present", p+"a:s:x")
	}
}

func TestCorruptRecord(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	p := prefix(t)
	s := redisstore.New(rdb, redisstore.Options{Prefix: p})
	tests := []struct {
		name   string
		fields []any
	}{
		{"bad number", []any{"uid", "u", "c", "x", "ls", "1", "exp", "1"}},
		{"missing user", []any{"c", "1", "ls", "1", "exp", "99999999999999"}},
		{"missing expiry", []any{"uid", "u", "c", "1", "ls", "1"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := strconv.Itoa(i)
			if err := rdb.HSet(ctx, p+"s:"+id, tt.fields...).Err(); err != nil {
				t.Fatal(err)
			}
			rdb.Expire(ctx, p+"s:"+id, time.Minute)
			_, found, err := s.Get(ctx, id)
			if found || !errors.Is(err, redisstore.ErrCorrupt) {
				t.Errorf("Get: got found=%v err=%v, want false, ErrCorrupt", found, err)
			}
		})
	}
}

// app is one instance of an application.
type app struct {
	auth *authsession.AuthSession[authsession.User]
	logs *bytes.Buffer
}

func newApp(t testing.TB, rdb redis.UniversalClient, pfx string, failOpen bool) *app {
	t.Helper()
	a := &app{logs: &bytes.Buffer{}}
	var mu sync.Mutex
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret:        secret,
		Store:         redisstore.New(rdb, redisstore.Options{Prefix: pfx}),
		StoreFailOpen: failOpen,
		Logger:        slog.New(slog.NewTextHandler(lockedWriter{&mu, a.logs}, nil)),
	})
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
// Redis and one secret: a logout on one is seen by the other at once.
func TestTwoInstancesShareRevocation(t *testing.T) {
	addr := redisClient(t).Options().Addr
	pfx := prefix(t)
	newInstance := func() *app {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { rdb.Close() })
		return newApp(t, rdb, pfx, false)
	}
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
	rdb := redisClient(t)
	pfx := prefix(t)
	apps := []*app{newApp(t, rdb, pfx, false), newApp(t, rdb, pfx, false)}
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

// redisProcess is a redis-server this test owns, so it can kill it.
type redisProcess struct {
	bin, dir string
	port     int
	cmd      *exec.Cmd
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (p *redisProcess) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

func (p *redisProcess) start(t *testing.T) {
	t.Helper()
	p.cmd = exec.Command(p.bin, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", p.dir, "--dbfilename", "dump.rdb")
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd := p.cmd
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: p.addr(), MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not start", p.addr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *redisProcess) kill() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// TestRedisKilled kills the Redis server under a running application:
// reads fail closed (or open, if configured), sign-ins fail with ErrStore,
// nothing panics, the token never reaches the log, and everything works
// again when the server is back.
func TestRedisKilled(t *testing.T) {
	redisClient(t) // same requirement as the other tests
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.Missing(t, "redis-server", "apt-get install redis-server")
	}
	p := &redisProcess{bin: bin, dir: t.TempDir(), port: freePort(t)}
	p.start(t)
	rdb := redis.NewClient(&redis.Options{Addr: p.addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	pfx := prefix(t)
	closed, open := newApp(t, rdb, pfx, false), newApp(t, rdb, pfx, true)
	cookies := closed.login(t, "u_1")
	if !closed.signedIn(cookies) || !open.signedIn(cookies) {
		t.Fatal("before the outage: got signed out, want signed in")
	}
	// Persist the record, so the restarted server still knows it.
	if err := rdb.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}

	p.kill()

	if closed.signedIn(cookies) {
		t.Errorf("fail closed, Redis down: got signed in, want signed out")
	}
	if !open.signedIn(cookies) {
		t.Errorf("fail open, Redis down: got signed out, want signed in")
	}
	for name, a := range map[string]*app{"closed": closed, "open": open} {
		logs := a.logs.String()
		if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "session store unavailable") {
			t.Errorf("fail %s: log %q, want a store warning", name, logs)
		}
		for _, c := range cookies {
			if strings.Contains(logs, c.Value[:20]) {
				t.Errorf("fail %s: the log contains the token", name)
			}
		}
	}
	w := httptest.NewRecorder()
	if _, err := closed.auth.CreateSession(w, httptest.NewRequest("POST", "/", nil), authsession.User{ID: "u_2"}); !errors.Is(err, authsession.ErrStore) {
		t.Errorf("CreateSession, Redis down: got %v, want ErrStore", err)
	}
	if len(w.Result().Cookies()) != 0 {
		t.Errorf("CreateSession, Redis down: set a cookie")
	}
	if _, err := closed.auth.RevokeUserSessions(ctx, "u_1"); !errors.Is(err, authsession.ErrStore) {
		t.Errorf("RevokeUserSessions, Redis down: got %v, want ErrStore", err)
	}
	if _, err := closed.auth.ListUserSessions(ctx, "u_1"); !errors.Is(err, authsession.ErrStore) {
		t.Errorf("ListUserSessions, Redis down: got %v, want ErrStore", err)
	}

	p.start(t)

	if !closed.signedIn(cookies) {
		t.Errorf("after recovery: got signed out, want signed in")
	}
	fresh := closed.login(t, "u_2")
	if !open.signedIn(fresh) {
		t.Errorf("sign-in after recovery: got signed out on the other instance, want signed in")
	}
	if err := closed.auth.DeleteSession(httptest.NewRecorder(), request(cookies)); err != nil {
		t.Errorf("DeleteSession after recovery: %v", err)
	}
	if open.signedIn(cookies) {
		t.Errorf("after recovery and logout: got signed in, want signed out")
	}
}
