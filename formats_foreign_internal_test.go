package authsession

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession/internal/plainjson"
)

// TestForeignClaimsHostile feeds authenticated but ill-formed payloads to
// the Auth.js and NextAuth.js decoders: each is an error, never a panic,
// never a session. Every payload has a sub but those about the sub, so
// that each case fails for the reason it names.
func TestForeignClaimsHostile(t *testing.T) {
	now := time.Unix(1767225600, 0)
	iat, exp := now.Unix()-10, now.Unix()+3600
	reg := fmt.Sprintf(`"iat":%d,"exp":%d,"jti":"j"`, iat, exp)
	sub := `"sub":"u",`
	tests := []struct {
		name    string
		payload string
		want    error
	}{
		{"not json", `not json`, ErrInvalidToken},
		{"array", `[1,2]`, ErrInvalidToken},
		{"null", `null`, ErrTokenExpired}, // no exp
		{"no exp", fmt.Sprintf(`{`+sub+`"iat":%d,"jti":"j"}`, iat), ErrTokenExpired},
		{"expired", fmt.Sprintf(`{`+sub+`"iat":%d,"exp":%d,"jti":"j"}`, iat, now.Unix()-3600), ErrTokenExpired},
		{"expired beyond the leeway", fmt.Sprintf(`{`+sub+`"iat":%d,"exp":%d,"jti":"j"}`, iat, now.Unix()-16), ErrTokenExpired},
		{"expired within the leeway", fmt.Sprintf(`{`+sub+`"iat":%d,"exp":%d,"jti":"j"}`, iat, now.Unix()-14), nil},
		// As in Auth.js: iat is not checked (jose without maxTokenAge).
		{"issued in the future", fmt.Sprintf(`{`+sub+`"iat":%d,"exp":%d,"jti":"j"}`, now.Unix()+3600, exp), nil},
		{"not yet valid", fmt.Sprintf(`{`+sub+`"nbf":%d,`, now.Unix()+16) + reg + `}`, ErrTokenExpired},
		{"no jti", fmt.Sprintf(`{`+sub+`"iat":%d,"exp":%d}`, iat, exp), ErrInvalidToken},
		{"jti not a string", fmt.Sprintf(`{`+sub+`"iat":%d,"exp":%d,"jti":7}`, iat, exp), ErrInvalidToken},
		{"exp not a number", fmt.Sprintf(`{`+sub+`"iat":%d,"exp":"soon","jti":"j"}`, iat), ErrInvalidToken},
		{"exp absurd", fmt.Sprintf(`{`+sub+`"iat":%d,"exp":1e300,"jti":"j"}`, iat), ErrInvalidToken},
		{"no iat", fmt.Sprintf(`{`+sub+`"exp":%d,"jti":"j"}`, exp), ErrInvalidToken},
		// Claim names are exact, as in jose: "EXP" is not exp.
		{"EXP instead of exp", fmt.Sprintf(`{`+sub+`"iat":%d,"EXP":%d,"jti":"j"}`, iat, exp), ErrTokenExpired},
		{"expired exp and a later EXP", fmt.Sprintf(`{`+sub+`"iat":%d,"exp":%d,"EXP":%d,"jti":"j"}`, iat, now.Unix()-3600, exp), ErrTokenExpired},
		{"no sub", `{` + reg + `}`, ErrInvalidToken},
		{"empty sub", `{"sub":"",` + reg + `}`, ErrInvalidToken},
		{"null sub", `{"sub":null,` + reg + `}`, ErrInvalidToken},
		{"sub not a string", `{"sub":42,` + reg + `}`, ErrInvalidToken},
		{"id without sub", `{"id":"u",` + reg + `}`, ErrInvalidToken},
		{"picture an object", `{` + sub + `"picture":{"a":1},` + reg + `}`, ErrInvalidToken},
		{"accessToken a number", `{` + sub + `"accessToken":1,` + reg + `}`, ErrInvalidToken},
		{"created not a number", `{` + sub + `"authsession_created_at":"x",` + reg + `}`, ErrInvalidToken},
		{"created negative", `{` + sub + `"authsession_created_at":-1,` + reg + `}`, ErrInvalidToken},
		{"created absurd", `{` + sub + `"authsession_created_at":1e300,` + reg + `}`, ErrInvalidToken},
		{"created past MaxLifetime", `{` + sub + `"authsession_created_at":1000,` + reg + `}`, ErrMaxLifetime},
		{"deep nesting", `{"x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `,` + sub + reg + `}`, ErrInvalidToken},
		{"nesting one level too deep", `{"x":` + strings.Repeat("[", plainjson.MaxDepth) + strings.Repeat("]", plainjson.MaxDepth) + `,` + sub + reg + `}`, ErrInvalidToken},
		{"nesting at the limit", `{"x":` + strings.Repeat("[", plainjson.MaxDepth-1) + strings.Repeat("]", plainjson.MaxDepth-1) + `,` + sub + reg + `}`, nil},
		{"minimal", `{` + sub + reg + `}`, nil},
	}
	for i, layer := range foreignLayers(t, func() time.Time { return now }) {
		for _, tt := range tests {
			t.Run(string(foreignTestFormats[i])+"/"+tt.name, func(t *testing.T) {
				tok, err := layer.codec.Seal([]byte(tt.payload))
				if err != nil {
					t.Fatal(err)
				}
				_, err = layer.decode(tok, now)
				if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
					t.Errorf("got %v, want %v", err, tt.want)
				}
			})
		}
	}
}

var foreignTestFormats = [...]TokenFormat{FormatAuthJS, FormatNextAuthV4}

// foreignLayers are the token layers of foreignTestFormats under a test
// secret, with clock now (nil: time.Now).
func foreignLayers(tb testing.TB, now func() time.Time) []*tokens[User] {
	tb.Helper()
	var layers []*tokens[User]
	for _, f := range foreignTestFormats {
		rc, err := Config[User]{Secret: "foreign-test-secret-0123456789abcdefgh", Format: f, Now: now}.resolve()
		if err != nil {
			tb.Fatal(err)
		}
		layer, err := newTokens(&rc.cfg)
		if err != nil {
			tb.Fatal(err)
		}
		layers = append(layers, layer)
	}
	return layers
}

// TestForeignClaimsReserved checks that user fields named like the claims
// the codec owns are not written, so nothing reads back as something else.
func TestForeignClaimsReserved(t *testing.T) {
	now := time.Unix(1767225600, 0)
	s := Session[User]{ID: "j", ExpiresAt: now.Add(time.Hour), User: User{ID: "u", Extra: map[string]any{
		"sub": "other", "picture": "p", "exp": 1, "iat": 2, "jti": "x", "accessToken": "a", "role": "r",
		createdAtClaim: 3,
	}}}
	b, _, err := encodeForeignClaims(&s, now.Unix(), s.ExpiresAt.Unix())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"authsession_created_at":%d,"exp":%d,"iat":%d,"jti":"j","role":"r","sub":"u"}`, now.Unix(), s.ExpiresAt.Unix(), now.Unix())
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	type notObject string
	if _, _, err := encodeForeignClaims(&Session[notObject]{User: "x"}, 1, 2); err == nil {
		t.Error("non-object user: got nil error, want one")
	}
}

// FuzzForeignDecrypt feeds arbitrary tokens to the Auth.js and NextAuth.js
// decoders: errors are fine, panics are not, and nothing but a token that
// really decrypts may yield a session.
func FuzzForeignDecrypt(f *testing.F) {
	for _, seed := range []string{
		"", ".", "....", "a.b.c.d.e",
		"eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIn0..AAAA.AAAA.AAAA",
		"eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
		"eyJhbGciOiJub25lIn0.e30.",
	} {
		f.Add(seed)
	}
	layers := foreignLayers(f, nil)
	f.Fuzz(func(t *testing.T, token string) {
		for _, layer := range layers {
			if _, err := layer.decode(token, time.Now()); err == nil {
				t.Fatalf("random token %q decrypted", token)
			}
		}
	})
}

// FuzzForeignClaims feeds arbitrary authenticated payloads — what a
// holder of the secret, or a bug in a Next.js jwt callback, could put in
// a token — to the Auth.js and NextAuth.js decoders: errors are fine,
// panics are not; a payload that is a session has a user id, and its
// session re-encoded here decodes to the same session, times included
// (what the cache holds for a token is what a decode returns).
func FuzzForeignClaims(f *testing.F) {
	now := time.Unix(1767225600, 0)
	for _, seed := range []string{
		`{"sub":"u","iat":1767225590,"exp":1767229200,"jti":"j"}`,
		`{"sub":"u","name":"Ann","email":"a@example.com","picture":"p","role":"admin","iat":1767225590.7,"exp":1767229200.2,"jti":"j","authsession_created_at":1767000000}`,
		`{"sub":"u","accessToken":"at","refreshToken":"rt","iat":1767225590,"exp":1767229200,"nbf":1767225000,"jti":"j","authsession_created_at":1767225599}`,
		`{"sub":"","iat":1767225590,"exp":1767229200,"jti":"j"}`,
		`{"sub":"u","id":"v","image":"i","iat":1767225590,"exp":1767229200,"jti":"j","x":{"y":[1,2,{"z":null}]}}`,
		`{"sub":"u","iat":1767229000,"exp":1767225590,"jti":"j"}`,
		`{"sub":"u","iat":1767225590,"exp":1767229200,"jti":"j","x":` + strings.Repeat("[", 4000) + strings.Repeat("]", 4000) + `}`,
		`{"sub":"u","iat":1767225590,"exp":1767229200,"jti":"j","x":` + strings.Repeat("[", plainjson.MaxDepth-1) + strings.Repeat("]", plainjson.MaxDepth-1) + `}`,
	} {
		f.Add(seed)
	}
	layers := foreignLayers(f, func() time.Time { return now })
	f.Fuzz(func(t *testing.T, payload string) {
		for _, layer := range layers {
			tok, err := layer.codec.Seal([]byte(payload))
			if err != nil {
				t.Fatal(err)
			}
			s, err := layer.decode(tok, now)
			if err != nil {
				continue
			}
			if s.User.ID == "" {
				t.Fatalf("session without a user id from %s", payload)
			}
			again, err := layer.encode(&s, now)
			if errors.Is(err, ErrSessionTooLarge) {
				continue
			}
			if err != nil {
				t.Fatalf("re-encoding the session of %s: %v", payload, err)
			}
			back, err := layer.decode(again, now)
			if err != nil {
				t.Fatalf("decoding the re-encoded session of %s: %v", payload, err)
			}
			got, _ := json.Marshal(back)
			want, _ := json.Marshal(s)
			if string(got) != string(want) || back.ID != s.ID {
				t.Fatalf("re-encoded session of %s:\ngot  %s\nwant %s", payload, got, want)
			}
		}
	})
}
