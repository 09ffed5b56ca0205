package authsession_test

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/authsession/authsession/internal/plainjson"
	"github.com/authsession/authsession/internal/testenv"
	"github.com/go-jose/go-jose/v4"
)

// symmetryConfigs are the configurations the symmetry tests run under:
// every format, a rotated secret, a tight size limit and no leeway.
func symmetryConfigs() map[string]func(*authsession.Config[authsession.User]) {
	return map[string]func(*authsession.Config[authsession.User]){
		"default": nil,
		"previous secrets": func(c *authsession.Config[authsession.User]) {
			c.PreviousSecrets = []authsession.Secret{"previous-secret-0123456789-abcdefghij"}
		},
		"authjs":         func(c *authsession.Config[authsession.User]) { c.Format = authsession.FormatAuthJS },
		"nextauth-v4":    func(c *authsession.Config[authsession.User]) { c.Format = authsession.FormatNextAuthV4 },
		"1 KiB cookies":  func(c *authsession.Config[authsession.User]) { c.MaxCookieBytes = 1024 },
		"no leeway":      func(c *authsession.Config[authsession.User]) { c.Leeway = -1 },
		"short lifetime": func(c *authsession.Config[authsession.User]) { c.Expiry, c.MaxLifetime = time.Minute, time.Hour },
	}
}

// checkSymmetric encrypts s and, when that succeeds, requires DecryptSession
// to open the token at the same instant, to the same session.
func checkSymmetric(t *testing.T, a *authsession.AuthSession[authsession.User], s authsession.Session[authsession.User]) error {
	t.Helper()
	tok, err := a.EncryptSession(s)
	if err != nil {
		return err
	}
	got, err := a.DecryptSession(tok)
	if err != nil {
		t.Fatalf("EncryptSession returned a token that DecryptSession refuses: %v", err)
	}
	// encoding/json writes invalid UTF-8 as U+FFFD: such an id reads back
	// changed, which is JSON's doing, not the token layer's.
	if s.ID != "" && got.ID != s.ID || utf8.ValidString(s.User.ID) && got.User.ID != s.User.ID {
		t.Errorf("round trip: got id %q user %q, want id %q user %q", got.ID, got.User.ID, s.ID, s.User.ID)
	}
	return nil
}

// TestEncryptDecryptSymmetry pins the token layer's one set of rules:
// whatever EncryptSession returns without error, DecryptSession opens, in
// every configuration; what it would refuse, EncryptSession refuses with
// the same error.
func TestEncryptDecryptSymmetry(t *testing.T) {
	bio := strings.Repeat("x", 40<<10)
	tests := []struct {
		name    string
		session func(now time.Time, cfg authsession.Config[authsession.User]) authsession.Session[authsession.User]
		want    error // nil: either outcome, as long as it is symmetric
		// createdAt: want holds only for the default format; the foreign
		// formats carry no creation time (it reads back as iat).
		createdAt bool
	}{
		{"zero times", func(time.Time, authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}}
		}, nil, false},
		{"empty user id", func(time.Time, authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{Name: "Ann"}}
		}, authsession.ErrNoUserID, false},
		{"oversized user", func(time.Time, authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1", Extra: map[string]any{"bio": bio}}}
		}, authsession.ErrSessionTooLarge, false},
		{"expired an hour ago", func(now time.Time, _ authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
		}, authsession.ErrTokenExpired, false},
		{"expires at the leeway edge", func(now time.Time, c authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, ExpiresAt: now.Add(-c.Leeway)}
		}, authsession.ErrTokenExpired, false},
		{"expires half a second into the leeway", func(now time.Time, c authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, ExpiresAt: now.Add(-c.Leeway + 500*time.Millisecond)}
		}, nil, false},
		{"expires half a millisecond into the leeway", func(now time.Time, c authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, ExpiresAt: now.Add(-c.Leeway + 500*time.Microsecond)}
		}, nil, false},
		{"expires in a millisecond", func(now time.Time, _ authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, ExpiresAt: now.Add(time.Millisecond)}
		}, nil, false},
		{"expires beyond the time range", func(time.Time, authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, ExpiresAt: time.Unix(1<<41, 0)}
		}, authsession.ErrInvalidToken, false},
		{"expires in the year 9999", func(time.Time, authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, ExpiresAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}
		}, nil, false},
		{"expired before 1970", func(time.Time, authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, ExpiresAt: time.Unix(-100, 0)}
		}, authsession.ErrInvalidToken, false},
		{"created in the future", func(now time.Time, _ authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, CreatedAt: now.Add(365 * 24 * time.Hour)}
		}, nil, false},
		{"created past the maximum lifetime", func(now time.Time, c authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, CreatedAt: now.Add(-c.MaxLifetime), ExpiresAt: now.Add(time.Minute)}
		}, authsession.ErrMaxLifetime, true},
		{"created a millisecond before the maximum lifetime", func(now time.Time, c authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, CreatedAt: now.Add(-c.MaxLifetime + time.Millisecond), ExpiresAt: now.Add(time.Minute)}
		}, nil, false},
		{"created in 1969", func(now time.Time, _ authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, CreatedAt: time.Unix(-3600, 0), ExpiresAt: now.Add(time.Minute)}
		}, authsession.ErrMaxLifetime, true},
		{"user fields named like claims", func(time.Time, authsession.Config[authsession.User]) authsession.Session[authsession.User] {
			return authsession.Session[authsession.User]{ID: "sid-1", User: authsession.User{ID: "u_1", Extra: map[string]any{"sub": "other", "exp": 1, "jti": "x", "iat": -5}}}
		}, nil, false},
	}
	for cname, tweak := range symmetryConfigs() {
		t.Run(cname, func(t *testing.T) {
			clk := newClock()
			a := newAuth(t, clk, tweak)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					err := checkSymmetric(t, a, tt.session(clk.Now(), a.Config))
					if tt.createdAt && a.Config.Format != authsession.FormatDefault {
						return
					}
					if tt.want != nil && !errors.Is(err, tt.want) {
						t.Errorf("EncryptSession: got %v, want %v", err, tt.want)
					}
				})
			}
		})
	}
}

// FuzzEncryptDecryptSymmetry searches for a session that EncryptSession
// encrypts and DecryptSession refuses: user ids, sizes and times, offset
// from the clock in milliseconds, under every format.
func FuzzEncryptDecryptSymmetry(f *testing.F) {
	f.Add(uint8(0), "u_1", int64(0), int64(0), uint16(0))
	f.Add(uint8(1), "", int64(3_600_000), int64(-1000), uint16(10))
	f.Add(uint8(2), "u", int64(-4_500), int64(0), uint16(0))
	f.Add(uint8(1), "u", int64(-4_999), int64(-1), uint16(0))
	f.Add(uint8(0), "u", int64(1<<50), int64(1<<50), uint16(60000))
	f.Add(uint8(2), "u", int64(-1<<62), int64(-1<<62), uint16(1))
	formats := []authsession.TokenFormat{authsession.FormatDefault, authsession.FormatAuthJS, authsession.FormatNextAuthV4}
	clk := newClock()
	var auths []*authsession.AuthSession[authsession.User]
	for _, fm := range formats {
		auths = append(auths, newAuth(f, clk, func(c *authsession.Config[authsession.User]) { c.Format = fm }))
	}
	f.Fuzz(func(t *testing.T, format uint8, userID string, expiresMs, createdMs int64, extra uint16) {
		a := auths[int(format)%len(auths)]
		now := clk.Now()
		s := authsession.Session[authsession.User]{
			User:      authsession.User{ID: userID, Extra: map[string]any{"bio": strings.Repeat("b", int(extra))}},
			ExpiresAt: now.Add(time.Duration(expiresMs) * time.Millisecond),
			CreatedAt: now.Add(time.Duration(createdMs) * time.Millisecond),
		}
		if expiresMs == 0 {
			s.ExpiresAt = time.Time{}
		}
		if createdMs == 0 {
			s.CreatedAt = time.Time{}
		}
		checkSymmetric(t, a, s)
	})
}

// nestedValue is a value nesting depth levels of arrays, as JSON decodes
// it into an any.
func nestedValue(depth int) any {
	var v any = "leaf"
	for range depth {
		v = []any{v}
	}
	return v
}

// TestEncryptRefusesWhatDecryptRefuses: a session whose JSON nests deeper
// than a token may is refused by EncryptSession (ErrInvalidData) rather
// than written as a token that DecryptSession would refuse; one at the
// limit is written and read back, in every format. A user value that
// encoding/json cannot encode is ErrInvalidData too.
func TestEncryptRefusesWhatDecryptRefuses(t *testing.T) {
	clk := newClock()
	for name, tweak := range map[string]func(*authsession.Config[authsession.User]){
		"default":     nil,
		"authjs":      func(c *authsession.Config[authsession.User]) { c.Format = authsession.FormatAuthJS },
		"nextauth-v4": func(c *authsession.Config[authsession.User]) { c.Format = authsession.FormatNextAuthV4 },
	} {
		t.Run(name, func(t *testing.T) {
			a := newAuth(t, clk, tweak)
			// The claims object and, in the default format, the user
			// object hold the value.
			around := 2
			if name != "default" {
				around = 1
			}
			session := func(extra any) authsession.Session[authsession.User] {
				return authsession.Session[authsession.User]{
					User: authsession.User{ID: "u_1", Extra: map[string]any{"x": extra}}, ExpiresAt: clk.Now().Add(time.Hour),
				}
			}
			atLimit := plainjson.MaxDepth - around
			if err := checkSymmetric(t, a, session(nestedValue(atLimit))); err != nil {
				t.Errorf("nesting at the limit: got %v, want it written", err)
			}
			for _, depth := range []int{atLimit + 1, 1000} {
				if _, err := a.EncryptSession(session(nestedValue(depth))); !errors.Is(err, authsession.ErrInvalidData) {
					t.Errorf("nesting %d levels too deep: got %v, want ErrInvalidData", depth-atLimit, err)
				}
			}
			if _, err := a.EncryptSession(session(math.NaN())); !errors.Is(err, authsession.ErrInvalidData) {
				t.Errorf("NaN in the user: got %v, want ErrInvalidData", err)
			}
		})
	}
	a := newAuth(t, clk, nil)
	deep, _ := json.Marshal(nestedValue(plainjson.MaxDepth))
	s := authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}, ExpiresAt: clk.Now().Add(time.Hour),
		Data: authsession.Data{"cart": deep}}
	if _, err := a.EncryptSession(s); !errors.Is(err, authsession.ErrInvalidData) {
		t.Errorf("session data nesting too deep: got %v, want ErrInvalidData", err)
	}
}

// TestCacheIsPrivate: the verified-token cache must hold what the
// token says, not memory the caller still owns.
func TestCacheIsPrivate(t *testing.T) {
	t.Run("create", func(t *testing.T) {
		a := newAuth(t, newClock(), nil)
		u := authsession.User{ID: "u_1", Extra: map[string]any{"role": "user"}}
		_, cs := signIn(t, a, u)
		u.Extra["role"] = "admin" // the caller reuses its map
		s, ok := a.GetSession(requestWith(cs))
		if !ok {
			t.Fatal("no session")
		}
		if got := s.User.ExtraString("role"); got != "user" {
			t.Errorf("role: got %q, want %q", got, "user")
		}
	})
	t.Run("returned session", func(t *testing.T) {
		a := newAuth(t, newClock(), nil)
		s0, cs := signIn(t, a, authsession.User{ID: "u_1", Extra: map[string]any{"role": "user"}})
		s0.User.Extra["role"] = "admin"
		s, ok := a.GetSession(requestWith(cs))
		if !ok {
			t.Fatal("no session")
		}
		if got := s.User.ExtraString("role"); got != "user" {
			t.Errorf("role: got %q, want %q", got, "user")
		}
	})
}

// EncryptSession fills zero times, so a session built by hand is usable.
func TestEncryptSessionFillsZeroTimes(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	tok, err := a.EncryptSession(authsession.Session[authsession.User]{User: authsession.User{ID: "u_1"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.DecryptSession(tok)
	if err != nil {
		t.Fatalf("DecryptSession: %v", err)
	}
	if !s.CreatedAt.Equal(clk.Now()) || !s.LastActivity.Equal(clk.Now()) || !s.ExpiresAt.Equal(clk.Now().Add(a.Config.Expiry)) {
		t.Errorf("got created %v last %v expires %v", s.CreatedAt, s.LastActivity, s.ExpiresAt)
	}
}

func TestBadCookiesAreNoSession(t *testing.T) {
	clk := newClock()
	var logs testenv.Buffer
	a := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Logger = debugLogger(&logs) })
	other := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.Secret = "another-secret-0123456789-abcdefghijkl"
	})
	renamed := newAuth(t, clk, func(c *authsession.Config[authsession.User]) { c.Cookie.Name = "sid" })

	_, good := signIn(t, a, testUser)
	tok := good[0].Value
	_, wrongKey := signIn(t, other, testUser)
	_, wrongName := signIn(t, renamed, testUser)
	expiredAuth := newAuth(t, clk, func(c *authsession.Config[authsession.User]) {
		c.Expiry = time.Minute
		c.RefreshThreshold = time.Second
	})
	_, expired := signIn(t, expiredAuth, testUser)
	key, _ := jwe.DeriveKey(testSecret, "session")
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	parts := strings.Split(tok, ".")

	tests := []struct {
		name   string
		header string // raw Cookie header
	}{
		{"absent", ""},
		{"empty value", "session="},
		{"garbage", "session=hello"},
		{"five empty parts", "session=...."},
		{"truncated", "session=" + tok[:len(tok)/2]},
		{"truncated by one", "session=" + tok[:len(tok)-1]},
		{"tampered header", "session=" + flip(5)},
		{"tampered ciphertext", "session=" + flip(len(parts[0])+len(parts[2])+10)},
		{"tampered tag", "session=" + flip(len(tok)-3)},
		{"swapped iv", "session=" + strings.Join([]string{parts[0], parts[1], "AAAAAAAAAAAAAAAA", parts[3], parts[4]}, ".")},
		{"extra part", "session=" + tok + ".x"},
		{"wrong key", "session=" + wrongKey[0].Value},
		{"wrong cookie name", "session=" + wrongName[0].Value},
		{"expired", "session=" + expired[0].Value},
		{"oversized", "session=" + strings.Repeat("a", 20000)},
		{"signed JWT, not JWE", "session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1XzEifQ.c2lnbmF0dXJl"},
		{"alg none", "session=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1XzEifQ."},
		{"base64 junk", "session=%%%.%%%.%%%.%%%.%%%"},
		{"two cookies of the name", "session=" + tok + "; session=" + tok},
		{"chunks without chunk 0", "session.1=" + tok[:100] + "; session.2=" + tok[100:]},
		{"control bytes", "session=\x00\x01\x02"},
		{"zip header", "session=" + encryptRaw(t, key, jose.A256GCM, map[jose.HeaderKey]any{"zip": "DEF"}, map[string]any{"jti": "x", "iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
		{"jku header", "session=" + encryptRaw(t, key, jose.A256GCM, map[jose.HeaderKey]any{"jku": "https://evil.example/keys"}, map[string]any{"jti": "x", "iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
		{"A256CBC-HS512", "session=" + encryptRaw(t, append(key, key...), jose.A256CBC_HS512, nil, map[string]any{"jti": "x", "iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
		{"no jti", "session=" + encryptRaw(t, key, jose.A256GCM, nil, map[string]any{"iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
		{"no exp", "session=" + encryptRaw(t, key, jose.A256GCM, nil, map[string]any{"jti": "x", "iat": clk.Now().Unix()})},
		{"issued in the future", "session=" + encryptRaw(t, key, jose.A256GCM, nil, map[string]any{"jti": "x", "iat": clk.Now().Add(time.Hour).Unix(), "exp": clk.Now().Add(2 * time.Hour).Unix()})},
		{"claims not an object", "session=" + encryptRaw(t, key, jose.A256GCM, nil, []int{1, 2})},
		{"user of wrong type", "session=" + encryptRaw(t, key, jose.A256GCM, nil, map[string]any{"user": 42, "jti": "x", "iat": clk.Now().Unix(), "exp": clk.Now().Add(time.Hour).Unix()})},
	}
	clk.Add(2 * time.Minute) // the short-lived session has expired
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Cookie", tt.header)
			}
			if s, ok := a.GetSession(r); ok {
				t.Fatalf("got session %+v, want none", s)
			}
			if a.IsAuthenticated(r) {
				t.Fatal("IsAuthenticated: got true")
			}
			// Through the middleware: no panic, the handler runs, no session.
			w := httptest.NewRecorder()
			a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, ok := a.GetSession(r); ok {
					t.Error("handler saw a session")
				}
			})).ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Errorf("status %d", w.Code)
			}
			if _, err := a.RefreshSession(httptest.NewRecorder(), r); !errors.Is(err, authsession.ErrNoSession) {
				t.Errorf("RefreshSession: got %v, want ErrNoSession", err)
			}
			_, v, _ := strings.Cut(tt.header, "=")
			if _, err := a.DecryptSession(v); err == nil {
				t.Error("DecryptSession: got nil error")
			} else if len(v) > 16 && strings.Contains(err.Error(), v[:16]) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
	// The good cookie still works after all of that.
	if _, ok := a.GetSession(requestWith(good)); !ok {
		t.Error("the valid session stopped working")
	}
	out := logs.String()
	if !strings.Contains(out, "rejected session cookie") {
		t.Error("rejections were not logged at debug level")
	}
	for _, secret := range []string{testSecret, tok[:20], tok[len(tok)-20:], parts[3][:20]} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret or token fragment %q", secret)
		}
	}
}

func TestEncryptDecryptSession(t *testing.T) {
	clk := newClock()
	a := newAuth(t, clk, nil)
	in := authsession.Session[authsession.User]{
		User: testUser, AccessToken: "at",
		CreatedAt: clk.Now(), LastActivity: clk.Now(), ExpiresAt: clk.Now().Add(time.Hour),
	}
	tok, err := a.EncryptSession(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := a.DecryptSession(tok)
	if err != nil {
		t.Fatal(err)
	}
	if out.ID == "" || out.User.Email != in.User.Email || out.AccessToken != "at" || !out.ExpiresAt.Equal(in.ExpiresAt) {
		t.Errorf("got %+v", out)
	}
	if strings.Contains(tok, "ann@example.com") {
		t.Error("token shows the plaintext")
	}
}
