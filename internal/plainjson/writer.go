package plainjson

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// This file is the writer: append-style encoders for the JSON the library
// writes (the default format's claims, the default User, session data),
// which build a payload once, without reflection and without
// encoding/json's re-scan of every MarshalJSON result. Their output is
// byte for byte what encoding/json writes for the same values (HTML-safe
// strings, its number forms, sorted map keys), with one exception: a byte
// of invalid UTF-8 is always the escape \ufffd, as encoding/json writes it
// up to Go 1.26, where Go 1.27's writes the character U+FFFD itself (both
// read back the same), so a session's token does not depend on the
// toolchain that built the program. The root package's FuzzClaimsEncode
// compares the two on any session. What they do not know (a value of
// another type, a float encoding/json refuses, nesting deeper than
// maxAppendDepth) goes to encoding/json, whose bytes or error are then the
// result.

// AppendString appends s as encoding/json writes a string: with the
// HTML characters <, > and & escaped as \u003c, \u003e and \u0026, the
// control characters as \b, \f, \n, \r, \t or \u00XX, U+2028 and U+2029
// escaped, and each byte of invalid UTF-8 replaced by \ufffd.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if safeASCII[c] == '1' {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control characters, <, > and &
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// safeASCII[c] is '1' when the byte c stands for itself in a JSON
// string written with HTML escaping: printable ASCII other than ", \, <,
// > and &. (TestSafeASCII checks it against encoding/json.)
const safeASCII = "" +
	"00000000000000000000000000000000" + // 0x00-0x1f: control characters
	"11011101111111111111111111110101" + // 0x20-0x3f: not " & < >
	"11111111111111111111111111110111" + // 0x40-0x5f: not \
	"11111111111111111111111111111111" + // 0x60-0x7f
	"00000000000000000000000000000000" + // 0x80-0xff: UTF-8, checked
	"00000000000000000000000000000000" +
	"00000000000000000000000000000000" +
	"00000000000000000000000000000000"

// maxAppendDepth bounds AppendValue's recursion: deeper values (and
// cyclic ones, which encoding/json refuses) are handed to encoding/json.
const maxAppendDepth = 32

// AppendValue appends v as encoding/json writes an interface value:
// nil, strings, booleans, float64, int and int64, map[string]any,
// []any and []string directly, any other type (and a NaN or infinite
// float, which encoding/json refuses) through json.Marshal. depth is the
// number of maps and slices around v that the writer has already entered
// (0 for a value it is given).
func AppendValue(b []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			return AppendFloat(b, v), nil
		}
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		if depth < maxAppendDepth {
			return appendObject(b, v, nil, depth+1)
		}
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		if depth < maxAppendDepth {
			return appendArray(b, v, depth+1)
		}
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, s)
		}
		return append(b, ']'), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// AppendFloat appends a finite f as encoding/json writes a float64:
// the shortest form that reads back as f, with an exponent only below
// 1e-6 or from 1e21 on, and no leading zero in a negative exponent.
func AppendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1] // e-07 -> e-7
			b = b[:n-1]
		}
	}
	return b
}

// appendArray appends a non-nil slice's elements in brackets.
func appendArray(b []byte, v []any, depth int) ([]byte, error) {
	b = append(b, '[')
	for i, e := range v {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = AppendValue(b, e, depth); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendObject appends the members of a non-nil map in braces,
// sorted by key as encoding/json sorts them (byte-wise), leaving out the
// keys skip reports (nil: none).
func appendObject(b []byte, m map[string]any, skip func(string) bool, depth int) ([]byte, error) {
	b = append(b, '{')
	b, err := AppendMembers(b, m, skip, depth, true)
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// AppendMembers appends the members of m, sorted by key and separated
// by commas, without braces: first tells whether the first member goes
// without a leading comma.
func AppendMembers(b []byte, m map[string]any, skip func(string) bool, depth int, first bool) ([]byte, error) {
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		if skip == nil || !skip(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(AppendString(b, k), ':')
		var err error
		if b, err = AppendValue(b, m[k], depth); err != nil {
			return b, err
		}
	}
	return b, nil
}

// AppendRaw appends a json.RawMessage as encoding/json writes it: as
// is when it is valid JSON without whitespace, HTML characters or a byte
// that may start U+2028 or U+2029 (what encoding/json's compaction would
// change), through json.Marshal otherwise (compacted and escaped, or
// refused when it is not JSON). A nil message is null.
func AppendRaw(b []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return append(b, "null"...), nil
	}
	plain := true
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			plain = false
		}
	}
	if plain && json.Valid(raw) {
		return append(b, raw...), nil
	}
	j, err := json.Marshal(raw)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}
