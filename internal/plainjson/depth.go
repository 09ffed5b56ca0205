package plainjson

import "bytes"

// MaxDepth is the deepest nesting of objects and arrays a token's JSON
// may have, the payload's own object included: {"user":{"x":[1]}} nests
// 3 levels. Session JSON nests 3 or 4 levels; the bound keeps a hostile
// payload from making encoding/json build thousands of nested values (or
// a diagnostic tool print their indentation) long before its own limit
// of 10,000.
const MaxDepth = 64

// WithinDepth reports whether the JSON text b nests objects and arrays at
// most max levels deep. It does not validate b: brackets inside strings
// are not counted, and for text that is not JSON the answer only bounds
// what a decoder would meet before refusing it. It does not allocate.
//
// A text with no more than max opening brackets in all cannot nest
// deeper, which two vectorised counts show for every session; only the
// others are scanned byte by byte.
func WithinDepth(b []byte, max int) bool {
	if bytes.Count(b, []byte{'{'})+bytes.Count(b, []byte{'['}) <= max {
		return true
	}
	depth, inStr := 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inStr:
			switch c {
			case '\\':
				i++ // the escaped character, whatever it is
			case '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			if depth++; depth > max {
				return false
			}
		case (c == '}' || c == ']') && depth > 0:
			depth--
		}
	}
	return true
}
