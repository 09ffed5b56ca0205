// Package adapt is what the router adapters (adapters/chi, adapters/echo,
// adapters/gin, adapters/gorilla) share: the translation of their routers'
// patterns into the guard's pattern syntax (authsession.Guard.Check) and a
// memo that translates each pattern once.
package adapt

import (
	"strings"
	"sync"
	"sync/atomic"
)

// maxMemo bounds a Memo: patterns come from a router's configuration, so
// an application never reaches it; beyond it patterns are translated on
// each call, never stored.
const maxMemo = 4096

// Memo translates a router's routes (a pattern, or a route value) with f,
// each once. Lookups take no lock and allocate nothing. It is safe for
// concurrent use.
type Memo[K comparable] struct {
	f  func(K) string
	mu sync.Mutex
	m  atomic.Pointer[map[K]string]
}

// NewMemo returns a Memo translating with f.
func NewMemo[K comparable](f func(K) string) *Memo[K] { return &Memo[K]{f: f} }

// Get returns f(p), and "" for the zero K (no route).
func (m *Memo[K]) Get(p K) string {
	var zero K
	if p == zero {
		return ""
	}
	if mm := m.m.Load(); mm != nil {
		if t, ok := (*mm)[p]; ok {
			return t
		}
	}
	t := m.f(p)
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.m.Load()
	n := 0
	if old != nil {
		n = len(*old)
	}
	if n >= maxMemo {
		return t
	}
	nm := make(map[K]string, n+1)
	if old != nil {
		for k, v := range *old {
			nm[k] = v
		}
	}
	nm[p] = t
	m.m.Store(&nm)
	return t
}

// Colon translates a gin or echo route ("/users/:id", "/static/*filepath",
// "/files/*", "/blog*"): a segment with ":" is a parameter, "*" takes the
// rest of the path from where it stands, and a trailing "/" is literal
// (these routers tell "/x/" from "/x"), unlike in ServeMux's syntax.
func Colon(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case ':':
			for i+1 < len(p) && p[i+1] != '/' {
				i++
			}
			b.WriteString("{p}")
		case '*':
			b.WriteString("{...}")
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return endExact(b.String())
}

// Chi translates a chi route ("/users/{id:[0-9]+}", "/files/*",
// "/admin*", "/{lang}/"): a "{…}" (a regular expression may hold braces
// and "/") is a parameter, a trailing "*" takes the rest of the path, and
// a trailing "/" is literal.
func Chi(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '{':
			depth := 1
			for i+1 < len(p) && depth > 0 {
				i++
				switch p[i] {
				case '{':
					depth++
				case '}':
					depth--
				}
			}
			b.WriteString("{p}")
		case '*':
			b.WriteString("{...}")
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return endExact(b.String())
}

// endExact marks a pattern ending in "/" as ending there ("{$}"): in
// ServeMux's syntax a trailing "/" would take every path below.
func endExact(p string) string {
	if strings.HasSuffix(p, "/") {
		return p + "{$}"
	}
	return p
}
