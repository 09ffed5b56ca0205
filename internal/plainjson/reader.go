package plainjson

import (
	"bytes"
	"encoding/binary"
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
	if r.i < len(r.b) && r.b[r.i] == c { // the library writes no whitespace
		r.i++
		return true
	}
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

// Key reads a member's key and its colon. It returns the bytes between
// the key's quotes without checking them: its callers compare them only
// with keys of plain ASCII letters, which a key with escapes, control
// characters or other bytes never equals, so that it is refused either
// way (and the caller falls back to encoding/json).
func (r *Reader) Key() ([]byte, bool) {
	if !r.Consume('"') {
		return nil, false
	}
	end := bytes.IndexByte(r.b[r.i:], '"')
	if end < 0 {
		return nil, false
	}
	k := r.b[r.i : r.i+end]
	r.i += end + 1
	return k, r.Consume(':')
}

// KeyIn reads a member's key and its colon when the key is one of keys
// (plain ASCII names), and returns its index. The input is first compared
// with keys[*from:], which a writer puts in that order, so that a member
// in its place is found without scanning its key; *from then moves past
// it. Any other key is read with Key and looked up among all of keys.
func (r *Reader) KeyIn(keys []string, from *int) (int, bool) {
	if r.i < len(r.b) && r.b[r.i] == '"' {
		for i := *from; i < len(keys); i++ {
			k := keys[i]
			if end := r.i + 1 + len(k); end+1 < len(r.b) && r.b[end] == '"' && r.b[end+1] == ':' && string(r.b[r.i+1:end]) == k {
				r.i = end + 2
				*from = i + 1
				return i, true
			}
		}
	}
	k, ok := r.Key()
	if !ok {
		return -1, false
	}
	for i, name := range keys {
		if string(k) == name {
			return i, true
		}
	}
	return -1, false
}

// Str reads a string that needs no unescaping: no backslash, no control
// character, valid UTF-8. It returns the string's bytes, which are also
// its value; they alias the input.
func (r *Reader) Str() ([]byte, bool) {
	if !r.Consume('"') {
		return nil, false
	}
	end := bytes.IndexByte(r.b[r.i:], '"')
	if end < 0 {
		return nil, false
	}
	// A backslash makes it not plain (and the quote found may be an
	// escaped one).
	s := r.b[r.i : r.i+end]
	if !plainText(s) {
		return nil, false
	}
	r.i += end + 1
	return s, true
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
	b, i := r.b, r.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	var n uint64
	// Up to sixteen digits eight at a time: below 1e16, no overflow.
	for i+8 <= len(b) && i-start < 16 {
		v, ok := eightDigits(binary.LittleEndian.Uint64(b[i:]))
		if !ok {
			break
		}
		n = n*1e8 + v
		i += 8
	}
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		if n > (1<<63)/10 {
			r.i = i
			return 0, false
		}
		n = n*10 + uint64(d)
	}
	r.i = i
	digits := i - start
	switch {
	case digits == 0, digits > 1 && b[start] == '0':
		return 0, false
	case i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E'):
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
