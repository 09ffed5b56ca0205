package authsession

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
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
		{"bad type", Rule{Type: "private", Pattern: "/a"}},
		{"type in another case", Rule{Type: "Auth", Pattern: "/a"}},
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

// TestCompileRulesConflicts: two rules for the same paths are refused,
// naming both, in the format of every other configuration error.
func TestCompileRulesConflicts(t *testing.T) {
	isAdmin := func(Session[User]) bool { return true }
	tests := []struct {
		name  string
		rules []Rule
		want  string
	}{
		{"exact twice", []Rule{Auth("/x"), Auth("/x")}, `Routes[1] "/x": duplicate of Routes[0] "/x"`},
		{"trailing slash", []Rule{Auth("/x"), Auth("/x/")}, `Routes[1] "/x/": duplicate of Routes[0] "/x"`},
		{"subtree spellings", []Rule{Hybrid("/a"), Auth("/x/*"), Auth("/x/**")}, `Routes[2] "/x/**": duplicate of Routes[1] "/x/*"`},
		{"prefix spellings", []Rule{Public("/blog*"), Public("/blog**")}, `Routes[1] "/blog**": duplicate of Routes[0] "/blog*"`},
		{"glob twice", []Rule{Auth("/u/*/s"), Auth("/u/*/s/")}, `Routes[1] "/u/*/s/": duplicate of Routes[0] "/u/*/s"`},
		{"root subtree", []Rule{Auth("/*"), Hybrid("/**")}, `Routes[1] "/**": conflicts with Routes[0] "/*": the same paths cannot be both auth and hybrid`},
		{"auth and public", []Rule{Auth("/x"), Public("/x")}, `Routes[1] "/x": conflicts with Routes[0] "/x": the same paths cannot be both auth and public`},
		{"auth and hybrid subtree", []Rule{Auth("/x/*"), Hybrid("/x/*")}, `Routes[1] "/x/*": conflicts with Routes[0] "/x/*": the same paths cannot be both auth and hybrid`},
		{"auth and AuthWhere", []Rule{Auth("/admin/*"), AuthWhere("/admin/*", isAdmin)}, `Routes[1] "/admin/*": conflicts with Routes[0] "/admin/*": the same paths with different checks`},
		{"two AuthWhere", []Rule{AuthWhere("/admin/*", isAdmin), AuthWhere("/admin/*", isAdmin)}, `Routes[1] "/admin/*": conflicts with Routes[0] "/admin/*": the same paths with different checks`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileRules(tt.rules)
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v, want an error wrapping ErrConfig", err)
			}
			if want := "authsession: invalid configuration: " + tt.want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("got %q, want it to start with %q", err, want)
			}
			if n := strings.Count(err.Error(), "authsession:"); n != 1 {
				t.Errorf("got %q: the package prefix %d times, want once", err, n)
			}
		})
	}
	// Overlapping rules for different paths are fine.
	if _, err := compileRules([]Rule{Auth("/x"), Hybrid("/x/*"), Public("/x*"), Auth("/x/y"), Hybrid("/x/*/z")}); err != nil {
		t.Errorf("overlapping rules: got %v, want nil", err)
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
	tab.api = "/api/session"
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
		// Not the canonical encoding: lower-case hex, raw non-ASCII.
		{path: "/dashboard/é", raw: "/dashboard/%c3%a9", act: actionClean, canonical: "/dashboard/é"},
		// A raw form without escapes is the path itself: nothing to redirect.
		{path: "/dashboard/é", raw: "/dashboard/é", act: actionNext, judged: "/dashboard/é", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "/wiki/a_(b)!*'", raw: "/wiki/a_(b)!*'", act: actionNext, judged: "/wiki/a_(b)!*'", wantRoute: RouteHybrid},
		{path: "/a b", act: actionNext, judged: "/a b", wantRoute: RouteHybrid}, // "/a%20b" is canonical: net/http leaves RawPath empty
		// Language tags that are not configured locales: both readings.
		{path: "/EN/dashboard", act: actionNext, judged: "/dashboard", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "/en-US/dashboard/x", act: actionNext, judged: "/dashboard/x", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "/zh-Hant-TW/dashboard", act: actionNext, judged: "/dashboard", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "/ar/fr/dashboard", act: actionNext, locale: "ar", judged: "/dashboard", wantRoute: RouteAuth, wantPatten: "/dashboard/*"},
		{path: "/english/dashboard", act: actionNext, judged: "/english/dashboard", wantRoute: RouteHybrid},
		{path: "/fr", act: actionNext, judged: "/fr", wantRoute: RouteHybrid}, // the other reading ("/") is public, not auth: the literal one decides
		// The session API: served whatever the rules say.
		{path: "/api/session", act: actionAPI, judged: "/api/session"},
		{path: "/api/session/", act: actionAPI, judged: "/api/session/"},
		{path: "/api/session/client.js", act: actionAPI, judged: "/api/session/client.js"},
		{path: "/api/session/client.d.ts", act: actionAPI, judged: "/api/session/client.d.ts"},
		{path: "/api/session/other", act: actionNext, judged: "/api/session/other", wantRoute: RouteHybrid},
		{path: "/en/api/session", act: actionNext, locale: "en", judged: "/api/session", wantRoute: RouteHybrid},
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
			if tt.act == actionAPI && v.path != tt.judged {
				t.Errorf("path = %q, want %q", v.path, tt.judged)
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

// TestClassifyReadings: what a trailing slash and a language-shaped first
// segment add. A rule that names the segment ("/faq/*") does not turn the
// language reading off (its Auth rules still win: /faq/admin), it only
// keeps that reading's default type out.
func TestClassifyReadings(t *testing.T) {
	rules := []Rule{
		Public("/login"),           // 0
		Auth("/dashboard/*"),       // 1
		Hybrid("/dashboard/help"),  // 2: an exact exception inside an Auth area
		Auth("/me/*"),              // 3
		Public("/profile"),         // 4
		Hybrid("/faq/*"),           // 5
		Hybrid("/b*"),              // 6: a prefix that does not spell "bl"
		Auth("/admin/*"),           // 7
		Hybrid("/users/*/posts/*"), // 8
	}
	tab := testTable(t, []string{"en", "ar"}, rules...)
	tests := []struct {
		path   string
		judged string
		rule   int   // -1: the default (hybrid)
		alts   []int // the other readings' rules
	}{
		{"/dashboard/help", "/dashboard/help", 2, nil},
		{"/dashboard/help/", "/dashboard/help", 1, []int{2}}, // a router keeping the slash serves /dashboard/*
		{"/login/", "/login", 0, []int{-1}},
		{"/dashboard/", "/dashboard", 1, nil},
		{"/fr/dashboard", "/dashboard", 1, []int{-1}},
		{"/fr/dashboard/help/", "/dashboard/help", 1, []int{2, -1}},
		{"/me/profile", "/me/profile", 3, []int{4}},  // "/me/*" names "me": Auth literally, /profile's rule kept
		{"/faq/admin", "/admin", 7, []int{5}},        // "/faq/*" names "faq", but a {lang} router serves /admin: Auth wins
		{"/faq/other", "/faq/other", 5, nil},         // named: the other reading's default type does not count
		{"/faq/", "/faq", 5, nil},                    // the other reading is "/", which no rule matches
		{"/de/other", "/de/other", -1, nil},          // not named: both readings are the default
		{"/bl/admin", "/admin", 7, []int{6}},         // "/b*" does not spell "bl"
		{"/de/profile", "/de/profile", -1, []int{4}}, // no Auth reading: the literal one decides
		{"/en/fr/admin/x", "/admin/x", 7, []int{-1}},
		{"/users/1/posts/", "/users/1/posts", 8, nil},
		{"/english/admin", "/english/admin", -1, nil}, // not shaped like a language tag
	}
	rule := func(i int) Rule {
		if i < 0 {
			return Rule{Type: RouteHybrid}
		}
		return rules[i]
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			v := tab.classify(tt.path, "")
			if v.act != actionNext || v.path != tt.judged || v.rule != rule(tt.rule) {
				t.Fatalf("got act %d, path %q, rule %+v; want next, %q, %+v", v.act, v.path, v.rule, tt.judged, rule(tt.rule))
			}
			var alts []Rule
			for _, i := range tt.alts {
				alts = append(alts, rule(i))
			}
			if got := v.alts[:v.nalts]; !slices.Equal(got, alts) {
				t.Errorf("alts: got %+v, want %+v", got, alts)
			}
		})
	}
}

func TestIsLanguageTag(t *testing.T) {
	for _, tag := range []string{"en", "EN", "eN", "fra", "en-US", "en_us", "zh-Hant-TW", "es-419", "sr-Latn-RS", "x-a"[2:] + "ab"} {
		if !isLanguageTag(tag) {
			t.Errorf("isLanguageTag(%q) = false, want true", tag)
		}
	}
	for _, not := range []string{"", "e", "engl", "english", "en-", "en--us", "en-US-", "e1", "12", "en-abcdefghi", "én", "en/us", "en.us", "-en"} {
		if isLanguageTag(not) {
			t.Errorf("isLanguageTag(%q) = true, want false", not)
		}
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
	for _, p := range []string{"/login", "/en/login", "/dashboard/a/b", "/blog/x", "/users/1/settings", "/nothing", "/dashboard/a/", "/fr/dashboard/x", "/en-US/blog/"} {
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
		"/js/dashboard/x", "/css/users/1/settings", "/faq/dashboard/", "/en/js/dashboard",
	} {
		f.Add(s)
	}
	tab := testTable(f, []string{"en", "ar"}, Public("/login"), Auth("/dashboard/*"), Public("/blog*"), Auth("/users/*/settings"),
		Hybrid("/js/*"), Public("/css/*"), Hybrid("/faq"))
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
			// The redirect's target, as the next request: canonical, so
			// it is judged and not redirected again.
			loc := (&url.URL{Path: v.canonical}).String()
			n, err := url.ParseRequestURI(loc)
			if err != nil || n.Path != v.canonical || n.RawPath != "" {
				t.Fatalf("%q redirects to %q, which reads back as %+v (%v)", target, loc, n, err)
			}
			if w := tab.classify(n.Path, n.RawPath); w.act == actionClean {
				t.Fatalf("canonical %q of %q redirects again", loc, target)
			}
			return
		}
		if u.RawPath != "" && u.RawPath != u.Path {
			t.Fatalf("%q passed on with a RawPath %q other than its Path %q: a router may read it differently", target, u.RawPath, u.Path)
		}
		// An Auth rule for the path itself is never lost to another reading.
		if lit := tab.rt.match(trimSlash(u.Path)); v.locale == "" && lit >= 0 && tab.rt.rules[lit].Type == RouteAuth && v.rule.Type != RouteAuth {
			t.Fatalf("%q matches Auth rule %d but was judged %+v", target, lit, v.rule)
		}
		// Nor is an Auth rule of the language reading, even when a rule
		// names the first segment (/js/*): a {lang} router serves it.
		p := u.Path
		if v.locale != "" {
			p = cmp.Or(strings.TrimPrefix(p, "/"+v.locale), "/")
		}
		if seg, rest := firstSegment(p); isLanguageTag(seg) {
			for _, q := range []string{trimSlash(rest), rest} {
				i := tab.rt.match(q)
				if i >= 0 && tab.rt.rules[i].Type == RouteAuth && v.rule != tab.rt.rules[i] && !slices.Contains(v.alts[:v.nalts], tab.rt.rules[i]) {
					t.Fatalf("%q: the language reading %q matches Auth rule %d, judged %+v", target, q, i, v)
				}
			}
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
