package authsession_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/authsession/authsession/internal/plainjson"
	"github.com/go-jose/go-jose/v4"
)

// nestingLimit is the deepest nesting a token's payload may have.
const nestingLimit = plainjson.MaxDepth

// nestedJSON is a JSON value nested depth levels deep, alternating arrays
// and objects: [{"a":[{"a":…}]}].
func nestedJSON(depth int) string {
	var b strings.Builder
	for i := range depth {
		if i%2 == 0 {
			b.WriteString("[")
		} else {
			b.WriteString(`{"a":`)
		}
	}
	b.WriteString("0")
	for i := depth - 1; i >= 0; i-- {
		if i%2 == 0 {
			b.WriteString("]")
		} else {
			b.WriteString("}")
		}
	}
	return b.String()
}

// TestAdversarialNesting: a token whose payload nests deeper than the
// limit is "no session" in every format and for every user type, at a
// bounded cost (an 11 KB payload 4,000 levels deep made encoding/json
// build 4,000 nested values, twice: 8,000 allocations); one at the limit
// is accepted. The cost is asserted in allocations, not time.
func TestAdversarialNesting(t *testing.T) {
	h := newHarness(t)
	mapUsers := buildAuth(t, authsession.Config[map[string]any]{
		Secret: advSecret, Cookie: authsession.CookieConfig{Name: advCookieName, Insecure: true},
		Now: func() time.Time { return advNow },
	})
	foreign := map[authsession.TokenFormat]*authsession.AuthSession[authsession.User]{}
	for _, f := range []authsession.TokenFormat{authsession.FormatAuthJS, authsession.FormatNextAuthV4} {
		foreign[f] = buildAuth(t, authsession.Config[authsession.User]{
			Secret: advSecret, Format: f, Cookie: authsession.CookieConfig{Insecure: true},
			Now: func() time.Time { return advNow },
		})
	}
	// defaultWith puts value in valid default-format claims: in the user
	// object, as a data value or as a member of its own; foreignWith in
	// valid Auth.js / NextAuth.js claims. Each case's extra is the number
	// of objects around the value.
	defaultWith := func(where, value string) []byte {
		c := string(mustJSON(t, validClaims()))
		switch where {
		case "user":
			return []byte(strings.Replace(c, `"user":{`, `"user":{"x":`+value+`,`, 1))
		case "data":
			return []byte(strings.Replace(c, `"user":`, `"data":{"cart":`+value+`},"user":`, 1))
		default:
			return []byte(strings.Replace(c, `"user":`, `"`+where+`":`+value+`,"user":`, 1))
		}
	}
	foreignWith := func(value string) []byte {
		return []byte(`{"sub":"u_1","name":"Mallory","x":` + value + `,"iat":` + fmt.Sprint(advNow.Unix()) +
			`,"exp":` + fmt.Sprint(advNow.Add(time.Hour).Unix()) + `,"jti":"forged-session-id-0000"}`)
	}
	type opener func(tok string) error
	openDefault := func(tok string) error { _, err := h.auth.DecryptSession(tok); return err }
	openMap := func(tok string) error { _, err := mapUsers.DecryptSession(tok); return err }
	tests := []struct {
		name    string
		extra   int // levels around the nested value
		payload func(value string) []byte
		seal    func(t *testing.T, payload []byte) string
		open    opener
	}{
		{"user member", 2, func(v string) []byte { return defaultWith("user", v) }, h.forgeDefault, openDefault},
		{"data value", 2, func(v string) []byte { return defaultWith("data", v) }, h.forgeDefault, openDefault},
		{"unknown member", 1, func(v string) []byte { return defaultWith("other", v) }, h.forgeDefault, openDefault},
		{"map user type", 2, func(v string) []byte { return defaultWith("user", v) }, h.forgeDefault, openMap},
		{"authjs claim", 1, foreignWith, forgeForeign(foreign[authsession.FormatAuthJS]), openerOf(foreign[authsession.FormatAuthJS])},
		{"nextauth-v4 claim", 1, foreignWith, forgeForeign(foreign[authsession.FormatNextAuthV4]), openerOf(foreign[authsession.FormatNextAuthV4])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			atLimit := tt.seal(t, tt.payload(nestedJSON(nestingLimit-tt.extra)))
			if err := tt.open(atLimit); err != nil {
				t.Fatalf("payload %d levels deep: got %v, want it accepted", nestingLimit, err)
			}
			over := tt.seal(t, tt.payload(nestedJSON(nestingLimit-tt.extra+1)))
			if err := tt.open(over); !errors.Is(err, authsession.ErrInvalidToken) {
				t.Errorf("payload %d levels deep: got %v, want ErrInvalidToken", nestingLimit+1, err)
			}
			// About 11 KB once sealed: under the default MaxCookieBytes.
			deep := tt.seal(t, tt.payload(strings.Repeat("[", 4000)+strings.Repeat("]", 4000)))
			if err := tt.open(deep); !errors.Is(err, authsession.ErrInvalidToken) {
				t.Errorf("payload 4,000 levels deep: got %v, want ErrInvalidToken", err)
			}
			// Refusing it costs no more than accepting the token at the
			// limit (for Auth.js, mostly go-jose's parsing). AllocsPerRun
			// counts every goroutine's allocations: over 100 runs a stray
			// allocation elsewhere (the race detector's runtime, a
			// background goroutine) rounds away instead of adding one per
			// run.
			accept := testing.AllocsPerRun(100, func() { _ = tt.open(atLimit) })
			if n := testing.AllocsPerRun(100, func() { _ = tt.open(deep) }); n > accept {
				t.Errorf("refusing a payload 4,000 levels deep: %v allocations, want at most %v (accepting one at the limit)", n, accept)
			}
			h.remember(deep)
		})
	}
}

// forgeForeign encrypts payload under a foreign-format instance's key:
// the payload of a token it issued is replaced.
func forgeForeign(a *authsession.AuthSession[authsession.User]) func(t *testing.T, payload []byte) string {
	return func(t *testing.T, payload []byte) string {
		t.Helper()
		scheme, _ := jwe.SchemeNamed(string(a.Config.Format))
		key, err := scheme.DeriveKey(advSecret, a.Config.Cookie.Name)
		if err != nil {
			t.Fatal(err)
		}
		return forge(t, jose.DIRECT, jose.ContentEncryption(scheme.Enc), key.Bytes, key.ID, nil, payload)
	}
}

func openerOf(a *authsession.AuthSession[authsession.User]) func(string) error {
	return func(tok string) error { _, err := a.DecryptSession(tok); return err }
}

// TestAdversarialExpiresAtClampedToExp: a session's expiresAt is never
// later than the validated exp claim, so a token claiming an expiresAt a
// year ahead is "no session" once its exp has passed, even though the
// server saw (and cached) it while it was valid.
func TestAdversarialExpiresAtClampedToExp(t *testing.T) {
	var clock atomic.Int64
	clock.Store(advNow.UnixNano())
	h := newHarness(t, withClock(func() time.Time { return time.Unix(0, clock.Load()).UTC() }))
	exp := advNow.Add(time.Hour)
	c := validClaims()
	c["exp"] = exp.Unix()
	c["expiresAt"] = advNow.Add(365 * 24 * time.Hour).UnixMilli()
	tok := forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, nil, mustJSON(t, c))
	h.remember(tok)
	s, err := h.auth.DecryptSession(tok)
	if err != nil {
		t.Fatalf("DecryptSession: %v", err)
	}
	if s.ExpiresAt.After(exp) {
		t.Errorf("got ExpiresAt %v, want at most exp %v", s.ExpiresAt, exp)
	}
	if code, body := h.whoami(t, advCookieName+"="+tok); body != "session:forged-session-id-0000" {
		t.Fatalf("before exp: got %d %q, want the session", code, body)
	}
	clock.Store(exp.Add(time.Minute).UnixNano())
	h.expectNoSession(t, "after exp, expiresAt a year ahead", tok)
}

// TestAdversarialEmptyUserID: a session without a user id is never
// issued (CreateSession refuses it and writes nothing), and a token that
// carries one is "no session".
func TestAdversarialEmptyUserID(t *testing.T) {
	h := newHarness(t)
	w := httptest.NewRecorder()
	_, err := h.auth.CreateSession(w, httptest.NewRequest(http.MethodPost, "/signin", nil), authsession.User{Name: "no id"})
	if !errors.Is(err, authsession.ErrNoUserID) {
		t.Fatalf("CreateSession: got %v, want ErrNoUserID", err)
	}
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("CreateSession wrote %d cookies, want none", len(got))
	}
}
