package bench

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
)

// The floor: the bare primitives that every dir+A256GCM implementation
// runs on the library's own token for the benchmark session, and nothing
// else. A write is one AES-256-GCM seal of the token's plaintext (the
// nonce given, not drawn) and the base64url encoding of the five parts
// into one string; a read is the base64url decoding of the five parts and
// one AES-256-GCM open. No JSON, no checks, no validation: whatever
// EncryptSession and DecryptSession spend beyond this is what the library
// adds. Both are as lean as the primitives allow (the AEAD built once, one
// buffer for a read and the plaintext opened in place, the header's
// segment encoded into the token's own buffer and used from there as the
// additional data), so the ratios against them are not flattered.

// Floor is the floor of the benchmark token. Its functions are safe to
// call repeatedly, not concurrently.
type Floor struct {
	aead      cipher.AEAD
	token     string
	header    []byte // the protected header's JSON
	nonce     []byte
	plaintext []byte
	sinkTok   string // the last write, so that nothing is optimised away
	sinkPT    []byte // the last read
}

var errFloor = errors.New("floor: the benchmark token does not open")

// NewFloor returns the floor of the library's token f.Token: its header,
// nonce and plaintext are taken from it once. It checks that the floor's
// write reproduces the token byte for byte and its read the plaintext, so
// both do the whole work.
func (f *Fixture) NewFloor() (*Floor, error) {
	block, err := aes.NewCipher(f.key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	fl := &Floor{aead: aead, token: f.Token}
	parts := strings.Split(f.Token, ".")
	if len(parts) != 5 {
		return nil, errFloor
	}
	enc := base64.RawURLEncoding
	if fl.header, err = enc.DecodeString(parts[0]); err != nil {
		return nil, err
	}
	if fl.nonce, err = enc.DecodeString(parts[2]); err != nil {
		return nil, err
	}
	if fl.plaintext, err = fl.open(); err != nil {
		return nil, err
	}
	fl.plaintext = bytes.Clone(fl.plaintext)
	if fl.seal() != f.Token {
		return nil, errors.New("floor: the write does not reproduce the library's token")
	}
	return fl, nil
}

// Seal is the floor of a write.
func (fl *Floor) Seal() error {
	fl.sinkTok = fl.seal()
	return nil
}

// Open is the floor of a read.
func (fl *Floor) Open() error {
	pt, err := fl.open()
	fl.sinkPT = pt
	return err
}

// seal encodes the header into the token's buffer, seals the plaintext
// with that segment as additional data, and appends the other parts: the
// empty encrypted key, the nonce, the ciphertext and the tag.
func (fl *Floor) seal() string {
	enc := base64.RawURLEncoding
	hdrLen, ctLen := enc.EncodedLen(len(fl.header)), len(fl.plaintext)
	out := make([]byte, 0, hdrLen+2+enc.EncodedLen(len(fl.nonce))+1+enc.EncodedLen(ctLen)+1+enc.EncodedLen(16))
	out = enc.AppendEncode(out, fl.header)
	sealed := fl.aead.Seal(nil, fl.nonce, fl.plaintext, out[:hdrLen])
	out = append(out, '.', '.')
	out = append(enc.AppendEncode(out, fl.nonce), '.')
	out = append(enc.AppendEncode(out, sealed[:ctLen]), '.')
	out = enc.AppendEncode(out, sealed[ctLen:])
	return string(out)
}

// open decodes the five parts into one buffer (the header's JSON, the
// nonce, the header segment as additional data, the ciphertext and tag)
// and opens the ciphertext in place.
func (fl *Floor) open() ([]byte, error) {
	enc := base64.RawURLEncoding
	h, rest, _ := strings.Cut(fl.token, ".")
	key, rest, _ := strings.Cut(rest, ".")
	iv, rest, _ := strings.Cut(rest, ".")
	ct, tag, ok := strings.Cut(rest, ".")
	if !ok || key != "" {
		return nil, errFloor
	}
	hl, il, cl, tl := enc.DecodedLen(len(h)), enc.DecodedLen(len(iv)), enc.DecodedLen(len(ct)), enc.DecodedLen(len(tag))
	buf := make([]byte, hl+il+len(h)+cl+tl)
	nh, err := enc.Decode(buf, []byte(h))
	if err != nil {
		return nil, err
	}
	_ = buf[:nh] // the header's JSON: a reader would check alg and enc here
	nonce := buf[hl : hl+il]
	if _, err := enc.Decode(nonce, []byte(iv)); err != nil {
		return nil, err
	}
	aad := buf[hl+il : hl+il+copy(buf[hl+il:], h)]
	sealed := buf[hl+il+len(h):]
	nc, err := enc.Decode(sealed, []byte(ct))
	if err != nil {
		return nil, err
	}
	nt, err := enc.Decode(sealed[nc:], []byte(tag))
	if err != nil {
		return nil, err
	}
	return fl.aead.Open(sealed[:0], nonce, sealed[:nc+nt], aad)
}
