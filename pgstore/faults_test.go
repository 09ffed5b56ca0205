package pgstore_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/authsession/authsession/pgstore"
	"github.com/authsession/authsession/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// proxy forwards TCP connections to the PostgreSQL server and can fail
// the network between the store and the server: frozen (connections stay
// open, nothing gets through, as with a server stopped by SIGSTOP or a
// black-holed route) or down (every connection is closed at once and new
// ones are refused, as with a crashed server).
type proxy struct {
	l      net.Listener
	target string

	mu     sync.Mutex
	cond   *sync.Cond
	frozen bool
	down   bool
	conns  map[net.Conn]struct{}
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: target, conns: map[net.Conn]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { p.handle(c) })
		}
	})
	t.Cleanup(func() {
		l.Close()
		p.set(false, true) // thaws and closes every connection
		wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.l.Addr().String() }

// set moves the proxy to frozen or down (or back to forwarding, when both
// are false); going down closes every connection.
func (p *proxy) set(frozen, down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen, p.down = frozen, down
	if down {
		for c := range p.conns {
			c.Close()
		}
	}
	p.cond.Broadcast()
}

// track records c, or reports false (and closes it) when the proxy is
// down.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *proxy) handle(client net.Conn) {
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	server, err := net.Dial("tcp", p.target)
	if err != nil || !p.track(server) {
		return
	}
	defer p.untrack(server)
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(server, client) })
	p.pipe(client, server)
	wg.Wait()
}

// pipe copies src to dst, holding each chunk while the proxy is frozen,
// until either side closes.
func (p *proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.frozen {
				p.cond.Wait()
			}
			down := p.down
			p.mu.Unlock()
			if down {
				return
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// viaProxy returns a pool to the test server through a new proxy.
func viaProxy(t *testing.T) (*pgxpool.Pool, *proxy) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))))
	host, port, _ := net.SplitHostPort(p.addr())
	portNum, _ := strconv.Atoi(port)
	cfg.ConnConfig.Host, cfg.ConnConfig.Port = host, uint16(portNum)
	cfg.ConnConfig.Fallbacks = nil
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, p
}

// storeCalls are every operation of a store, each under ctx.
func storeCalls(s *pgstore.Store) map[string]func(ctx context.Context) error {
	now := time.Now()
	return map[string]func(ctx context.Context) error{
		"Create": func(ctx context.Context) error { return s.Create(ctx, storetest.Record("new", "o2", now, time.Hour)) },
		"Create (anonymous)": func(ctx context.Context) error {
			return s.Create(ctx, storetest.Record("new", "", now, time.Hour))
		},
		"Get": func(ctx context.Context) error {
			_, _, err := s.Get(ctx, "o1", "a", authsession.Touch{})
			return err
		},
		"Get with a touch": func(ctx context.Context) error {
			_, _, err := s.Get(ctx, "o1", "a", authsession.Touch{Before: now.Add(time.Hour), Seen: now, ExpiresAt: now.Add(2 * time.Hour)})
			return err
		},
		"Save": func(ctx context.Context) error {
			_, err := s.Save(ctx, storetest.Record("a", "o1", now, time.Hour), 7)
			return err
		},
		"Revoke": func(ctx context.Context) error { return s.Revoke(ctx, "o1", "b") },
		"RevokeUser": func(ctx context.Context) error {
			_, err := s.RevokeUser(ctx, "o3")
			return err
		},
		"ListUser": func(ctx context.Context) error {
			_, err := s.ListUser(ctx, "o1")
			return err
		},
		"DeleteExpired": func(ctx context.Context) error {
			_, err := s.DeleteExpired(ctx)
			return err
		},
	}
}

// failAtDeadline runs every store call under a short deadline and wants
// each to fail with ErrDatabase because the deadline passed: a call that
// ignored its context would hang here until the test's own timeout.
func failAtDeadline(t *testing.T, s *pgstore.Store) {
	t.Helper()
	for name, call := range storeCalls(s) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		err := call(ctx)
		cancel()
		if !errors.Is(err, pgstore.ErrDatabase) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %v, want ErrDatabase and context.DeadlineExceeded", name, err)
		}
	}
}

// engineOn returns an application on store s that gives up on the store
// after timeout. When the test ends, its log must hold the store's
// warnings and no cookie value.
func engineOn(t *testing.T, s authsession.Store, timeout time.Duration, cookies *[]*http.Cookie) *authsession.AuthSession[authsession.User] {
	t.Helper()
	var logs testenv.Buffer
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: secret, Store: s, StoreTimeout: timeout,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		out := logs.String()
		if !strings.Contains(out, "session store unavailable") {
			t.Errorf("log %q: want a store warning", out)
		}
		for _, c := range *cookies {
			if strings.Contains(out, c.Value[:20]) {
				t.Errorf("the log holds a cookie's value")
			}
		}
	})
	return auth
}

// TestDatabaseFrozen: with the network to the server frozen, every call
// fails at its deadline, the application refuses the session it holds
// (fail closed) and refuses sign-ins with ErrStore; once the network
// thaws, everything works again and nothing was lost.
func TestDatabaseFrozen(t *testing.T) {
	pool, p := viaProxy(t)
	ctx := context.Background()
	s := newStore(t, pool, pgstore.Options{Table: table(t, connect(t))})
	var cookies []*http.Cookie
	auth := engineOn(t, s, 100*time.Millisecond, &cookies)
	cookies = login(t, auth, "u_1")
	if !auth.IsAuthenticated(request(cookies)) {
		t.Fatal("before the freeze: got signed out")
	}

	p.set(true, false)
	failAtDeadline(t, s)
	if auth.IsAuthenticated(request(cookies)) {
		t.Errorf("frozen: got signed in, want fail closed")
	}
	if _, err := auth.CreateSession(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), authsession.User{ID: "u_2"}); !errors.Is(err, authsession.ErrStore) {
		t.Errorf("CreateSession, frozen: got %v, want ErrStore", err)
	}

	p.set(false, false)
	if !auth.IsAuthenticated(request(cookies)) {
		t.Errorf("after the thaw: got signed out, want signed in")
	}
	for name, call := range storeCalls(s) {
		if err := call(ctx); err != nil {
			t.Errorf("%s after the thaw: %v", name, err)
		}
	}
}

// TestDatabaseDown: with the server unreachable (connections closed,
// new ones refused), every call fails with ErrDatabase at once, New too;
// once it is back, the store works without being recreated.
func TestDatabaseDown(t *testing.T) {
	pool, p := viaProxy(t)
	ctx := context.Background()
	name := table(t, connect(t))
	s := newStore(t, pool, pgstore.Options{Table: name})
	var cookies []*http.Cookie
	auth := engineOn(t, s, time.Second, &cookies)
	cookies = login(t, auth, "u_1")

	p.set(false, true)
	for call, f := range storeCalls(s) {
		if err := f(ctx); !errors.Is(err, pgstore.ErrDatabase) {
			t.Errorf("%s, down: got %v, want ErrDatabase", call, err)
		}
	}
	if _, err := pgstore.New(ctx, pool, pgstore.Options{Table: name}); !errors.Is(err, pgstore.ErrDatabase) {
		t.Errorf("New, down: got %v, want ErrDatabase", err)
	}
	if auth.IsAuthenticated(request(cookies)) {
		t.Errorf("down: got signed in, want fail closed")
	}

	p.set(false, false)
	if !auth.IsAuthenticated(request(cookies)) {
		t.Errorf("back up: got signed out, want signed in")
	}
	if err := auth.DeleteSession(httptest.NewRecorder(), request(cookies)); err != nil {
		t.Errorf("DeleteSession, back up: %v", err)
	}
	if auth.IsAuthenticated(request(cookies)) {
		t.Errorf("after logout: got signed in")
	}
}

// TestTableLocked: a server that is up but slow to answer (here every
// statement waits for a lock another session holds on the table) makes
// every call fail at its deadline; the session is refused, not served
// from the cookie alone.
func TestTableLocked(t *testing.T) {
	pool := connect(t)
	ctx := context.Background()
	name := table(t, pool)
	s := newStore(t, pool, pgstore.Options{Table: name})
	var cookies []*http.Cookie
	auth := engineOn(t, s, 100*time.Millisecond, &cookies)
	cookies = login(t, auth, "u_1")

	tx, err := connect(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{name}.Sanitize()+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	failAtDeadline(t, s)
	if auth.IsAuthenticated(request(cookies)) {
		t.Errorf("table locked: got signed in, want fail closed")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if !auth.IsAuthenticated(request(cookies)) {
		t.Errorf("lock released: got signed out, want signed in")
	}
}
