package authsession_test

// Token and cookie attacks of the adversarial suite: forged, tampered,
// truncated, oversized and malformed session cookies sent to the harness
// of security_test.go.

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
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/jwe"
	"github.com/authsession/authsession/internal/plainjson"
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

// TestAdversarialOversized: huge tokens, huge numbers of cookies, and
// chunk sets that exceed the limits. Go's server refuses headers over
// http.DefaultMaxHeaderBytes (1 MiB) with 431; below that it is "no
// session".
func TestAdversarialOversized(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t)
	many := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(f(i))
		}
		return b.String()
	}
	tests := []struct {
		name        string
		cookie      string
		wantSession bool
		allow431    bool
	}{
		{"1 MiB token", advCookieName + "=" + strings.Repeat("A", 1<<20), false, true},
		{"1 MiB token of dots", advCookieName + "=" + strings.Repeat(".", 1<<20), false, true},
		{"just under the header limit", advCookieName + "=" + strings.Repeat("A", 1<<20-4096), false, true},
		{"64 KiB token", advCookieName + "=" + strings.Repeat("A", 64<<10), false, false},
		{"17 KiB valid-looking token", advCookieName + "=" + tok + strings.Repeat("A", 17<<10), false, false},
		{"10,000 cookies", many(10000, func(i int) string { return fmt.Sprintf("c%d=v", i) }), false, false},
		{"10,000 cookies then the session", many(10000, func(i int) string { return fmt.Sprintf("c%d=v", i) }) + "; " + advCookieName + "=" + tok, true, false},
		{"10,000 session cookies", many(10000, func(int) string { return advCookieName + "=" + tok }), false, true},
		{"10,000 chunk cookies", many(10000, func(i int) string { return fmt.Sprintf("%s.%d=AAAA", advCookieName, i%100) }), false, false},
		{"33 chunks", many(33, func(i int) string { return fmt.Sprintf("%s.%d=AAAA", advCookieName, i) }), false, false},
		{"32 chunks of 4000 bytes", many(32, func(i int) string { return fmt.Sprintf("%s.%d=%s", advCookieName, i, strings.Repeat("A", 4000)) }), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := h.whoami(t, tt.cookie)
			switch {
			case code == http.StatusRequestHeaderFieldsTooLarge && tt.allow431:
			case code != http.StatusOK:
				t.Errorf("got status %d, want 200%s", code, map[bool]string{true: " or 431"}[tt.allow431])
			case tt.wantSession && !strings.HasPrefix(body, "session:"):
				t.Errorf("got %q, want a session", body)
			case !tt.wantSession && body != "none":
				t.Errorf("got %q, want %q", body, "none")
			}
			h.stillServing(t)
		})
	}
}

// TestAdversarialCookieBytes: every byte value, in the cookie value and in
// the cookie name, sent raw over TCP. The server may refuse the request
// (400) but never with a 5xx, and a token with a foreign byte inside it is
// never a session.
func TestAdversarialCookieBytes(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t)
	for b := 0; b < 256; b++ {
		c := string([]byte{byte(b)})
		for _, tt := range []struct{ what, cookie string }{
			{"inside the token", advCookieName + "=" + tok[:20] + c + tok[20:]},
			{"as the whole value", advCookieName + "=" + c},
			{"repeated as the value", advCookieName + "=" + strings.Repeat(c, 100)},
			{"in the name", advCookieName + c + "=" + tok[:20] + c + tok[20:]},
		} {
			code, body := h.whoami(t, tt.cookie)
			switch {
			case code >= 500:
				t.Errorf("byte %#02x %s: got status %d, want no 5xx", b, tt.what, code)
			case code == http.StatusOK && body != "none":
				t.Errorf("byte %#02x %s: got %q, want %q", b, tt.what, body, "none")
			case code != http.StatusOK && code != http.StatusBadRequest:
				t.Errorf("byte %#02x %s: got status %d, want 200 or 400", b, tt.what, code)
			}
		}
	}
	h.stillServing(t)
}

// TestAdversarialChunks: chunk sets with a missing, extra or duplicate
// chunk are "no session"; the complete set, in any order, is the session.
func TestAdversarialChunks(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t)
	third := len(tok) / 3
	c := []string{tok[:third], tok[third : 2*third], tok[2*third:]}
	chunk := func(i int, v string) string { return fmt.Sprintf("%s.%d=%s", advCookieName, i, v) }
	tests := []struct {
		name        string
		cookie      string
		wantSession bool
	}{
		{"complete (control)", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(2, c[2]), true},
		{"complete, shuffled", chunk(2, c[2]) + "; " + chunk(0, c[0]) + "; " + chunk(1, c[1]), true},
		{"missing first", chunk(1, c[1]) + "; " + chunk(2, c[2]), false},
		{"missing middle", chunk(0, c[0]) + "; " + chunk(2, c[2]), false},
		{"missing last", chunk(0, c[0]) + "; " + chunk(1, c[1]), false},
		{"extra chunk", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(2, c[2]) + "; " + chunk(3, "AAAA"), false},
		{"extra chunk after a gap", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(2, c[2]) + "; " + chunk(5, "AAAA"), false},
		{"duplicate chunk, same value", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(1, c[1]) + "; " + chunk(2, c[2]), false},
		{"duplicate chunk, other value", chunk(0, c[0]) + "; " + chunk(1, c[1]) + "; " + chunk(1, "AAAA") + "; " + chunk(2, c[2]), false},
		{"empty chunk", chunk(0, c[0]) + "; " + chunk(1, "") + "; " + chunk(2, c[1]+c[2]), false},
		{"leading-zero index", chunk(0, c[0]) + "; " + advCookieName + ".01=" + c[1] + "; " + chunk(2, c[2]), false},
		{"negative index", chunk(0, c[0]) + "; " + advCookieName + ".-1=" + c[1] + "; " + chunk(2, c[2]), false},
		{"swapped values", chunk(0, c[1]) + "; " + chunk(1, c[0]) + "; " + chunk(2, c[2]), false},
		{"two single cookies", advCookieName + "=" + tok + "; " + advCookieName + "=" + tok, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := h.whoami(t, tt.cookie)
			got := code == http.StatusOK && strings.HasPrefix(body, "session:")
			if code != http.StatusOK || got != tt.wantSession {
				t.Errorf("got %d %q, want 200 with session=%v", code, body, tt.wantSession)
			}
			h.stillServing(t)
		})
	}
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

// TestAdversarialCookieNameBinding: a token issued under another cookie
// name with the same secret is never a session here (the key is derived
// with the cookie name as HKDF salt).
func TestAdversarialCookieNameBinding(t *testing.T) {
	h := newHarness(t)
	other := buildAuth(t, authsession.Config[authsession.User]{
		Secret: advSecret,
		Cookie: authsession.CookieConfig{Name: "other_session", Insecure: true},
		Now:    func() time.Time { return advNow },
	})
	tok, err := other.EncryptSession(authsession.Session[authsession.User]{
		User:      authsession.User{ID: "u_1"},
		ExpiresAt: advNow.Add(time.Hour), CreatedAt: advNow, LastActivity: advNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.DecryptSession(tok); err != nil {
		t.Fatalf("control: other instance rejects its own token: %v", err)
	}
	h.expectNoSession(t, "token of cookie other_session", tok)
	// The same token sent under its own name is simply not our cookie.
	h.remember(tok)
	if code, body := h.whoami(t, "other_session="+tok); code != http.StatusOK || body != "none" {
		t.Errorf("other cookie name: got %d %q, want 200 %q", code, body, "none")
	}
	h.stillServing(t)
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

// nestingLimit is the deepest nesting a token's payload may have.
const nestingLimit = plainjson.MaxDepth

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

// forgeDefault encrypts payload as a default-format token of the harness.
func (h *harness) forgeDefault(t *testing.T, payload []byte) string {
	return forge(t, jose.DIRECT, jose.A256GCM, h.key, h.kid, nil, payload)
}

// forgeForeign encrypts payload under a foreign-format instance's key:
// the payload of a token it issued is replaced.
func forgeForeign(a *authsession.AuthSession[authsession.User]) func(t *testing.T, payload []byte) string {
	return func(t *testing.T, payload []byte) string {
		t.Helper()
		scheme, _ := jwe.SchemeNamed(a.Config.Format.String())
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
