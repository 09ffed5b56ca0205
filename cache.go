package authsession

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tokenCache remembers tokens that decrypted and validated, so a cookie seen
// again costs a map lookup instead of a decryption. It caches only the
// cryptographic verdict: the lifetime checks, the store (revocation) and
// OnValidate still run on every read, after the cache.
//
// The cache is safe for concurrent use and bounded:
//   - memory: every entry is charged an estimate of what it keeps alive
//     (see entrySize) and the charges of a shard never exceed its share of
//     the budget;
//   - time: an entry is never returned at or after its expiry, which the
//     caller sets no later than the token's own;
//   - eviction is CLOCK (second chance): a full shard drops the first entry
//     its hand finds that was not read since the hand last passed, so
//     entries that are read keep their place and expired or one-off entries
//     go first. Eviction is O(1) amortised and needs no allocation.
//
// Only tokens the codec accepted are ever inserted, and a valid token's last
// characters are its random GCM tag, so shards fill evenly and a client
// cannot aim many entries at one shard.
type tokenCache[U any] struct {
	shards   [cacheShards]cacheShard[U]
	maxBytes int // per shard
}

const (
	cacheShards = 16

	// cacheEntryFixed is charged for every entry besides the token-dependent
	// part: the entry struct with its Session and time fields (~300 B with
	// malloc rounding), the sync.Map node and ring slot (~80 B), and the small
	// allocations that decoding a user makes no matter how short its JSON.
	cacheEntryFixed = 512

	// cacheBytesPerTokenByte is charged per byte of the token: one for the
	// cached copy of the token, one for the decoded session, whose JSON is
	// about 3/4 of the token and whose Go values (maps and interface boxes
	// for extra user fields) take about as much again. For the benchmark
	// payload (590-byte token) an entry measures about 1,030 bytes of heap
	// and is charged 1,692; TestTokenCacheEntrySize keeps it that way.
	cacheBytesPerTokenByte = 2
)

// entrySize is the accounted size of a cache entry for token.
func entrySize(token string) int {
	return cacheEntryFixed + cacheBytesPerTokenByte*len(token)
}

// cacheShard is one lock's worth of the cache. Reads go through m, a
// sync.Map, without taking mu: a hit is a lock-free lookup, so readers on
// many cores do not contend on a shared lock word. Writers hold mu, which
// guards ring, free, hand and bytes and serialises every change to m.
type cacheShard[U any] struct {
	m     sync.Map // string -> *cacheEntry[U]
	mu    sync.Mutex
	ring  []*cacheEntry[U] // CLOCK slots; nil slots are listed in free
	free  []int
	hand  int
	bytes int
}

type cacheEntry[U any] struct {
	token   string
	session Session[U]
	expires time.Time
	size    int
	slot    int
	used    atomic.Bool // read since the hand last passed
}

// newTokenCache returns a cache holding at most maxBytes, or nil (no cache)
// when maxBytes <= 0. Every method works on a nil cache, which holds
// nothing, so its users never test for one.
func newTokenCache[U any](maxBytes int) *tokenCache[U] {
	if maxBytes <= 0 {
		return nil
	}
	return &tokenCache[U]{maxBytes: max(maxBytes/cacheShards, 1)}
}

// shardIndex is an FNV-1a hash of the token's last 16 bytes, all inside
// the GCM tag of a valid token, modulo the shard count.
func shardIndex(token string) int {
	h := uint32(2166136261)
	for i := max(len(token)-16, 0); i < len(token); i++ {
		h ^= uint32(token[i])
		h *= 16777619
	}
	return int(h % cacheShards)
}

func (c *tokenCache[U]) shard(token string) *cacheShard[U] {
	return &c.shards[shardIndex(token)]
}

// lookup returns the entry cached for token, or nil when there is none or
// it has expired at now. It does not allocate. A nil cache (disabled)
// holds nothing.
func (c *tokenCache[U]) lookup(token string, now time.Time) *cacheEntry[U] {
	if c == nil {
		return nil
	}
	v, ok := c.shard(token).m.Load(token)
	if !ok {
		return nil
	}
	// An entry is immutable once published, except for used.
	e := v.(*cacheEntry[U])
	if !now.Before(e.expires) {
		return nil
	}
	if !e.used.Load() { // read first: no cache-line write on a hot entry
		e.used.Store(true)
	}
	return e
}

// put caches s for token until expires, evicting as needed, and returns
// the new entry. Tokens larger than a shard's budget are not cached (nil),
// nor is anything in a nil cache.
func (c *tokenCache[U]) put(token string, s Session[U], expires time.Time) *cacheEntry[U] {
	if c == nil {
		return nil
	}
	size := entrySize(token)
	if size > c.maxBytes {
		return nil
	}
	token = strings.Clone(token) // never retain the request's header
	e := &cacheEntry[U]{token: token, session: s, expires: expires, size: size}
	sh := c.shard(token)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old, ok := sh.m.Load(token); ok {
		sh.drop(old.(*cacheEntry[U]))
	}
	for sh.bytes+size > c.maxBytes {
		sh.evict()
	}
	if n := len(sh.free); n > 0 {
		e.slot, sh.free = sh.free[n-1], sh.free[:n-1]
		sh.ring[e.slot] = e
	} else {
		e.slot = len(sh.ring)
		sh.ring = append(sh.ring, e)
	}
	sh.m.Store(token, e)
	sh.bytes += size
	return e
}

// evict drops one entry: the first one under the hand that was not read
// since the hand last passed. The caller holds sh.mu and sh.bytes > 0, so
// the ring has an entry and two turns of the hand find one.
func (sh *cacheShard[U]) evict() {
	for {
		if sh.hand >= len(sh.ring) {
			sh.hand = 0
		}
		e := sh.ring[sh.hand]
		sh.hand++
		if e == nil {
			continue
		}
		if e.used.Load() {
			e.used.Store(false)
			continue
		}
		sh.drop(e)
		return
	}
}

// drop removes e from the shard; the caller holds sh.mu.
func (sh *cacheShard[U]) drop(e *cacheEntry[U]) {
	sh.m.Delete(e.token)
	sh.ring[e.slot] = nil
	sh.free = append(sh.free, e.slot)
	sh.bytes -= e.size
}

// remove forgets token, so a replaced or cleared cookie is decrypted (and
// rejected) again rather than served from the cache.
func (c *tokenCache[U]) remove(token string) {
	if c == nil {
		return
	}
	sh := c.shard(token)
	sh.mu.Lock()
	if e, ok := sh.m.Load(token); ok {
		sh.drop(e.(*cacheEntry[U]))
	}
	sh.mu.Unlock()
}

// enabled reports whether c caches anything (it is not nil).
func (c *tokenCache[U]) enabled() bool { return c != nil }

// usage returns the accounted bytes and entries, for tests.
func (c *tokenCache[U]) usage() (bytes, entries int) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		bytes += sh.bytes
		entries += len(sh.ring) - len(sh.free)
		sh.mu.Unlock()
	}
	return bytes, entries
}
