package bench

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/authsession/authsession/internal/testenv"
)

// The go test benchmarks: each operation on its own, for benchstat
// (run.sh). The targets are ratios measured side by side (harness.go,
// cmd/targets); these figures are the per-operation detail.

func newFixture(tb testing.TB) *Fixture {
	tb.Helper()
	f, err := NewFixture()
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func newFloor(tb testing.TB, f *Fixture) *Floor {
	tb.Helper()
	fl, err := f.NewFloor()
	if err != nil {
		tb.Fatal(err)
	}
	return fl
}

func loop(b *testing.B, f func() error) {
	b.Helper()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncrypt(b *testing.B) {
	f := newFixture(b)
	b.Run("lib=authsession", func(b *testing.B) { loop(b, f.EncryptSession()) })
	b.Run("lib=go-jose", func(b *testing.B) { loop(b, f.JoseEncrypt()) })
	b.Run("lib=securecookie", func(b *testing.B) { loop(b, f.SecureCookieEncode()) })
	b.Run("lib=golang-jwt-HS256", func(b *testing.B) { loop(b, f.HS256Sign()) })
	b.Run("lib=floor", func(b *testing.B) { loop(b, newFloor(b, f).Seal) })
}

func BenchmarkDecrypt(b *testing.B) {
	f := newFixture(b)
	b.Run("lib=authsession", func(b *testing.B) { loop(b, f.DecryptSession) })
	b.Run("lib=go-jose", func(b *testing.B) { loop(b, f.JoseDecrypt) })
	b.Run("lib=golang-jwt-HS256", func(b *testing.B) { loop(b, f.HS256Parse) })
	b.Run("lib=securecookie", func(b *testing.B) { loop(b, f.SecureCookieDecode) })
	b.Run("lib=floor", func(b *testing.B) { loop(b, newFloor(b, f).Open) })
}

func BenchmarkCreate(b *testing.B) {
	f := newFixture(b)
	b.Run("lib=authsession", func(b *testing.B) { loop(b, f.CreateSession()) })
	b.Run("lib=go-jose+SetCookie", func(b *testing.B) { loop(b, f.JoseCreate()) })
}

func BenchmarkGetSession(b *testing.B) {
	f := newFixture(b)
	b.Run("cookie=cold", func(b *testing.B) { loop(b, f.GetSessionCold()) })
	b.Run("cookie=first-sight", func(b *testing.B) {
		read, err := f.GetSessionFirstSight()
		if err != nil {
			b.Fatal(err)
		}
		loop(b, read)
	})
	b.Run("cookie=repeated", func(b *testing.B) {
		warm, err := f.GetSessionWarm()
		if err != nil {
			b.Fatal(err)
		}
		loop(b, warm)
	})
	b.Run("cookie=repeated-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := f.Request("/dashboard")
			for pb.Next() {
				if _, ok := f.Auth.GetSession(r); !ok {
					b.Error("no session")
					return
				}
			}
		})
	})
}

func BenchmarkGuard(b *testing.B) {
	f := newFixture(b)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	guarded := f.Auth.Middleware(next)
	// What net/http itself costs to send the same redirect the guard sends
	// an anonymous visitor of an auth path: the baseline for that case.
	netRedirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login?callbackUrl="+url.QueryEscape(r.URL.Path), http.StatusTemporaryRedirect)
	})
	cases := []struct {
		name    string
		handler http.Handler
		path    string
		cookie  bool
	}{
		{"case=bare-handler", next, "/dashboard", false},
		{"case=public-no-session", guarded, "/login", false},
		{"case=auth-valid-session", guarded, "/dashboard", true},
		{"case=auth-no-session", guarded, "/dashboard", false},
		{"case=net-http-redirect", netRedirect, "/dashboard", false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := f.Request(c.path)
			if !c.cookie {
				r.Header.Del("Cookie")
			}
			w := &discardWriter{h: make(http.Header)}
			loop(b, func() error {
				clear(w.h)
				c.handler.ServeHTTP(w, r)
				return nil
			})
		})
	}
	b.Run("case=scs-memstore", func(b *testing.B) {
		serve, err := f.SCSWarm()
		if err != nil {
			b.Fatal(err)
		}
		loop(b, serve)
	})
}

// BenchmarkServer is server-held sessions against scs on the same store
// kind (in memory; Redis when $AUTHSESSION_REDIS_ADDR names a server): a
// signed-in request, an anonymous one and a sign-in.
func BenchmarkServer(b *testing.B) {
	lib, other, err := memorySites()
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []struct {
		name string
		site *Site
	}{{"store=memory/lib=authsession", lib}, {"store=memory/lib=scs", other}} {
		b.Run(s.name+"/op=signed-in", func(b *testing.B) { loop(b, s.site.SignedIn()) })
		b.Run(s.name+"/op=anonymous", func(b *testing.B) { loop(b, s.site.Anonymous()) })
		b.Run(s.name+"/op=sign-in", func(b *testing.B) { loop(b, s.site.SignIn()) })
	}
	b.Run("store=redis", func(b *testing.B) {
		rs := redisSites(b)
		b.Run("lib=authsession/op=signed-in", func(b *testing.B) { loop(b, rs.Lib.SignedIn()) })
		b.Run("lib=scs/op=signed-in", func(b *testing.B) { loop(b, rs.SCS.SignedIn()) })
	})
}

// redisSites connects to the redis-server of $AUTHSESSION_REDIS_ADDR, or
// skips (fails under AUTHSESSION_REQUIRE_SERVICES) without one.
func redisSites(t testing.TB) *RedisSites {
	t.Helper()
	rs, err := NewRedisSites()
	if errors.Is(err, errNoRedis) {
		testenv.Missing(t, "redis-server", "set AUTHSESSION_REDIS_ADDR to host:port")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	return rs
}

// TestServerStoreCalls counts what server storage asks of its store: one
// call for a signed-in request, none for an anonymous request whose
// handler reads the session and a value (and no Set-Cookie: Anonymous
// fails on one), and one round trip to Redis for a signed-in request.
func TestServerStoreCalls(t *testing.T) {
	lib, _, err := memorySites()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		f    func() error
		want float64
	}{{"signed-in", lib.SignedIn(), 1}, {"anonymous", lib.Anonymous(), 0}} {
		if got, err := lib.StoreCalls(tt.f, 20); err != nil || got != tt.want {
			t.Errorf("%s: %v store calls per request (%v), want %v", tt.name, got, err, tt.want)
		}
	}
	t.Run("redis", func(t *testing.T) {
		rs := redisSites(t)
		if got, err := rs.RoundTrips(rs.Lib.SignedIn(), 20); err != nil || got != 1 {
			t.Errorf("signed-in request: %v round trips to Redis (%v), want 1", got, err)
		}
		if got, err := rs.Lib.StoreCalls(rs.Lib.Anonymous(), 20); err != nil || got != 0 {
			t.Errorf("anonymous request: %v store calls (%v), want 0", got, err)
		}
	})
}

// TestTargetsRun runs every target once with tiny batches: the harness and
// every comparison work (their figures are not checked here).
func TestTargetsRun(t *testing.T) {
	rs, err := Run(Options{Rounds: 1, Batch: 50 * time.Microsecond}, "", testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(checks()) {
		t.Errorf("got %d results, want %d", len(rs), len(checks()))
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
