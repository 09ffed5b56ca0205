package seal

import (
	"crypto/rand"
	"strings"
	"testing"
)

// TestPackID: strings of the id alphabet of every length up to 255 pack
// and unpack to themselves, with the rest of the buffer untouched; short
// buffers are refused, and arbitrary bytes never make UnpackID panic.
func TestPackID(t *testing.T) {
	for n := 0; n <= 255; n++ {
		b := make([]byte, n)
		rand.Read(b)
		for i := range b {
			b[i] = idAlphabet[b[i]&63]
		}
		s := string(b)
		packed := append(PackID(nil, s), "tail"...)
		got, rest, ok := UnpackID(packed)
		if !ok || got != s || string(rest) != "tail" {
			t.Fatalf("UnpackID(PackID(%q)): got %q, %q, %v", s, got, rest, ok)
		}
		if n > 0 {
			if _, _, ok := UnpackID(packed[:len(packed)-5]); ok {
				t.Fatalf("a truncated packing of %d characters: got ok", n)
			}
		}
	}
	for range 1000 {
		raw := make([]byte, 1+len(strings.Repeat("x", 8)))
		rand.Read(raw)
		UnpackID(raw)
	}
}
