package plainjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// referenceDepth is the nesting depth of the valid JSON text b, as
// encoding/json's tokenizer sees it.
func referenceDepth(b []byte) int {
	dec := json.NewDecoder(bytes.NewReader(b))
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return deepest
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			deepest = max(deepest, depth)
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

var depthSeeds = []string{
	`1`, `"{["`, `{}`, `[]`, `{"a":[1,{"b":"]]]}}}"}]}`, `{"a":"\"{{{{"}`, `{"a":"\\"}`, `[[[]],[[[]]]]`,
	`{"user":{"id":"u","x":[[[1]]]},"data":{"cart":{"a":[{"b":[]}]}}}`,
	strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	strings.Repeat(`{"a":`, 4000) + "1" + strings.Repeat("}", 4000),
	strings.Repeat("[]", 100),
}

// depthAgrees checks WithinDepth on b, for every bound around its depth,
// against encoding/json's view of b.
func depthAgrees(t *testing.T, b []byte) {
	t.Helper()
	if !json.Valid(b) {
		WithinDepth(b, 3) // no answer to check; it must not panic
		return
	}
	d := referenceDepth(b)
	for _, limit := range []int{0, 1, d - 1, d, d + 1, MaxDepth} {
		if limit < 0 {
			continue
		}
		if got := WithinDepth(b, limit); got != (d <= limit) {
			t.Fatalf("%.60q (depth %d): WithinDepth(%d) = %v", b, d, limit, got)
		}
	}
}

func TestWithinDepth(t *testing.T) {
	for _, s := range depthSeeds {
		depthAgrees(t, []byte(s))
	}
	// Text that is not JSON gets an answer that bounds what a decoder
	// meets before refusing it.
	for in, want := range map[string]bool{
		strings.Repeat("[", 100):                            false,
		strings.Repeat("]", 100) + strings.Repeat("[", 100): false,
		`"` + strings.Repeat("[", 100):                      true,
		`{"a":"` + strings.Repeat("[", 100) + `"}`:          true,
		`{"a":"\"` + strings.Repeat("[", 100):               true,
	} {
		if got := WithinDepth([]byte(in), MaxDepth); got != want {
			t.Errorf("%.30q: got %v, want %v", in, got, want)
		}
	}
}

// FuzzWithinDepth compares WithinDepth with encoding/json's tokenizer on
// any valid JSON.
func FuzzWithinDepth(f *testing.F) {
	for _, s := range depthSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		depthAgrees(t, b)
	})
}

func BenchmarkWithinDepth(b *testing.B) {
	session := []byte(`{"user":{"id":"u_1","email":"ann@example.com","name":"Ann","role":"admin"},"accessToken":"` +
		strings.Repeat("a", 300) + `","expiresAt":1767225600000,"expiryDate":"2026-01-01T00:00:00.000Z","createdAt":1767139200000,` +
		`"lastActivity":1767139200000,"data":{"cart":{"items":[1,2,3]}},"iat":1767139200,"exp":1767225600,"jti":"abc"}`)
	b.ReportAllocs()
	for b.Loop() {
		if !WithinDepth(session, MaxDepth) {
			b.Fatal("refused")
		}
	}
}
