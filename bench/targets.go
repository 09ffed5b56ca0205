package bench

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/internal/benchdata"
	"github.com/authsession/authsession/internal/testenv"
)

// Result is one measured target: a ratio of two interleaved operations
// (Unit "x"), what A adds to B in the same loop (Unit "ns over"), a time
// (Unit "ns"), an allocation count (Unit "allocs") or a count of calls
// (Unit "calls": store calls or round trips per request).
type Result struct {
	ID     string // stable name, used by -run and in BENCHMARKS.md
	A, B   string // what was measured (B empty for a single operation)
	ANs    float64
	BNs    float64
	AAlloc float64 // allocations per call of A (-1: not measured)
	BAlloc float64
	Value  float64 // the figure compared with Target
	Lo, Hi float64 // interquartile range of a ratio over rounds
	Unit   string
	Target float64 // Value must be <= Target (< with Strict); 0: informational
	Strict bool
	Gate   bool // the smoke run fails when Value exceeds Limit by more than its margin
	// Limit is what the smoke run holds Value to: Target, or for a target
	// that is missed for a known reason, the level measured when that
	// reason was recorded (BENCHMARKS.md), so a further regression fails.
	Limit float64
	// Skipped says why the target was not measured (a service missing
	// outside the test command); "" when it was.
	Skipped string
}

// Met reports whether r meets its target (informational rows always do).
func (r Result) Met() bool {
	switch {
	case r.Target == 0 || r.Skipped != "":
		return true
	case r.Strict:
		return r.Value < r.Target
	}
	return r.Value <= r.Target
}

// WithinMargin reports whether r is within its limit plus margin (a
// fraction: 0.2 allows 20% over a ratio or time limit). Allocation counts
// get no margin: they do not vary.
func (r Result) WithinMargin(margin float64) bool {
	if r.Target == 0 || r.Unit == "allocs" || r.Unit == "calls" {
		return r.Met()
	}
	return r.Value <= r.Limit*(1+margin)
}

// check is one entry of the target list.
type check struct {
	id, a, b string
	target   float64
	limit    float64 // 0: target
	strict   bool
	gate     bool
	unit     string
	// batches is how many of -batch one batch lasts (0: one). The sides
	// that insert into the token cache keep megabytes live, so a garbage
	// collection is long and lands in one batch of the two; batches that
	// span several collections charge each side its own.
	batches int
	// run measures: for "x" and "ns over" it returns the two sides, for
	// "ns" and "allocs" side a alone.
	sides func(f *Fixture) (a, b func() error, err error)
	// wall times this comparison by the wall clock (Options.Wall).
	wall bool
	// count measures a "calls" target.
	count func(f *Fixture) (float64, error)
}

// checks is the list of targets, plus informational comparisons:
// reading and writing tokens against the other libraries, the warm path,
// then the route rules.
func checks() []check {
	return slices.Concat(tokenChecks(), warmChecks(), guardChecks(), serverChecks(), routeChecks())
}

// tokenChecks are the targets of reading, writing and creating a session
// against go-jose, golang-jwt and securecookie.
func tokenChecks() []check {
	var cs []check
	add := func(c check) { cs = append(cs, c) }
	add(check{id: "decrypt/jose", a: "cold DecryptSession", b: "go-jose ParseEncryptedCompact+Decrypt, json into a plain struct, golang-jwt Validator",
		target: 0.8, gate: true, unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) { return f.DecryptSession, f.JoseDecrypt, nil }})
	add(check{id: "decrypt/securecookie", a: "cold DecryptSession", b: "securecookie Decode (JSON)",
		target: 1.0, gate: true, unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) {
			return f.DecryptSession, f.SecureCookieDecode, nil
		}})
	add(check{id: "decrypt/hs256", a: "cold DecryptSession", b: "golang-jwt HS256 parse+validate",
		target: 1.0, gate: true, unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) { return f.DecryptSession, f.HS256Parse, nil }})
	// The floor (floor.go): the bare primitives on the same token, the
	// yardstick of BENCHMARKS.md's targets. DecryptSession ≤ 2×,
	// EncryptSession ≤ 3× and at most 12 allocations.
	add(check{id: "decrypt/floor", a: "cold DecryptSession", b: "the floor: base64url decoding of the five parts + one AES-256-GCM open",
		target: 2.0, gate: true, unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) {
			fl, err := f.NewFloor()
			if err != nil {
				return nil, nil, err
			}
			return f.DecryptSession, fl.Open, nil
		}})
	add(check{id: "decrypt/allocs", a: "cold DecryptSession", target: 2, unit: "allocs", gate: true,
		sides: func(f *Fixture) (func() error, func() error, error) { return f.DecryptSession, nil, nil }})
	add(check{id: "encrypt/floor", a: "EncryptSession", b: "the floor: one AES-256-GCM seal of the token's plaintext + base64url encoding of the five parts",
		target: 3.0, gate: true, unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) {
			fl, err := f.NewFloor()
			if err != nil {
				return nil, nil, err
			}
			return f.EncryptSession(), fl.Seal, nil
		}})
	add(check{id: "encrypt/allocs", a: "EncryptSession", target: 12, unit: "allocs", gate: true,
		sides: func(f *Fixture) (func() error, func() error, error) { return f.EncryptSession(), nil, nil }})
	add(check{id: "encrypt/securecookie", a: "EncryptSession", b: "securecookie Encode (JSON)",
		target: 0.7, gate: true, unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) {
			return f.EncryptSession(), f.SecureCookieEncode(), nil
		}})
	add(check{id: "encrypt/hs256", a: "EncryptSession", b: "golang-jwt HS256 sign",
		target: 0.8, gate: true, unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) { return f.EncryptSession(), f.HS256Sign(), nil }})
	add(check{id: "encrypt/jose", a: "EncryptSession", b: "json.Marshal + go-jose Encrypt + CompactSerialize",
		target: 0.5, gate: true, unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) { return f.EncryptSession(), f.JoseEncrypt(), nil }})
	add(check{id: "encrypt/jose-floor", a: "json.Marshal + go-jose Encrypt + CompactSerialize", b: "securecookie Encode (JSON)",
		unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) {
			return f.JoseEncrypt(), f.SecureCookieEncode(), nil
		}})
	add(check{id: "create/jose", a: "CreateSession (httptest recorder)", b: "new id + go-jose encrypt + http.SetCookie (recorder)",
		target: 0.8, gate: true, unit: "x", batches: 8,
		sides: func(f *Fixture) (func() error, func() error, error) { return f.CreateSession(), f.JoseCreate(), nil }})
	add(check{id: "create/allocs", a: "CreateSession (httptest recorder: 3 of them)", target: 20, unit: "allocs", gate: true,
		sides: func(f *Fixture) (func() error, func() error, error) { return f.CreateSession(), nil, nil }})
	return cs
}

// warmChecks are the targets of a cookie the cache has seen: GetSession and
// the guard, against the cache off and scs.
func warmChecks() []check {
	var cs []check
	add := func(c check) { cs = append(cs, c) }
	add(check{id: "getsession/first-sight", a: "GetSession, cookie not in the cache: decrypt, insert, evict", b: "GetSession, cache off: decrypt",
		unit: "x", batches: 8,
		sides: func(f *Fixture) (func() error, func() error, error) {
			a, err := f.GetSessionFirstSight()
			return a, f.GetSessionCold(), err
		}})
	add(check{id: "warm/getsession", a: "warm GetSession (cached cookie)", target: 1000, strict: true, gate: true, unit: "ns",
		sides: func(f *Fixture) (func() error, func() error, error) {
			a, err := f.GetSessionWarm()
			return a, nil, err
		}})
	add(check{id: "warm/getsession-allocs", a: "warm GetSession (cached cookie)", target: 0, unit: "allocs", gate: true,
		sides: func(f *Fixture) (func() error, func() error, error) {
			a, err := f.GetSessionWarm()
			return a, nil, err
		}})
	add(check{id: "warm/guard-allocs", a: "guard, Auth route, cached cookie, handler reads the session", target: 1, unit: "allocs", gate: true,
		sides: func(f *Fixture) (func() error, func() error, error) {
			a, err := f.GuardWarm()
			return a, nil, err
		}})
	add(check{id: "warm/guard-scs", a: "guard, Auth route, cached cookie, handler reads the session", b: "scs LoadAndSave (memstore) + GetString",
		unit: "x",
		sides: func(f *Fixture) (func() error, func() error, error) {
			a, err := f.GuardWarm()
			if err != nil {
				return nil, nil, err
			}
			b, err := f.SCSWarm()
			return a, b, err
		}})
	return cs
}

// routeChecks are the route-matching targets: the guard with 1,000 rules of
// each shape against the same with 10.
func routeChecks() []check {
	var cs []check
	add := func(c check) { cs = append(cs, c) }
	for _, sh := range append(routeShapes[:len(routeShapes):len(routeShapes)], missShape()) {
		add(check{id: "routes/" + sh.name, a: "guard, 1,000 " + sh.desc, b: "the same with 10 rules",
			target: 3, gate: true, unit: "x",
			sides: func(*Fixture) (func() error, func() error, error) {
				a, err := routeGuard(sh, 1000)
				if err != nil {
					return nil, nil, err
				}
				b, err := routeGuard(sh, 10)
				return a, b, err
			}})
	}
	return cs
}

// routeShape is one form of rule for the route-matching targets: n rules
// of that form, and a path matching the one in the middle.
type routeShape struct {
	name, desc string
	rule       func(i int) authsession.Rule
	path       func(mid int) string // "" result: a path no rule matches
}

var routeShapes = []routeShape{
	{"exact", "exact rules (/eN/page)",
		func(i int) authsession.Rule { return authsession.Hybrid(fmt.Sprintf("/e%d/page", i)) },
		func(mid int) string { return fmt.Sprintf("/e%d/page", mid) }},
	{"subtree", "subtree rules (/tN/*)",
		func(i int) authsession.Rule { return authsession.Hybrid(fmt.Sprintf("/t%d/*", i)) },
		func(mid int) string { return fmt.Sprintf("/t%d/a/b/c", mid) }},
	{"prefix", "prefix rules (/pN*)",
		func(i int) authsession.Rule { return authsession.Hybrid(fmt.Sprintf("/p%d-*", i)) },
		func(mid int) string { return fmt.Sprintf("/p%d-and-more", mid) }},
	{"glob", "globs with a literal first segment (/gN/*/edit)",
		func(i int) authsession.Rule { return authsession.Hybrid(fmt.Sprintf("/g%d/*/edit", i)) },
		func(mid int) string { return fmt.Sprintf("/g%d/42/edit", mid) }},
	{"glob-leading", "globs starting with a wildcard (/*/x-N/edit)",
		func(i int) authsession.Rule { return authsession.Hybrid(fmt.Sprintf("/*/x-%d/edit", i)) },
		func(mid int) string { return fmt.Sprintf("/acme/x-%d/edit", mid) }},
	{"glob-globstar", "globs starting with ** (/**/y-N)",
		func(i int) authsession.Rule { return authsession.Hybrid(fmt.Sprintf("/**/y-%d", i)) },
		func(mid int) string { return fmt.Sprintf("/a/b/y-%d", mid) }},
}

// missShape is rules of every form of routeShapes in turn, and a path
// that none matches.
func missShape() routeShape {
	return routeShape{"miss", "rules of every form above, no match",
		func(i int) authsession.Rule { return routeShapes[i%len(routeShapes)].rule(i) },
		func(int) string { return "/nothing/matches/this/path" }}
}

// routeGuard returns a request through the guard with n rules of shape
// sh, on the path matching the middle rule, without a cookie. The rules
// are Hybrid, so the guard's answer is the next handler whatever matched;
// the call fails unless the expected rule matched.
func routeGuard(sh routeShape, n int) (func() error, error) {
	rules := make([]authsession.Rule, n)
	for i := range rules {
		rules[i] = sh.rule(i)
	}
	mid := n / 2
	path := sh.path(mid)
	want := ""
	if sh.name != "miss" {
		want = rules[mid].Pattern
	}
	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
		Secret: benchdata.Secret,
		Routes: rules,
		Cookie: authsession.CookieConfig{Insecure: true},
	})
	if err != nil {
		return nil, err
	}
	var got string
	var calls int
	// The hook sees the deciding rule first (then the rules of other
	// readings of the path, if any).
	h := auth.MiddlewareWith(func(_ bool, _ *http.Request, rule authsession.Rule) http.Handler {
		if calls++; calls == 1 {
			got = rule.Pattern
		}
		return nil
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, path, nil)
	w := &discardWriter{h: http.Header{}}
	serve := func() error {
		calls = 0
		h.ServeHTTP(w, r)
		if got != want {
			return fmt.Errorf("%s: %d rules, path %s matched %q, want %q", sh.name, n, path, got, want)
		}
		return nil
	}
	return serve, serve()
}

// Run measures every target whose id matches run (a regular expression;
// "" for all) and reports progress to log.
func Run(o Options, run string, log io.Writer) ([]Result, error) {
	return RunChecks(o, run, log, nil)
}

// RunChecks is Run with second chances: a result for which retry returns
// true is measured again, up to twice, and the last measurement kept. The
// smoke run retries a gated target it finds past its margin, so a stretch
// of load on a shared machine does not fail it, while a real regression
// fails three times in a row.
func RunChecks(o Options, run string, log io.Writer, retry func(Result) bool) ([]Result, error) {
	re, err := regexp.Compile(run)
	if err != nil {
		return nil, err
	}
	f, err := NewFixture()
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, c := range checks() {
		if !re.MatchString(c.id) {
			continue
		}
		fmt.Fprintf(log, "%s ...\n", c.id)
		r, err := measure(o, f, c)
		for try := 0; try < 2 && err == nil && retry != nil && retry(r); try++ {
			fmt.Printf("%s: %s, past its gate: measuring again\n", c.id, r.Measured())
			r, err = measure(o, f, c)
		}
		if errors.Is(err, errNoRedis) {
			if !testenv.Required() {
				r.Skipped, err = "no redis-server ($AUTHSESSION_REDIS_ADDR unset)", nil
			} else {
				err = fmt.Errorf("%w, and %s is set: the test command starts one (scripts/lib.sh, start_redis)", err, testenv.RequireEnv)
			}
		}
		if err != nil {
			return out, fmt.Errorf("%s: %w", c.id, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func measure(o Options, f *Fixture, c check) (Result, error) {
	r := Result{ID: c.id, A: c.a, B: c.b, Unit: c.unit, Target: c.target, Strict: c.strict, Gate: c.gate, Limit: c.limit, AAlloc: -1, BAlloc: -1}
	if r.Limit == 0 {
		r.Limit = c.target
	}
	if c.unit == "calls" {
		var err error
		r.Value, err = c.count(f)
		if c.target == 0 {
			r.Target, r.Strict = 1, true
		}
		return r, err
	}
	a, b, err := c.sides(f)
	if err != nil {
		return r, err
	}
	if r.AAlloc, err = Allocs(a); err != nil {
		return r, err
	}
	if b != nil {
		if r.BAlloc, err = Allocs(b); err != nil {
			return r, err
		}
	}
	if c.batches > 1 {
		o.Batch *= time.Duration(c.batches)
	}
	o.Wall = o.Wall || c.wall
	switch c.unit {
	case "x":
		p, err := Pair(o, a, b)
		if err != nil {
			return r, err
		}
		r.ANs, r.BNs, r.Value, r.Lo, r.Hi = p.ANs, p.BNs, p.Ratio, p.Lo, p.Hi
	case "ns over":
		p, err := Pair(o, a, b)
		if err != nil {
			return r, err
		}
		r.ANs, r.BNs, r.Value, r.Lo, r.Hi = p.ANs, p.BNs, p.Diff, p.DiffLo, p.DiffHi
	case "ns":
		if r.ANs, err = Single(o, a); err != nil {
			return r, err
		}
		r.Value = r.ANs
	case "allocs":
		r.Value = r.AAlloc
		r.Gate = c.gate
		if c.target == 0 {
			// 0 allocations is a real target: mark it so Met compares.
			r.Target, r.Strict = 1, true
		}
	}
	return r, nil
}

// Markdown writes results as a Markdown table.
func Markdown(w io.Writer, rs []Result) {
	fmt.Fprintln(w, "| target | A | B | A time | B time | A allocs | B allocs | measured | target | |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rs {
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.ID, r.A, dash(r.B), ns(r.ANs), ns(r.BNs), allocs(r.AAlloc), allocs(r.BAlloc),
			r.Measured(), r.TargetString(), r.status())
	}
}

// Measured is the measured figure as the table prints it.
func (r Result) Measured() string {
	switch {
	case r.Skipped != "":
		return "skipped: " + r.Skipped
	case r.Unit == "x":
		return fmt.Sprintf("%.2f (%.2f–%.2f)", r.Value, r.Lo, r.Hi)
	case r.Unit == "ns over":
		return fmt.Sprintf("+%s (%s–%s)", ns(r.Value), ns(r.Lo), ns(r.Hi))
	case r.Unit == "calls":
		return fmt.Sprintf("%.2f", r.Value)
	case r.Unit == "ns":
		return ns(r.Value)
	}
	return fmt.Sprintf("%g", r.Value)
}

// TargetString is the target as the table prints it.
func (r Result) TargetString() string {
	if r.Target == 0 {
		return "—"
	}
	op := "≤"
	if r.Strict {
		op = "<"
	}
	if r.Limit != r.Target && r.Unit == "x" {
		return fmt.Sprintf("%s %.2f (gate %.2f)", op, r.Target, r.Limit)
	}
	switch r.Unit {
	case "x":
		return fmt.Sprintf("%s %.2f", op, r.Target)
	case "ns":
		return op + " " + ns(r.Target)
	case "ns over":
		if r.Limit != r.Target {
			return fmt.Sprintf("%s +%s (gate +%s)", op, ns(r.Target), ns(r.Limit))
		}
		return op + " +" + ns(r.Target)
	}
	if r.Strict && r.Target == 1 {
		return "0"
	}
	return fmt.Sprintf("%s %g", op, r.Target)
}

func (r Result) status() string {
	switch {
	case r.Skipped != "":
		return "skipped"
	case r.Target == 0:
		return "info"
	case r.Met():
		return "met"
	}
	return "**missed**"
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func ns(v float64) string {
	switch {
	case v == 0:
		return "—"
	case v >= 1000:
		return fmt.Sprintf("%.2f µs", v/1000)
	}
	return fmt.Sprintf("%.0f ns", v)
}

func allocs(v float64) string {
	if v < 0 {
		return "—"
	}
	return fmt.Sprintf("%g", v)
}
