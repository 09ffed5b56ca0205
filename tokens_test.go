package authsession_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/authsession/authsession"
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
