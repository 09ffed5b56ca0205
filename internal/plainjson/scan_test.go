package plainjson

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// The word-at-a-time scans against a byte at a time.

func plainTextRef(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
}

func safeRunRef(s string) int {
	for i := 0; i < len(s); i++ {
		if safeASCII[s[i]] != '1' {
			return i
		}
	}
	return len(s)
}

// checkRuns compares the scans with their references on b.
func checkRuns(t *testing.T, b []byte) {
	t.Helper()
	if got, want := plainText(b), plainTextRef(b); got != want {
		t.Fatalf("plainText(%q) = %v, want %v", b, got, want)
	}
	if got, want := safeRun(string(b)), safeRunRef(string(b)); got != want {
		t.Fatalf("safeRun(%q) = %d, want %d", b, got, want)
	}
}

// TestRuns: every byte value at every position of runs of every length
// up to three words, after and before other stops, and random mixes.
func TestRuns(t *testing.T) {
	for n := 0; n <= 24; n++ {
		for pos := 0; pos < n; pos++ {
			for c := range 256 {
				b := make([]byte, n)
				for i := range b {
					b[i] = 'a' + byte(i%26)
				}
				b[pos] = byte(c)
				checkRuns(t, b)
				if pos+1 < n {
					b[pos+1] = 0 // a second stop right after: borrows must not hide the first
					checkRuns(t, b)
				}
				if pos > 0 {
					b[pos-1] = 0xff
					checkRuns(t, b)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("aZ09-_.~ \"\\<>&\x00\x1f\x7f\x80\xe2\x80\xa8\xff")
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(8) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + rng.IntN(26))
			}
		}
		checkRuns(t, b)
	}
}

// TestEightDigits: every byte value at every position of eight digits,
// and random digit strings.
func TestEightDigits(t *testing.T) {
	check := func(b []byte) {
		t.Helper()
		want, wantOK := uint64(0), true
		for _, c := range b {
			if c < '0' || c > '9' {
				wantOK = false
				break
			}
			want = want*10 + uint64(c-'0')
		}
		got, ok := eightDigits(binary.LittleEndian.Uint64(b))
		if ok != wantOK || ok && got != want {
			t.Fatalf("eightDigits(%q) = %d, %v; want %d, %v", b, got, ok, want, wantOK)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			b := []byte("12345678")
			b[pos] = byte(c)
			check(b)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 10000 {
		b := make([]byte, 8)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		check(b)
	}
}
