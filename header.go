package authsession

import (
	"encoding/base64"
	"fmt"
)

// This file is the strict compact form of a token, checked before any
// cryptography runs: its shape (checkShape) and its protected header
// (checkHeader).

// maxHeaderBytes bounds the encoded protected header we are willing to parse.
const maxHeaderBytes = 512

var (
	errHeader      = fmt.Errorf("%w: malformed header", ErrInvalidToken)
	errHeaderParam = fmt.Errorf("%w: header parameter not allowed", ErrInvalidToken)
	errHeaderAlg   = fmt.Errorf("%w: algorithm not allowed", ErrInvalidToken)
)

// checkHeader enforces the strict protected header before any cryptography
// runs: a flat JSON object of string members among alg, enc, kid, typ and
// cty, each at most once, with alg "dir" and enc wantEnc (go-jose re-checks
// both). Headers such as zip, jku, jwk, x5u, x5c and crit are refused, and
// so are duplicate members, escapes and non-string values. It returns the
// kid. It allocates only the returned kid.
func checkHeader(token, wantEnc string) (string, error) {
	seg := token
	for i := 0; i < len(token); i++ {
		if token[i] == '.' {
			seg = token[:i]
			break
		}
	}
	if len(seg) == 0 || len(seg) > maxHeaderBytes || len(seg) == len(token) {
		return "", errHeader
	}
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

// checkShape refuses malleable encodings before any parsing: a compact JWE
// of exactly five segments whose encrypted-key segment is empty (RFC 7516
// section 5.1: it must be for "dir"), and whose base64url segments are
// canonical (no non-zero unused trailing bits). go-jose decodes leniently,
// so without this two different strings could decrypt to one session.
func checkShape(token string) error {
	seg, n := 0, 0
	for i := 0; i <= len(token); i++ {
		if i < len(token) && token[i] != '.' {
			continue
		}
		if n == 1 && i != seg {
			return fmt.Errorf("%w: non-empty encrypted key with alg dir", ErrInvalidToken)
		}
		if !canonicalBase64Tail(token[seg:i]) {
			return fmt.Errorf("%w: non-canonical base64url", ErrInvalidToken)
		}
		n++
		seg = i + 1
	}
	if n != 5 {
		return fmt.Errorf("%w: not a compact JWE", ErrInvalidToken)
	}
	return nil
}

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
