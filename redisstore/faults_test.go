package redisstore_test

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/redisstore"
	"github.com/authsession/authsession/storetest"
	"github.com/redis/go-redis/v9"
)

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
	p.cmd.Process.Signal(syscall.SIGCONT) // a frozen server dies too, but be plain
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// freeze stops the server (SIGSTOP): connections stay open, nothing
// answers. thaw resumes it.
func (p *redisProcess) freeze(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Signal(syscall.SIGCONT) })
}

func (p *redisProcess) thaw(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
}

// ownRedis starts a redis-server this test can kill or freeze.
func ownRedis(t *testing.T) *redisProcess {
	t.Helper()
	redisClient(t) // same requirement as the other tests
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.Missing(t, "redis-server", "apt-get install redis-server")
	}
	p := &redisProcess{bin: bin, dir: t.TempDir(), port: freePort(t)}
	p.start(t)
	return p
}

// TestRedisKilled kills the Redis server under a running application:
// reads fail closed (or open, if configured), sign-ins fail with ErrStore,
// nothing panics, the token never reaches the log, and everything works
// again when the server is back.
func TestRedisKilled(t *testing.T) {
	p := ownRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: p.addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	pfx := prefix(t)
	failOpen := func(c *authsession.Config[authsession.User], _ *redisstore.Options) { c.StoreFailOpen = true }
	closed, open := newApp(t, rdb, pfx), newApp(t, rdb, pfx, failOpen)
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
	// (Another user: a failed revocation is retried, and u_1 must still
	// be signed in after the recovery below.)
	if _, err := closed.auth.RevokeUserSessions(ctx, "u_3"); !errors.Is(err, authsession.ErrStore) {
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

// TestRedisFrozen freezes the Redis server (SIGSTOP) under two running
// instances: every request gives up at Config.StoreTimeout and fails
// closed, a sign-in fails with ErrStore, a logout answers ErrStore and
// clears the cookie; once Redis thaws, the copied cookie of that logout is
// refused at once on the instance that took it and within seconds on the
// other, and another user's session is intact.
func TestRedisFrozen(t *testing.T) {
	p := ownRedis(t)
	const timeout = 200 * time.Millisecond
	pfx := prefix(t)
	newInstance := func() *app {
		rdb := redis.NewClient(&redis.Options{Addr: p.addr(), ContextTimeoutEnabled: true})
		t.Cleanup(func() { rdb.Close() })
		return newApp(t, rdb, pfx, func(c *authsession.Config[authsession.User], _ *redisstore.Options) { c.StoreTimeout = timeout })
	}
	one, two := newInstance(), newInstance()
	victim := one.login(t, "victim")
	cookies := one.login(t, "u_1")
	for _, a := range []*app{one, two} {
		if !a.signedIn(cookies) || !a.signedIn(victim) {
			t.Fatal("before the freeze: got signed out, want signed in")
		}
	}

	p.freeze(t)
	bounded := func(what string, f func()) {
		t.Helper()
		start := time.Now()
		f()
		// Generous for a loaded machine; without the deadline, go-redis
		// would wait for its 5 s ReadTimeout.
		if d := time.Since(start); d > 10*timeout {
			t.Errorf("%s, Redis frozen: took %v, want about StoreTimeout (%v)", what, d, timeout)
		}
	}
	for i, a := range []*app{one, two} {
		bounded("GetSession", func() {
			if a.signedIn(cookies) {
				t.Errorf("instance %d, Redis frozen: got signed in, want fail closed", i+1)
			}
		})
	}
	bounded("CreateSession", func() {
		_, err := two.auth.CreateSession(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), authsession.User{ID: "u_2"})
		if !errors.Is(err, authsession.ErrStore) {
			t.Errorf("CreateSession, Redis frozen: got %v, want ErrStore", err)
		}
	})
	w := httptest.NewRecorder()
	bounded("DeleteSession", func() {
		if err := one.auth.DeleteSession(w, request(cookies)); !errors.Is(err, authsession.ErrStore) {
			t.Errorf("DeleteSession, Redis frozen: got %v, want ErrStore", err)
		}
	})
	if len(w.Result().Cookies()) == 0 {
		t.Errorf("DeleteSession, Redis frozen: cookie not cleared")
	}

	p.thaw(t)
	thawed := time.Now()
	if one.signedIn(cookies) {
		t.Errorf("the instance that logged out, after the thaw: got signed in, want signed out")
	}
	for two.signedIn(cookies) {
		if time.Since(thawed) > 5*time.Second {
			t.Fatalf("the other instance still accepts the logged-out cookie 5s after the thaw")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the other instance refused the logged-out cookie %v after the thaw", time.Since(thawed).Round(time.Millisecond))
	for i, a := range []*app{one, two} {
		if !a.signedIn(victim) {
			t.Errorf("instance %d after the thaw: another user's session got lost", i+1)
		}
	}
}

// TestEveryCallHonoursItsDeadline freezes the server under a client that
// has no timeout of its own (ReadTimeout and WriteTimeout -1, no
// retries): every call of the store must give up when its context is
// done, or it would wait here for ever. Each fails with an error; once
// the server thaws, each works again.
func TestEveryCallHonoursItsDeadline(t *testing.T) {
	p := ownRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: p.addr(), ContextTimeoutEnabled: true,
		ReadTimeout: -1, WriteTimeout: -1, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	s := redisstore.New(rdb, redisstore.Options{Prefix: prefix(t)})
	ctx := context.Background()
	now := time.Now()
	for _, owner := range []string{"o1", ""} {
		if err := s.Create(ctx, storetest.Record("a", owner, now, time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	calls := map[string]func(ctx context.Context) error{
		"Create": func(ctx context.Context) error { return s.Create(ctx, storetest.Record("b", "o1", now, time.Hour)) },
		"Create (anonymous)": func(ctx context.Context) error {
			return s.Create(ctx, storetest.Record("b", "", now, time.Hour))
		},
		"Get": func(ctx context.Context) error {
			_, _, err := s.Get(ctx, "o1", "a", authsession.Touch{})
			return err
		},
		"Get with a touch": func(ctx context.Context) error {
			_, _, err := s.Get(ctx, "", "a", authsession.Touch{Before: now.Add(time.Hour), Seen: now, ExpiresAt: now.Add(2 * time.Hour)})
			return err
		},
		"Save": func(ctx context.Context) error {
			_, err := s.Save(ctx, storetest.Record("a", "o1", now, time.Hour), 7)
			return err
		},
		"Revoke":             func(ctx context.Context) error { return s.Revoke(ctx, "o1", "c") },
		"Revoke (anonymous)": func(ctx context.Context) error { return s.Revoke(ctx, "", "c") },
		"RevokeUser": func(ctx context.Context) error {
			_, err := s.RevokeUser(ctx, "o3")
			return err
		},
		"ListUser": func(ctx context.Context) error {
			_, err := s.ListUser(ctx, "o1")
			return err
		},
	}
	p.freeze(t)
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		if err := call(ctx); err == nil {
			t.Errorf("%s, Redis frozen: got no error", name)
		}
		cancel()
	}
	p.thaw(t)
	for name, call := range calls {
		if err := call(ctx); err != nil {
			t.Errorf("%s after the thaw: %v", name, err)
		}
	}
}
