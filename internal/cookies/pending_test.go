package cookies

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPending: what a browser holds after a response's Set-Cookie lines,
// for every sequence of writes and clears in one response.
func TestPending(t *testing.T) {
	now := time.Now()
	attrs := Attrs{Path: "/"}
	size := ChunkSize("session")
	big := strings.Repeat("b", size+10)
	small := "small-value"
	tests := []struct {
		name    string
		req     http.Header
		do      func(w http.ResponseWriter, req http.Header)
		want    string
		wantSet bool
	}{
		{"untouched", header("session=x"), func(w http.ResponseWriter, _ http.Header) {
			http.SetCookie(w, &http.Cookie{Name: "other", Value: "1"})
			http.SetCookie(w, &http.Cookie{Name: "sessions", Value: "1"})
		}, "", false},
		{"one write", http.Header{}, func(w http.ResponseWriter, req http.Header) {
			Write(w, req, "session", small, attrs, now, now.Add(time.Hour))
		}, small, true},
		{"browser-session write", http.Header{}, func(w http.ResponseWriter, req http.Header) {
			a := attrs
			a.Session = true
			Write(w, req, "session", small, a, now, now.Add(time.Hour))
		}, small, true},
		{"chunked write", header("session=old"), func(w http.ResponseWriter, req http.Header) {
			Write(w, req, "session", big, attrs, now, now.Add(time.Hour))
		}, big, true},
		{"chunks, then one cookie", http.Header{}, func(w http.ResponseWriter, req http.Header) {
			Write(w, req, "session", big, attrs, now, now.Add(time.Hour))
			Write(w, req, "session", small, attrs, now, now.Add(time.Hour))
		}, small, true},
		{"one cookie, then chunks", http.Header{}, func(w http.ResponseWriter, req http.Header) {
			Write(w, req, "session", small, attrs, now, now.Add(time.Hour))
			Write(w, req, "session", big, attrs, now, now.Add(time.Hour))
		}, big, true},
		{"write, then clear", header("session.0=a; session.1=b"), func(w http.ResponseWriter, req http.Header) {
			Write(w, req, "session", big, attrs, now, now.Add(time.Hour))
			Clear(w, req, "session", attrs)
		}, "", true},
		{"clear, then write", header("session=old"), func(w http.ResponseWriter, req http.Header) {
			Clear(w, req, "session", attrs)
			Write(w, req, "session", small, attrs, now, now.Add(time.Hour))
		}, small, true},
		{"clear only", header("session=old"), func(w http.ResponseWriter, req http.Header) {
			Clear(w, req, "session", attrs)
		}, "", true},
		{"over the limit", http.Header{}, func(w http.ResponseWriter, req http.Header) {
			Write(w, req, "session", strings.Repeat("x", 3*size), attrs, now, now.Add(time.Hour))
		}, "", true},
		{"malformed line", http.Header{}, func(w http.ResponseWriter, _ http.Header) {
			w.Header().Add("Set-Cookie", "session")
		}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tt.do(w, tt.req)
			got, set := Pending(w.Header(), "session", 2*size+100)
			if got != tt.want || set != tt.wantSet {
				t.Errorf("got %d bytes, set %v; want %d bytes, set %v", len(got), set, len(tt.want), tt.wantSet)
			}
		})
	}
}

func TestWriteBrowserSessionCookie(t *testing.T) {
	now := time.Now()
	w := httptest.NewRecorder()
	Write(w, http.Header{}, "session", strings.Repeat("v", ChunkSize("session")+5), Attrs{Path: "/", Session: true}, now, now.Add(time.Hour))
	lines := w.Header().Values("Set-Cookie")
	if len(lines) != 2 {
		t.Fatalf("got %d cookies, want 2 chunks", len(lines))
	}
	for _, l := range lines {
		if strings.Contains(l, "Max-Age") || strings.Contains(l, "Expires") {
			t.Errorf("Set-Cookie %.40q…: want neither Max-Age nor Expires", l)
		}
	}
	// An expired value still clears, session cookie or not.
	w = httptest.NewRecorder()
	Write(w, header("session=x"), "session", "v", Attrs{Path: "/", Session: true}, now, now.Add(-time.Second))
	if l := w.Header().Get("Set-Cookie"); !strings.Contains(l, "Max-Age=0") {
		t.Errorf("expired write: got %q, want a clearing cookie", l)
	}
}

func TestUnset(t *testing.T) {
	h := http.Header{}
	h.Add("Set-Cookie", "other=1; Path=/")
	h.Add("Set-Cookie", "session=a; Path=/")
	h.Add("Set-Cookie", "session.0=b; Path=/")
	h.Add("Set-Cookie", "session.x=keep; Path=/")
	h.Add("Set-Cookie", "sessionid=keep; Path=/")
	h.Add("Set-Cookie", "session.1=c; Path=/")
	Unset(h, "session")
	want := []string{"other=1; Path=/", "session.x=keep; Path=/", "sessionid=keep; Path=/"}
	if got := h.Values("Set-Cookie"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("after Unset: got %q, want %q", got, want)
	}
	Unset(h, "other")
	Unset(h, "session.x")
	Unset(h, "sessionid")
	if got := h.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("after unsetting every name: got %q, want none", got)
	}
	if _, ok := h["Set-Cookie"]; ok {
		t.Errorf("an emptied Set-Cookie header is still present")
	}
}
