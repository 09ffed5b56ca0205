package authsession_test

// The fixtures every black-box test shares: the one way to build an
// AuthSession (buildAuth, and newAuth over a test clock), clocks, a log
// buffer, signing in, requests carrying cookies, and tokens minted by hand
// (encryptAt, encryptRaw) or for the benchmarks (newBenchAuth, benchToken).

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
	"github.com/authsession/authsession/internal/testclock"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/go-jose/go-jose/v4"
)

// testSecret is the secret of newAuth's instances.
const testSecret = "test-secret-0123456789-abcdefghijklmnop"

// clock is the settable clock for Config.Now shared with the store
// conformance suite.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)) }

// debugLogger logs at debug level and above into b.
func debugLogger(b *testenv.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// buildAuth is NextAuthSession for tests: the one way they build an
// AuthSession, directly or through the fixtures below. It is closed when
// the test ends, so that no goroutine retrying a revocation outlives it
// (nor the testing/synctest bubble it was built in).
func buildAuth[U any](t testing.TB, cfg authsession.Config[U]) *authsession.AuthSession[U] {
	t.Helper()
	a, err := authsession.NextAuthSession(cfg)
	if err != nil {
		t.Fatalf("NextAuthSession: %v", err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	return a
}

// eventually moves a testing/synctest bubble's fake time on, 10 ms at a
// time, until cond holds, and fails after a minute of fake time. The tests
// that wait on the library's timers (the revocation retrier, the store
// calls' deadlines) run in a bubble: what they wait for happens at a known
// fake time, without sleeping. Outside a bubble it panics.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		synctest.Wait()
		if cond() {
			return
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("%s: not within a minute of fake time", what)
		}
	}
}

// newAuth builds an AuthSession with a test secret, a fake clock and the
// given tweaks.
func newAuth(t testing.TB, clk *clock, tweak func(*authsession.Config[authsession.User])) *authsession.AuthSession[authsession.User] {
	t.Helper()
	cfg := authsession.Config[authsession.User]{Secret: testSecret, Now: clk.Now}
	if tweak != nil {
		tweak(&cfg)
	}
	return buildAuth(t, cfg)
}

var testUser = authsession.User{
	ID: "u_1", Email: "ann@example.com", Name: "Ann",
	Extra: map[string]any{"role": "admin", "permissions": []any{"read", "write"}},
}

// signIn creates a session and returns the Set-Cookie cookies.
func signIn(t testing.TB, a *authsession.AuthSession[authsession.User], u authsession.User, opts ...authsession.SessionOption) (authsession.Session[authsession.User], []*http.Cookie) {
	t.Helper()
	w := httptest.NewRecorder()
	s, err := a.CreateSession(w, httptest.NewRequest("POST", "/login", nil), u, opts...)
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return s, w.Result().Cookies()
}

// requestWith returns a GET request carrying the live cookies (MaxAge >= 0).
func requestWith(cookies []*http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range cookies {
		if c.MaxAge >= 0 && c.Value != "" {
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return r
}

// cookieNamed returns the cookie called name, or nil.
func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// encryptAt returns the token of s as auth would have issued it at `at`:
// EncryptSession refuses a session that is already over, so a token for a
// session that is expired or stale today is minted by an instance of the
// same configuration whose clock reads `at`.
func encryptAt(t testing.TB, auth *authsession.AuthSession[authsession.User], s authsession.Session[authsession.User], at time.Time) string {
	t.Helper()
	cfg := auth.Config
	cfg.Now = func() time.Time { return at }
	tok, err := buildAuth(t, cfg).EncryptSession(s)
	if err != nil {
		t.Fatalf("EncryptSession: %v", err)
	}
	return tok
}

// fmtV, fmtPlusV and fmtSharpV format v as %v, %+v and %#v: redaction
// tests call them so that vet does not read the verbs as mistakes.
func fmtV(v any) string { return fmt.Sprintf("%v", v) }

func fmtPlusV(v any) string { return fmt.Sprintf("%+v", v) }

func fmtSharpV(v any) string { return fmt.Sprintf("%#v", v) }

// encryptRaw builds a token with go-jose directly.
func encryptRaw(t testing.TB, key []byte, enc jose.ContentEncryption, headers map[jose.HeaderKey]any, claims any) string {
	t.Helper()
	opts := &jose.EncrypterOptions{ExtraHeaders: headers}
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: jose.DIRECT, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// newBenchAuth returns the benchmarks' AuthSession (see
// internal/benchdata). cacheBytes < 0 disables the token cache.
func newBenchAuth(tb testing.TB, cacheBytes int) *authsession.AuthSession[authsession.User] {
	tb.Helper()
	auth, err := benchdata.NewAuth(cacheBytes)
	if err != nil {
		tb.Fatal(err)
	}
	return auth
}

// benchToken returns a fresh valid token for benchSession.
func benchToken(tb testing.TB, auth *authsession.AuthSession[authsession.User]) string {
	tb.Helper()
	tok, err := auth.EncryptSession(benchdata.Session(time.Now()))
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func requestWithCookie(path, name, token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		r.Header.Set("Cookie", name+"="+token)
	}
	return r
}

// httpRecorder is httptest.NewRecorder, short.
func httpRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
