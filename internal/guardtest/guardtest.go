// Package guardtest drives the route guard's differential tests: it
// generates hostile request targets, sends them through a handler the way
// net/http's server parses them, follows redirects as a browser does, and
// checks that no anonymous request reaches a protected handler. The root
// package runs it on net/http's ServeMux, internal/routertest on chi,
// gorilla/mux, gin and echo.
package guardtest

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
)

// Response headers a labelled handler sets, so that a test can tell which
// handler answered without shared state (tests run in parallel).
const (
	headerLabel     = "X-Guardtest-Handler"
	headerProtected = "X-Guardtest-Protected"
)

// Level is who may reach a handler.
type Level int

// Levels, each including the ones above it.
const (
	Open  Level = iota // everyone
	User               // visitors with a session
	Admin              // visitors whose session has the role "admin"
)

// Handler returns a handler that answers 200 and labels its response, so
// that Follow can report which handler a request reached. protected
// marks a handler whose every path an Auth rule covers (Level User).
func Handler(label string, protected bool) http.Handler {
	l := Open
	if protected {
		l = User
	}
	return LevelHandler(label, l)
}

// LevelHandler is Handler for a handler that level may reach.
func LevelHandler(label string, level Level) http.Handler {
	return PathHandler(label, func(string) Level { return level })
}

// PathHandler is Handler for a handler that serves many paths, such as a
// catch-all, whose level depends on the path it serves.
func PathHandler(label string, level func(path string) Level) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(headerLabel, label)
		if l := level(r.URL.Path); l > Open {
			w.Header().Set(headerProtected, fmt.Sprint(int(l)))
		}
		_, _ = w.Write([]byte("reached " + label))
	})
}

// levelOf reads the level a labelled response carries.
func levelOf(h http.Header) Level {
	switch h.Get(headerProtected) {
	case "1":
		return User
	case "2":
		return Admin
	}
	return Open
}

// Do sends one request to h, parsed from its request line exactly as
// net/http's server parses it. It reports false when the server would
// refuse the request line itself (a 400 that no handler sees).
func Do(h http.Handler, method, target, cookie string) (*httptest.ResponseRecorder, bool) {
	if strings.ContainsAny(target, " \r\n") {
		return nil, false
	}
	raw := method + " " + target + " HTTP/1.1\r\nHost: example.test\r\n"
	if cookie != "" {
		raw += "Cookie: " + cookie + "\r\n"
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n")))
	if err != nil {
		return nil, false
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, true
}

// Result is where a request, with the redirects followed, ended.
type Result struct {
	Parsed    bool     // false: the first request line does not parse (the server answers 400)
	Status    int      // the last response's status
	Label     string   // the labelled handler that answered, or ""
	Protected bool     // that handler is protected (Level above Open)
	Level     Level    // who may reach that handler
	Location  string   // the last response's Location, if any
	Hops      []string // the targets requested, first to last
}

// String describes the result for failure messages.
func (r Result) String() string {
	return fmt.Sprintf("%d %q via %q (Location %q)", r.Status, r.Label, r.Hops, r.Location)
}

// Follow sends target to h and follows redirects to local paths, as a
// browser would, up to 5 hops. It stops at a redirect for which stop
// returns true (such as the login page).
func Follow(h http.Handler, target, cookie string, stop func(from, loc string) bool) Result {
	var res Result
	for hop := 0; hop < 6; hop++ {
		res.Hops = append(res.Hops, target)
		w, ok := Do(h, http.MethodGet, target, cookie)
		if !ok {
			if hop == 0 {
				return Result{Hops: res.Hops}
			}
			res.Status = http.StatusBadRequest
			return res
		}
		res.Parsed = true
		res.Status = w.Code
		res.Label = w.Header().Get(headerLabel)
		res.Level = levelOf(w.Header())
		res.Protected = res.Level > Open
		res.Location = w.Header().Get("Location")
		if w.Code < 300 || w.Code > 399 || res.Location == "" {
			return res
		}
		loc := res.Location
		if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || stop != nil && stop(target, loc) {
			return res
		}
		target = loc
	}
	return res
}

// Canonical is the form the guard redirects target to: the percent-decoded
// path, cleaned (empty, "." and ".." segments removed, a trailing slash
// kept), re-encoded canonically, with the query unchanged; an
// absolute-form target keeps only its path and query. It reports false
// when target does not parse as a request target.
func Canonical(target string) (string, bool) {
	u, err := url.ParseRequestURI(target)
	if err == nil && u.Path == "" {
		u.Path = "/" // "http://host?x" and opaque targets: routers see "/"
	}
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return "", false
	}
	c := path.Clean(u.Path)
	if c != "/" && strings.HasSuffix(u.Path, "/") {
		c += "/"
	}
	return (&url.URL{Path: c, RawQuery: u.RawQuery}).String(), true
}

// SameResource reports whether a redirect from one target to loc only
// canonicalises the path (encoding, dot segments, doubled slashes, a
// trailing slash added or removed) rather than sending the visitor
// elsewhere (login, home).
func SameResource(from, loc string) bool {
	a, ok1 := Canonical(from)
	b, ok2 := Canonical(loc)
	if !ok1 || !ok2 {
		return false
	}
	a, _, _ = strings.Cut(a, "?")
	b, _, _ = strings.Cut(b, "?")
	if a == b {
		return true
	}
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}
