package cookies_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authsession/authsession/internal/cookies"
)

// validValue reports whether v is a non-empty RFC 6265 cookie-octet
// string that the browser sends back unchanged.
func validValue(v string) bool {
	if v == "" || len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// FuzzRead feeds arbitrary Cookie headers to the chunk reassembly: it never
// panics, never returns more than maxBytes, never returns an empty value,
// and a single valid cookie among others is always read back.
func FuzzRead(f *testing.F) {
	for _, seed := range []struct {
		header, value string
		maxB          uint16
	}{
		{"session=abc", "abc", 1024},
		{"session.0=ab; session.1=cd", "tok", 1024},
		{"session.0=ab; session.2=cd", "tok", 1024},
		{"session.1=ab; session.1=cd; session.0=x", "tok", 1024},
		{"session.01=ab; session.0=x", "tok", 1024},
		{"session.99=a; session.31=b; session.32=c", "tok", 1024},
		{"session=; session.0=", "tok", 1024},
		{`session="quoted"; session.0="`, `x`, 1024},
		{"session=a; session=b", "tok", 1024},
		{";;;=;= ;session", "tok", 16},
		{"session.0=" + strings.Repeat("A", 5000) + "; session.1=B", strings.Repeat("C", 100), 4096},
		{"\x00session\xff=\x7f", "a", 1},
	} {
		f.Add(seed.header, seed.value, seed.maxB)
	}
	f.Fuzz(func(t *testing.T, header, value string, maxB uint16) {
		maxBytes := int(maxB)
		h := http.Header{"Cookie": {header}}
		got, ok := cookies.Read(h, "session", maxBytes)
		if ok && (len(got) == 0 || len(got) > maxBytes) {
			t.Fatalf("Read(%q, %d): got %d bytes, want 1..%d", header, maxBytes, len(got), maxBytes)
		}
		if !ok && got != "" {
			t.Fatalf("Read(%q): got %q with ok=false, want empty", header, got)
		}
		// Split across several header lines: same limits.
		h = http.Header{"Cookie": strings.Split(header, "\n")}
		if got, ok := cookies.Read(h, "session", maxBytes); ok && len(got) > maxBytes {
			t.Fatalf("Read(multi-line %q, %d): got %d bytes", header, maxBytes, len(got))
		}
		if !validValue(value) || len(value) > maxBytes {
			return
		}
		// A single valid cookie among unrelated ones is read back.
		h = http.Header{"Cookie": {"a=b; session_x=1; session.x=2; session=" + value + "; c=d"}}
		if got, ok := cookies.Read(h, "session", maxBytes); !ok || got != value {
			t.Fatalf("Read(session=%q): got %q, %v; want the value, true", value, got, ok)
		}
	})
}

// FuzzWriteRead writes a value (chunked when long) and reads it back from
// the Set-Cookie headers, as a browser would send them, in any order.
func FuzzWriteRead(f *testing.F) {
	f.Add("abc", false)
	f.Add(strings.Repeat("A", 4000), false)
	f.Add(strings.Repeat("xyz", 3000), true)
	f.Add(strings.Repeat("-_.", 10000), true)
	f.Fuzz(func(t *testing.T, value string, reverse bool) {
		if !validValue(value) || len(value) > cookies.MaxChunks*cookies.ChunkSize("session") {
			return
		}
		now := time.Unix(1_700_000_000, 0)
		w := httptest.NewRecorder()
		cookies.Write(w, http.Header{}, "session", value, cookies.Attrs{Path: "/"}, now, now.Add(time.Hour))
		var pairs []string
		for _, c := range w.Result().Cookies() {
			if c.MaxAge > 0 {
				if !c.HttpOnly {
					t.Fatalf("cookie %s: got HttpOnly false, want true", c.Name)
				}
				pairs = append(pairs, c.Name+"="+c.Value)
			}
		}
		if reverse {
			for i, j := 0, len(pairs)-1; i < j; i, j = i+1, j-1 {
				pairs[i], pairs[j] = pairs[j], pairs[i]
			}
		}
		h := http.Header{"Cookie": {strings.Join(pairs, "; ")}}
		got, ok := cookies.Read(h, "session", len(value))
		if !ok || got != value {
			t.Fatalf("round trip of %d bytes in %d cookies: got %d bytes, ok=%v", len(value), len(pairs), len(got), ok)
		}
	})
}
