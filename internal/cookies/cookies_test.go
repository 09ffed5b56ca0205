package cookies

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func header(lines ...string) http.Header {
	h := http.Header{}
	for _, l := range lines {
		h.Add("Cookie", l)
	}
	return h
}

func TestRead(t *testing.T) {
	tests := []struct {
		name   string
		lines  []string
		max    int
		want   string
		wantOK bool
	}{
		{"absent", nil, 100, "", false},
		{"single", []string{"a=1; session=abc; b=2"}, 100, "abc", true},
		{"quoted", []string{`session="abc"`}, 100, "abc", true},
		{"spaces", []string{"  session=abc  ;x=y"}, 100, "abc", true},
		{"second header line", []string{"a=1", "session=abc"}, 100, "abc", true},
		{"prefix name only", []string{"sessionx=abc; xsession=def"}, 100, "", false},
		{"empty", []string{"session="}, 100, "", false},
		{"over limit", []string{"session=abcdef"}, 3, "", false},
		{"duplicate single", []string{"session=a; session=b"}, 100, "", false},
		{"chunks in order", []string{"session.0=ab; session.1=cd; session.2=e"}, 100, "abcde", true},
		{"chunks out of order", []string{"session.2=e; session.0=ab; session.1=cd"}, 100, "abcde", true},
		{"chunks across lines", []string{"session.1=cd", "session.0=ab"}, 100, "abcd", true},
		{"single wins over chunks", []string{"session.0=ab; session=xyz; session.1=cd"}, 100, "xyz", true},
		{"missing chunk 0", []string{"session.1=cd"}, 100, "", false},
		{"gap", []string{"session.0=ab; session.2=cd"}, 100, "", false},
		{"duplicate chunk", []string{"session.0=ab; session.0=cd"}, 100, "", false},
		{"empty chunk", []string{"session.0=; session.1=cd"}, 100, "", false},
		{"chunks over limit", []string{"session.0=abc; session.1=def"}, 5, "", false},
		{"leading zero index", []string{"session.00=ab"}, 100, "", false},
		{"index too large", []string{"session.99=ab"}, 100, "", false},
		{"non-digit index", []string{"session.x=ab"}, 100, "", false},
		{"no equals", []string{"session"}, 100, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Read(header(tt.lines...), "session", tt.max)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestReadSingleDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	h := header("theme=dark; session=" + strings.Repeat("x", 600) + "; lang=en")
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := Read(h, "session", 4096); !ok {
			t.Fatal("not found")
		}
	})
	if allocs != 0 {
		t.Errorf("got %v allocations, want 0", allocs)
	}
}

func TestWriteAndReadBack(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	attrs := Attrs{Path: "/", SameSite: http.SameSiteLaxMode, Secure: true}
	for _, size := range []int{1, 100, ChunkSize("session"), ChunkSize("session") + 1, 3 * ChunkSize("session"), 10000} {
		value := strings.Repeat("v", size)
		w := httptest.NewRecorder()
		Write(w, http.Header{}, "session", value, attrs, now, now.Add(time.Hour))
		r := httptest.NewRequest("GET", "/", nil)
		for _, c := range w.Result().Cookies() {
			if len(c.Name)+len(c.Value) > 4000 {
				t.Errorf("size %d: cookie %s too large (%d)", size, c.Name, len(c.Name)+len(c.Value))
			}
			if c.MaxAge != 3600 || !c.HttpOnly || !c.Secure {
				t.Errorf("size %d: cookie %s attributes %+v", size, c.Name, c)
			}
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		got, ok := Read(r.Header, "session", 1<<20)
		if !ok || got != value {
			t.Errorf("size %d: read back %d bytes, ok=%v", size, len(got), ok)
		}
	}
}

func TestWriteClearsLeftovers(t *testing.T) {
	now := time.Now()
	attrs := Attrs{Path: "/"}
	req := header("session.0=a; session.1=b; session.2=c; session.3=d")
	w := httptest.NewRecorder()
	Write(w, req, "session", strings.Repeat("v", ChunkSize("session")+10), attrs, now, now.Add(time.Hour))
	live, dead := map[string]bool{}, map[string]bool{}
	for _, c := range w.Result().Cookies() {
		if c.MaxAge > 0 {
			live[c.Name] = true
		} else {
			dead[c.Name] = true
		}
	}
	if !live["session.0"] || !live["session.1"] || len(live) != 2 {
		t.Errorf("live: got %v, want session.0 and session.1", live)
	}
	if !dead["session.2"] || !dead["session.3"] || len(dead) != 2 {
		t.Errorf("cleared: got %v, want session.2 and session.3", dead)
	}
}

func TestWriteExpiredValueClears(t *testing.T) {
	now := time.Now()
	w := httptest.NewRecorder()
	Write(w, http.Header{}, "session", "v", Attrs{Path: "/"}, now, now.Add(-time.Second))
	cs := w.Result().Cookies()
	if len(cs) != 1 || cs[0].MaxAge >= 0 {
		t.Errorf("got %+v, want one expired cookie", cs)
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

// TestWriteChunkSize: Attrs.ChunkSize sets where a value is split (the
// foreign formats' sizes), instead of ChunkSize(name).
func TestWriteChunkSize(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		chunk, size int
		want        []int
	}{
		{3936, 3936, []int{3936}},
		{3936, 3937, []int{3936, 1}},
		{3936, 10000, []int{3936, 3936, 2128}},
		{3933, 10000, []int{3933, 3933, 2134}},
		{0, 10000, []int{ChunkSize("s"), ChunkSize("s"), 10000 - 2*ChunkSize("s")}},
	} {
		w := httptest.NewRecorder()
		Write(w, http.Header{}, "s", strings.Repeat("v", tt.size), Attrs{Path: "/", ChunkSize: tt.chunk}, now, now.Add(time.Hour))
		var got []int
		for _, c := range w.Result().Cookies() {
			got = append(got, len(c.Value))
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("chunk %d, value %d: got sizes %v, want %v", tt.chunk, tt.size, got, tt.want)
		}
	}
}

func TestHas(t *testing.T) {
	for _, tt := range []struct {
		line string
		want bool
	}{
		{"", false},
		{"a=1; s=2", true},
		{"s.0=a; s.1=b", true},
		{"s.1=b", true},
		{"sx=1; xs=2; s.x=3", false},
	} {
		if got := Has(header(tt.line), "s"); got != tt.want {
			t.Errorf("%q: got %v, want %v", tt.line, got, tt.want)
		}
	}
}

// TestSetCookieAsNetHTTP: setCookie writes the header http.SetCookie
// writes, for long and short values, plain or not (spaces, commas, quotes,
// control and non-ASCII bytes, which net/http quotes or drops), with every
// attribute, and nothing for an invalid name.
func TestSetCookieAsNetHTTP(t *testing.T) {
	long := strings.Repeat("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.", 30)
	values := []string{"", "abc", long, long + " x", long + ",x", long + "\"", long + ";", long + "\\", long + "\x00",
		long + "\x7f", long + "é", long + "~!#$%&'()*+-./:<=>?@[]^_`{|}", `"` + long + `"`}
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	cookies := []http.Cookie{
		{Name: "s"},
		{Name: "__Host-authjs.session-token", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 3600, Expires: expires},
		{Name: "s", Domain: "example.com", Path: "/a;b", SameSite: http.SameSiteStrictMode, Partitioned: true, Secure: true},
		{Name: "s", SameSite: http.SameSiteNoneMode, MaxAge: -1, Quoted: true},
		{Name: "bad name"}, {Name: ""},
	}
	for _, c := range cookies {
		for _, v := range values {
			c.Value = v
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			http.SetCookie(want, &c)
			cc := c
			setCookie(got, &cc)
			if g, w := got.Header().Values("Set-Cookie"), want.Header().Values("Set-Cookie"); fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("cookie %q, value %.20q…:\n got %q\nwant %q", c.Name, v, g, w)
			}
			if cc.Value != c.Value {
				t.Errorf("setCookie changed the cookie: %+v", cc)
			}
		}
	}
}
