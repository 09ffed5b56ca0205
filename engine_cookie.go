package authsession

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/authsession/authsession/internal/cookies"
)

// This file is the session cookie as the engine reads and writes it: its
// name (or, with Cookie.AcceptBothNames, its two names), attributes and
// chunk size, and the auxiliary cookies of a foreign format that a
// sign-out clears. The chunking itself is internal/cookies'.

const (
	securePrefix = "__Secure-"
	hostPrefix   = "__Host-"
)

// otherName is name with its "__Secure-" prefix toggled: the second name
// Cookie.AcceptBothNames accepts.
func otherName(name string) string {
	if rest, ok := strings.CutPrefix(name, securePrefix); ok {
		return rest
	}
	return securePrefix + name
}

// sessionCookie is the engine's session cookie. It is immutable and safe
// for concurrent use.
type sessionCookie struct {
	// names[0] is Config.Cookie.Name; names[1] its other name with
	// Cookie.AcceptBothNames, else "". attrs are theirs.
	names    [2]string
	attrs    [2]cookies.Attrs
	maxBytes int
	// aux are the format's auxiliary cookies, with their attributes.
	aux      []string
	auxAttrs []cookies.Attrs
}

// newSessionCookie is the session cookie of a resolved configuration.
func newSessionCookie(c *CookieConfig, f *formatSpec, maxBytes int) sessionCookie {
	sc := sessionCookie{names: [2]string{c.Name}, maxBytes: maxBytes}
	if c.AcceptBothNames {
		sc.names[1] = otherName(c.Name)
	}
	attrs := func(name, path, domain string) cookies.Attrs {
		return cookies.Attrs{
			Path: path, Domain: domain, SameSite: c.SameSite,
			// A prefixed name is refused by browsers without Secure.
			Secure:    !c.Insecure || strings.HasPrefix(name, "__"),
			ChunkSize: f.chunkSize,
		}
	}
	for i, n := range sc.names {
		sc.attrs[i] = attrs(n, c.Path, c.Domain)
	}
	for _, n := range f.auxCookies() {
		sc.aux = append(sc.aux, n)
		// As Auth.js and NextAuth.js set them by default: Path "/", no
		// Domain (a "__Host-" cookie may not have one).
		sc.auxAttrs = append(sc.auxAttrs, attrs(n, "/", ""))
	}
	return sc
}

// read returns the request's session token and the index of the name it
// was found under: the configured name wins over the other one.
func (c *sessionCookie) read(h http.Header) (tok string, name int, ok bool) {
	if tok, ok = cookies.Read(h, c.names[0], c.maxBytes); ok || c.names[1] == "" {
		return tok, 0, ok
	}
	tok, ok = cookies.Read(h, c.names[1], c.maxBytes)
	return tok, 1, ok
}

// writeName is the index of the name a session written in answer to a
// request with header h goes to: the name its session cookie was read
// under, or the configured name.
func (c *sessionCookie) writeName(h http.Header) int {
	_, name, ok := c.read(h)
	if !ok {
		return 0
	}
	return name
}

// write sets the cookie called names[name] to tok, expiring at expires,
// or when the browser closes for a transient session.
func (c *sessionCookie) write(w http.ResponseWriter, h http.Header, name int, tok string, now, expires time.Time, transient bool) {
	attrs := c.attrs[name]
	attrs.Session = transient
	cookies.Write(w, h, c.names[name], tok, attrs, now, expires)
}

// pending is what the response w to a request with header h has already
// set the cookie to, under the name a write goes to (cookies.Pending).
func (c *sessionCookie) pending(w http.ResponseWriter, h http.Header) (tok string, set bool) {
	return cookies.Pending(w.Header(), c.names[c.writeName(h)], c.maxBytes)
}

// unset removes the Set-Cookie lines this response already has for the
// cookie called names[name] (a commit writes it again).
func (c *sessionCookie) unset(w http.ResponseWriter, name int) {
	if c.names[name] != "" {
		cookies.Unset(w.Header(), c.names[name])
	}
}

// clear expires the session cookie (every chunk), and the other name's
// when the request carries it.
func (c *sessionCookie) clear(w http.ResponseWriter, h http.Header) {
	cookies.Clear(w, h, c.names[0], c.attrs[0])
	if c.names[1] != "" && cookies.Has(h, c.names[1]) {
		cookies.Clear(w, h, c.names[1], c.attrs[1])
	}
}

// clearAux expires the format's auxiliary cookies that the request
// carries (Auth.js's csrf-token and callback-url), on a sign-out.
func (c *sessionCookie) clearAux(w http.ResponseWriter, h http.Header) {
	for i, n := range c.aux {
		if cookies.Has(h, n) {
			cookies.Unset(w.Header(), n)
			cookies.Clear(w, h, n, c.auxAttrs[i])
		}
	}
}

// headerLimit is the most header bytes the server that serves r takes
// (http.Server.MaxHeaderBytes, Go's default when unset), or 0 when r came
// through no http.Server (a test recorder).
func headerLimit(r *http.Request) int {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	switch {
	case srv == nil:
		return 0
	case srv.MaxHeaderBytes > 0:
		return srv.MaxHeaderBytes
	}
	return http.DefaultMaxHeaderBytes
}

// fits refuses a cookie value that the browser could not send back to the
// server that serves r: the request's header with the session cookie
// replaced by value (in chunks) over the server's header limit. Such a
// cookie would lock the browser out (a 431 for every request, signing out
// included) until it expired; refused, the browser keeps the cookie it
// has and can still sign out.
func (c *sessionCookie) fits(r *http.Request, name int, value string) error {
	limit := headerLimit(r)
	if limit == 0 {
		return nil
	}
	size := len(r.Method) + len(r.RequestURI) + len(r.Host) + 32 // request line, Host
	for k, vs := range r.Header {
		for _, v := range vs {
			size += len(k) + len(v) + 4
		}
	}
	if old, _, ok := c.read(r.Header); ok {
		size -= len(old)
	}
	chunk := c.attrs[name].SplitSize(c.names[name])
	size += len(value) + (len(value)/chunk+1)*(len(c.names[name])+6)
	if size > limit {
		return fmt.Errorf("%w: with it the request's header would be %d bytes, over the %d the server takes (http.Server.MaxHeaderBytes): the browser could not send it back", ErrSessionTooLarge, size, limit)
	}
	return nil
}
