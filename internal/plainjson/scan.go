package plainjson

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// This file looks at the bytes of JSON eight at a time: whether a string
// being read is plain (plainText), where the run of bytes that a string
// being written copies as they are ends (safeRun), and the digits of an
// integer (eightDigits). Most of a session's JSON is such strings
// (tokens, URLs, names) and 13-digit times, and looking at one byte at a
// time was most of the reader's and the writer's time.
//
// The word tests are the classic exact ones: for a 64-bit word w,
// (w - 0x01…01*n) & ^w & 0x80…80 is non-zero exactly when some byte of w
// is below n (n ≤ 0x80), and applied to w ^ 0x01…01*c it finds a byte
// equal to c; w & 0x80…80 flags the non-ASCII bytes. Borrows can flag a
// byte above a true hit, never below one, so the lowest flag marks the
// first byte that needs attention (TestRuns checks every byte value at
// every position against a byte-at-a-time scan).

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// writeStops flags the bytes that encoding/json does not copy as they
// are: a quote, a backslash, a control character, a non-ASCII byte and
// the HTML characters <, > and &. The quote and the ampersand differ only
// in bit 2, the angle brackets only in bit 1, so one test finds either of
// a pair.
func writeStops(w uint64) uint64 {
	q := (w ^ (ones * '"')) &^ (ones * 0x04) // " or &
	a := (w ^ (ones * '<')) &^ (ones * 0x02) // < or >
	b := w ^ (ones * '\\')
	return ((w-ones*0x20)&^w | (q-ones)&^q | (a-ones)&^a | (b-ones)&^b | w) & highs
}

// plainText reports whether s, the bytes between a string's quotes, is
// a plain string's value: no backslash, no control character and valid
// UTF-8. Eight bytes at a time, a word with none of these bytes and no
// byte above 0x7f is plain ASCII; a string with such a byte is looked at
// again one byte at a time.
func plainText(s []byte) bool {
	rest := s
	for ; len(rest) >= 8; rest = rest[8:] {
		w := binary.LittleEndian.Uint64(rest)
		x := w ^ (ones * '\\')
		if ((w-ones*0x20)|w|(x-ones)&^x)&highs != 0 {
			return plainSlow(s)
		}
	}
	for _, c := range rest {
		if c < 0x20 || c == '\\' || c >= 0x80 {
			return plainSlow(s)
		}
	}
	return true
}

// plainSlow is plainText for a string with a backslash, a control
// character or a non-ASCII byte.
func plainSlow(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return utf8.Valid(s)
}

// eightDigits returns the value of w's eight bytes read as decimal
// digits, the first byte the most significant, and whether they all are
// digits ('0' to '9'). Each step adds neighbouring lanes: pairs, then
// fours, then the eight.
func eightDigits(w uint64) (uint64, bool) {
	const hiNibbles = 0xF0F0F0F0F0F0F0F0
	if w&hiNibbles != ones*0x30 || (w+ones*0x06)&hiNibbles != ones*0x30 {
		return 0, false
	}
	d := w - ones*'0'
	d = d*10 + d>>8
	d = ((d&0x000000FF000000FF)*(100+1000000<<32) + (d>>16&0x000000FF000000FF)*(1+10000<<32)) >> 32
	return d, true
}

// safeRun returns the length of the longest prefix of s with no byte that
// writeStops flags: bytes that encoding/json writes as they are.
func safeRun(s string) int {
	rest := s
	for ; len(rest) >= 8; rest = rest[8:] {
		w := uint64(rest[0]) | uint64(rest[1])<<8 | uint64(rest[2])<<16 | uint64(rest[3])<<24 |
			uint64(rest[4])<<32 | uint64(rest[5])<<40 | uint64(rest[6])<<48 | uint64(rest[7])<<56
		if m := writeStops(w); m != 0 {
			return len(s) - len(rest) + bits.TrailingZeros64(m)/8
		}
	}
	i := len(s) - len(rest)
	for ; i < len(s) && safeASCII[s[i]] == '1'; i++ {
	}
	return i
}
