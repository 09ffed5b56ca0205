package guardtest

import (
	"net/http"
	"slices"
	"testing"
)

func TestCanonical(t *testing.T) {
	for _, tt := range []struct {
		target, want string
		ok           bool
	}{
		{"/a/b", "/a/b", true},
		{"/%61/b?x=%2F", "/a/b?x=%2F", true},
		{"//a/./b/../c/", "/a/c/", true},
		{"/dashboard/%c3%a9", "/dashboard/%C3%A9", true},
		{"http://example.test/x", "/x", true},
		{"http://example.test?x=1", "/?x=1", true},
		{"/a%zz", "", false},
		{"*", "", false},
	} {
		got, ok := Canonical(tt.target)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.target, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSameResourceAndTagFirst(t *testing.T) {
	for _, tt := range []struct {
		from, loc string
		want      bool
	}{
		{"/%64ashboard", "/dashboard", true},
		{"/files/public", "/files/public/", true},
		{"/dashboard", "/login?callbackUrl=%2Fdashboard", false},
		{"/login", "/", false},
	} {
		if got := SameResource(tt.from, tt.loc); got != tt.want {
			t.Errorf("SameResource(%q, %q) = %v, want %v", tt.from, tt.loc, got, tt.want)
		}
	}
	for _, c := range []string{"/fr/x", "/EN", "/en-US/x", "/zh-Hant-TW/", "/pt_BR?x"} {
		if !TagFirst(c) {
			t.Errorf("TagFirst(%q) = false, want true", c)
		}
	}
	for _, c := range []string{"/english/x", "/x/y", "/", "/e1/x"} {
		if TagFirst(c) {
			t.Errorf("TagFirst(%q) = true, want false", c)
		}
	}
}

// TestFollowAndCheck: the driver follows redirects, stops at the login
// page, and Check reports a protected handler reached anonymously.
func TestFollowAndCheck(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/secret", Handler("secret", true))
	mux.Handle("/open", Handler("open", false))
	mux.Handle("/go", http.RedirectHandler("/secret", http.StatusTemporaryRedirect))
	mux.Handle("/login-please", http.RedirectHandler("/login?callbackUrl=%2Fsecret", http.StatusTemporaryRedirect))
	if r := Follow(mux, "/go", "", stopAtLogin); !r.Protected || r.Label != "secret" || len(r.Hops) != 2 {
		t.Errorf("Follow /go: got %v, want the protected handler after one hop", r)
	}
	if r := Follow(mux, "/login-please", "", stopAtLogin); r.Status != 307 || r.Label != "" {
		t.Errorf("Follow /login-please: got %v, want to stop at the login redirect", r)
	}
	if r := Follow(mux, "/a b", "", nil); r.Parsed {
		t.Errorf("Follow of a request line with a space: got %v, want unparsed", r)
	}
	site := Site{Name: "leaky", Guarded: mux, Bare: mux}
	if errs := site.Check("/go", nil); len(errs) != 1 {
		t.Errorf("Check /go on a router without a guard: got %q, want one problem", errs)
	}
	if errs := site.Check("/open", nil); len(errs) != 0 {
		t.Errorf("Check /open: got %q, want none", errs)
	}
}

func TestGenIsDeterministic(t *testing.T) {
	g := Gen{Bases: []string{"/a/b", "/c"}, Prefixes: []string{"en", "fr"}}
	a, b := g.Targets(7, 50), g.Targets(7, 50)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different targets")
	}
	if len(a) < 50 {
		t.Errorf("got %d targets, want at least 50", len(a))
	}
}
