package authsession_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/authsession/authsession/internal/plainjson"
	"github.com/go-jose/go-jose/v4"
)

// fuzzAuth returns an instance with a fixed clock, so a token made at the
// start of a fuzz run stays valid for all of it.
func fuzzAuth(tb testing.TB) *authsession.AuthSession[authsession.User] {
	tb.Helper()
	return buildAuth(tb, authsession.Config[authsession.User]{
		Secret: "fuzz-secret-0123456789abcdef-0123456789",
		Cookie: authsession.CookieConfig{Name: "session"},
		Now:    func() time.Time { return advNow },
		// The cache is off: every input reaches the decoder.
		CacheBytes: -1,
	})
}

func fuzzToken(tb testing.TB, auth *authsession.AuthSession[authsession.User]) string {
	tb.Helper()
	tok, err := auth.EncryptSession(authsession.Session[authsession.User]{
		ID:           "fuzz-session-id",
		User:         authsession.User{ID: "u_1", Name: "Ann", Extra: map[string]any{"role": "admin"}},
		ExpiresAt:    advNow.Add(time.Hour),
		CreatedAt:    advNow,
		LastActivity: advNow,
	})
	if err != nil {
		tb.Fatalf("EncryptSession: %v", err)
	}
	return tok
}

// fuzzSeal seals payload under fuzzAuth's key, as go-jose would.
func fuzzSeal(tb testing.TB, payload string) string {
	tb.Helper()
	key, err := jwe.DeriveKey("fuzz-secret-0123456789abcdef-0123456789", "session")
	if err != nil {
		tb.Fatal(err)
	}
	e, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: key, KeyID: jwe.KeyID(key)}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := e.Encrypt([]byte(payload))
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// decryptErr reports whether err is one of the documented decrypt errors.
func decryptErr(err error) bool {
	return errors.Is(err, authsession.ErrInvalidToken) ||
		errors.Is(err, authsession.ErrTokenExpired) ||
		errors.Is(err, authsession.ErrMaxLifetime)
}

// FuzzDecryptSession feeds arbitrary strings to the token decoder: it must
// never panic, fail only with the documented sentinels, and never put the
// input into its error message.
func FuzzDecryptSession(f *testing.F) {
	auth := fuzzAuth(f)
	tok := fuzzToken(f, auth)
	b64 := base64.RawURLEncoding.EncodeToString
	for _, seed := range []string{
		tok,
		tok[:len(tok)/2],
		"",
		".",
		"....",
		"a.b.c.d.e",
		"a.b.c.d.e.f",
		b64([]byte(`{"alg":"none"}`)) + "....",
		b64([]byte(`{"alg":"dir","enc":"A256GCM"}`)) + "..AAAA.AAAA.AAAA",
		b64([]byte(`{"alg":"dir","enc":"A256GCM","zip":"DEF"}`)) + "..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
		b64([]byte(`{"alg":"dir","enc":"A128CBC-HS256"}`)) + "..AAAAAAAAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
		b64([]byte(`{"alg":"dir","enc":"A256GCM","kid":{}}`)) + "..AAAA.AAAA.AAAA",
		b64([]byte(`{"alg":"dir","enc":"A256GCM","crit":["b64"]}`)) + "..AAAA.AAAA.AAAA",
		b64([]byte(`null`)) + "....",
		b64([]byte(`[`)) + "....",
		strings.Repeat("A", 20000),
		"\x00\xff.\x80",
		`{"protected":"","iv":"","ciphertext":"","tag":""}`,
		// Sealed under the key: claims nesting 4,000 levels, and one level
		// more than a token may.
		fuzzSeal(f, `{"user":{"id":"u_1","x":`+strings.Repeat("[", 4000)+strings.Repeat("]", 4000)+`},"jti":"j"}`),
		fuzzSeal(f, `{"user":{"id":"u_1","x":`+strings.Repeat("[", plainjson.MaxDepth-1)+strings.Repeat("]", plainjson.MaxDepth-1)+`},"jti":"j"}`),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		s, err := auth.DecryptSession(token)
		if err != nil {
			if !decryptErr(err) {
				t.Fatalf("DecryptSession: got error %v, want one wrapping ErrInvalidToken, ErrTokenExpired or ErrMaxLifetime", err)
			}
			if len(token) >= 8 && strings.Contains(err.Error(), token) {
				t.Fatalf("DecryptSession error contains the token: %v", err)
			}
			return
		}
		if s.ID == "" {
			t.Fatalf("DecryptSession accepted a token with an empty session id")
		}
	})
}

// FuzzDecryptSessionMutated mutates a valid token (flip a byte, cut, insert)
// and requires that the result is either rejected or decodes to exactly
// the original session: no mutation forges another session.
func FuzzDecryptSessionMutated(f *testing.F) {
	auth := fuzzAuth(f)
	tok := fuzzToken(f, auth)
	f.Add(uint16(0), byte(1), uint16(0), "")
	f.Add(uint16(5), byte(0x80), uint16(0), "")
	f.Add(uint16(len(tok)-1), byte(1), uint16(0), "")
	f.Add(uint16(0), byte(0), uint16(len(tok)/2), "")
	f.Add(uint16(0), byte(0), uint16(0), ".")
	f.Add(uint16(60), byte(0), uint16(0), "AAAA")
	f.Add(uint16(60), byte(2), uint16(3), "\x00")
	f.Fuzz(func(t *testing.T, pos uint16, mask byte, cut uint16, insert string) {
		b := []byte(tok)
		if int(cut) > 0 && int(cut) < len(b) {
			b = b[:len(b)-int(cut)]
		}
		if len(b) > 0 {
			b[int(pos)%len(b)] ^= mask
		}
		if insert != "" && len(b) > 0 {
			i := int(pos) % len(b)
			b = append(b[:i], append([]byte(insert), b[i:]...)...)
		}
		mut := string(b)
		s, err := auth.DecryptSession(mut)
		if err != nil {
			if !decryptErr(err) {
				t.Fatalf("DecryptSession: got error %v, want a documented sentinel", err)
			}
			return
		}
		if s.ID != "fuzz-session-id" || s.User.ID != "u_1" || s.User.Name != "Ann" {
			t.Fatalf("mutated token decoded to another session: id %q user %q", s.ID, s.User.ID)
		}
	})
}
