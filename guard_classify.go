package authsession

import (
	"path"
	"slices"
	"strings"
)

// This file is the guard's judgement of a request path, before any
// session is read: which paths are refused or redirected to their
// canonical form, and which rules apply to the others. It is pure (no
// HTTP) and allocates nothing for a canonical path.

// action is what the guard does with a request.
type action uint8

const (
	actionNext      action = iota // serve the next handler
	actionLogin                   // no session on an auth route: login redirect or 401
	actionHome                    // session on a public route: callbackUrl/home redirect or 403
	actionClean                   // non-canonical path: redirect to its canonical form
	actionReject                  // ambiguous path: 400
	actionForbidden               // session that fails an AuthWhere check: 403
	actionAPI                     // the session API: served whatever the rules say
)

// verdict is the guard's judgement of a path, before the session is known.
type verdict struct {
	act       action // actionNext (judged), actionAPI, actionClean or actionReject
	canonical string // actionClean: where to go (decoded; the redirect encodes it)
	locale    string // the stripped locale prefix, or ""
	path      string // the judged path: cleaned, decoded, no locale or trailing slash
	rule      Rule   // the deciding rule, or the default type with no pattern
	// alts are the other rules the path falls under when a router could
	// read it another way (a trailing slash kept, a first segment taken
	// as a language): their AuthWhere checks and Authorize hooks apply
	// too.
	alts  [3]Rule
	nalts uint8
	// route is the judgement of the route the router serves the path
	// with, when the guard knows it: its Auth rules apply too.
	route *routeVerdict
}

// decide is the guard's decision for a judged path from the route type
// alone: pure, no HTTP. AuthWhere checks come on top (guard.decide).
func (v verdict) decide(authenticated bool) action {
	if v.act != actionNext {
		return v.act
	}
	auth := v.needsSession()
	switch {
	case auth && !authenticated:
		return actionLogin
	case !auth && v.rule.Type == RoutePublic && authenticated:
		return actionHome
	}
	return actionNext
}

// needsSession reports whether a reading of the path or the route serving
// it has an Auth rule.
func (v *verdict) needsSession() bool {
	return v.rule.Type == RouteAuth || v.route != nil && len(v.route.auth) > 0
}

// add records rule, the verdict of one reading of the path (judged as p):
// an Auth rule takes the lead from a rule of another type, the others are
// kept in alts.
func (v *verdict) add(rule Rule, p string) {
	if rule == v.rule || slices.Contains(v.alts[:v.nalts], rule) {
		return
	}
	if rule.Type == RouteAuth && v.rule.Type != RouteAuth {
		rule, v.rule = v.rule, rule
		v.path = p
	}
	v.alts[v.nalts] = rule
	v.nalts++
}

// routeTable judges paths: compiled rules, default type, locales and the
// session API's path. It is immutable and safe for concurrent use.
type routeTable struct {
	rt      *router
	def     RouteType
	locales []string
	api     string // Config.APIPath
}

// rule returns the rule at index i, or the default type with no pattern.
func (t *routeTable) rule(c candidate) Rule {
	if c.idx < 0 {
		return Rule{Type: t.def}
	}
	return t.rt.rules[c.idx]
}

// classify judges a request path. p is the decoded path (r.URL.Path) and
// raw its encoding when that is not the canonical one (r.URL.RawPath).
//
// One path: a router after the guard must route on exactly the path the
// guard judged. Paths a router could split differently are refused:
// encoded "/" (a router working on the raw path sees other segments),
// backslashes in any form and control characters. Every other path that
// is not in canonical form — empty, "." or ".." segments, or a raw form
// that decodes to something else (an encoded letter, lower-case hex, any
// percent-encoding other than the canonical one) — is sent to its
// canonical form and judged there. So what passes has a RawPath that is
// empty or identical to Path (net/http keeps characters such as "(" or
// raw non-ASCII bytes in RawPath, unescaped), and every router (ServeMux
// on the escaped path, chi on RawPath or Path, a chi sub-router on the
// routing path its parent computed) reads the judged path.
//
// classify is read with guess set: the guard does not know the route
// the router serves (see judgePath).
func (t *routeTable) classify(p, raw string) verdict { return t.classifyAs(p, raw, true) }

// classifyAs is classify with guess selecting judgePath's readings.
func (t *routeTable) classifyAs(p, raw string, guess bool) verdict {
	var v verdict
	if t.screen(p, raw, &v); v.act != actionNext {
		return v
	}
	if p == "" {
		p = "/"
	}
	t.judgePath(p, guess, &v)
	return v
}

// screen is classify's first half: the refused and unclean paths and the
// session API, with their action; actionNext for a path to judge. It
// sets v (a zero verdict) in place: a verdict is a few hundred bytes,
// and the guard judges every request.
func (t *routeTable) screen(p, raw string, v *verdict) {
	if p == "" {
		p = "/"
	}
	switch {
	case p[0] != '/' || hasControlOrBackslash(p) || hasEncodedSeparator(raw):
		v.act = actionReject
	case raw != "" && raw != p || !isCleanPath(p):
		v.act, v.canonical = actionClean, cleanPath(p)
	case t.isAPI(p):
		v.act, v.path = actionAPI, p
	}
}

// judgePath judges a clean path by the rules into v (a zero verdict), a
// configured locale stripped first.
//
// Two readings: a path with a trailing slash is judged with and without
// it. With guess, when the guard does not know which route serves the
// path (a router it cannot ask, or a catch-all that hands the path to
// one), a first segment shaped like a language tag that is not one of
// Config.Locales (fr, EN, en-US, but also js, faq) is also judged as a
// language parameter a router strips. An Auth verdict from any reading
// wins, and every reading's Auth rule is kept (its AuthWhere check
// applies). When the rule deciding the literal reading names that
// segment (Hybrid("/js/*")), the other reading contributes only the
// rules it matches, not the default type.
func (t *routeTable) judgePath(p string, guess bool, v *verdict) {
	seg, rest := firstSegment(p)
	if len(t.locales) > 0 && seg != "" && slices.Contains(t.locales, seg) {
		v.locale, p = seg, rest
		seg, rest = firstSegment(p)
	}
	v.path = trimSlash(p)
	lit := t.rt.matchCandidate(v.path)
	v.rule = t.rule(lit)
	if p != v.path { // a router may keep the trailing slash: "/x/" is below "/x"
		v.add(t.rule(t.rt.matchCandidate(p)), v.path)
	}
	if guess && isLanguageTag(seg) {
		// A router with a {lang} parameter serves p as rest. When the rule
		// that decided the literal reading names seg ("/js/*", "/faq"),
		// only the rules of this reading count, not the default type: a
		// rule that names the segment is more specific than no rule.
		named := lit.idx >= 0 && lit.lit >= 1+len(seg)
		judged := trimSlash(rest)
		t.addReading(v, judged, judged, named)
		if rest != judged {
			t.addReading(v, rest, judged, named)
		}
	}
}

// classifyPath judges a path that the guard spells itself (a route's
// candidate): refused or unclean spellings and the session API come back
// with their action, like a request's.
func (t *routeTable) classifyPath(p string, guess bool) verdict { return t.classifyAs(p, "", guess) }

// addReading adds to v the rule matching p, judged as judged, unless no
// rule matches and ruleOnly is set.
func (t *routeTable) addReading(v *verdict, p, judged string, ruleOnly bool) {
	c := t.rt.matchCandidate(p)
	if c.idx < 0 && ruleOnly {
		return
	}
	v.add(t.rule(c), judged)
}

// checkLocaleRules refuses, at NextAuthSession, a rule whose first
// segment is one of locales: the guard strips a locale before matching,
// so such a rule never matches, and the paths it names are judged as
// something else.
func checkLocaleRules(rules []Rule, locales []string) error {
	for i, r := range rules {
		if seg, _ := firstSegment(r.Pattern); slices.Contains(locales, seg) {
			return ruleError(i, r.Pattern, "starts with the configured locale %q, which the guard strips before matching: this rule never matches, and /%[1]s/… is judged as /…; rules apply under every locale, so write the pattern without it (or rename the area, if %[1]q is not meant as a locale)", seg)
		}
	}
	return nil
}

// isAPI reports whether p is the session API or one of its files: served
// whatever the rules say (the API does its own checks).
func (t *routeTable) isAPI(p string) bool {
	rest, ok := strings.CutPrefix(p, t.api)
	if !ok || t.api == "" {
		return false
	}
	switch rest {
	case "", "/", "/client.js", "/client.d.ts":
		return true
	}
	return false
}

// firstSegment splits "/seg/rest" into "seg" and "/rest" ("/" when there
// is no rest).
func firstSegment(p string) (seg, rest string) {
	end := strings.IndexByte(p[1:], '/') + 1
	if end == 0 {
		return p[1:], "/"
	}
	return p[1:end], p[end:]
}

// trimSlash removes one trailing slash, except from "/".
func trimSlash(p string) string {
	if len(p) > 1 && p[len(p)-1] == '/' {
		return p[:len(p)-1]
	}
	return p
}

// isLanguageTag reports whether seg is shaped like a BCP 47 language tag
// as URLs spell them: two or three ASCII letters of any case, then any
// number of "-" or "_" subtags of one to eight letters or digits (fr,
// EN, en-US, zh-Hant-TW, es-419, pt_BR).
func isLanguageTag(seg string) bool {
	n := 0
	for n < len(seg) && isASCIILetter(seg[n]) {
		n++
	}
	if n < 2 || n > 3 {
		return false
	}
	for i := n; i < len(seg); {
		if seg[i] != '-' && seg[i] != '_' {
			return false
		}
		j := i + 1
		for j < len(seg) && (isASCIILetter(seg[j]) || seg[j] >= '0' && seg[j] <= '9') {
			j++
		}
		if j-i-1 < 1 || j-i-1 > 8 {
			return false
		}
		i = j
	}
	return true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// hasControlOrBackslash: some proxies and servers read "\" as "/".
func hasControlOrBackslash(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\' {
			return true
		}
	}
	return false
}

// hasEncodedSeparator reports whether raw contains %2F or %5C in any case.
func hasEncodedSeparator(raw string) bool {
	for i := strings.IndexByte(raw, '%'); i >= 0 && i+2 < len(raw); {
		switch raw[i+1] {
		case '2':
			if raw[i+2] == 'f' || raw[i+2] == 'F' {
				return true
			}
		case '5':
			if raw[i+2] == 'c' || raw[i+2] == 'C' {
				return true
			}
		}
		j := strings.IndexByte(raw[i+1:], '%')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}

// cleanPath is net/http's canonical form: path.Clean, keeping a trailing
// slash.
func cleanPath(p string) string {
	c := path.Clean(p)
	if c != "/" && strings.HasSuffix(p, "/") {
		c += "/"
	}
	return c
}
