package authsession

import (
	"bytes"
	"unicode/utf8"
)

// This file is a reader for the plain JSON that the library writes itself:
// objects whose keys and string values need no unescaping, and integer
// numbers. It lets the claims and the default User decode in one pass
// without reflection (claimsjson.go, User.UnmarshalJSON). It never decides
// what an input means on its own: whenever it meets anything else
// (escapes, invalid UTF-8, fractions, null, an unknown or repeated key),
// its callers fall back to encoding/json, whose result is the reference
// (FuzzClaimsJSON checks that both agree).

// jsonReader reads b from offset i. It does not allocate.
type jsonReader struct {
	b []byte
	i int
}

// ws skips JSON whitespace.
func (r *jsonReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// consume skips whitespace and then c, reporting whether c was there.
func (r *jsonReader) consume(c byte) bool {
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (r *jsonReader) end() bool {
	r.ws()
	return r.i == len(r.b)
}

// next reads the separator after a member: true after ",", false after
// "}" (done), and ok false for anything else.
func (r *jsonReader) next() (more, ok bool) {
	r.ws()
	if r.i < len(r.b) {
		switch r.b[r.i] {
		case ',':
			r.i++
			return true, true
		case '}':
			r.i++
			return false, true
		}
	}
	return false, false
}

// key reads a member's key and its colon.
func (r *jsonReader) key() ([]byte, bool) {
	k, ok := r.str()
	return k, ok && r.consume(':')
}

// str reads a string that needs no unescaping: no backslash, no control
// character, valid UTF-8. It returns the string's bytes, which are also
// its value.
func (r *jsonReader) str() ([]byte, bool) {
	if !r.consume('"') {
		return nil, false
	}
	start, ascii := r.i, true
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			s := r.b[start:r.i]
			r.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		r.i++
	}
	return nil, false
}

// boolInto reads true or false into v.
func (r *jsonReader) boolInto(v *bool) bool {
	r.ws()
	switch {
	case bytes.HasPrefix(r.b[r.i:], []byte("true")):
		*v, r.i = true, r.i+4
	case bytes.HasPrefix(r.b[r.i:], []byte("false")):
		*v, r.i = false, r.i+5
	default:
		return false
	}
	return true
}

// int64 reads an integer without fraction or exponent that fits an int64.
func (r *jsonReader) int64() (int64, bool) {
	r.ws()
	neg := r.i < len(r.b) && r.b[r.i] == '-'
	if neg {
		r.i++
	}
	start := r.i
	var n uint64
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		if n > (1<<63)/10 {
			return 0, false
		}
		n = n*10 + uint64(r.b[r.i]-'0')
		r.i++
	}
	digits := r.i - start
	switch {
	case digits == 0, digits > 1 && r.b[start] == '0':
		return 0, false
	case r.i < len(r.b) && (r.b[r.i] == '.' || r.b[r.i] == 'e' || r.b[r.i] == 'E'):
		return 0, false
	case neg && n > 1<<63, !neg && n > 1<<63-1:
		return 0, false
	case neg:
		return -int64(n), true
	}
	return int64(n), true
}

// object reads an object value without interpreting it and returns its
// bytes. It only finds where the object ends; the caller hands the bytes
// to a decoder that validates them.
func (r *jsonReader) object() ([]byte, bool) {
	r.ws()
	if r.i >= len(r.b) || r.b[r.i] != '{' {
		return nil, false
	}
	start, depth, inStr := r.i, 0, false
	for ; r.i < len(r.b); r.i++ {
		c := r.b[r.i]
		switch {
		case inStr && c == '\\':
			r.i++ // the escaped character, whatever it is
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				r.i++
				return r.b[start:r.i], true
			}
		}
	}
	return nil, false
}
