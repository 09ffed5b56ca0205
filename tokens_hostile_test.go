package authsession_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/go-jose/go-jose/v4"
)

// validClaims returns valid token claims for advNow; mutate the map to make
// them hostile.
func validClaims() map[string]any {
	now := advNow.Unix()
	exp := advNow.Add(time.Hour)
	return map[string]any{
		"user":         map[string]any{"id": "u_forged", "name": "Mallory"},
		"expiresAt":    exp.UnixMilli(),
		"expiryDate":   exp.UTC().Format("2006-01-02T15:04:05.000Z"),
		"createdAt":    advNow.UnixMilli(),
		"lastActivity": advNow.UnixMilli(),
		"iat":          now,
		"exp":          exp.Unix(),
		"jti":          "forged-session-id-0000",
	}
}

// forge encrypts payload with go-jose directly: any alg/enc/key and extra
// headers, so the only thing wrong with the token is what the case says.
func forge(t *testing.T, alg jose.KeyAlgorithm, enc jose.ContentEncryption, key any, kid string, opts *jose.EncrypterOptions, payload []byte) string {
	t.Helper()
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: alg, Key: key, KeyID: kid}, opts)
	if err != nil {
		t.Fatalf("NewEncrypter(%s, %s): %v", alg, enc, err)
	}
	obj, err := e.Encrypt(payload)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		t.Fatalf("CompactSerialize: %v", err)
	}
	return tok
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return b
}

// withHeader replaces a token's protected header (the ciphertext stays, so
// decryption must fail or the header must be refused first).
func withHeader(tok, header string) string {
	_, rest, _ := strings.Cut(tok, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + rest
}

// forgeDefault encrypts payload as a default-format token of the harness.
func (h *harness) forgeDefault(t *testing.T, payload []byte) string {
	return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, nil, payload)
}

// TestAdversarialForgedTokenControl proves the forging helper builds tokens
// the server accepts, so every rejection below is due to the one hostile
// property of its case.
func TestAdversarialForgedTokenControl(t *testing.T) {
	h := newHarness(t)
	tok := forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, nil, mustJSON(t, validClaims()))
	h.remember(tok)
	code, body := h.whoami(t, advCookieName+"="+tok)
	if want := "session:forged-session-id-0000"; code != http.StatusOK || body != want {
		t.Fatalf("well-formed forged token: got %d %q, want 200 %q", code, body, want)
	}
}

// TestAdversarialHeaders: algorithm confusion and dangerous JWE headers.
func TestAdversarialHeaders(t *testing.T) {
	h := newHarness(t)
	payload := mustJSON(t, validClaims())
	good := forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, nil, payload)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := jwe.DeriveKey(advOtherKey, advCookieName)
	if err != nil {
		t.Fatal(err)
	}
	hdr := func(k jose.HeaderKey, v any) *jose.EncrypterOptions {
		return (&jose.EncrypterOptions{}).WithHeader(k, v)
	}
	jwk := map[string]any{"kty": "oct", "k": base64.RawURLEncoding.EncodeToString(h.key)}
	tests := []struct {
		name string
		tok  func(t *testing.T) string
	}{
		{"alg none", func(t *testing.T) string { return withHeader(good, `{"alg":"none","enc":"A256GCM","kid":"`+h.kid+`"}`) }},
		{"alg none no enc", func(t *testing.T) string { return withHeader(good, `{"alg":"none"}`) }},
		{"alg none unsecured JWT", func(t *testing.T) string {
			return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
				base64.RawURLEncoding.EncodeToString(payload) + "."
		}},
		{"alg HS256 JWS", func(t *testing.T) string {
			return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
				base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"
		}},
		{"alg DIR uppercase", func(t *testing.T) string { return withHeader(good, `{"alg":"DIR","enc":"A256GCM","kid":"`+h.kid+`"}`) }},
		{"dir A128GCM", func(t *testing.T) string { return forge(t, jose.DIRECT, jose.A128GCM, h.key[:16], h.kid, nil, payload) }},
		{"dir A192GCM", func(t *testing.T) string { return forge(t, jose.DIRECT, jose.A192GCM, h.key[:24], h.kid, nil, payload) }},
		{"dir A256CBC-HS512", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256CBC_HS512, append(append([]byte{}, h.key...), h.key...), h.kid, nil, payload)
		}},
		{"dir A128CBC-HS256", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A128CBC_HS256, h.key, h.kid, nil, payload)
		}},
		{"A256KW with the real key", func(t *testing.T) string { return forge(t, jose.A256KW, jose.A256GCM, h.key, h.kid, nil, payload) }},
		{"A256GCMKW with the real key", func(t *testing.T) string { return forge(t, jose.A256GCMKW, jose.A256GCM, h.key, h.kid, nil, payload) }},
		{"RSA-OAEP", func(t *testing.T) string {
			return forge(t, jose.RSA_OAEP, jose.A256GCM, &rsaKey.PublicKey, h.kid, nil, payload)
		}},
		{"RSA-OAEP-256", func(t *testing.T) string {
			return forge(t, jose.RSA_OAEP_256, jose.A256GCM, &rsaKey.PublicKey, h.kid, nil, payload)
		}},
		{"PBES2 with the secret", func(t *testing.T) string {
			return forge(t, jose.PBES2_HS256_A128KW, jose.A256GCM, []byte(advSecret), h.kid, nil, payload)
		}},
		{"zip DEF", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, &jose.EncrypterOptions{Compression: jose.DEFLATE}, payload)
		}},
		{"zip DEF header only", func(t *testing.T) string {
			return withHeader(good, `{"alg":"dir","enc":"A256GCM","kid":"`+h.kid+`","zip":"DEF"}`)
		}},
		{"jku", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, hdr("jku", "https://evil.example/jwks.json"), payload)
		}},
		{"jwk", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, hdr("jwk", jwk), payload)
		}},
		{"x5u", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, hdr("x5u", "https://evil.example/cert.pem"), payload)
		}},
		{"x5c", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, hdr("x5c", []string{"MIIB"}), payload)
		}},
		{"x5t", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, hdr("x5t", "AAAA"), payload)
		}},
		{"crit", func(t *testing.T) string {
			o := hdr("crit", []string{"exp"})
			o.WithHeader("exp", 1)
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, o, payload)
		}},
		{"epk", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, hdr("epk", jwk), payload)
		}},
		{"kid of another key", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, otherKey, jwe.KeyID(otherKey), nil, payload)
		}},
		{"kid of another key, real key", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, jwe.KeyID(otherKey), nil, payload)
		}},
		{"real kid, another key", func(t *testing.T) string { return forge(t, jose.DIRECT, jose.A256GCM, otherKey, h.kid, nil, payload) }},
		{"kid not a string", func(t *testing.T) string { return withHeader(good, `{"alg":"dir","enc":"A256GCM","kid":42}`) }},
		{"kid path traversal", func(t *testing.T) string {
			return forge(t, jose.DIRECT, jose.A256GCM, h.key, "../../../../etc/passwd", nil, payload)
		}},
		{"duplicate alg member", func(t *testing.T) string {
			return withHeader(good, `{"alg":"none","alg":"dir","enc":"A256GCM","kid":"`+h.kid+`"}`)
		}},
		{"header not an object", func(t *testing.T) string { return withHeader(good, `["dir","A256GCM"]`) }},
		{"header huge", func(t *testing.T) string {
			return withHeader(good, `{"alg":"dir","enc":"A256GCM","kid":"`+strings.Repeat("A", 4000)+`"}`)
		}},
		{"JSON serialization", func(t *testing.T) string {
			e, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: h.key, KeyID: h.kid}, nil)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := e.Encrypt(payload)
			if err != nil {
				t.Fatal(err)
			}
			return obj.FullSerialize()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.tok(t)
			h.expectNoSession(t, tt.name, tok)
			// Quoted, as some clients send it.
			h.expectNoSession(t, tt.name+" (quoted)", `"`+tok+`"`)
			h.stillServing(t)
		})
	}
}

// TestAdversarialTruncatedAndBitFlipped: every prefix of a valid token and
// every single-bit flip of every byte of its decoded segments is rejected.
func TestAdversarialTruncatedAndBitFlipped(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t)
	t.Run("truncated", func(t *testing.T) {
		for i := 0; i < len(tok); i++ {
			h.expectNoSession(t, fmt.Sprintf("prefix %d", i), tok[:i])
		}
		for i := 1; i < len(tok); i++ {
			h.expectNoSession(t, fmt.Sprintf("suffix %d", i), tok[i:])
		}
		h.stillServing(t)
	})
	t.Run("bit flipped", func(t *testing.T) {
		segs := strings.Split(tok, ".")
		if len(segs) != 5 {
			t.Fatalf("token has %d segments, want 5", len(segs))
		}
		n := 0
		for si, seg := range segs {
			raw, err := base64.RawURLEncoding.DecodeString(seg)
			if err != nil {
				t.Fatalf("segment %d: %v", si, err)
			}
			for bi := range raw {
				// One bit per byte, rotating, plus the high bit: every
				// byte of header, IV, ciphertext and tag is touched.
				for _, mask := range []byte{1 << (bi % 8), 0x80} {
					mut := append([]byte{}, raw...)
					mut[bi] ^= mask
					parts := append([]string{}, segs...)
					parts[si] = base64.RawURLEncoding.EncodeToString(mut)
					h.expectNoSession(t, fmt.Sprintf("segment %d byte %d mask %#x", si, bi, mask), strings.Join(parts, "."))
					n++
				}
			}
		}
		if n < 200 {
			t.Fatalf("only %d flips tried, want every byte", n)
		}
		h.stillServing(t)
	})
	t.Run("non-empty encrypted key", func(t *testing.T) {
		// RFC 7516 section 5.1: with alg "dir" the JWE Encrypted Key MUST
		// be empty. The same token with one would decrypt to the same
		// session (the segment is not authenticated): it is refused.
		segs := strings.Split(tok, ".")
		h.sessionID(t, tok) // control: the unmodified token is a session
		for _, ek := range []string{"AAAA", "AA", strings.Repeat("A", 43), segs[2], segs[3], "=", " "} {
			parts := append([]string{}, segs...)
			parts[1] = ek
			h.expectNoSession(t, fmt.Sprintf("encrypted key %q", ek), strings.Join(parts, "."))
		}
		h.stillServing(t)
	})
	t.Run("non-canonical base64", func(t *testing.T) {
		// The last character of a segment whose length is not a multiple
		// of 4 carries unused bits. Setting them gives a different string
		// for the same bytes: every such variant is refused (strict
		// base64url), not read as the same session.
		h.sessionID(t, tok) // control: the unmodified token is a session
		segs := strings.Split(tok, ".")
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		tried := 0
		for si, seg := range segs {
			if len(seg)%4 < 2 {
				continue
			}
			last := strings.IndexByte(alphabet, seg[len(seg)-1])
			unused := map[int]int{2: 0xF, 3: 0x3}[len(seg)%4]
			for v := 1; v <= unused; v++ {
				parts := append([]string{}, segs...)
				parts[si] = seg[:len(seg)-1] + string(alphabet[last^v])
				h.expectNoSession(t, fmt.Sprintf("segment %d, unused bits %#x", si, v), strings.Join(parts, "."))
				tried++
			}
		}
		// The header, IV and tag of a dir+A256GCM token have fixed
		// lengths with unused bits (16-byte tag: 22 characters; 12-byte
		// IV: 16 characters, none): at least the tag must be tried.
		if tried < 3 {
			t.Fatalf("only %d non-canonical variants tried, want at least 3", tried)
		}
		h.stillServing(t)
	})
	t.Run("segments", func(t *testing.T) {
		segs := strings.Split(tok, ".")
		for _, mut := range []struct{ name, tok string }{
			{"four segments", strings.Join(segs[:4], ".")},
			{"six segments", tok + ".AAAA"},
			{"swapped iv and tag", strings.Join([]string{segs[0], segs[1], segs[4], segs[3], segs[2]}, ".")},
			{"empty ciphertext", strings.Join([]string{segs[0], segs[1], segs[2], "", segs[4]}, ".")},
			{"empty tag", strings.Join([]string{segs[0], segs[1], segs[2], segs[3], ""}, ".")},
			{"padding added", tok + "=="},
			{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+/"},
			{"only dots", "...."},
			{"whitespace inside", segs[0] + ". ." + strings.Join(segs[2:], ".")},
		} {
			h.expectNoSession(t, mut.name, mut.tok)
		}
		h.stillServing(t)
	})
}

// TestAdversarialResplitTokens: one issued token must not have other
// spellings that read as the same session. go-jose takes a tag segment
// longer than the tag and moves its first bytes to the ciphertext, so the
// ciphertext and tag segments could be cut elsewhere; and encoding/base64
// skips CR and LF, so line breaks could be inserted (four keep a
// segment's length canonical). Both are refused.
func TestAdversarialResplitTokens(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t)
	h.sessionID(t, tok) // control: the unmodified token is a session
	segs := strings.Split(tok, ".")
	ct, err := base64.RawURLEncoding.DecodeString(segs[3])
	if err != nil {
		t.Fatal(err)
	}
	tag, err := base64.RawURLEncoding.DecodeString(segs[4])
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 3, 6} {
		parts := append([]string{}, segs...)
		parts[3] = base64.RawURLEncoding.EncodeToString(ct[:len(ct)-n])
		parts[4] = base64.RawURLEncoding.EncodeToString(append(append([]byte{}, ct[len(ct)-n:]...), tag...))
		resplit := strings.Join(parts, ".")
		h.expectNoSession(t, fmt.Sprintf("%d ciphertext bytes moved to the tag", n), resplit)
		if _, err := h.auth.DecryptSession(resplit); !errors.Is(err, authsession.ErrInvalidToken) {
			t.Errorf("DecryptSession, %d ciphertext bytes moved to the tag: got %v, want ErrInvalidToken", n, err)
		}
	}
	for _, brk := range []string{"\n\n\n\n", "\r\n\r\n", "\r\r\r\r"} {
		for _, at := range []int{len(segs[0]) + 5, len(tok) - 30} {
			broken := tok[:at] + brk + tok[at:]
			if _, err := h.auth.DecryptSession(broken); !errors.Is(err, authsession.ErrInvalidToken) {
				t.Errorf("DecryptSession, %q inserted at %d: got %v, want ErrInvalidToken", brk, at, err)
			}
		}
	}
	h.stillServing(t)
}

// TestAdversarialClaims: tokens encrypted correctly, under the right key,
// whose claims are expired, not yet valid, or malformed.
func TestAdversarialClaims(t *testing.T) {
	h := newHarness(t)
	with := func(mut func(map[string]any)) func(*testing.T) []byte {
		return func(t *testing.T) []byte {
			c := validClaims()
			mut(c)
			return mustJSON(t, c)
		}
	}
	raw := func(s string) func(*testing.T) []byte { return func(*testing.T) []byte { return []byte(s) } }
	hour := time.Hour
	tests := []struct {
		name    string
		payload func(*testing.T) []byte
		// mayAccept marks claims that are well-typed but absurd: only
		// someone holding the key can make them, so accepting is not a
		// vulnerability; the requirement is no 5xx and no panic.
		mayAccept bool
	}{
		{"expired", with(func(c map[string]any) {
			c["exp"] = advNow.Add(-hour).Unix()
			c["expiresAt"] = advNow.Add(-hour).UnixMilli()
		}), false},
		{"exp past, expiresAt future", with(func(c map[string]any) { c["exp"] = advNow.Add(-hour).Unix() }), false},
		{"expiresAt past, exp future", with(func(c map[string]any) { c["expiresAt"] = advNow.Add(-hour).UnixMilli() }), false},
		{"expired beyond leeway by 1s", with(func(c map[string]any) {
			c["exp"] = advNow.Add(-6 * time.Second).Unix()
			c["expiresAt"] = advNow.Add(-6 * time.Second).UnixMilli()
		}), false},
		{"iat in the future", with(func(c map[string]any) { c["iat"] = advNow.Add(hour).Unix() }), false},
		{"nbf in the future", with(func(c map[string]any) { c["nbf"] = advNow.Add(hour).Unix() }), false},
		{"created before max lifetime", with(func(c map[string]any) { c["createdAt"] = advNow.Add(-31 * 24 * hour).UnixMilli() }), false},
		{"missing exp", with(func(c map[string]any) { delete(c, "exp") }), false},
		{"missing jti", with(func(c map[string]any) { delete(c, "jti") }), false},
		{"empty jti", with(func(c map[string]any) { c["jti"] = "" }), false},
		{"jti not a string", with(func(c map[string]any) { c["jti"] = 12345 }), false},
		{"exp as string", with(func(c map[string]any) { c["exp"] = fmt.Sprint(advNow.Add(hour).Unix()) }), false},
		{"iat as string", with(func(c map[string]any) { c["iat"] = "now" }), false},
		{"expiresAt as string", with(func(c map[string]any) { c["expiresAt"] = "soon" }), false},
		{"exp 1e300", raw(strings.Replace(string(mustJSON(t, validClaims())), `"exp":`, `"exp":1e300,"x":`, 1)), false},
		{"exp -1e300", raw(strings.Replace(string(mustJSON(t, validClaims())), `"exp":`, `"exp":-1e300,"x":`, 1)), false},
		{"exp fractional", with(func(c map[string]any) { c["exp"] = float64(advNow.Add(hour).Unix()) + 0.5 }), false},
		{"exp max int64", raw(strings.Replace(string(mustJSON(t, validClaims())), `"exp":`, `"exp":9223372036854775807,"x":`, 1)), true},
		{"exp overflows int64", raw(strings.Replace(string(mustJSON(t, validClaims())), `"exp":`, `"exp":9223372036854775808,"x":`, 1)), false},
		{"iat min int64", raw(strings.Replace(string(mustJSON(t, validClaims())), `"iat":`, `"iat":-9223372036854775808,"x":`, 1)), true},
		{"expiresAt max int64", raw(strings.Replace(string(mustJSON(t, validClaims())), `"expiresAt":`, `"expiresAt":9223372036854775807,"x":`, 1)), true},
		{"createdAt min int64", raw(strings.Replace(string(mustJSON(t, validClaims())), `"createdAt":`, `"createdAt":-9223372036854775808,"x":`, 1)), true},
		{"lastActivity max int64", raw(strings.Replace(string(mustJSON(t, validClaims())), `"lastActivity":`, `"lastActivity":9223372036854775807,"x":`, 1)), true},
		{"huge digit string", raw(strings.Replace(string(mustJSON(t, validClaims())), `"exp":`, `"exp":`+strings.Repeat("9", 5000)+`,"x":`, 1)), false},
		{"user a string", with(func(c map[string]any) { c["user"] = "admin" }), false},
		// A session must name its user: for user types with a UserID
		// method (authsession.User has one) an empty id is refused.
		{"user null", with(func(c map[string]any) { c["user"] = nil }), false},
		{"user id empty", with(func(c map[string]any) { c["user"] = map[string]any{"id": "", "name": "Mallory"} }), false},
		{"user id missing", with(func(c map[string]any) { c["user"] = map[string]any{"name": "Mallory"} }), false},
		{"user empty object", with(func(c map[string]any) { c["user"] = map[string]any{} }), false},
		{"user id not a string", with(func(c map[string]any) { c["user"] = map[string]any{"id": 7} }), false},
		{"user deeply nested", raw(strings.Replace(string(mustJSON(t, validClaims())), `"user":{`, `"user":{"x":`+strings.Repeat("[", 3000)+strings.Repeat("]", 3000)+",", 1)), false},
		{"payload not JSON", raw("not json at all"), false},
		{"payload null", raw("null"), false},
		{"payload array", raw(`[1,2,3]`), false},
		{"payload empty", raw(""), false},
		{"payload trailing garbage", raw(string(mustJSON(t, validClaims())) + "}}}"), false},
		{"payload invalid UTF-8", raw("{\"user\":{\"id\":\"\xff\xfe\"},\"jti\":\"x\"}"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, nil, tt.payload(t))
			h.remember(tok)
			code, body := h.whoami(t, advCookieName+"="+tok)
			switch {
			case code != http.StatusOK:
				t.Errorf("got status %d, want 200", code)
			case !tt.mayAccept && body != "none":
				t.Errorf("got %q, want %q", body, "none")
			case tt.mayAccept:
				t.Logf("well-typed absurd claims: got %q", body)
			}
			h.stillServing(t)
		})
	}
}

// TestAdversarialKeyRotation: a token under a previous secret is accepted
// only while that secret is listed in PreviousSecrets, and the next write
// re-issues it under the current key; once the old secret is dropped (key
// compromise), its tokens are "no session".
func TestAdversarialKeyRotation(t *testing.T) {
	old := newHarness(t)
	tok := old.token(t)
	oldID := old.sessionID(t, tok)
	newSecret := authsession.Secret("rotated-secret-after-compromise-0123456789")
	rotating := buildAuth(t, authsession.Config[authsession.User]{
		Secret:          newSecret,
		PreviousSecrets: []authsession.Secret{advSecret},
		Cookie:          authsession.CookieConfig{Name: advCookieName, Insecure: true},
		Now:             func() time.Time { return advNow },
	})
	dropped := buildAuth(t, authsession.Config[authsession.User]{
		Secret: newSecret,
		Cookie: authsession.CookieConfig{Name: advCookieName, Insecure: true},
		Now:    func() time.Time { return advNow },
	})
	s, err := rotating.DecryptSession(tok)
	if err != nil || s.ID != oldID {
		t.Fatalf("rotating instance: got id %q, err %v; want %q, nil", s.ID, err, oldID)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", advCookieName+"="+tok)
	w := httptest.NewRecorder()
	if _, err := rotating.RefreshSession(w, r); err != nil {
		t.Fatalf("RefreshSession: %v", err)
	}
	var reissued string
	for _, c := range w.Result().Cookies() {
		if c.Name == advCookieName {
			reissued = c.Value
		}
	}
	if _, err := dropped.DecryptSession(reissued); err != nil {
		t.Errorf("re-issued token: got %v from the current key alone, want it accepted", err)
	}
	if _, err := dropped.DecryptSession(tok); err == nil {
		t.Errorf("token under a dropped secret: got accepted, want rejected")
	}
}
