package authsession

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gobwas/glob"
)

// RouteType says who may visit a route. Its values are their names, so
// rules read from a configuration file are a conversion
// (RouteType("auth")); NextAuthSession refuses any other name.
type RouteType string

// Route types. The zero value "" means "unset" and selects the default.
const (
	// RouteHybrid routes take everyone, with no redirects.
	RouteHybrid RouteType = "hybrid"
	// RoutePublic routes are for visitors without a session; signed-in
	// users are sent to the home path, except for unsafe methods (a
	// sign-in form's POST), which reach the handler: switching accounts.
	RoutePublic RouteType = "public"
	// RouteAuth routes need a session; others go to the login path.
	RouteAuth RouteType = "auth"
)

func (t RouteType) valid() bool { return t == RouteHybrid || t == RoutePublic || t == RouteAuth }

// Rule applies a route type to the paths matching Pattern.
//
// Pattern forms (all match the cleaned, percent-decoded path with any
// locale prefix and trailing slash removed):
//
//   - "/login" (no wildcard): exactly /login (and /login/, which the guard
//     also judges as a path below /login, as routers read it).
//   - "/dashboard/*": /dashboard and everything below it.
//   - "/blog*": every path that starts with /blog (/blog, /blogs, /blog/x).
//   - anything else with *, ?, [...] or {a,b} is a glob compiled with
//     github.com/gobwas/glob: "*" and "?" stay within one segment, "**"
//     crosses segments; a trailing "/*" still means "and everything below",
//     a trailing "*" still means "any suffix".
//
// Patterns must start with "/" and contain no empty, "." or ".." segments
// (a cleaned path never does); a trailing "/" is ignored. Two rules that
// match the same paths ("/x" and "/x/", "/x/*" and "/x/**") are a
// configuration error. Rule values are comparable with ==.
type Rule struct {
	Type    RouteType
	Pattern string

	req *requirement // AuthWhere's check, or nil
}

// Public returns a rule for visitors without a session, such as the
// sign-in page: a signed-in visitor's GET or HEAD is redirected home (or
// to a local callbackUrl), while a POST (or any unsafe method) reaches the
// handler, so a signed-in user can sign in as someone else.
func Public(pattern string) Rule { return Rule{Type: RoutePublic, Pattern: pattern} }

// Auth returns a rule for signed-in visitors only.
func Auth(pattern string) Rule { return Rule{Type: RouteAuth, Pattern: pattern} }

// Hybrid returns a rule open to everyone.
func Hybrid(pattern string) Rule { return Rule{Type: RouteHybrid, Pattern: pattern} }

// globRule is a pattern that needs glob matching.
type globRule struct {
	idx    int    // declaration order
	lit    int    // length of the literal prefix, for precedence
	prefix string // the literal prefix: a cheap pre-filter
	g      *glob.Pattern
	below  *glob.Pattern // for a trailing "/*": the paths below the base
}

func (gr *globRule) match(p string) bool {
	if !strings.HasPrefix(p, gr.prefix) {
		return false
	}
	return gr.g.Match(p) || gr.below != nil && gr.below.Match(p)
}

// router is the compiled rule set. It is immutable after compileRules and
// safe for concurrent use. Matching costs one map lookup for exact rules,
// one per path segment for subtree rules, one per distinct prefix length for
// prefix rules, and for globs one lookup per distinct index position (see
// globKey) and a glob match only for the globs whose literal segment the
// path has at that position: the cost does not grow with the number of
// rules, except for globs without a literal segment at a fixed position
// ("/**/a*b"), which are tried in turn.
type router struct {
	rules      []Rule
	exact      map[string]int // "/login" -> rule index
	subtree    map[string]int // "/dashboard/*" is stored as "/dashboard"
	subLens    lenSet         // the lengths of subtree's keys: skips useless lookups
	prefix     map[string]int // "/blog*" is stored as "/blog"
	prefixLens []int          // distinct keys' lengths of prefix, longest first
	globsAt    map[globKey][]*globRule
	globPos    []int       // the distinct positions of globsAt's keys
	globs      []*globRule // globs without a literal segment at a fixed position
	// segs are the values each rule names at each segment position
	// (ruleSegments): the parameter values a route is judged with.
	segs [][][]string
}

// globKey indexes a glob by one literal segment at a fixed position: pos
// counts segments from the start (0 is the first) or, when negative, from
// the end (-1 is the last). Every path the glob matches has seg there.
type globKey struct {
	pos int
	seg string
}

// candidate is a matching rule and its precedence.
type candidate struct {
	idx int // -1: none
	lit int
}

func (c candidate) beats(o candidate) bool {
	return o.idx < 0 || c.lit > o.lit || c.lit == o.lit && c.idx < o.idx
}

// ruleError is a configuration error naming Routes[i] and its pattern:
// "authsession: invalid configuration: Routes[2] "/x": …".
func ruleError(i int, pattern string, format string, args ...any) error {
	return configError(fmt.Sprintf("Routes[%d] %q", i, pattern), format, args...)
}

// compileRules validates and compiles rules once. Besides bad patterns it
// refuses two rules for the same paths: a duplicate, or a conflict when
// their types or checks differ.
func compileRules(rules []Rule) (*router, error) {
	rt := &router{
		rules:   slices.Clone(rules),
		exact:   map[string]int{},
		subtree: map[string]int{},
		prefix:  map[string]int{},
		globsAt: map[globKey][]*globRule{},
	}
	comp := glob.Compiler{Separators: []rune{'/'}, Globstar: true}
	seen := map[string]int{} // the paths a rule covers, in one key per form
	for i, r := range rules {
		if !r.Type.valid() {
			return nil, ruleError(i, r.Pattern, "unknown route type %q (want %q, %q or %q)", r.Type, RoutePublic, RouteAuth, RouteHybrid)
		}
		p, err := normalizePattern(r.Pattern)
		if err != nil {
			return nil, ruleError(i, r.Pattern, "%s", err)
		}
		m := strings.IndexAny(p, "*?[]{}\\")
		var key string
		switch {
		case m < 0:
			key = "exact " + p
			rt.exact[p] = i
		case m == len(p)-1 && strings.HasSuffix(p, "/*"):
			key = "subtree " + p[:len(p)-2]
			rt.subtree[p[:len(p)-2]] = i
			rt.subLens.add(len(p) - 2)
		case m == len(p)-2 && strings.HasSuffix(p, "/**"):
			key = "subtree " + p[:len(p)-3]
			rt.subtree[p[:len(p)-3]] = i
			rt.subLens.add(len(p) - 3)
		case m == len(p)-1 && p[m] == '*' || m == len(p)-2 && strings.HasSuffix(p, "**"):
			key = "prefix " + p[:m]
			rt.prefix[p[:m]] = i
			rt.prefixLens = append(rt.prefixLens, m)
		default:
			key = "glob " + p
			gr := &globRule{idx: i, lit: m, prefix: p[:m]}
			src := p
			if strings.HasSuffix(p, "/*") || strings.HasSuffix(p, "/**") {
				// "/users/*/posts/*": the base and everything below it.
				base := strings.TrimRight(p, "*")
				base = base[:len(base)-1]
				src = base
				if gr.below, err = comp.Compile(base + "/**"); err != nil {
					return nil, ruleError(i, r.Pattern, "%v", err)
				}
			} else if strings.HasSuffix(p, "*") && !strings.HasSuffix(p, "/*") && !strings.HasSuffix(p, "**") {
				src = p + "*" // a trailing "*" is "any suffix", as in "/blog*"
			}
			if gr.g, err = comp.Compile(src); err != nil {
				return nil, ruleError(i, r.Pattern, "%v", err)
			}
			if k, ok := indexGlob(p, src == p); ok {
				if len(rt.globsAt[k]) == 0 && !slices.Contains(rt.globPos, k.pos) {
					rt.globPos = append(rt.globPos, k.pos)
				}
				rt.globsAt[k] = append(rt.globsAt[k], gr)
			} else {
				rt.globs = append(rt.globs, gr)
			}
		}
		if j, dup := seen[key]; dup {
			return nil, sameRules(i, j, r, rules[j])
		}
		seen[key] = i
	}
	rt.sortIndexes()
	rt.segs = ruleSegments(rules)
	return rt, nil
}

// sortIndexes puts the prefix lengths longest first and every list of
// globs in precedence order, which matchCandidate relies on.
func (rt *router) sortIndexes() {
	slices.Sort(rt.prefixLens)
	rt.prefixLens = slices.Compact(rt.prefixLens)
	slices.Reverse(rt.prefixLens)
	byPrecedence := func(a, b *globRule) int {
		return cmp.Or(cmp.Compare(b.lit, a.lit), cmp.Compare(a.idx, b.idx))
	}
	slices.SortFunc(rt.globs, byPrecedence)
	for _, l := range rt.globsAt {
		slices.SortFunc(l, byPrecedence)
	}
	slices.Sort(rt.globPos)
}

// indexGlob returns the globKey of glob pattern p: its first literal
// segment among the leading segments that each match exactly one path
// segment, else, when the whole pattern is such segments from some point
// to its end (exact, not followed by an implicit "any suffix" or "and
// everything below"), its last literal segment among the trailing ones.
// A pattern with neither is not indexed.
func indexGlob(p string, exact bool) (globKey, bool) {
	segs := strings.Split(p[1:], "/")
	if !exact {
		// "/x/*" and "/x/**" cover everything below "/x"; "/x*" any
		// suffix: the last segment spans any number of path segments.
		segs = segs[:len(segs)-1]
	}
	for i, seg := range segs {
		if !oneSegment(seg) {
			break
		}
		if literalSegment(seg) {
			return globKey{i, seg}, true
		}
	}
	if exact {
		for i := len(segs) - 1; i >= 0 && oneSegment(segs[i]); i-- {
			if literalSegment(segs[i]) {
				return globKey{i - len(segs), segs[i]}, true
			}
		}
	}
	return globKey{}, false
}

// oneSegment reports whether the glob segment seg matches exactly one
// path segment: literal characters, "*" and "?", which gobwas/glob keeps
// within a segment. "**", classes ("[!a]" may match "/"), alternatives
// and escapes are not taken.
func oneSegment(seg string) bool {
	return !strings.Contains(seg, "**") && !strings.ContainsAny(seg, "[]{}\\")
}

// literalSegment reports whether seg has no glob syntax at all.
func literalSegment(seg string) bool { return !strings.ContainsAny(seg, "*?[]{}\\") }

// segmentAt returns the segment of path p at pos (globKey's positions),
// or false when p has no such segment.
func segmentAt(p string, pos int) (string, bool) {
	if pos >= 0 {
		rest := p[1:]
		for ; pos > 0; pos-- {
			i := strings.IndexByte(rest, '/')
			if i < 0 {
				return "", false
			}
			rest = rest[i+1:]
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[:i]
		}
		return rest, true
	}
	rest := p
	for ; pos < -1; pos++ {
		i := strings.LastIndexByte(rest, '/')
		if i <= 0 {
			return "", false
		}
		rest = rest[:i]
	}
	return rest[strings.LastIndexByte(rest, '/')+1:], true
}

// lenSet is a set of string lengths; lengths from 256 up share one bit.
type lenSet [5]uint64

func (s *lenSet) add(n int) {
	n = min(n, 256)
	s[n/64] |= 1 << (n % 64)
}

func (s *lenSet) has(n int) bool {
	n = min(n, 256)
	return s[n/64]&(1<<(n%64)) != 0
}

// sameRules is the error for Routes[i] matching the same paths as the
// earlier Routes[j].
func sameRules(i, j int, r, prev Rule) error {
	switch {
	case r.Type != prev.Type:
		return ruleError(i, r.Pattern, "conflicts with Routes[%d] %q: the same paths cannot be both %s and %s", j, prev.Pattern, prev.Type, r.Type)
	case r.req != prev.req:
		return ruleError(i, r.Pattern, "conflicts with Routes[%d] %q: the same paths with different checks; combine them in one AuthWhere", j, prev.Pattern)
	}
	return ruleError(i, r.Pattern, "duplicate of Routes[%d] %q: both match the same paths", j, prev.Pattern)
}

// normalizePattern checks a pattern and removes a trailing slash.
func normalizePattern(p string) (string, error) {
	if p == "" || p[0] != '/' {
		return "", errors.New(`must start with "/"`)
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f {
			return "", errors.New("contains a control character")
		}
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	if p != "/" && !isCleanPath(p) {
		return "", errors.New(`contains an empty, "." or ".." segment, which a cleaned path never has`)
	}
	return p, nil
}

// match returns the index of the most specific rule matching p, a cleaned
// path without locale prefix or trailing slash, or -1. It does not
// allocate.
func (rt *router) match(p string) int { return rt.matchCandidate(p).idx }

// matchCandidate is match with the length of the winning rule's literal
// prefix (the whole pattern for an exact rule). p may end in "/": then
// exact rules and globs without a trailing wildcard do not match it, as a
// router that keeps the slash reads it.
func (rt *router) matchCandidate(p string) candidate {
	if i, ok := rt.exact[p]; ok {
		return candidate{i, len(p)}
	}
	best := candidate{idx: -1}
	// Subtree rules: p itself, then each shorter prefix ending before a
	// "/"; the first hit is the longest.
	if len(rt.subtree) > 0 {
		end := len(p)
		for {
			if rt.subLens.has(end) {
				if i, ok := rt.subtree[p[:end]]; ok {
					best = candidate{i, end + 1}
					break
				}
			}
			end = strings.LastIndexByte(p[:end], '/')
			if end < 0 {
				break
			}
		}
	}
	for _, l := range rt.prefixLens {
		if l > len(p) {
			continue
		}
		if i, ok := rt.prefix[p[:l]]; ok {
			if c := (candidate{i, l}); c.beats(best) {
				best = c
			}
			break
		}
	}
	for _, pos := range rt.globPos {
		if seg, ok := segmentAt(p, pos); ok {
			best = matchGlobs(rt.globsAt[globKey{pos, seg}], p, best)
		}
	}
	return matchGlobs(rt.globs, p, best)
}

func matchGlobs(l []*globRule, p string, best candidate) candidate {
	for _, gr := range l {
		c := candidate{gr.idx, gr.lit}
		if !c.beats(best) {
			break // sorted by precedence: nothing further can win
		}
		if gr.match(p) {
			return c
		}
	}
	return best
}

// isCleanPath reports whether p (starting with "/") has no empty, "." or
// ".." segments, apart from one trailing slash. It does not allocate.
func isCleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	start := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		seg := p[start:i]
		switch {
		case seg == "." || seg == "..":
			return false
		case seg == "" && i < len(p):
			return false // "//"
		}
		start = i + 1
	}
	return true
}
