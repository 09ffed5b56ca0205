package authsession_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/authsession/authsession"
)

func TestIsLocalPath(t *testing.T) {
	tests := []struct {
		p    string
		want bool
	}{
		{"/", true},
		{"/dashboard", true},
		{"/dashboard?tab=a&b=1#top", true},
		{"/ar/login?callbackUrl=%2Far%2Fdashboard", true},
		{"/search?q=a%20b", true},
		{"/a/b/", true},
		{"/caf%C3%A9", true},
		{"/next?u=%2F%2Fevil.com", true}, // "//" only in the query, not a host
		{"", false},
		{"dashboard", false},
		{"//evil.com", false},
		{"///evil.com", false},
		{`/\evil.com`, false},
		{`/\/evil.com`, false},
		{`\\evil.com`, false},
		{"/a\\b", false},
		{"https://evil.com", false},
		{"http:evil.com", false},
		{"javascript:alert(1)", false},
		{" /x", false},
		{"/%2F%2Fevil.com", false},
		{"/%2f%2fevil.com", false},
		{"/%5Cevil.com", false},
		{"/%5cevil.com", false},
		{"/%252F%252Fevil.com", false},
		{"/%25252F%25252Fevil.com", false},
		{"/%2525252F", false}, // still encoded after three decodings
		{"/a//b", false},
		{"/a/https://evil.com", false},
		{"/\tevil", false},
		{"/x\r\nLocation: //evil.com", false},
		{"/x\x00", false},
		{"/x\x7f", false},
		{"/%09/evil.com", false},
		{"/%0d%0aSet-Cookie:a=b", false},
		{"/%00", false},
		{"/%", false},
		{"/%zz", false},
		{"/%2", false},
		{"/" + strings.Repeat("a", 5000), false},
	}
	for _, tt := range tests {
		t.Run(tt.p, func(t *testing.T) {
			if got := authsession.IsLocalPath(tt.p); got != tt.want {
				t.Errorf("IsLocalPath(%q) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

// FuzzIsLocalPath checks that every accepted path, resolved by a URL
// parser against this site (as a browser resolves a Location header),
// stays on this site, also after decoding.
func FuzzIsLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//evil.com", `/\evil.com`, "/%2F%2Fevil.com", "/%252F%252F", "/.//evil.com", "/a/../..//b"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://site.example/dir/page")
	f.Fuzz(func(t *testing.T, p string) {
		if !authsession.IsLocalPath(p) {
			return
		}
		for range 4 {
			u, err := url.Parse(p)
			if err != nil {
				return // a browser would not follow it anywhere else either
			}
			if u.Scheme != "" || u.Host != "" || u.User != nil {
				t.Fatalf("IsLocalPath(%q) = true, but it parses as %#v", p, u)
			}
			if r := base.ResolveReference(u); r.Host != base.Host || r.Scheme != base.Scheme {
				t.Fatalf("IsLocalPath(%q) = true, but it resolves to %q", p, r)
			}
			d, err := url.PathUnescape(p)
			if err != nil || d == p {
				return
			}
			p = d
		}
	})
}
