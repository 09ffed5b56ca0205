package plainjson

import (
	"bytes"
	"unicode/utf8"
)

// Reader reads the plain JSON the library writes itself: objects whose
// keys and string values need no unescaping, integer numbers and
// booleans. Each method reports false when the input is anything else
// (escapes, invalid UTF-8, fractions, null, …); the caller then decodes
// the whole input with encoding/json instead. A Reader does not allocate.
type Reader struct {
	b []byte
	i int
}

// NewReader returns a Reader at the start of b.
func NewReader(b []byte) Reader { return Reader{b: b} }

// ws skips JSON whitespace.
func (r *Reader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// Consume skips whitespace and then c, reporting whether c was there.
func (r *Reader) Consume(c byte) bool {
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// End reports whether only whitespace is left.
func (r *Reader) End() bool {
	r.ws()
	return r.i == len(r.b)
}

// Next reads the separator after an object member: more is true after
// ",", false after "}" (the object is done); ok is false for anything
// else.
func (r *Reader) Next() (more, ok bool) {
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

// Key reads a member's key and its colon.
func (r *Reader) Key() ([]byte, bool) {
	k, ok := r.Str()
	return k, ok && r.Consume(':')
}

// Str reads a string that needs no unescaping: no backslash, no control
// character, valid UTF-8. It returns the string's bytes, which are also
// its value; they alias the input.
func (r *Reader) Str() ([]byte, bool) {
	if !r.Consume('"') {
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

// StrInto reads a plain string (Str) into s.
func (r *Reader) StrInto(s *string) bool {
	v, ok := r.Str()
	if ok {
		*s = string(v)
	}
	return ok
}

// BoolInto reads true or false into v.
func (r *Reader) BoolInto(v *bool) bool {
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

// Int64 reads an integer without fraction or exponent that fits an int64.
func (r *Reader) Int64() (int64, bool) {
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

// Object reads an object value without interpreting it and returns its
// bytes, which alias the input. It only finds where the object ends; the
// caller hands the bytes to a decoder that validates them. An object
// nesting more than max levels deep (itself included) is refused, so that
// no decoder is handed one: a member of a top-level object passes
// MaxDepth-1.
func (r *Reader) Object(max int) ([]byte, bool) {
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
			if depth++; depth > max {
				return nil, false
			}
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				r.i++
				return r.b[start:r.i], true
			}
		}
	}
	return nil, false
}
