package authsession

import (
	"net/http"
	"sync"
	"sync/atomic"
)

// maxCachedRoutes bounds a routeCache. The routes a router serves are
// bounded by its configuration, so a real application never reaches it;
// beyond it verdicts are computed for each request, never stored.
const maxCachedRoutes = 4096

// routeCache holds the verdicts of the routes one router serves, keyed by
// method and pattern: bounded by the router's routes (per standard
// method), never by request input. A lookup takes no lock and allocates
// nothing; a new route copies the map once.
type routeCache struct {
	mu sync.Mutex
	m  atomic.Pointer[map[routeKey]*routeVerdict]
}

type routeKey struct{ method, pattern string }

// get returns the verdict of pattern for requests like r, judging it on
// first use (t.judgeRoute, asking ask about its candidates).
func (c *routeCache) get(t *routeTable, pattern string, r *http.Request, ask func(*http.Request) string) *routeVerdict {
	k := routeKey{stdMethod(r.Method), pattern}
	if m := c.m.Load(); m != nil {
		if rv, ok := (*m)[k]; ok {
			return rv
		}
	}
	rv := t.judgeRoute(pattern, r, ask)
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	n := 0
	if old != nil {
		n = len(*old)
	}
	if n >= maxCachedRoutes {
		return rv
	}
	m := make(map[routeKey]*routeVerdict, n+1)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[k] = rv
	c.m.Store(&m)
	return rv
}

// stdMethod returns method when it is one of RFC 9110's and PATCH, else
// "": routers treat every other method alike, and the cache's keys stay
// bounded whatever methods clients send.
func stdMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return ""
}
