package guardtest

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Site is a router behind the guard, and the same router alone.
type Site struct {
	Name    string
	Guarded http.Handler // the guard in front of (or inside) the router
	Bare    http.Handler // the router alone, no guard
	Cookie  string       // a Cookie header carrying a valid session (an admin's)
	// UserCookie, if set, carries a session without the admin role: it
	// must never reach an Admin handler.
	UserCookie string
	// Documented marks a set-up the docs recommend: there, no page is
	// locked by mistake. A canonical target that the router alone serves
	// from an Open handler reaches it anonymously through the guard, and
	// one it serves from a User or Admin handler reaches it with Cookie.
	Documented bool
	// Only, if set, limits the checks to targets whose canonical form it
	// accepts (such as TagFirst for an unconstrained {lang} router under
	// the default route type hybrid).
	Only func(canonical string) bool
	// Partial says the guard sits inside part of the router (a mounted
	// sub-router): requests the parent routes elsewhere never meet it and
	// keep the parent's reading, so the signed-in comparison is skipped.
	// No anonymous request may reach a protected handler all the same.
	Partial bool
}

// TagFirst reports whether the first segment of a canonical target is
// shaped like a language tag: two or three ASCII letters, then any
// number of "-" or "_" subtags of one to eight letters or digits (en,
// EN, en-US, zh-Hant-TW, es-419).
func TagFirst(canonical string) bool {
	seg := strings.TrimPrefix(canonical, "/")
	if i := strings.IndexAny(seg, "/?"); i >= 0 {
		seg = seg[:i]
	}
	return tagRE.MatchString(seg)
}

var tagRE = regexp.MustCompile(`^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$`)

// Stats counts what a run of Check saw, so a test can show that its
// targets exercised the router.
type Stats struct {
	Targets      int // targets checked
	BareReached  int // targets the router alone serves from a protected handler, anonymously
	SignedIn     int // targets that reached a protected handler with a session, through the guard
	Canonicalled int // targets the guard redirected to their canonical form
}

// stopAtLogin ends a chain at the guard's login redirect.
func stopAtLogin(_, loc string) bool { return strings.Contains(loc, "callbackUrl=") }

// stopUnlessSame ends a chain at a redirect that sends the visitor
// elsewhere (login, home) rather than to the same resource.
func stopUnlessSame(from, loc string) bool { return !SameResource(from, loc) }

// allowed are the statuses a request may end with: a handler's answer, a
// redirect (login, home, clean path), a refusal, a missing route.
var allowed = map[int]bool{200: true, 301: true, 303: true, 307: true, 308: true, 400: true, 401: true, 403: true, 404: true, 405: true}

// Check sends target through the site anonymously and with a session and
// returns every problem found:
//
//   - anonymous, redirects followed: no protected handler is reached, no
//     5xx, no status outside the expected set, no redirect loop;
//   - signed in, redirects that keep the resource followed: the handler
//     reached through the guard is the one the router alone serves for
//     the target's canonical form (the guard's redirects change the
//     spelling of a path, never its meaning).
func (s Site) Check(target string, st *Stats) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if s.Only != nil {
		if c, ok := Canonical(target); !ok || !s.Only(c) {
			return nil
		}
	}
	anon := Follow(s.Guarded, target, "", stopAtLogin)
	if !anon.Parsed {
		return nil // net/http's server answers 400 before any handler
	}
	if st != nil {
		st.Targets++
		if bare := Follow(s.Bare, target, "", stopAtLogin); bare.Protected {
			st.BareReached++
		}
		if len(anon.Hops) > 1 {
			st.Canonicalled++
		}
	}
	if anon.Protected {
		bare := Follow(s.Bare, target, "", stopAtLogin)
		bad("anonymous %q reached protected handler %q: %v (the router alone: %v)", target, anon.Label, anon, bare)
	}
	if anon.Status >= 500 || !allowed[anon.Status] {
		bad("anonymous %q: unexpected status: %v", target, anon)
	}
	if anon.Status >= 300 && anon.Status < 400 && len(anon.Hops) == 6 && !stopAtLogin("", anon.Location) {
		bad("anonymous %q: redirect loop: %v", target, anon)
	}
	if s.UserCookie != "" {
		if u := Follow(s.Guarded, target, s.UserCookie, stopAtLogin); u.Level >= Admin {
			bad("user %q reached admin handler %q: %v", target, u.Label, u)
		}
	}
	if s.Documented {
		errs = append(errs, s.checkNotLocked(target, anon)...)
	}
	if s.Cookie == "" {
		return errs
	}
	in := Follow(s.Guarded, target, s.Cookie, stopUnlessSame)
	if in.Status >= 500 || !allowed[in.Status] {
		bad("signed in %q: unexpected status: %v", target, in)
	}
	if in.Protected && st != nil {
		st.SignedIn++
	}
	if in.Label == "" || s.Partial {
		return errs // answered by the guard (refused, home redirect) or no route
	}
	canonical, ok := Canonical(target)
	if !ok {
		bad("signed in %q reached %q but has no canonical form", target, in.Label)
		return errs
	}
	if bare := Follow(s.Bare, canonical, s.Cookie, stopUnlessSame); bare.Label != in.Label {
		bad("signed in %q: through the guard %v, the router alone on the canonical %q: %v", target, in, canonical, bare)
	}
	return errs
}

// checkNotLocked is Check's test of a documented set-up: a canonical
// target that the router alone serves from an Open handler reaches it
// anonymously through the guard (anon), and one it serves from a User or
// Admin handler reaches it with Cookie.
func (s Site) checkNotLocked(target string, anon Result) []string {
	c, ok := Canonical(target)
	if !ok || c != target || strings.ContainsAny(target, "?#") || anon.Status == 400 {
		return nil // not a page's address, or one the guard refuses by design
	}
	var errs []string
	if bare := Follow(s.Bare, target, "", stopAtLogin); bare.Label != "" && bare.Level == Open && anon.Label != bare.Label {
		errs = append(errs, fmt.Sprintf("anonymous %q: the router alone serves open handler %q, through the guard: %v", target, bare.Label, anon))
	}
	if s.Cookie == "" {
		return errs
	}
	if bare := Follow(s.Bare, target, s.Cookie, stopAtLogin); bare.Label != "" && bare.Level > Open {
		// (A 200 from no labelled handler is the session API, which the
		// guard serves itself.)
		if in := Follow(s.Guarded, target, s.Cookie, stopAtLogin); in.Label != bare.Label && !(in.Status == 200 && in.Label == "") {
			errs = append(errs, fmt.Sprintf("signed in %q: the router alone serves %q, through the guard: %v", target, bare.Label, in))
		}
	}
	return errs
}

// Run checks every target on the site, reporting at most 20 problems,
// and returns the counts.
func (s Site) Run(t testing.TB, targets []string) Stats {
	t.Helper()
	var st Stats
	n := 0
	for _, target := range targets {
		for _, e := range s.Check(target, &st) {
			if n++; n <= 20 {
				t.Errorf("%s: %s", s.Name, e)
			}
		}
	}
	if n > 20 {
		t.Errorf("%s: %d problems in all", s.Name, n)
	}
	return st
}

// OverTCP sends target as a raw request line to a real server at addr and
// follows redirects (except to the login page) like a browser, reporting
// where it ended. Nothing between the wire and the handler is simulated.
func OverTCP(addr, target string) (Result, error) {
	var res Result
	for hop := 0; hop < 6; hop++ {
		res.Hops = append(res.Hops, target)
		resp, err := rawGet(addr, target)
		if err != nil {
			return res, err
		}
		res.Parsed = true
		res.Status = resp.StatusCode
		res.Label = resp.Header.Get(headerLabel)
		res.Level = levelOf(resp.Header)
		res.Protected = res.Level > Open
		res.Location = resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 {
			return res, nil
		}
		loc := res.Location
		if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || stopAtLogin(target, loc) {
			return res, nil
		}
		target = loc
	}
	return res, nil
}

func rawGet(addr, target string) (*http.Response, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp, nil
}

// RunOverTCP sends every target to a real server at addr (see OverTCP)
// and reports any that reaches a protected handler or gets a 5xx.
func RunOverTCP(t testing.TB, addr string, targets []string) {
	t.Helper()
	for _, target := range targets {
		if strings.ContainsAny(target, " \r\n") {
			continue // not one request line
		}
		res, err := OverTCP(addr, target)
		if err != nil {
			t.Errorf("%q: %v", target, err)
			continue
		}
		if res.Protected || res.Status >= 500 {
			t.Errorf("%q over TCP: %v", target, res)
		}
	}
}
