package bench

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/securecookie"
)

// claims mirrors the token payload authsession writes (session JSON plus
// iat, exp and jti) with the same Go types, so the raw decoders do the same
// JSON work as the library.
type claims struct {
	User         authsession.User `json:"user"`
	AccessToken  string           `json:"accessToken,omitempty"`
	RefreshToken string           `json:"refreshToken,omitempty"`
	ExpiresAt    int64            `json:"expiresAt"`
	ExpiryDate   string           `json:"expiryDate"`
	CreatedAt    int64            `json:"createdAt"`
	LastActivity int64            `json:"lastActivity"`
	IssuedAt     int64            `json:"iat"`
	Expiry       int64            `json:"exp"`
	JTI          string           `json:"jti"`
}

// jwtClaims is the same payload for golang-jwt, with its registered claims.
type jwtClaims struct {
	User         authsession.User `json:"user"`
	AccessToken  string           `json:"accessToken,omitempty"`
	RefreshToken string           `json:"refreshToken,omitempty"`
	ExpiresAt    int64            `json:"expiresAt"`
	ExpiryDate   string           `json:"expiryDate"`
	CreatedAt    int64            `json:"createdAt"`
	LastActivity int64            `json:"lastActivity"`
	jwt.RegisteredClaims
}

func newClaims(now time.Time) claims {
	s := benchdata.Session(now)
	return claims{
		User:         s.User,
		AccessToken:  s.AccessToken,
		ExpiresAt:    s.ExpiresAt.UnixMilli(),
		ExpiryDate:   s.ExpiresAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		CreatedAt:    s.CreatedAt.UnixMilli(),
		LastActivity: s.LastActivity.UnixMilli(),
		IssuedAt:     now.Unix(),
		Expiry:       s.ExpiresAt.Unix(),
		JTI:          "Jx2n8bQe0xk1V3dq4mWcTg",
	}
}

func newJWTClaims(now time.Time) jwtClaims {
	c := newClaims(now)
	return jwtClaims{
		User: c.User, AccessToken: c.AccessToken, ExpiresAt: c.ExpiresAt,
		ExpiryDate: c.ExpiryDate, CreatedAt: c.CreatedAt, LastActivity: c.LastActivity,
		RegisteredClaims: jwt.RegisteredClaims{
			IssuedAt:  jwt.NewNumericDate(time.Unix(c.IssuedAt, 0)),
			ExpiresAt: jwt.NewNumericDate(time.Unix(c.Expiry, 0)),
			ID:        c.JTI,
		},
	}
}

// fixture holds everything the benchmarks share, built once per benchmark.
type fixture struct {
	auth     *authsession.AuthSession[authsession.User]
	token    string // authsession token of benchdata.Session(now)
	key      []byte // the derived A256GCM key
	enc      jose.Encrypter
	hsKey    []byte
	hsToken  string
	hsParser *jwt.Parser
	sc       *securecookie.SecureCookie
	scValue  string
}

func newFixture(tb testing.TB, cacheBytes int) *fixture {
	tb.Helper()
	auth, err := benchdata.NewAuth(cacheBytes)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	f := &fixture{auth: auth}
	if f.token, err = auth.EncryptSession(benchdata.Session(now)); err != nil {
		tb.Fatal(err)
	}
	if f.key, err = authsession.DeriveKey(benchdata.Secret, authsession.DefaultCookieName); err != nil {
		tb.Fatal(err)
	}
	f.enc, err = jose.NewEncrypter(jose.A256GCM,
		jose.Recipient{Algorithm: jose.DIRECT, Key: f.key, KeyID: authsession.KeyID(f.key)}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	hs := sha256.Sum256([]byte(benchdata.Secret))
	f.hsKey = hs[:]
	if f.hsToken, err = jwt.NewWithClaims(jwt.SigningMethodHS256, newJWTClaims(now)).SignedString(f.hsKey); err != nil {
		tb.Fatal(err)
	}
	f.hsParser = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	block := sha256.Sum256([]byte("block:" + benchdata.Secret))
	f.sc = securecookie.New(f.hsKey, block[:]).SetSerializer(securecookie.JSONEncoder{})
	c := newClaims(now)
	if f.scValue, err = f.sc.Encode(authsession.DefaultCookieName, &c); err != nil {
		tb.Fatal(err)
	}
	return f
}

var (
	allowedAlgs = []jose.KeyAlgorithm{jose.DIRECT}
	allowedEncs = []jose.ContentEncryption{jose.A256GCM}
)

func BenchmarkEncrypt(b *testing.B) {
	f := newFixture(b, -1)
	now := time.Now()
	b.Run("lib=authsession", func(b *testing.B) {
		s := benchdata.Session(now)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.auth.EncryptSession(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=go-jose", func(b *testing.B) {
		c := newClaims(now)
		b.ReportAllocs()
		for b.Loop() {
			payload, err := json.Marshal(&c)
			if err != nil {
				b.Fatal(err)
			}
			obj, err := f.enc.Encrypt(payload)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := obj.CompactSerialize(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=golang-jwt-HS256", func(b *testing.B) {
		c := newJWTClaims(now)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(f.hsKey); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=securecookie", func(b *testing.B) {
		c := newClaims(now)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.sc.Encode(authsession.DefaultCookieName, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecrypt(b *testing.B) {
	f := newFixture(b, -1)
	b.Run("lib=authsession", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.auth.DecryptSession(f.token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=go-jose", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			obj, err := jose.ParseEncryptedCompact(f.token, allowedAlgs, allowedEncs)
			if err != nil {
				b.Fatal(err)
			}
			pt, err := obj.Decrypt(f.key)
			if err != nil {
				b.Fatal(err)
			}
			var c claims
			if err := json.Unmarshal(pt, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=golang-jwt-HS256", func(b *testing.B) {
		keyFunc := func(*jwt.Token) (any, error) { return f.hsKey, nil }
		b.ReportAllocs()
		for b.Loop() {
			var c jwtClaims
			if _, err := f.hsParser.ParseWithClaims(f.hsToken, &c, keyFunc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=securecookie", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c claims
			if err := f.sc.Decode(authsession.DefaultCookieName, f.scValue, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func request(path, token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		r.Header.Set("Cookie", authsession.DefaultCookieName+"="+token)
	}
	return r
}

func BenchmarkGetSession(b *testing.B) {
	b.Run("cookie=cold", func(b *testing.B) {
		f := newFixture(b, -1) // cache disabled: every read decrypts
		r := request("/dashboard", f.token)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := f.auth.GetSession(r); !ok {
				b.Fatal("no session")
			}
		}
	})
	b.Run("cookie=first-sight", func(b *testing.B) {
		// A 64 KiB cache holds ~40 entries: cycling through 1,024 distinct
		// tokens, every read misses, decrypts, inserts and evicts.
		f := newFixture(b, 64<<10)
		reqs := make([]*http.Request, 1024)
		for i := range reqs {
			s := benchdata.Session(time.Now())
			s.ID = fmt.Sprintf("first-sight-%04d", i)
			tok, err := f.auth.EncryptSession(s)
			if err != nil {
				b.Fatal(err)
			}
			reqs[i] = request("/dashboard", tok)
		}
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := f.auth.GetSession(reqs[i%len(reqs)]); !ok {
				b.Fatal("no session")
			}
			i++
		}
	})
	b.Run("cookie=repeated", func(b *testing.B) {
		f := newFixture(b, 0)
		r := request("/dashboard", f.token)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := f.auth.GetSession(r); !ok {
				b.Fatal("no session")
			}
		}
	})
	b.Run("cookie=repeated-parallel", func(b *testing.B) {
		f := newFixture(b, 0)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := request("/dashboard", f.token)
			for pb.Next() {
				if _, ok := f.auth.GetSession(r); !ok {
					b.Error("no session")
					return
				}
			}
		})
	})
}

// discardWriter is a ResponseWriter that keeps nothing but its header map,
// so the guard's own allocations are what the benchmark counts.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

func BenchmarkGuard(b *testing.B) {
	f := newFixture(b, 0)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	guarded := f.auth.Middleware(next)
	// What net/http itself costs to send the same redirect the guard sends
	// an anonymous visitor of an auth path: the baseline for that case.
	netRedirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login?callbackUrl="+url.QueryEscape(r.URL.Path), http.StatusTemporaryRedirect)
	})
	cases := []struct {
		name    string
		handler http.Handler
		path    string
		token   string
	}{
		{"case=bare-handler", next, "/dashboard", ""},
		{"case=public-no-session", guarded, "/login", ""},
		{"case=auth-valid-session", guarded, "/dashboard", f.token},
		{"case=auth-no-session", guarded, "/dashboard", ""},
		{"case=net-http-redirect", netRedirect, "/dashboard", ""},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := request(c.path, c.token)
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				c.handler.ServeHTTP(w, r)
			}
		})
	}
}
