package authsession

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// This file is the guard's judgement of a router's route, as opposed to a
// request path (guard_classify.go): the router picks a route, a pattern with
// parameters and prefixes, and every path that route serves reaches the
// same handler. So the guard judges the route as a whole: its fixed part
// (the pattern before a trailing wildcard), with each parameter standing
// for every value the rules tell apart, adds its Auth rules to the
// request path's own verdict.
//
// Patterns are written in ServeMux's syntax, which adapters translate
// their router's patterns into: "[METHOD ][HOST]/path", where a segment
// "{name}" takes one segment of any value, a last segment "{name...}" (or
// a pattern ending in "/") takes the rest of the path, and "{$}" ends a
// pattern after its trailing slash. One extension, which ServeMux's own
// patterns cannot contain: a last segment "text{...}" (or
// "text{name...}") takes every path whose segment there starts with text,
// as gorilla/mux's PathPrefix("/admin") and chi's "/admin*" do.

// routeSeg is one segment of a route's fixed part.
type routeSeg struct {
	lit   string // the literal segment, when not param
	param bool   // "{name}": any one segment
}

// routeShape is a parsed route pattern.
type routeShape struct {
	segs []routeSeg
	// tail: the route serves every path that continues with prefix
	// after segs ("/files/{rest...}" is segs [files], prefix ""; the
	// gorilla PathPrefix "/admin" is no segs, prefix "admin").
	tail   bool
	prefix string
}

// parseRoute parses a pattern in the syntax above. It reports false for a
// pattern it cannot read (the guard then judges the path alone, as for
// an unknown route).
func parseRoute(pattern string) (routeShape, bool) {
	i := strings.IndexByte(pattern, '/')
	if i < 0 {
		return routeShape{}, false
	}
	p := pattern[i:] // drop "METHOD " and a host
	var sh routeShape
	segs := strings.Split(p[1:], "/")
	for n, seg := range segs {
		last := n == len(segs)-1
		switch {
		case last && seg == "{$}":
			sh.segs = append(sh.segs, routeSeg{lit: ""})
		case last && seg == "":
			// "/x/" is ServeMux's "/x/" and everything below; "/" alone is
			// the catch-all.
			sh.tail = true
		case last && strings.HasSuffix(seg, "...}") && strings.IndexByte(seg, '{') >= 0:
			sh.tail, sh.prefix = true, seg[:strings.IndexByte(seg, '{')]
		case strings.ContainsAny(seg, "{}"):
			// "{name}", and gorilla's "{a}-{b}" or "x{y}": any one segment
			// (the router's own matching keeps only the values it takes).
			sh.segs = append(sh.segs, routeSeg{param: true})
		default:
			lit, err := url.PathUnescape(seg)
			if err != nil {
				return routeShape{}, false
			}
			sh.segs = append(sh.segs, routeSeg{lit: lit})
		}
	}
	return sh, true
}

// hasFixedPart reports whether the route has something before its tail to
// judge. A catch-all ("/", "/{path...}", chi's "/*") has none: each path
// it serves is judged as itself.
func (sh routeShape) hasFixedPart() bool { return len(sh.segs) > 0 || sh.prefix != "" }

// params counts the parameter segments.
func (sh routeShape) params() int {
	n := 0
	for _, s := range sh.segs {
		if s.param {
			n++
		}
	}
	return n
}

// spell writes the route's fixed part with vals in its parameters: judged
// is the path the rules judge, served a path the route serves (with the
// slash a segment-boundary tail needs).
func (sh routeShape) spell(vals []string) (judged, served string) {
	var b strings.Builder
	k := 0
	for _, s := range sh.segs {
		b.WriteByte('/')
		if s.param {
			b.WriteString(vals[k])
			k++
		} else {
			b.WriteString(s.lit)
		}
	}
	switch {
	case sh.tail && sh.prefix != "":
		b.WriteByte('/')
		b.WriteString(sh.prefix)
	case b.Len() == 0:
		b.WriteByte('/')
	}
	judged = b.String()
	served = judged
	if sh.tail && sh.prefix == "" && judged != "/" {
		served += "/"
	}
	return judged, served
}

// maxCandidates bounds the paths tried for one route: a route with many
// parameters is judged with one parameter varied at a time beyond it.
const maxCandidates = 1 << 12

// routeVerdict is the judgement of one route: the Auth rules of the paths
// its fixed part can spell. It is immutable once built.
type routeVerdict struct {
	auth     []Rule // distinct Auth rules; Rule{Type: RouteAuth} for the default
	catchAll bool   // no fixed part: each path is judged as itself
}

// judgeRoute judges the route of pattern. ask, if not nil, tells which
// route the router serves a request with: candidate paths that it routes
// elsewhere are left out. base is the request that the route serves
// (method, host and headers for ask).
func (t *routeTable) judgeRoute(pattern string, base *http.Request, ask func(*http.Request) string) *routeVerdict {
	sh, ok := parseRoute(pattern)
	if !ok {
		return nil
	}
	if !sh.hasFixedPart() {
		return &routeVerdict{catchAll: true}
	}
	rv := &routeVerdict{}
	values := t.paramValues(sh)
	t.eachCandidate(sh, values, func(vals []string) {
		judged, served := sh.spell(vals)
		if ask != nil && sh.params() > 0 && !routesTo(base, served, pattern, ask) {
			return
		}
		v := t.classifyPath(judged, false)
		if v.act != actionNext {
			return
		}
		rv.addAuth(v.rule)
		for _, alt := range v.alts[:v.nalts] {
			rv.addAuth(alt)
		}
	})
	return rv
}

func (rv *routeVerdict) addAuth(r Rule) {
	if r.Type == RouteAuth && !slices.Contains(rv.auth, r) {
		rv.auth = append(rv.auth, r)
	}
}

// routesTo reports whether ask routes a request like base for path p to
// pattern.
func routesTo(base *http.Request, p, pattern string, ask func(*http.Request) string) bool {
	r := &http.Request{
		Method:     base.Method,
		Host:       base.Host,
		URL:        &url.URL{Path: p},
		Header:     base.Header,
		Proto:      base.Proto,
		ProtoMajor: base.ProtoMajor,
		ProtoMinor: base.ProtoMinor,
		RemoteAddr: base.RemoteAddr,
		RequestURI: p,
	}
	r = r.WithContext(base.Context())
	return ask(r) == pattern
}

// eachCandidate calls f with every combination of values for the
// parameters (values[k] for the k-th), or, beyond maxCandidates
// combinations, with each parameter's values while the others keep their
// first value.
func (t *routeTable) eachCandidate(sh routeShape, values [][]string, f func([]string)) {
	n := 1
	for _, v := range values {
		n *= len(v)
		if n > maxCandidates {
			break
		}
	}
	vals := make([]string, len(values))
	if n > maxCandidates {
		for k := range values {
			for i := range vals {
				vals[i] = values[i][0]
			}
			for _, v := range values[k] {
				vals[k] = v
				f(vals)
			}
		}
		return
	}
	var rec func(k int)
	rec = func(k int) {
		if k == len(values) {
			f(vals)
			return
		}
		for _, v := range values[k] {
			vals[k] = v
			rec(k + 1)
		}
	}
	rec(0)
}

// paramValues returns, for each parameter of sh, the values the rules
// tell apart: a value no rule names first, then the configured locales
// (for a first segment), then every segment that a rule names at that
// position or, after a locale, one position earlier, glob segments as an
// instance they match.
func (t *routeTable) paramValues(sh routeShape) [][]string {
	var out [][]string
	for pos, s := range sh.segs {
		if !s.param {
			continue
		}
		vals := []string{t.fresh(pos)}
		if pos == 0 {
			vals = append(vals, t.locales...)
		}
		for _, segs := range t.rt.segs {
			for _, at := range []int{pos, pos - 1} {
				if at < 0 || at >= len(segs) || at == pos-1 && len(t.locales) == 0 {
					continue
				}
				for _, v := range segs[at] {
					if v != "" && !slices.Contains(vals, v) {
						vals = append(vals, v)
					}
				}
			}
		}
		out = append(out, vals)
	}
	return out
}

// fresh returns a segment value that no rule names at pos or pos-1.
func (t *routeTable) fresh(pos int) string {
	v := "zz"
	for t.named(v, pos) {
		v += "z"
	}
	return v
}

func (t *routeTable) named(v string, pos int) bool {
	for _, segs := range t.rt.segs {
		for _, at := range []int{pos, pos - 1} {
			if at >= 0 && at < len(segs) && slices.Contains(segs[at], v) {
				return true
			}
		}
	}
	return slices.Contains(t.locales, v)
}

// ruleSegments returns, for each rule, the values of each of its
// segments: the literal, or for a glob segment instances it matches.
// A "**" segment matches any number of segments, so the rule's later
// segments may appear at any later position: they are listed at each.
func ruleSegments(rules []Rule) [][][]string {
	var out [][][]string
	for _, r := range rules {
		p, err := normalizePattern(r.Pattern)
		if err != nil || p == "/" {
			continue
		}
		raw := strings.Split(p[1:], "/")
		segs := make([][]string, len(raw))
		for i, seg := range raw {
			segs[i] = globInstances(seg)
		}
		for i, seg := range raw {
			if strings.Contains(seg, "**") {
				// Spread the later segments' values over every later
				// position, up to a bound on the depth a path reaches.
				var later []string
				for _, s := range segs[i+1:] {
					later = append(later, s...)
				}
				for len(segs) < len(raw)+8 {
					segs = append(segs, nil)
				}
				for j := i; j < len(segs); j++ {
					segs[j] = append(segs[j], later...)
				}
				break
			}
		}
		out = append(out, segs)
	}
	return out
}

// globInstances returns segment values that glob segment seg matches: the
// segment itself when it has no glob syntax; else one instance per
// alternative of each "{a,b}", with "*" and "?" as "x", a class as a
// character it accepts and an escape as the character it escapes. The
// instances need not be complete: the request's own path is always
// judged too; they stand for the values a rule names.
func globInstances(seg string) []string {
	out := []string{""}
	for i := 0; i < len(seg); i++ {
		var add []string
		switch c := seg[i]; c {
		case '*', '?':
			for i+1 < len(seg) && seg[i+1] == '*' {
				i++
			}
			add = []string{"x"}
		case '\\':
			if i+1 < len(seg) {
				i++
			}
			add = []string{seg[i : i+1]}
		case '[':
			end := strings.IndexByte(seg[i:], ']')
			if end < 0 {
				return nil
			}
			add = []string{classInstance(seg[i+1 : i+end])}
			i += end
		case '{':
			end := strings.IndexByte(seg[i:], '}')
			if end < 0 {
				return nil
			}
			add = strings.Split(seg[i+1:i+end], ",")
			i += end
		default:
			add = []string{seg[i : i+1]}
		}
		next := make([]string, 0, len(out)*len(add))
		for _, o := range out {
			for _, a := range add {
				next = append(next, o+a)
			}
		}
		if len(next) > 64 {
			next = next[:64]
		}
		out = next
	}
	return out
}

// classInstance returns a character that the glob class body cls (the
// text between "[" and "]") accepts.
func classInstance(cls string) string {
	if neg, ok := strings.CutPrefix(cls, "!"); ok {
		for _, c := range "xyz0_-aA" {
			if !classHas(neg, byte(c)) {
				return string(c)
			}
		}
		return "~"
	}
	if cls == "" {
		return "x"
	}
	return cls[:1]
}

// classHas reports whether the class body cls names c, alone or in a range.
func classHas(cls string, c byte) bool {
	for i := 0; i < len(cls); i++ {
		if i+2 < len(cls) && cls[i+1] == '-' {
			if cls[i] <= c && c <= cls[i+2] {
				return true
			}
			i += 2
			continue
		}
		if cls[i] == c {
			return true
		}
	}
	return false
}
