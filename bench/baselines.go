package bench

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/securecookie"
)

// plainUser and plainClaims are what an application decoding the token
// itself would write: plain strings, with golang-jwt's registered claims
// for iat, exp and jti. The baselines decode into them, not into
// authsession.User, so the library's own user decoding is part of what is
// compared.
type plainUser struct {
	ID    string `json:"id"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
	Image string `json:"image,omitempty"`
}

type plainClaims struct {
	User         plainUser `json:"user"`
	AccessToken  string    `json:"accessToken,omitempty"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	ExpiresAt    int64     `json:"expiresAt"`
	ExpiryDate   string    `json:"expiryDate"`
	CreatedAt    int64     `json:"createdAt"`
	LastActivity int64     `json:"lastActivity"`
	jwt.RegisteredClaims
}

// benchJTI is the session id of the benchmark tokens that are not new
// sessions.
const benchJTI = "Jx2n8bQe0xk1V3dq4mWcTg"

// newPlainClaims is the benchmark session (benchdata.Session) as plain
// claims issued at now.
func newPlainClaims(now time.Time) plainClaims {
	s := benchdata.Session(now)
	s.ID = benchJTI
	return plainClaimsOf(&s, now)
}

// plainClaimsOf is what an application writing tokens by hand does with a
// session before encoding it: the same conversions the library makes
// (times to milliseconds, the expiry date string, the registered claims).
// The writers' baselines call it on every write, as the library converts
// the session it is given on every write.
func plainClaimsOf(s *authsession.Session[authsession.User], iat time.Time) plainClaims {
	u := s.User
	return plainClaims{
		User:         plainUser{ID: u.ID, Email: u.Email, Name: u.Name, Image: u.Image},
		AccessToken:  s.AccessToken,
		RefreshToken: s.RefreshToken,
		ExpiresAt:    s.ExpiresAt.UnixMilli(),
		ExpiryDate:   s.ExpiresAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		CreatedAt:    s.CreatedAt.UnixMilli(),
		LastActivity: s.LastActivity.UnixMilli(),
		RegisteredClaims: jwt.RegisteredClaims{
			IssuedAt:  jwt.NewNumericDate(iat),
			ExpiresAt: jwt.NewNumericDate(s.ExpiresAt),
			ID:        s.ID,
		},
	}
}

// benchSession is the benchmark session with the fixed id.
func benchSession() authsession.Session[authsession.User] {
	s := benchdata.Session(time.Now())
	s.ID = benchJTI
	return s
}

var (
	allowedAlgs = []jose.KeyAlgorithm{jose.DIRECT}
	allowedEncs = []jose.ContentEncryption{jose.A256GCM}
)

// Fixture holds the library instances, keys and tokens the comparisons
// share. Build it once; its functions are safe to call repeatedly (not
// concurrently).
type Fixture struct {
	Auth     *authsession.AuthSession[authsession.User] // token cache on (default size)
	Cold     *authsession.AuthSession[authsession.User] // token cache off: every read decrypts
	Token    string                                     // the library's token for benchdata.Session
	Cookie   string                                     // "session=<Token>"
	key      []byte                                     // the derived A256GCM key
	enc      jose.Encrypter
	validate *jwt.Validator
	hsKey    []byte
	hsToken  string
	hsParser *jwt.Parser
	sc       *securecookie.SecureCookie
	scValue  string
	scs      *scs.SessionManager
	scsToken string
	mem      [2]*Site    // server storage and scs in memory (checks.go)
	rds      *RedisSites // the same on Redis
	rdsErr   error
}

// NewFixture builds the fixture: the library with the benchmark
// configuration, go-jose, golang-jwt (HS256), securecookie (JSON) and scs
// (in-memory store) with the same session.
func NewFixture() (*Fixture, error) {
	now := time.Now()
	f := &Fixture{}
	var err error
	if f.Auth, err = benchdata.NewAuth(0); err != nil {
		return nil, err
	}
	if f.Cold, err = benchdata.NewAuth(-1); err != nil {
		return nil, err
	}
	if f.Token, err = f.Auth.EncryptSession(benchdata.Session(now)); err != nil {
		return nil, err
	}
	f.Cookie = benchdata.CookieName + "=" + f.Token
	if f.key, err = jwe.DeriveKey(benchdata.Secret, benchdata.CookieName); err != nil {
		return nil, err
	}
	f.enc, err = jose.NewEncrypter(jose.A256GCM,
		jose.Recipient{Algorithm: jose.DIRECT, Key: f.key, KeyID: jwe.KeyID(f.key)}, nil)
	if err != nil {
		return nil, err
	}
	// The validator the library configures: exp required, iat checked,
	// the default leeway.
	f.validate = jwt.NewValidator(jwt.WithLeeway(benchdata.Leeway), jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	hs := sha256.Sum256([]byte(benchdata.Secret))
	f.hsKey = hs[:]
	c := newPlainClaims(now)
	if f.hsToken, err = jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(f.hsKey); err != nil {
		return nil, err
	}
	f.hsParser = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithLeeway(benchdata.Leeway))
	block := sha256.Sum256([]byte("block:" + benchdata.Secret))
	f.sc = securecookie.New(f.hsKey, block[:]).SetSerializer(securecookie.JSONEncoder{})
	if f.scValue, err = f.sc.Encode(benchdata.CookieName, &c); err != nil {
		return nil, err
	}
	if err := f.newSCS(); err != nil {
		return nil, err
	}
	return f, nil
}

// newSCS starts an scs manager (memstore) and signs one session in, with
// the benchmark session's fields as values.
func (f *Fixture) newSCS() error {
	f.scs = scs.New()
	u := benchdata.User
	h := f.scs.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := f.scs.RenewToken(ctx); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for k, v := range map[string]string{"id": u.ID, "email": u.Email, "name": u.Name, "image": u.Image,
			"accessToken": benchdata.AccessToken, "refreshToken": benchdata.RefreshToken} {
			f.scs.Put(ctx, k, v)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == f.scs.Cookie.Name {
			f.scsToken = c.Value
		}
	}
	if f.scsToken == "" {
		return errors.New("scs set no session cookie")
	}
	return nil
}

// DecryptSession is the library's cold read: DecryptSession, no cache.
func (f *Fixture) DecryptSession() error {
	_, err := f.Cold.DecryptSession(f.Token)
	return err
}

// JoseDecrypt is the raw go-jose read of the same token: ParseEncryptedCompact,
// Decrypt, json.Unmarshal into plain claims and golang-jwt's Validator.
func (f *Fixture) JoseDecrypt() error {
	obj, err := jose.ParseEncryptedCompact(f.Token, allowedAlgs, allowedEncs)
	if err != nil {
		return err
	}
	pt, err := obj.Decrypt(f.key)
	if err != nil {
		return err
	}
	var c plainClaims
	if err := json.Unmarshal(pt, &c); err != nil {
		return err
	}
	return f.validate.Validate(&c)
}

// HS256Parse is golang-jwt's parse and validation of an HS256 token with
// the same claims: HS256 only, exp required, iat checked.
func (f *Fixture) HS256Parse() error {
	var c plainClaims
	_, err := f.hsParser.ParseWithClaims(f.hsToken, &c, func(*jwt.Token) (any, error) { return f.hsKey, nil })
	return err
}

// SecureCookieDecode is gorilla/securecookie's Decode (JSON serializer) of
// the same claims.
func (f *Fixture) SecureCookieDecode() error {
	var c plainClaims
	return f.sc.Decode(benchdata.CookieName, f.scValue, &c)
}

// EncryptSession is the library's EncryptSession of the benchmark session
// (with an id, so that it draws none).
func (f *Fixture) EncryptSession() func() error {
	s := benchSession()
	return func() error {
		_, err := f.Cold.EncryptSession(s)
		return err
	}
}

// SecureCookieEncode is securecookie's Encode (JSON) of the same session
// as plain claims.
func (f *Fixture) SecureCookieEncode() func() error {
	s := benchSession()
	return func() error {
		c := plainClaimsOf(&s, time.Now())
		_, err := f.sc.Encode(benchdata.CookieName, &c)
		return err
	}
}

// JoseEncrypt is the same session as plain claims, json.Marshal, go-jose's
// Encrypt and CompactSerialize.
func (f *Fixture) JoseEncrypt() func() error {
	s := benchSession()
	return func() error {
		c := plainClaimsOf(&s, time.Now())
		_, err := f.joseToken(&c)
		return err
	}
}

func (f *Fixture) joseToken(c *plainClaims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	obj, err := f.enc.Encrypt(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// HS256Sign is golang-jwt's HS256 signing of the same session as plain
// claims (converted on every write, as the other writers do).
func (f *Fixture) HS256Sign() func() error {
	s := benchSession()
	return func() error {
		c := plainClaimsOf(&s, time.Now())
		_, err := jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(f.hsKey)
		return err
	}
}

// CreateSession is the library's CreateSession of the benchmark user and
// tokens, into an httptest recorder, with the default token cache.
func (f *Fixture) CreateSession() func() error {
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	opt := authsession.WithTokens(benchdata.AccessToken, benchdata.RefreshToken)
	return func() error {
		_, err := f.Auth.CreateSession(httptest.NewRecorder(), r, benchdata.User, opt)
		return err
	}
}

// JoseCreate is what an application would do by hand: a new session of the
// user and tokens with a new id, as plain claims encrypted with go-jose,
// and http.SetCookie into an httptest recorder with the library's cookie
// attributes.
func (f *Fixture) JoseCreate() func() error {
	return func() error {
		now := time.Now()
		s := benchdata.Session(now)
		s.ID = newID()
		c := plainClaimsOf(&s, now)
		tok, err := f.joseToken(&c)
		if err != nil {
			return err
		}
		http.SetCookie(httptest.NewRecorder(), &http.Cookie{
			Name: benchdata.CookieName, Value: tok, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Expires: time.Now().Add(benchdata.Expiry),
			MaxAge: int(benchdata.Expiry / time.Second),
		})
		return nil
	}
}

// GetSessionCold is GetSession with the token cache off: every read
// decrypts.
func (f *Fixture) GetSessionCold() func() error {
	r := f.Request("/dashboard")
	return func() error {
		if _, ok := f.Cold.GetSession(r); !ok {
			return errors.New("no session")
		}
		return nil
	}
}

// GetSessionFirstSight is GetSession of a cookie the cache has not seen:
// with a 64 KiB cache (about 30 entries) and 1,024 distinct tokens read in
// turn, every read misses, decrypts, inserts and evicts.
func (f *Fixture) GetSessionFirstSight() (func() error, error) {
	auth, err := benchdata.NewAuth(64 << 10)
	if err != nil {
		return nil, err
	}
	reqs := make([]*http.Request, 1024)
	for i := range reqs {
		s := benchdata.Session(time.Now())
		s.ID = fmt.Sprintf("first-sight-%04d", i)
		tok, err := auth.EncryptSession(s)
		if err != nil {
			return nil, err
		}
		reqs[i] = httptest.NewRequest(http.MethodGet, "/dashboard", nil)
		reqs[i].Header.Set("Cookie", benchdata.CookieName+"="+tok)
	}
	i := 0
	return func() error {
		i++
		if _, ok := auth.GetSession(reqs[i%len(reqs)]); !ok {
			return errors.New("no session")
		}
		return nil
	}, nil
}

// GetSessionWarm is GetSession of a request whose cookie was read before:
// a verified-token cache hit.
func (f *Fixture) GetSessionWarm() (func() error, error) {
	r := f.Request("/dashboard")
	if _, ok := f.Auth.GetSession(r); !ok {
		return nil, errors.New("no session")
	}
	return func() error {
		if _, ok := f.Auth.GetSession(r); !ok {
			return errors.New("no session")
		}
		return nil
	}, nil
}

// Request returns a GET of path carrying the session cookie.
func (f *Fixture) Request(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Cookie", f.Cookie)
	return r
}

// GuardWarm is the guard (Middleware) on an Auth route with a valid,
// cached cookie, in front of a handler that reads the session; the
// response writer keeps nothing but its header map, so the guard's own
// allocations are what count.
func (f *Fixture) GuardWarm() (func() error, error) {
	var ok bool
	h := f.Auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok = f.Auth.GetSession(r)
	}))
	r := f.Request("/dashboard")
	w := &discardWriter{h: http.Header{}}
	serve := func() error {
		ok = false
		h.ServeHTTP(w, r)
		if !ok {
			return errors.New("guarded handler got no session")
		}
		return nil
	}
	return serve, serve()
}

// SCSWarm is scs's LoadAndSave with its in-memory store on a request with
// a session cookie, in front of a handler that reads the user id: scs's
// cheapest read.
func (f *Fixture) SCSWarm() (func() error, error) {
	var id string
	h := f.scs.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id = f.scs.GetString(r.Context(), "id")
	}))
	r := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
	r.Header.Set("Cookie", f.scs.Cookie.Name+"="+f.scsToken)
	w := &discardWriter{h: http.Header{}}
	serve := func() error {
		id = ""
		clear(w.h)
		h.ServeHTTP(w, r)
		if id != benchdata.User.ID {
			return fmt.Errorf("scs handler got user id %q", id)
		}
		return nil
	}
	return serve, serve()
}

// discardWriter is a ResponseWriter that keeps nothing but its header map.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// newID is a session id as the library makes them: 128 random bits from
// crypto/rand, base64url.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
