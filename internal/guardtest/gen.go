package guardtest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Gen generates request targets from clean base paths: every single-byte
// percent-encoding of each base (upper- and lower-case hex), each base
// under each prefix, and random combinations of path tricks.
type Gen struct {
	// Bases are clean paths the site serves, such as "/files/public/x".
	Bases []string
	// Prefixes are first segments put in front of a base: configured
	// locales, other language tags ("fr", "EN", "en-US"), other words.
	Prefixes []string
}

// Targets returns the deterministic targets: the exhaustive ones, then n
// random ones drawn with seed.
func (g Gen) Targets(seed uint64, n int) []string {
	var out []string
	for _, b := range g.Bases {
		out = append(out, b, b+"/")
		for i := 1; i < len(b); i++ {
			out = append(out, b[:i]+fmt.Sprintf("%%%02X", b[i])+b[i+1:], b[:i]+fmt.Sprintf("%%%02x", b[i])+b[i+1:])
		}
		for _, p := range g.Prefixes {
			out = append(out, "/"+p+b, "/"+p+b+"/")
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for range n {
		out = append(out, g.Mutate(rng))
	}
	return out
}

// Mutate returns one random target: a base with one to four tricks.
func (g Gen) Mutate(rng *rand.Rand) string {
	p := g.Bases[rng.IntN(len(g.Bases))]
	for range 1 + rng.IntN(4) {
		p = g.trick(rng, p)
	}
	return p
}

// nonASCII are letters and separators a router might fold or a decoder
// might mangle: fullwidth, dotted, Kelvin sign, zero-width space, an
// overlong "/", raw and percent-encoded.
var nonASCII = []string{
	"ｄ", "%EF%BD%84", "é", "%C3%A9", "%c3%a9", "İ", "ı", "\u212a", "%E2%84%AA",
	"%E2%80%8B", "\u200b", "%C0%AF", "%c0%af", "%E2%88%95", "∕", "%EF%BC%8F", "／",
}

// hostile are fragments a client can put in a request line.
var hostile = []string{
	"%00", "%0a", "%0D", "%09", "%7f", "%ff", "%FF", "%5c", "%5C", `\`, "%2f", "%2F",
	"%252F", "%252e", "%25", "%", "%zz", "%2", "#frag", "?", "%3F", "%23", ";", ";x=1",
	"%20", "+", "&", "*", "~", "..", ".", "%2e", "%2E", "%2e%2e", "%2E%2e",
	"(", ")", "!", "'", "%28", "%29", "$", ",", ":", "@", "[", "]",
}

func (g Gen) trick(rng *rand.Rand, p string) string {
	q := ""
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p, q = p[:i], p[i:]
	}
	switch rng.IntN(12) {
	case 0, 1: // percent-encode one byte, either case
		if len(p) > 1 {
			i := 1 + rng.IntN(len(p)-1)
			f := "%%%02X"
			if rng.IntN(2) == 0 {
				f = "%%%02x"
			}
			p = p[:i] + fmt.Sprintf(f, p[i]) + p[i+1:]
		}
	case 2: // a dot segment at a slash
		dots := []string{"/.", "/..", "/x/..", "/%2e", "/%2E%2e/x", "/./", "/.%2e", "/%2e."}
		i := slashAt(rng, p)
		p = p[:i] + dots[rng.IntN(len(dots))] + p[i:]
	case 3: // a doubled slash
		i := slashAt(rng, p)
		p = p[:i] + "/" + p[i:]
	case 4: // a trailing slash, added or removed
		if strings.HasSuffix(p, "/") && len(p) > 1 {
			p = p[:len(p)-1]
		} else {
			p += "/"
		}
	case 5, 6: // a first segment
		if len(g.Prefixes) > 0 {
			p = "/" + g.Prefixes[rng.IntN(len(g.Prefixes))] + p
		}
	case 7: // a non-ASCII letter or separator
		i := 1 + rng.IntN(len(p))
		if i > len(p) {
			i = len(p)
		}
		p = p[:i] + nonASCII[rng.IntN(len(nonASCII))] + p[i:]
	case 8: // flip the case of a letter
		if i := rng.IntN(len(p)); p[i] >= 'a' && p[i] <= 'z' {
			p = p[:i] + string(p[i]-32) + p[i+1:]
		}
	case 9: // a query
		qs := []string{"?x=1", "?callbackUrl=%2Fdashboard", "?a=%2F..%2F", "?", "?x=/../admin"}
		q = qs[rng.IntN(len(qs))]
	case 10: // a hostile fragment
		i := 1 + rng.IntN(len(p))
		if i > len(p) {
			i = len(p)
		}
		p = p[:i] + hostile[rng.IntN(len(hostile))] + p[i:]
	case 11: // absolute form
		if rng.IntN(2) == 0 {
			p = "http://example.test" + p
		}
	}
	return p + q
}

// slashAt returns the index of a random "/" in p (p starts with one).
func slashAt(rng *rand.Rand, p string) int {
	var at []int
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return 0
	}
	return at[rng.IntN(len(at))]
}
