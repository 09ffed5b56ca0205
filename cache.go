package authsession

import (
	"strings"
	"sync"
	"time"
)

// tokenCache remembers tokens that decrypted and validated, so a cookie seen
// again costs a map lookup instead of a decryption. It is bounded in memory,
// entries expire no later than their token, and it is safe for concurrent
// use. It caches only the cryptographic verdict: lifetime checks, the store
// and OnValidate still run on every read.
type tokenCache[U any] struct {
	shards   [cacheShards]cacheShard[U]
	maxBytes int // per shard
}

const (
	cacheShards = 16
	// cacheEntryOverhead approximates the map entry, the Session struct and
	// its decoded strings beyond the token itself.
	cacheEntryOverhead = 512
)

type cacheShard[U any] struct {
	mu    sync.RWMutex
	m     map[string]*cacheEntry[U]
	bytes int
}

type cacheEntry[U any] struct {
	session Session[U]
	expires time.Time
	size    int
}

func newTokenCache[U any](maxBytes int) *tokenCache[U] {
	if maxBytes <= 0 {
		return nil
	}
	c := &tokenCache[U]{maxBytes: max(maxBytes/cacheShards, 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*cacheEntry[U])
	}
	return c
}

// shard picks a shard from bytes near the end of the token (the GCM tag),
// which are uniformly random.
func (c *tokenCache[U]) shard(token string) *cacheShard[U] {
	if len(token) == 0 {
		return &c.shards[0]
	}
	return &c.shards[int(token[len(token)-1])%cacheShards]
}

func (c *tokenCache[U]) get(token string, now time.Time) (Session[U], bool) {
	sh := c.shard(token)
	sh.mu.RLock()
	e := sh.m[token]
	sh.mu.RUnlock()
	if e == nil || !now.Before(e.expires) {
		var zero Session[U]
		return zero, false
	}
	return e.session, true
}

func (c *tokenCache[U]) put(token string, s Session[U], expires time.Time) {
	size := len(token) + cacheEntryOverhead
	if size > c.maxBytes {
		return
	}
	token = strings.Clone(token) // never retain the request's header
	sh := c.shard(token)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old := sh.m[token]; old != nil {
		sh.bytes -= old.size
	}
	// Evict until the new entry fits; map iteration order is random, which
	// makes this random eviction, with expired entries dropped first.
	for sh.bytes+size > c.maxBytes {
		for k, e := range sh.m {
			delete(sh.m, k)
			sh.bytes -= e.size
			break
		}
	}
	sh.m[token] = &cacheEntry[U]{session: s, expires: expires, size: size}
	sh.bytes += size
}

func (c *tokenCache[U]) remove(token string) {
	sh := c.shard(token)
	sh.mu.Lock()
	if e := sh.m[token]; e != nil {
		delete(sh.m, token)
		sh.bytes -= e.size
	}
	sh.mu.Unlock()
}

// usage returns the accounted bytes and entries, for tests.
func (c *tokenCache[U]) usage() (bytes, entries int) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		bytes += sh.bytes
		entries += len(sh.m)
		sh.mu.RUnlock()
	}
	return bytes, entries
}
