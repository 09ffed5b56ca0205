package jwe

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// This file is the strict compact form of a token, checked before any
// cryptography runs (checkForm): its shape (checkShape), its protected
// header (checkHeader) and the lengths of its IV and tag.

// maxHeaderBytes bounds the encoded protected header we are willing to parse.
const maxHeaderBytes = 512

var (
	errHeader      = fmt.Errorf("%w: malformed header", ErrInvalidToken)
	errHeaderParam = fmt.Errorf("%w: header parameter not allowed", ErrInvalidToken)
	errHeaderAlg   = fmt.Errorf("%w: algorithm not allowed", ErrInvalidToken)
)

// checkForm is every check of a token's form before any cryptography:
// its length, its shape (checkShape), its header (checkHeader: alg dir,
// the format's enc) and the lengths of its IV and tag, which must be
// exactly the encryption's. go-jose takes a longer tag segment and moves
// its first bytes to the ciphertext, so without the last check one token
// could be re-split into others that decrypt alike. It returns the dots'
// offsets and the header's kid.
func (c *Codec) checkForm(token string) (dots, string, error) {
	if len(token) == 0 || len(token) > c.maxBytes {
		return dots{}, "", fmt.Errorf("%w: length %d out of range", ErrInvalidToken, len(token))
	}
	d, err := checkShape(token)
	if err != nil {
		return d, "", err
	}
	kid, err := checkHeader(token, c.enc)
	if err != nil {
		return d, "", err
	}
	if d[2]-d[1]-1 != c.ivChars || len(token)-d[3]-1 != c.tagChars {
		return d, "", errSegmentLength
	}
	return d, kid, nil
}

var errSegmentLength = fmt.Errorf("%w: IV or tag of the wrong length", ErrInvalidToken)

// checkHeader enforces the strict protected header before any cryptography
// runs: a flat JSON object of string members among alg, enc, kid, typ and
// cty, each at most once, with alg "dir" and enc wantEnc (go-jose re-checks
// both). Headers such as zip, jku, jwk, x5u, x5c and crit are refused, and
// so are duplicate members, escapes and non-string values. It returns the
// kid. It allocates only the returned kid.
func checkHeader(token, wantEnc string) (string, error) {
	end := strings.IndexByte(token, '.')
	if end <= 0 || end > maxHeaderBytes {
		return "", errHeader
	}
	seg := token[:end]
	var buf [maxHeaderBytes * 3 / 4]byte
	n, err := base64.RawURLEncoding.Decode(buf[:], []byte(seg))
	if err != nil {
		return "", errHeader
	}
	alg, enc, kid, err := scanHeader(buf[:n])
	if err != nil {
		return "", err
	}
	if string(alg) != "dir" || string(enc) != wantEnc {
		return "", errHeaderAlg
	}
	return string(kid), nil
}

// scanHeader parses p as a flat JSON object whose members are all strings
// without escapes, control characters or non-ASCII bytes, with keys among
// alg, enc, kid, typ and cty, each at most once.
//
// Size exception: it is one function of about 85 lines on purpose. Its
// two closures share the cursor i on the stack, so the scan allocates
// nothing; split into functions, the cursor and the three results would
// travel through pointers, and the loop reads best as one state machine.
func scanHeader(p []byte) (alg, enc, kid []byte, err error) {
	i := 0
	ws := func() {
		for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
			i++
		}
	}
	str := func() ([]byte, bool) {
		if i >= len(p) || p[i] != '"' {
			return nil, false
		}
		i++
		start := i
		for i < len(p) && p[i] != '"' {
			if p[i] < 0x20 || p[i] == '\\' || p[i] >= 0x80 {
				return nil, false
			}
			i++
		}
		if i >= len(p) {
			return nil, false
		}
		s := p[start:i]
		i++
		return s, true
	}
	ws()
	if i >= len(p) || p[i] != '{' {
		return nil, nil, nil, errHeader
	}
	i++
	var seen uint8
	for {
		ws()
		k, ok := str()
		if !ok {
			return nil, nil, nil, errHeader
		}
		ws()
		if i >= len(p) || p[i] != ':' {
			return nil, nil, nil, errHeader
		}
		i++
		ws()
		v, ok := str()
		if !ok {
			return nil, nil, nil, errHeader
		}
		var bit uint8
		switch string(k) {
		case "alg":
			alg, bit = v, 1
		case "enc":
			enc, bit = v, 2
		case "kid":
			kid, bit = v, 4
		case "typ":
			bit = 8
		case "cty":
			bit = 16
		default:
			return nil, nil, nil, errHeaderParam
		}
		if seen&bit != 0 {
			return nil, nil, nil, errHeader
		}
		seen |= bit
		ws()
		if i < len(p) && p[i] == ',' {
			i++
			continue
		}
		if i < len(p) && p[i] == '}' {
			i++
			ws()
			if i != len(p) {
				return nil, nil, nil, errHeader
			}
			return alg, enc, kid, nil
		}
		return nil, nil, nil, errHeader
	}
}

// dots are the offsets of the four dots of a compact JWE, so that
// token[:dots[0]] is the protected header, token[dots[1]+1:dots[2]] the
// IV, token[dots[2]+1:dots[3]] the ciphertext and token[dots[3]+1:] the
// authentication tag.
type dots [4]int

// checkShape refuses malleable encodings before any parsing: a compact JWE
// of exactly five segments whose encrypted-key segment is empty (RFC 7516
// section 5.1: it must be for "dir"), whose base64url segments are
// canonical (no non-zero unused trailing bits) and which contains no CR or
// LF (encoding/base64 skips both). go-jose decodes leniently, so without
// this two different strings could decrypt to one session. It returns the
// offsets of the dots.
func checkShape(token string) (dots, error) {
	var d dots
	from := 0
	for n := range d {
		i := strings.IndexByte(token[from:], '.')
		if i < 0 {
			return d, errNotCompact
		}
		d[n] = from + i
		from = d[n] + 1
	}
	if strings.IndexByte(token[from:], '.') >= 0 {
		return d, errNotCompact
	}
	if d[1] != d[0]+1 {
		return d, fmt.Errorf("%w: non-empty encrypted key with alg dir", ErrInvalidToken)
	}
	if strings.IndexByte(token, '\n') >= 0 || strings.IndexByte(token, '\r') >= 0 {
		return d, errNonCanonical
	}
	start := 0
	for _, end := range [...]int{d[0], d[2], d[3], len(token)} {
		if !canonicalBase64Tail(token[start:end]) {
			return d, errNonCanonical
		}
		start = end + 1
		if end == d[0] {
			start = d[1] + 1 // the empty encrypted key
		}
	}
	return d, nil
}

var (
	errNotCompact   = fmt.Errorf("%w: not a compact JWE", ErrInvalidToken)
	errNonCanonical = fmt.Errorf("%w: non-canonical base64url", ErrInvalidToken)
)

// canonicalBase64Tail reports whether the unpadded base64url segment s
// has a valid length and no bits set in its last character beyond the
// encoded bytes.
func canonicalBase64Tail(s string) bool {
	if len(s) == 0 {
		return true
	}
	var unused uint
	switch len(s) % 4 {
	case 0:
		return true
	case 1:
		return false
	case 2:
		unused = 4
	case 3:
		unused = 2
	}
	c := s[len(s)-1]
	var v byte
	switch {
	case c >= 'A' && c <= 'Z':
		v = c - 'A'
	case c >= 'a' && c <= 'z':
		v = c - 'a' + 26
	case c >= '0' && c <= '9':
		v = c - '0' + 52
	case c == '-':
		v = 62
	case c == '_':
		v = 63
	default:
		return false // go-jose rejects it too; refuse early
	}
	return v&(1<<unused-1) == 0
}
