package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
	asmem "github.com/authsession/authsession/memstore"
)

// Server-held sessions and sign-ins against scs: the same store kind on
// both sides (the in-memory stores, or one redis-server: redis.go), a
// request through each library's middleware to a handler that reads (or
// writes) the benchmark session.

// countingStore counts the calls the library makes to its store.
type countingStore struct {
	authsession.Store
	calls atomic.Int64
}

// Local forwards the wrapped store's Local (memstore's: its calls never
// wait on I/O, so the library runs them without the StoreTimeout timer).
func (c *countingStore) Local() bool {
	l, ok := c.Store.(interface{ Local() bool })
	return ok && l.Local()
}

func (c *countingStore) Create(ctx context.Context, rec authsession.SessionRecord) error {
	c.calls.Add(1)
	return c.Store.Create(ctx, rec)
}

func (c *countingStore) Get(ctx context.Context, owner, id string, t authsession.Touch) (authsession.SessionRecord, bool, error) {
	c.calls.Add(1)
	return c.Store.Get(ctx, owner, id, t)
}

func (c *countingStore) Save(ctx context.Context, rec authsession.SessionRecord, prev uint64) (bool, error) {
	c.calls.Add(1)
	return c.Store.Save(ctx, rec, prev)
}

func (c *countingStore) Revoke(ctx context.Context, owner, id string) error {
	c.calls.Add(1)
	return c.Store.Revoke(ctx, owner, id)
}

func (c *countingStore) RevokeUser(ctx context.Context, owner string) (int, error) {
	c.calls.Add(1)
	return c.Store.RevokeUser(ctx, owner)
}

func (c *countingStore) ListUser(ctx context.Context, owner string) ([]authsession.SessionRecord, error) {
	c.calls.Add(1)
	return c.Store.ListUser(ctx, owner)
}

// Site is one library's site: its middleware in front of a handler that
// reads the session (GET /dashboard and the anonymous GET /about) and
// one that signs in with the benchmark user and tokens (POST /login).
type Site struct {
	h      http.Handler
	cookie string // a signed-in session's Cookie header value
	store  *countingStore
	// read is set by the reading handler: the user id it got ("" for
	// none).
	read string
}

// NewServerSite is the library in server storage on store (counted),
// with the benchmark's rules, signed in once.
func NewServerSite(store authsession.Store) (*Site, error) {
	s := &Site{store: &countingStore{Store: store}}
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: benchdata.Secret, Storage: authsession.StorageServer, Store: s.store,
		Cookie: authsession.CookieConfig{Insecure: true},
		Routes: []authsession.Rule{authsession.Public("/login"), authsession.Auth("/dashboard/*")},
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dashboard", func(w http.ResponseWriter, r *http.Request) {
		sess, _ := auth.GetSession(r)
		s.read = sess.User.ID
	})
	mux.HandleFunc("GET /about", func(w http.ResponseWriter, r *http.Request) {
		sess, _ := auth.GetSession(r)
		_, _ = authsession.Get[string](auth.SessionData(r), "theme")
		s.read = sess.User.ID
	})
	opt := authsession.WithTokens(benchdata.AccessToken, benchdata.RefreshToken)
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.CreateSession(w, r, benchdata.User, opt); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	s.h = auth.Middleware(mux)
	return s, s.signIn(auth.Config.Cookie.Name)
}

// NewSCSSite is scs's LoadAndSave on store with the same three handlers:
// the session's values are the benchmark user's fields and tokens.
func NewSCSSite(store scs.Store) (*Site, error) {
	m := scs.New()
	if store != nil {
		m.Store = store
	}
	s := &Site{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dashboard", func(w http.ResponseWriter, r *http.Request) {
		s.read = m.GetString(r.Context(), "id")
	})
	mux.HandleFunc("GET /about", func(w http.ResponseWriter, r *http.Request) {
		_ = m.GetString(r.Context(), "theme")
		s.read = m.GetString(r.Context(), "id")
	})
	u := benchdata.User
	values := [][2]string{{"id", u.ID}, {"email", u.Email}, {"name", u.Name}, {"image", u.Image},
		{"accessToken", benchdata.AccessToken}, {"refreshToken", benchdata.RefreshToken}}
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := m.RenewToken(ctx); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, kv := range values {
			m.Put(ctx, kv[0], kv[1])
		}
	})
	s.h = m.LoadAndSave(mux)
	return s, s.signIn(m.Cookie.Name)
}

// signIn signs in once and keeps the session cookie.
func (s *Site) signIn(name string) error {
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/login", nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == name && c.Value != "" {
			s.cookie = c.Name + "=" + c.Value
		}
	}
	if s.cookie == "" {
		return fmt.Errorf("sign-in answered %d and set no session cookie", rec.Code)
	}
	return nil
}

// SignedIn is a signed-in GET /dashboard whose handler reads the user:
// one call fails unless it got the benchmark user.
func (s *Site) SignedIn() func() error {
	r := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
	r.Header.Set("Cookie", s.cookie)
	w := &discardWriter{h: http.Header{}}
	return func() error {
		s.read = ""
		clear(w.h)
		s.h.ServeHTTP(w, r)
		if s.read != benchdata.User.ID {
			return fmt.Errorf("signed-in request: the handler read user %q (status %d)", s.read, w.code)
		}
		return nil
	}
}

// Anonymous is a GET /about without a cookie whose handler reads the
// session and a data value, and stores nothing: one call fails when it
// sets a cookie.
func (s *Site) Anonymous() func() error {
	r := httptest.NewRequest(http.MethodGet, "/about", nil)
	w := &discardWriter{h: http.Header{}}
	return func() error {
		clear(w.h)
		s.h.ServeHTTP(w, r)
		if c := w.h.Values("Set-Cookie"); len(c) > 0 || s.read != "" {
			return fmt.Errorf("anonymous request: %d cookies set, user %q read", len(c), s.read)
		}
		return nil
	}
}

// SignIn is a POST /login without a cookie: a new session of the
// benchmark user and tokens, its cookie set (into a fresh header map).
func (s *Site) SignIn() func() error {
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	w := &discardWriter{}
	return func() error {
		w.h, w.code = http.Header{}, 0
		s.h.ServeHTTP(w, r)
		if len(w.h.Values("Set-Cookie")) != 1 || w.code > http.StatusOK {
			return fmt.Errorf("sign-in: status %d, %d cookies set", w.code, len(w.h.Values("Set-Cookie")))
		}
		return nil
	}
}

// StoreCalls is the number of store calls per call of f, over n calls.
func (s *Site) StoreCalls(f func() error, n int) (float64, error) {
	before := s.store.calls.Load()
	for range n {
		if err := f(); err != nil {
			return 0, err
		}
	}
	return float64(s.store.calls.Load()-before) / float64(n), nil
}

// memorySites are the library in server storage on memstore and scs on
// its memstore, each signed in once.
func memorySites() (lib, other *Site, err error) {
	if lib, err = NewServerSite(asmem.New(asmem.Options{})); err != nil {
		return nil, nil, err
	}
	other, err = NewSCSSite(memstore.New())
	return lib, other, err
}

// redisAddr is the address of the redis-server the Redis comparisons
// use ($AUTHSESSION_REDIS_ADDR, which scripts/lib.sh's start_redis sets),
// or errNoRedis.
func redisAddr() (string, error) {
	if a := os.Getenv("AUTHSESSION_REDIS_ADDR"); a != "" {
		return a, nil
	}
	return "", errNoRedis
}

// errNoRedis skips the Redis comparisons, unless
// AUTHSESSION_REQUIRE_SERVICES is set (the test command sets it), when it
// fails them.
var errNoRedis = errors.New("no redis-server: set AUTHSESSION_REDIS_ADDR")

// countingConn counts the writes on a connection: one per round trip of
// a client that flushes each command (or pipeline) in one write.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// dialCounting dials addr with a connection that counts its writes into
// writes.
func dialCounting(ctx context.Context, addr string, writes *atomic.Int64) (net.Conn, error) {
	var d net.Dialer
	d.Timeout = 5 * time.Second
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, writes: writes}, nil
}
