package authsession

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// scanMatch is the router's precedence without its indexes: an exact rule
// for p wins; otherwise, over every subtree, prefix and glob rule that
// matches p, the longest literal prefix, then the earliest rule.
func scanMatch(rt *router, p string) candidate {
	if i, ok := rt.exact[p]; ok {
		return candidate{i, len(p)}
	}
	best := candidate{idx: -1}
	consider := func(c candidate) {
		if c.beats(best) {
			best = c
		}
	}
	for base, i := range rt.subtree {
		if p == base || strings.HasPrefix(p, base+"/") {
			consider(candidate{i, len(base) + 1})
		}
	}
	for pre, i := range rt.prefix {
		if strings.HasPrefix(p, pre) {
			consider(candidate{i, len(pre)})
		}
	}
	all := append([]*globRule(nil), rt.globs...)
	for _, l := range rt.globsAt {
		all = append(all, l...)
	}
	for _, gr := range all {
		if gr.match(p) {
			consider(candidate{gr.idx, gr.lit})
		}
	}
	return best
}

// randomRules returns up to n rules built from a small alphabet of
// segments, so that patterns overlap and compete.
func randomRules(r *rand.Rand, n int) []Rule {
	segs := []string{"a", "b", "x-1", "ab", "*", "?b", "**", "[ab]", "[!a]", "{a,b}", "c*", "*b"}
	var rules []Rule
	for range n {
		k := 1 + r.IntN(4)
		parts := make([]string, k)
		for i := range parts {
			parts[i] = segs[r.IntN(len(segs))]
		}
		p := "/" + strings.Join(parts, "/")
		switch r.IntN(4) {
		case 0:
			p += "/*"
		case 1:
			p += "*"
		}
		rules = append(rules, Rule{Type: []RouteType{RouteHybrid, RoutePublic, RouteAuth}[r.IntN(3)], Pattern: p})
	}
	return rules
}

// randomPath returns a clean path of one to five segments, maybe with a
// trailing slash.
func randomPath(r *rand.Rand) string {
	segs := []string{"a", "b", "x-1", "ab", "c", "cd", "bb", "x"}
	k := 1 + r.IntN(5)
	parts := make([]string, k)
	for i := range parts {
		parts[i] = segs[r.IntN(len(segs))]
	}
	p := "/" + strings.Join(parts, "/")
	if r.IntN(5) == 0 {
		p += "/"
	}
	return p
}

// TestRouterIndexAgreesWithScan compiles random rule sets and checks, on
// random paths, that the indexed match picks the rule a scan of every
// rule picks.
func TestRouterIndexAgreesWithScan(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 14))
	tables, checked := 0, 0
	for range 400 {
		rules := randomRules(r, 1+r.IntN(40))
		// Drop the rules compileRules refuses (conflicts, duplicates).
		var ok []Rule
		for _, rule := range rules {
			if _, err := compileRules(append(ok, rule)); err == nil {
				ok = append(ok, rule)
			}
		}
		rt, err := compileRules(ok)
		if err != nil {
			t.Fatal(err)
		}
		tables++
		for range 100 {
			p := randomPath(r)
			checked++
			if got, want := rt.matchCandidate(p), scanMatch(rt, p); got != want {
				t.Fatalf("rules %q, path %q: got rule %d (lit %d), want %d (lit %d)", patterns(ok), p, got.idx, got.lit, want.idx, want.lit)
			}
		}
	}
	t.Logf("%d rule sets, %d paths", tables, checked)
}

func patterns(rules []Rule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.Pattern
	}
	return out
}

func TestIndexGlob(t *testing.T) {
	tests := []struct {
		pattern string
		exact   bool
		want    globKey
		ok      bool
	}{
		{"/g5/*/edit", true, globKey{0, "g5"}, true},
		{"/*/x-5/edit", true, globKey{1, "x-5"}, true},
		{"/*/?/x", true, globKey{2, "x"}, true},
		{"/**/y-5", true, globKey{-1, "y-5"}, true},
		{"/**/y-5/*", true, globKey{-2, "y-5"}, true},
		{"/a*/**", true, globKey{}, false},
		{"/[ab]/x", true, globKey{-1, "x"}, true}, // a class may match "/": not from the start
		{"/{a,b}/x/**", true, globKey{}, false},
		{"/*/x/*", false, globKey{1, "x"}, true}, // "/*/x/*": /*/x and everything below
		{"/**/x/*", false, globKey{}, false},
		{"/*/x*", false, globKey{}, false}, // the last segment is "any suffix"
		{"/\\*/x", true, globKey{-1, "x"}, true},
	}
	for _, tt := range tests {
		got, ok := indexGlob(tt.pattern, tt.exact)
		if got != tt.want || ok != tt.ok {
			t.Errorf("indexGlob(%q, %v): got %+v, %v, want %+v, %v", tt.pattern, tt.exact, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSegmentAt(t *testing.T) {
	tests := []struct {
		p    string
		pos  int
		want string
		ok   bool
	}{
		{"/a/b/c", 0, "a", true},
		{"/a/b/c", 2, "c", true},
		{"/a/b/c", 3, "", false},
		{"/a/b/c", -1, "c", true},
		{"/a/b/c", -3, "a", true},
		{"/a/b/c", -4, "", false},
		{"/a/b/", 2, "", true},
		{"/a/b/", -1, "", true},
		{"/", 0, "", true},
		{"/", -1, "", true},
		{"/", -2, "", false},
	}
	for _, tt := range tests {
		got, ok := segmentAt(tt.p, tt.pos)
		if got != tt.want || ok != tt.ok {
			t.Errorf("segmentAt(%q, %d): got %q, %v, want %q, %v", tt.p, tt.pos, got, ok, tt.want, tt.ok)
		}
	}
}

// TestRouteMatchFlat checks that matching stays flat for every pattern
// shape, leading wildcards included: the number of glob matches tried for
// a path does not grow with the number of rules of that shape.
func TestRouteMatchFlat(t *testing.T) {
	shapes := map[string]func(i int) string{
		"literal first segment": func(i int) string { return fmt.Sprintf("/g%d/*/edit", i) },
		"leading wildcard":      func(i int) string { return fmt.Sprintf("/*/x-%d/edit", i) },
		"leading globstar":      func(i int) string { return fmt.Sprintf("/**/y-%d", i) },
		"below a wildcard":      func(i int) string { return fmt.Sprintf("/*/z-%d/*", i) },
	}
	for name, pattern := range shapes {
		rules := make([]Rule, 1000)
		for i := range rules {
			rules[i] = Hybrid(pattern(i))
		}
		rt := mustRouter(t, rules...)
		if len(rt.globs) != 0 {
			t.Errorf("%s: %d of 1,000 globs not indexed, want 0", name, len(rt.globs))
		}
		for k, l := range rt.globsAt {
			if len(l) != 1 {
				t.Errorf("%s: %d globs under %+v, want 1", name, len(l), k)
			}
		}
	}
}
