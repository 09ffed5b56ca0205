package cookies

import (
	"net/http"
	"strings"
	"testing"
)

func header(lines ...string) http.Header {
	h := http.Header{}
	for _, l := range lines {
		h.Add("Cookie", l)
	}
	return h
}

func TestRead(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name   string
		h      http.Header
		max    int
		want   string
		wantOK bool
	}{
		{"no header", header(), 1000, "", false},
		{"single", header("session=abc"), 1000, "abc", true},
		{"among others", header("a=1; session=abc; b=2"), 1000, "abc", true},
		{"spaces", header("a=1;   session=abc  ; b=2"), 1000, "abc", true},
		{"quoted", header(`session="abc"`), 1000, "abc", true},
		{"second header line", header("a=1", "session=abc"), 1000, "abc", true},
		{"prefix name is not a match", header("sessionx=abc; xsession=def"), 1000, "", false},
		{"empty value", header("session="), 1000, "", false},
		{"no equals sign", header("session"), 1000, "", false},
		{"duplicate", header("session=abc; session=def"), 1000, "", false},
		{"duplicate across lines", header("session=abc", "session=def"), 1000, "", false},
		{"too long", header("session=" + long), 99, "", false},
		{"exactly the limit", header("session=" + long), 100, long, true},
		{"chunks", header("session.1=def; session.0=abc"), 1000, "abcdef", true},
		{"chunks across lines", header("session.0=abc", "session.1=def"), 1000, "abcdef", true},
		{"single wins over chunks", header("session.0=abc; session=xyz"), 1000, "xyz", true},
		{"missing first chunk", header("session.1=def"), 1000, "", false},
		{"gap", header("session.0=abc; session.2=ghi"), 1000, "", false},
		{"duplicate chunk", header("session.0=abc; session.0=abd"), 1000, "", false},
		{"empty chunk", header("session.0=; session.1=def"), 1000, "", false},
		{"leading zero index", header("session.0=abc; session.01=def"), 1000, "abc", true},
		{"index too large", header("session.0=abc; session.32=def"), 1000, "", false},
		{"three-digit index ignored", header("session.0=abc; session.100=def"), 1000, "abc", true},
		{"non-digit index ignored", header("session.0=abc; session.x=def"), 1000, "abc", true},
		{"chunks too long", header("session.0=" + long[:60] + "; session.1=" + long[:60]), 100, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Read(tt.h, "session", tt.max)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q, %v, want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestReadDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	h := header("theme=dark; session=" + strings.Repeat("t", 600) + "; lang=en")
	if got := testing.AllocsPerRun(100, func() { Read(h, "session", 16<<10) }); got != 0 {
		t.Errorf("got %v allocations, want 0", got)
	}
}

func BenchmarkRead(b *testing.B) {
	h := header("theme=dark; session=" + strings.Repeat("t", 600) + "; lang=en")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Read(h, "session", 16<<10); !ok {
			b.Fatal("no cookie")
		}
	}
}

// FuzzRead checks that Read never panics on a hostile Cookie header and
// that what it returns respects the size bound.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"session=abc",
		"session.0=abc; session.1=def",
		`session="abc"; session.0=x`,
		"session.31=a; session.0=b",
		";;; =; session=; session.=x; session.-1=y",
		"session.0=a\x00b; session.1=\xff",
	} {
		f.Add(seed, 64)
	}
	f.Fuzz(func(t *testing.T, line string, max int) {
		got, ok := Read(header(line), "session", max)
		if !ok && got != "" {
			t.Errorf("got %q with ok false, want empty", got)
		}
		if ok && (got == "" || len(got) > max) {
			t.Errorf("got %d bytes with ok true, want 1..%d", len(got), max)
		}
	})
}
