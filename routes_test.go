package authsession

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func mustRouter(t testing.TB, rules ...Rule) *router {
	t.Helper()
	rt, err := compileRules(rules)
	if err != nil {
		t.Fatalf("compileRules: %v", err)
	}
	return rt
}

func TestCompileRulesErrors(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
	}{
		{"empty", Auth("")},
		{"relative", Auth("dashboard")},
		{"star only", Auth("*")},
		{"double slash", Auth("/a//b")},
		{"dot segment", Auth("/a/./b")},
		{"dot dot segment", Auth("/a/../b")},
		{"trailing dot dot", Auth("/a/..")},
		{"unclosed class", Auth("/files/[a")},
		{"unclosed alternatives", Auth("/files/{a,b")},
		{"control character", Auth("/a\x00b")},
		{"newline", Auth("/a\nb")},
		{"bad type", Rule{Type: 9, Pattern: "/a"}},
		{"unset type", Rule{Pattern: "/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileRules([]Rule{Public("/login"), tt.rule})
			if err == nil {
				t.Fatalf("compileRules(%q) = nil error, want one", tt.rule.Pattern)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("got %v, want it to wrap ErrConfig", err)
			}
			if want := "invalid configuration: Routes[1] " + strconv.Quote(tt.rule.Pattern) + ": "; !strings.Contains(err.Error(), want) {
				t.Errorf("got %q, want it to name %s", err, want)
			}
		})
	}
}

func TestRouterMatch(t *testing.T) {
	rules := []Rule{
		Public("/login"),             // 0 exact
		Auth("/dashboard/*"),         // 1 subtree
		Hybrid("/dashboard/public"),  // 2 exact inside a subtree
		Public("/blog*"),             // 3 prefix
		Auth("/blog/drafts/*"),       // 4 longer subtree beats shorter prefix
		Auth("/users/*/settings"),    // 5 glob, * within one segment
		Hybrid("/users/*/posts/*"),   // 6 glob with trailing "/*"
		Auth("/files/**.pdf"),        // 7 glob crossing segments
		Hybrid("/elsewhere/*"),       // 8 (a duplicate of rule 1 is refused: TestCompileRulesConflicts)
		Hybrid("/docs/"),             // 9 trailing slash ignored: exact /docs
		Auth("/shop/{cart,orders}*"), // 10 glob with alternatives, trailing * = any suffix
		Auth("/a*"),                  // 11 prefix, lit 2
		Public("/ab*"),               // 12 prefix, lit 3: longer wins
		Auth("/x/*"),                 // 13 subtree, lit 3
		Public("/x*"),                // 14 prefix, lit 2
		Hybrid("/tie*"),              // 15 prefix lit 4
		Auth("/tie?/*"),              // 16 glob lit 4: tie goes to declaration order (15)
		Auth("/api/**"),              // 17 "/**" is the subtree form too
	}
	rt := mustRouter(t, rules...)
	tests := []struct {
		path string
		want int // rule index, -1 for none
	}{
		{"/login", 0},
		{"/login/x", -1},
		{"/logins", -1},
		{"/dashboard", 1},
		{"/dashboard/settings/deep", 1},
		{"/dashboard/public", 2},
		{"/dashboard/public/x", 1},
		{"/dashboards", -1},
		{"/blog", 3},
		{"/blogs", 3},
		{"/blog/post-1", 3},
		{"/blog/drafts", 4},
		{"/blog/drafts/x", 4},
		{"/users/42/settings", 5},
		{"/users/42/x/settings", -1},
		{"/users/42/posts", 6},
		{"/users/42/posts/7/comments", 6},
		{"/files/a/b/c.pdf", 7},
		{"/files/c.txt", -1},
		{"/docs", 9},
		{"/shop/cart", 10},
		{"/shop/orders/9", 10},
		{"/shop/wishlist", -1},
		{"/abc", 12},
		{"/ax", 11},
		{"/x", 13},
		{"/x/y", 13},
		{"/xy", 14},
		{"/ties/z", 15},
		{"/api", 17},
		{"/api/v1/items", 17},
		{"/", -1},
		{"/unknown", -1},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := rt.match(tt.path); got != tt.want {
				t.Errorf("match(%q) = %d, want %d", tt.path, got, tt.want)
			}
		})
	}
}

func TestRouterRootSubtree(t *testing.T) {
	rt := mustRouter(t, Auth("/*"), Public("/login"))
	for _, tt := range []struct {
		path string
		want int
	}{{"/", 0}, {"/anything/below", 0}, {"/login", 1}} {
		if got := rt.match(tt.path); got != tt.want {
			t.Errorf("match(%q) = %d, want %d", tt.path, got, tt.want)
		}
	}
}

func testTable(t testing.TB, locales []string, rules ...Rule) *routeTable {
	t.Helper()
	return &routeTable{rt: mustRouter(t, rules...), def: RouteHybrid, locales: locales}
}

func TestClassify(t *testing.T) {
	tab := testTable(t, []string{"en", "ar"}, Public("/login"), Auth("/dashboard/*"), Public("/"))
	tests := []struct {
		path, raw  string
		act        action
		canonical  string
		locale     string
		judged     string
		wantRoute  RouteType
		wantPatten string
	}{
		{path: "/dashboard", act: actionNext, judged: "/dashboard", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "/dashboard/", act: actionNext, judged: "/dashboard", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "/ar/dashboard", act: actionNext, locale: "ar", judged: "/dashboard", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "/ar", act: actionNext, locale: "ar", judged: "/", wantRoute: RoutePublic, wantPatten: "/"},
		{path: "/ar/", act: actionNext, locale: "ar", judged: "/", wantRoute: RoutePublic, wantPatten: "/"},
		{path: "/en/login", act: actionNext, locale: "en", judged: "/login", wantRoute: RoutePublic, wantPatten: "/login"},
		{path: "/english", act: actionNext, judged: "/english", wantRoute: RouteHybrid},
		// A language-tag-shaped first segment is also read as a {lang}
		// parameter: the Auth reading wins.
		{path: "/ar/ar/dashboard", act: actionNext, locale: "ar", judged: "/dashboard", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "/fr/dashboard", act: actionNext, judged: "/dashboard", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "", act: actionNext, judged: "/", wantRoute: RoutePublic, wantPatten: "/"},
		// Any non-canonical encoding goes to the canonical one first.
		{path: "/dashboard", raw: "/%64ashboard", act: actionClean, canonical: "/dashboard"},
		{path: "//dashboard", act: actionClean, canonical: "/dashboard"},
		{path: "/./dashboard", act: actionClean, canonical: "/dashboard"},
		{path: "/dashboard/../dashboard", act: actionClean, canonical: "/dashboard"},
		{path: "/ar/../dashboard/", act: actionClean, canonical: "/dashboard/"},
		{path: "/ar//dashboard", act: actionClean, canonical: "/ar/dashboard"},
		{path: "/dashboard/..", act: actionClean, canonical: "/"},
		{path: "/dashboard/secret", raw: "/dashboard%2Fsecret", act: actionReject},
		{path: "/dashboard/secret", raw: "/dashboard%2fsecret", act: actionReject},
		{path: `/dashboard\secret`, raw: "/dashboard%5Csecret", act: actionReject},
		{path: "/dashboard\x00", raw: "/dashboard%00", act: actionReject},
		{path: "*", act: actionReject},
	}
	for _, tt := range tests {
		t.Run(tt.path+"|"+tt.raw, func(t *testing.T) {
			v := tab.classify(tt.path, tt.raw)
			if v.act != tt.act {
				t.Fatalf("act = %d, want %d", v.act, tt.act)
			}
			if v.canonical != tt.canonical {
				t.Errorf("canonical = %q, want %q", v.canonical, tt.canonical)
			}
			if tt.act != actionNext {
				return
			}
			if v.locale != tt.locale || v.path != tt.judged {
				t.Errorf("locale, path = %q, %q, want %q, %q", v.locale, v.path, tt.locale, tt.judged)
			}
			if v.rule.Type != tt.wantRoute || v.rule.Pattern != tt.wantPatten {
				t.Errorf("rule = %v %q, want %v %q", v.rule.Type, v.rule.Pattern, tt.wantRoute, tt.wantPatten)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		typ  RouteType
		auth bool
		want action
	}{
		{RouteAuth, false, actionLogin},
		{RouteAuth, true, actionNext},
		{RoutePublic, false, actionNext},
		{RoutePublic, true, actionHome},
		{RouteHybrid, false, actionNext},
		{RouteHybrid, true, actionNext},
	}
	for _, tt := range tests {
		v := verdict{act: actionNext, rule: Rule{Type: tt.typ}}
		if got := v.decide(tt.auth); got != tt.want {
			t.Errorf("decide(%v, %v) = %d, want %d", tt.typ, tt.auth, got, tt.want)
		}
	}
	for _, a := range []action{actionClean, actionReject} {
		if got := (verdict{act: a, rule: Rule{Type: RouteHybrid}}).decide(true); got != a {
			t.Errorf("decide on act %d = %d, want it kept", a, got)
		}
	}
}

func TestMatchAllocs(t *testing.T) {
	tab := testTable(t, []string{"en"}, Public("/login"), Auth("/dashboard/*"), Public("/blog*"), Auth("/users/*/settings"))
	for _, p := range []string{"/login", "/en/login", "/dashboard/a/b", "/blog/x", "/users/1/settings", "/nothing"} {
		if n := testing.AllocsPerRun(100, func() { tab.classify(p, "") }); n != 0 {
			t.Errorf("classify(%q): %v allocs, want 0", p, n)
		}
	}
}

// FuzzClassify checks the no-bypass property: a request path is either
// refused or redirected, or it is judged exactly as its cleaned,
// decoded form is — and a router reading the raw path sees the same
// segments the guard judged.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"/dashboard", "//dashboard", "/./dashboard", "/dashboard/../dashboard",
		"/%64ashboard", "/dashboard%2Fsecret", "/dashboard%252Fsecret", "/ar/dashboard",
		"/ar/../dashboard", "/dashboard/", "/%2e%2e/dashboard", "/dashboard%5c", "/ar",
		"/english", "/dashboard/..%2Flogin", "/%2F%2Fevil.com",
	} {
		f.Add(s)
	}
	tab := testTable(f, []string{"en", "ar"}, Public("/login"), Auth("/dashboard/*"), Public("/blog*"), Auth("/users/*/settings"))
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || u.Scheme != "" || u.Host != "" || u.RawQuery != "" || u.Fragment != "" {
			return
		}
		v := tab.classify(u.Path, u.RawPath)
		switch v.act {
		case actionReject:
			return
		case actionClean:
			if !isCleanPath(v.canonical) && v.canonical != "/" {
				t.Fatalf("canonical %q of %q is not clean", v.canonical, target)
			}
			if w := tab.classify(v.canonical, ""); w.act == actionClean {
				t.Fatalf("canonical %q of %q redirects again", v.canonical, target)
			}
			return
		}
		c := cleanPath(u.Path)
		if c != u.Path {
			t.Fatalf("%q judged without cleaning (clean form %q)", target, c)
		}
		w := tab.classify(c, "")
		if w.rule != v.rule || w.locale != v.locale || w.path != v.path {
			t.Fatalf("%q judged as %+v, its clean form as %+v", target, v, w)
		}
		// The raw path's segments, each decoded, are the judged path's.
		var segs []string
		for s := range strings.SplitSeq(u.EscapedPath(), "/") {
			d, err := url.PathUnescape(s)
			if err != nil {
				t.Fatalf("%q: escaped path does not decode: %v", target, err)
			}
			segs = append(segs, d)
		}
		if got := strings.Join(segs, "/"); got != u.Path || strings.Count(u.EscapedPath(), "/") != strings.Count(u.Path, "/") {
			t.Fatalf("%q: router sees %q (%d slashes), guard judged %q", target, u.EscapedPath(), strings.Count(u.EscapedPath(), "/"), u.Path)
		}
	})
}
