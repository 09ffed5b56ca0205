package jwe

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// The direct A256GCM reader (gcm.go) against go-jose, the reference:
// every token, valid or hostile, must get the same verdict from both, the
// same plaintext and the same key.

var b64 = base64.RawURLEncoding

// differentialCodecs are the codecs the readers are compared under: the
// default format with a current and a previous secret (tokens carry a
// kid), and NextAuth.js v4 (A256GCM without kid: every key is tried).
func differentialCodecs(t testing.TB) map[string]*Codec {
	t.Helper()
	secrets := []string{"differential-secret-0123456789abcdefgh", "differential-old-secret-0123456789abcd"}
	out := map[string]*Codec{}
	for name, s := range map[string]Scheme{"default": DefaultScheme(), "nextauth-v4": NextAuthV4Scheme()} {
		c, err := NewCodec(s, "session", secrets, 16<<10)
		if err != nil {
			t.Fatal(err)
		}
		if !c.gcm {
			t.Fatalf("%s: not read by the direct reader", name)
		}
		out[name] = c
	}
	return out
}

// sealRaw builds a compact token by hand: any header segment, IV and tag
// length, so that the readers meet tokens go-jose would never write.
func sealRaw(key []byte, header string, iv []byte, plaintext []byte, split int) string {
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCMWithNonceSize(block, max(len(iv), 1))
	hdr := b64.EncodeToString([]byte(header))
	sealed := aead.Seal(nil, iv, plaintext, []byte(hdr))
	cut := len(sealed) - 16 - split // split > 0 moves ciphertext bytes into the tag
	return hdr + ".." + b64.EncodeToString(iv) + "." + b64.EncodeToString(sealed[:cut]) + "." + b64.EncodeToString(sealed[cut:])
}

// differentialSeeds returns valid tokens of c and hostile variants of them.
func differentialSeeds(t testing.TB, c *Codec) []string {
	t.Helper()
	payload := []byte(`{"user":{"id":"u1"},"iat":1767139200,"exp":1767225600,"jti":"j1"}`)
	valid, err := c.Seal(payload)
	if err != nil {
		t.Fatal(err)
	}
	// A token under the previous key, written by go-jose.
	prev, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: c.keys[1].Bytes, KeyID: c.keys[1].ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := prev.Encrypt(payload)
	if err != nil {
		t.Fatal(err)
	}
	old, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	key := c.keys[0].Bytes
	kid := ""
	if c.keys[0].ID != "" {
		kid = `,"kid":"` + c.keys[0].ID + `"`
	}
	iv := bytes.Repeat([]byte{7}, 12)
	seeds := []string{
		valid, old, "", ".", "....", ".....", "a.b.c.d.e",
		sealRaw(key, `{"alg":"dir","enc":"A256GCM"`+kid+`}`, iv, payload, 0),
		sealRaw(key, ` { "enc" : "A256GCM" , "alg" : "dir" `+kid+` , "typ" : "JWT" } `, iv, payload, 0),
		sealRaw(key, `{"alg":"dir","enc":"A256GCM"`+kid+`}`, iv, nil, 0),                              // empty plaintext
		sealRaw(key, `{"alg":"dir","enc":"A256GCM"`+kid+`}`, iv, payload, 3),                          // ciphertext re-split into the tag
		sealRaw(key, `{"alg":"dir","enc":"A256GCM"`+kid+`}`, iv, payload, -1),                         // a byte of the tag in the ciphertext
		sealRaw(key, `{"alg":"dir","enc":"A256GCM"`+kid+`}`, bytes.Repeat([]byte{7}, 16), payload, 0), // 16-byte IV
		sealRaw(key, `{"alg":"dir","enc":"A256GCM"`+kid+`}`, bytes.Repeat([]byte{7}, 8), payload, 0),  // 8-byte IV
		sealRaw(key, `{"alg":"dir","enc":"A128GCM"`+kid+`}`, iv, payload, 0),                          // other enc
		sealRaw(key, `{"alg":"A256KW","enc":"A256GCM"`+kid+`}`, iv, payload, 0),                       // other alg
		sealRaw(key, `{"alg":"dir","enc":"A256CBC-HS512"`+kid+`}`, iv, payload, 0),                    // other enc
		sealRaw(key, `{"alg":"dir","enc":"A256GCM","kid":"unknown"}`, iv, payload, 0),                 // unknown kid
		sealRaw(key, `{"alg":"dir","enc":"A256GCM","zip":"DEF"`+kid+`}`, iv, payload, 0),              // compression
		sealRaw(c.keys[1].Bytes, `{"alg":"dir","enc":"A256GCM"`+kid+`}`, iv, payload, 0),              // previous key, current kid
		sealRaw(bytes.Repeat([]byte{1}, 32), `{"alg":"dir","enc":"A256GCM"`+kid+`}`, iv, payload, 0),  // foreign key
		strings.Replace(valid, "..", ".AAAA.", 1),                                                     // encrypted key with dir
		valid + "=", valid + ".", "." + valid, valid + valid, strings.ReplaceAll(valid, ".", ". "), // padding, extra dots
		valid[:len(valid)-1] + string(valid[len(valid)-1]^1),                                                  // non-canonical or flipped tail
		valid[:40] + "\n\n\n\n" + valid[40:], valid[:40] + "\r\n" + valid[40:], valid[:40] + " " + valid[40:], // line breaks, a space
	}
	// Truncations at every segment boundary and in the middle of each.
	for _, n := range []int{1, 10, strings.IndexByte(valid, '.'), len(valid) / 2, len(valid) - 23, len(valid) - 22, len(valid) - 1} {
		seeds = append(seeds, valid[:n], valid[n:])
	}
	// A flipped bit in each segment.
	parts := strings.Split(valid, ".")
	for i := range parts {
		if parts[i] == "" {
			continue
		}
		p := append([]string(nil), parts...)
		b := []byte(p[i])
		b[len(b)/2] ^= 1
		p[i] = string(b)
		seeds = append(seeds, strings.Join(p, "."))
	}
	// Segments swapped.
	seeds = append(seeds, strings.Join([]string{parts[0], parts[1], parts[3], parts[2], parts[4]}, "."))
	return seeds
}

// agree checks that the direct reader and go-jose give tok the same
// verdict, plaintext and key; whatever the direct reader accepts, go-jose
// also accepts without the strict checks in front.
func agree(t *testing.T, c *Codec, tok string) {
	t.Helper()
	got, gotKey, gotErr := c.Open(tok)
	want, wantKey, wantErr := c.OpenReference(tok)
	// Into reused memory, too small and large enough, left dirty by an
	// earlier read: the same verdict and plaintext.
	for _, size := range []int{16, 64 << 10} {
		buf := bytes.Repeat([]byte{0xAA}, size)
		if p, k, err := c.OpenInto(&buf, tok); (err == nil) != (gotErr == nil) || k != gotKey || !bytes.Equal(p, got) {
			t.Fatalf("%.60q: into a dirty %d-byte buffer: key %d, %q, %v; want key %d, %q, %v", tok, size, k, p, err, gotKey, got, gotErr)
		}
	}
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%.60q: direct reader: %v, go-jose: %v", tok, gotErr, wantErr)
	}
	if gotErr != nil {
		if !errors.Is(gotErr, ErrInvalidToken) || strings.Contains(gotErr.Error(), tok) && len(tok) > 8 {
			t.Fatalf("%.60q: error %q does not wrap ErrInvalidToken or contains the token", tok, gotErr)
		}
		return
	}
	if !bytes.Equal(got, want) || gotKey != wantKey {
		t.Fatalf("%.60q: direct reader: key %d, %q; go-jose: key %d, %q", tok, gotKey, got, wantKey, want)
	}

	obj, err := jose.ParseEncryptedCompact(tok, allowedKeyAlgs, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		t.Fatalf("%.60q: accepted, but go-jose alone cannot parse it: %v", tok, err)
	}
	if raw, err := obj.Decrypt(c.keys[gotKey].Bytes); err != nil || !bytes.Equal(raw, got) {
		t.Fatalf("%.60q: accepted, but go-jose alone gives %q, %v", tok, raw, err)
	}
}

// TestOpenDifferential is FuzzOpenDifferential's seeds as a plain test.
func TestOpenDifferential(t *testing.T) {
	accepted := 0
	for name, c := range differentialCodecs(t) {
		t.Run(name, func(t *testing.T) {
			for _, tok := range differentialSeeds(t, c) {
				agree(t, c, tok)
				if _, _, err := c.Open(tok); err == nil {
					accepted++
				}
			}
		})
	}
	// Valid tokens under each key and the hand-built ones; the control
	// for every refusal.
	if accepted < 8 {
		t.Errorf("got %d accepted seeds, want at least 8", accepted)
	}
}

// TestOpenRefusesResplitTokens: a token whose ciphertext and tag are cut
// at another place, or whose IV has another length, decrypts with go-jose
// alone (it moves the tag's first bytes to the ciphertext) but is not the
// token that was issued: both readers refuse it.
func TestOpenRefusesResplitTokens(t *testing.T) {
	c := differentialCodecs(t)["default"]
	key, kid := c.keys[0].Bytes, c.keys[0].ID
	payload := []byte(`{"jti":"x"}`)
	header := `{"alg":"dir","enc":"A256GCM","kid":"` + kid + `"}`
	iv := bytes.Repeat([]byte{9}, 12)
	if _, _, err := c.Open(sealRaw(key, header, iv, payload, 0)); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	for _, split := range []int{1, 3, 5} {
		tok := sealRaw(key, header, iv, payload, split)
		if _, _, err := c.Open(tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("tag longer by %d bytes: got %v, want ErrInvalidToken", split, err)
		}
		if _, _, err := c.OpenReference(tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("tag longer by %d bytes, go-jose path: got %v, want ErrInvalidToken", split, err)
		}
	}
}

// FuzzOpenDifferential feeds the two readers the same bytes: valid tokens
// and their truncations, bit flips, wrong IV and tag lengths, re-split
// segments, non-canonical base64, line breaks and other algorithms, then
// whatever the fuzzer makes of them.
func FuzzOpenDifferential(f *testing.F) {
	codecs := differentialCodecs(f)
	for _, c := range codecs {
		for _, s := range differentialSeeds(f, c) {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, c := range codecs {
			agree(t, c, tok)
		}
	})
}

// The direct A256GCM writer (sealGCM) against go-jose, the reference: for
// the same payload and nonce, the same token byte for byte.

// sealPayloads are payloads of every length around the base64 group
// boundaries, of the writer's chunk size, and typical and large sessions.
func sealPayloads() [][]byte {
	out := [][]byte{nil, []byte(`{}`), []byte(`{"user":{"id":"u1"},"iat":1767139200,"exp":1767225600,"jti":"j1"}`)}
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 255, 256, 257, 767, 768, 769, 770, 1535, 1536, 1537, 4096, 20000} {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(i*7 + n)
		}
		out = append(out, p)
	}
	return out
}

// sealsAlike checks that the direct writer, given the nonce go-jose drew
// for payload, writes go-jose's token, and that both readers open it to
// payload under the current key.
func sealsAlike(t *testing.T, c *Codec, payload []byte) {
	t.Helper()
	want, err := c.SealReference(payload)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(want, ".")
	var sc sealScratch
	if n, err := b64.Decode(sc.nonce[:], []byte(parts[2])); err != nil || n != nonceSize || len(parts) != 5 {
		t.Fatalf("go-jose's token %.40q: %d parts, nonce of %d bytes, %v", want, len(parts), n, err)
	}
	in := bytes.Clone(payload)
	got := c.sealWith(payload, &sc)
	if got != want {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("payload of %d bytes: %d-byte token differs from go-jose's %d-byte token at byte %d: %.20q, want %.20q",
			len(payload), len(got), len(want), i, got[i:], want[i:])
	}
	if !bytes.Equal(payload, in) {
		t.Fatalf("payload of %d bytes changed by sealing", len(payload))
	}
	for name, open := range map[string]func(string) ([]byte, int, error){"direct": c.Open, "go-jose": c.OpenReference} {
		if len(got) > c.maxBytes {
			break
		}
		pt, idx, err := open(got)
		if err != nil || idx != 0 || !bytes.Equal(pt, payload) {
			t.Fatalf("%s reader: payload of %d bytes: got %d bytes, key %d, %v", name, len(payload), len(pt), idx, err)
		}
	}
}

// TestSealMatchesJose: every payload, under every A256GCM scheme, with a
// kid (default) and without (NextAuth.js v4).
func TestSealMatchesJose(t *testing.T) {
	for name, c := range differentialCodecs(t) {
		t.Run(name, func(t *testing.T) {
			for _, p := range sealPayloads() {
				sealsAlike(t, c, p)
			}
		})
	}
}

// TestSealHeader: the header a key seals with is the documented one
// (docs/token-format.md), members in go-jose's order.
func TestSealHeader(t *testing.T) {
	for name, want := range map[string]func(kid string) string{
		"default":     func(kid string) string { return `{"alg":"dir","enc":"A256GCM","kid":"` + kid + `"}` },
		"nextauth-v4": func(string) string { return `{"alg":"dir","enc":"A256GCM"}` },
	} {
		c := differentialCodecs(t)[name]
		for i, k := range c.keys {
			if got, want := k.header, b64.EncodeToString([]byte(want(k.ID))); got != want || string(k.aad) != want {
				t.Errorf("%s, key %d: header %q (aad %q), want %q", name, i, got, k.aad, want)
			}
		}
		tok, err := c.Seal([]byte(`{}`))
		if err != nil || !strings.HasPrefix(tok, c.keys[0].header+"..") {
			t.Errorf("%s: token %.40q, %v: want the current key's header and an empty encrypted key", name, tok, err)
		}
	}
}

// TestSealNonces: every seal draws its own 96-bit nonce, so sealing the
// same payload twice never gives the same token.
func TestSealNonces(t *testing.T) {
	c := differentialCodecs(t)["default"]
	seen := map[string]bool{}
	for range 2000 {
		tok, err := c.Seal([]byte(`{"jti":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		iv := strings.Split(tok, ".")[2]
		if len(iv) != 16 || seen[iv] {
			t.Fatalf("nonce segment %q: length %d, seen before: %v", iv, len(iv), seen[iv])
		}
		seen[iv] = true
	}
}

// TestSealConcurrent: the pooled buffers are never shared between seals
// in flight (run under -race in the test command).
func TestSealConcurrent(t *testing.T) {
	c := differentialCodecs(t)["default"]
	payloads := sealPayloads()
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := range 200 {
				p := payloads[(g+i)%len(payloads)]
				if len(p) > 10000 {
					continue
				}
				tok, err := c.Seal(p)
				if err == nil {
					var pt []byte
					if pt, _, err = c.Open(tok); err == nil && !bytes.Equal(pt, p) {
						err = errors.New("a token opened to another payload")
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzSealDifferential writes any payload with both writers under the
// same nonce, with and without a kid, and reads the token back with both
// readers.
func FuzzSealDifferential(f *testing.F) {
	codecs := differentialCodecs(f)
	for _, p := range sealPayloads() {
		if len(p) < 2000 {
			f.Add(p)
		}
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, c := range codecs {
			sealsAlike(t, c, payload)
		}
	})
}
