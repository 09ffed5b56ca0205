// Package cookies reads and writes one logical cookie that may be split
// across several physical cookies (name.0, name.1, ...), without allocating
// on the read path.
package cookies

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxChunks bounds how many chunks are ever read or cleared.
const MaxChunks = 32

// Attrs are the attributes shared by every chunk of the cookie, and how
// the cookie is split.
type Attrs struct {
	Path     string
	Domain   string
	SameSite http.SameSite
	Secure   bool
	// Session makes Write set browser-session cookies: no Max-Age and no
	// Expires, so the browser drops them when it closes.
	Session bool
	// ChunkSize is the largest value written as one cookie: a longer one
	// is split into chunks of this size. 0 means ChunkSize(name).
	ChunkSize int
}

// SplitSize is the size at which a's cookie called name is split into
// chunks: a.ChunkSize, or ChunkSize(name).
func (a Attrs) SplitSize(name string) int {
	if a.ChunkSize > 0 {
		return a.ChunkSize
	}
	return ChunkSize(name)
}

// ChunkSize returns the largest value that fits in one browser cookie
// (name and value together stay under 4000 bytes, leaving room for ".NN").
func ChunkSize(name string) int {
	return 4000 - len(name) - 3
}

// scanner iterates over the cookie-pairs of a request's Cookie headers
// without allocating.
type scanner struct {
	lines []string
	line  string
}

func newScanner(h http.Header) scanner { return scanner{lines: h["Cookie"]} }

func (s *scanner) next() (name, value string, ok bool) {
	for {
		for len(s.line) == 0 {
			if len(s.lines) == 0 {
				return "", "", false
			}
			s.line, s.lines = s.lines[0], s.lines[1:]
		}
		var part string
		if i := strings.IndexByte(s.line, ';'); i >= 0 {
			part, s.line = s.line[:i], s.line[i+1:]
		} else {
			part, s.line = s.line, ""
		}
		name, value, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || name == "" {
			continue
		}
		if len(value) > 1 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		return name, value, true
	}
}

// chunkIndex reports whether cookie is name.N and returns N.
func chunkIndex(cookie, name string) (int, bool) {
	if len(cookie) < len(name)+2 || cookie[:len(name)] != name || cookie[len(name)] != '.' {
		return 0, false
	}
	digits := cookie[len(name)+1:]
	if len(digits) > 2 || (len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Read returns the logical cookie's value. A single cookie called name wins
// over chunks. Chunks must run from name.0 without gaps or duplicates, and
// the joined value must not exceed maxBytes; otherwise Read reports false.
// Reading a single unchunked cookie does not allocate.
func Read(h http.Header, name string, maxBytes int) (string, bool) {
	var (
		single string
		found  bool
		chunks [MaxChunks]string
		seen   uint64
		n      int
		total  int
	)
	sc := newScanner(h)
	for {
		c, v, ok := sc.next()
		if !ok {
			break
		}
		if c == name {
			if found {
				return "", false // two cookies of the same name: ambiguous
			}
			single, found = v, true
			continue
		}
		i, ok := chunkIndex(c, name)
		if !ok {
			continue
		}
		if i >= MaxChunks || seen&(1<<i) != 0 {
			return "", false
		}
		seen |= 1 << i
		chunks[i] = v
		n++
		total += len(v)
		if total > maxBytes {
			return "", false
		}
	}
	if found {
		if len(single) == 0 || len(single) > maxBytes {
			return "", false
		}
		return single, true
	}
	if n == 0 || seen != (1<<n)-1 {
		return "", false // missing chunk
	}
	var b strings.Builder
	b.Grow(total)
	for i := 0; i < n; i++ {
		if chunks[i] == "" {
			return "", false
		}
		b.WriteString(chunks[i])
	}
	return b.String(), true
}

// present returns whether the single cookie exists and a bitmask of the
// chunk indices present in the request or set earlier in the response (the
// browser will hold those too: a second write or a clear in one response,
// such as the guard's auto refresh followed by a logout, must replace them).
func present(h http.Header, w http.ResponseWriter, name string) (bool, uint64) {
	single, mask := requested(h, name)
	for _, line := range w.Header()["Set-Cookie"] {
		c, _, _ := strings.Cut(line, "=")
		if c == name {
			single = true
		} else if i, ok := chunkIndex(c, name); ok && i < MaxChunks {
			mask |= 1 << i
		}
	}
	return single, mask
}

// requested returns whether the single cookie exists and a bitmask of the
// chunk indices present in the request.
func requested(h http.Header, name string) (bool, uint64) {
	var single bool
	var mask uint64
	sc := newScanner(h)
	for {
		c, _, ok := sc.next()
		if !ok {
			break
		}
		if c == name {
			single = true
		} else if i, ok := chunkIndex(c, name); ok && i < MaxChunks {
			mask |= 1 << i
		}
	}
	return single, mask
}

func (a Attrs) cookie(name, value string) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     a.Path,
		Domain:   a.Domain,
		SameSite: a.SameSite,
		Secure:   a.Secure,
		HttpOnly: true,
	}
}

func (a Attrs) expired(w http.ResponseWriter, name string) {
	c := a.cookie(name, "")
	c.MaxAge = -1
	c.Expires = time.Unix(0, 0)
	http.SetCookie(w, c)
}

// Write sets the logical cookie to value, expiring at expires (now is the
// current time, for Max-Age; with a.Session the cookies carry neither
// Max-Age nor Expires, but a value already expired still clears them).
// Values longer than the chunk size (a.ChunkSize, or ChunkSize(name)) are
// split into name.0 ... name.N-1. Cookies left over from an earlier,
// differently split value in req are expired.
func Write(w http.ResponseWriter, req http.Header, name, value string, a Attrs, now, expires time.Time) {
	maxAge := int(expires.Sub(now).Round(time.Second) / time.Second)
	if maxAge <= 0 {
		Clear(w, req, name, a)
		return
	}
	single, mask := present(req, w, name)
	size := a.SplitSize(name)
	set := func(n, v string) {
		c := a.cookie(n, v)
		if !a.Session {
			c.MaxAge = maxAge
			c.Expires = expires.UTC()
		}
		setCookie(w, c)
	}
	if len(value) <= size {
		set(name, value)
		for i := 0; i < MaxChunks; i++ {
			if mask&(1<<i) != 0 {
				a.expired(w, name+"."+strconv.Itoa(i))
			}
		}
		return
	}
	n := 0
	for ; len(value) > 0; n++ {
		k := min(size, len(value))
		set(name+"."+strconv.Itoa(n), value[:k])
		value = value[k:]
	}
	if single {
		a.expired(w, name)
	}
	for i := n; i < MaxChunks; i++ {
		if mask&(1<<i) != 0 {
			a.expired(w, name+"."+strconv.Itoa(i))
		}
	}
}

// setCookie is http.SetCookie(w, c) for a value net/http writes as it is
// (no quotes, no byte dropped), without net/http's check of every byte
// through a function value, which for a token is a quarter of
// CreateSession: the header is what net/http writes for the same cookie
// with an empty value, with the value put after the "=". Short values,
// and values net/http would change, go to http.SetCookie.
// TestSetCookieAsNetHTTP compares the two.
func setCookie(w http.ResponseWriter, c *http.Cookie) {
	v := c.Value
	if len(v) < 64 || c.Quoted || !plainValue(v) {
		http.SetCookie(w, c)
		return
	}
	c.Value = ""
	s := c.String()
	c.Value = v
	if s == "" { // an invalid name: http.SetCookie sets nothing either
		return
	}
	var b strings.Builder
	b.Grow(len(s) + len(v))
	b.WriteString(s[:len(c.Name)+1]) // name=
	b.WriteString(v)
	b.WriteString(s[len(c.Name)+1:])
	w.Header().Add("Set-Cookie", b.String())
}

// plainValue reports whether net/http writes v unchanged as a cookie
// value: every byte a cookie-octet (net/http's validCookieValueByte)
// other than space and comma, which would make it quote the value.
func plainValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b <= ' ' || b >= 0x7f || b == '"' || b == ';' || b == '\\' || b == ',' {
			return false
		}
	}
	return true
}

// Has reports whether req carries the logical cookie called name, as a
// single cookie or as chunks.
func Has(req http.Header, name string) bool {
	single, mask := requested(req, name)
	return single || mask != 0
}

// Clear expires the logical cookie: the single cookie always, and every
// chunk present in req.
func Clear(w http.ResponseWriter, req http.Header, name string, a Attrs) {
	a.expired(w, name)
	_, mask := present(req, w, name)
	for i := 0; i < MaxChunks; i++ {
		if mask&(1<<i) != 0 {
			a.expired(w, name+"."+strconv.Itoa(i))
		}
	}
}
