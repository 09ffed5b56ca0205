package authsession

import (
	"encoding/binary"
	"math/bits"
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
// cannot aim many entries at one shard. Entries are found by a digest of
// those characters (tokenDigest) and then compared with the whole token:
// a lookup hashes 16 bytes, not the whole kilobyte of a token.
type tokenCache[U any] struct {
	shards   [cacheShards]cacheShard[U]
	maxBytes int // per shard
}

const (
	cacheShards = 16

	// cacheEntryFixed is charged for every entry besides its token and
	// session's data: the entry struct with its Session and time fields
	// (288 B for the default User, with malloc rounding) and the sync.Map
	// node and ring slot.
	cacheEntryFixed = 448
)

// entrySize is the accounted size of a cache entry for token and its
// session s: the fixed part, the cached copy of the token and the
// session's strings and extra fields (sessionBytes). For the benchmark
// payload (a 1,033-byte token, no extra fields) an entry holds 2,013 bytes
// of heap and is charged 2,064; TestTokenCacheEntrySize keeps every charge
// between the heap an entry holds and 20% more.
func entrySize[U any](token string, s *Session[U]) int {
	return cacheEntryFixed + allocBytes(len(token)) + sessionBytes(token, s)
}

// sessionBytes estimates the heap a decoded session holds beyond its
// struct: its strings (rounded up as the allocator rounds small sizes)
// and, for the default User, the maps and boxes of Extra. For other user
// types, whose data it cannot see, it charges 5/8 of the token's length:
// the payload is 3/4 of the token, most of it string data.
func sessionBytes[U any](token string, s *Session[U]) int {
	u, ok := any(&s.User).(*User)
	if !ok {
		return allocBytes(len(token) * 5 / 8)
	}
	n := 0
	for _, str := range [...]string{s.ID, s.AccessToken, s.RefreshToken, u.ID, u.Email, u.Name, u.Image} {
		n += strBytes(str)
	}
	return n + anyBytes(u.Extra, 0)
}

// strBytes is the heap of a string's bytes.
func strBytes(s string) int { return allocBytes(len(s)) }

// allocBytes is about what the allocator hands out for n bytes: n rounded
// up to 16 up to 128 bytes, and beyond to an eighth of the largest power
// of two not above n (Go's size classes are about that fine).
func allocBytes(n int) int {
	if n <= 128 {
		return (n + 15) &^ 15
	}
	step := 1 << (bits.Len(uint(n)) - 1) / 8
	return (n + step - 1) / step * step
}

// anyBytes estimates the heap held by a value decoded from JSON into an
// any, beyond the interface itself: boxes, slices and maps.
func anyBytes(v any, depth int) int {
	if depth > 32 {
		return 0
	}
	switch v := v.(type) {
	case string:
		return 16 + strBytes(v)
	case float64:
		return 8
	case []any:
		n := 32 + allocBytes(16*cap(v))
		for _, e := range v {
			n += anyBytes(e, depth+1)
		}
		return n
	case map[string]any:
		if v == nil {
			return 0
		}
		n := 48 + 288*((len(v)+6)/7) // the map and its groups of 8 slots
		for k, e := range v {
			n += strBytes(k) + anyBytes(e, depth+1)
		}
		return n
	}
	return 0
}

// cacheShard is one lock's worth of the cache. Reads go through m, a
// sync.Map, without taking mu: a hit is a lock-free lookup, so readers on
// many cores do not contend on a shared lock word. Writers hold mu, which
// guards ring, free, hand and bytes and serialises every change to m.
type cacheShard[U any] struct {
	m     sync.Map // tokenDigest(token) -> *cacheEntry[U]
	mu    sync.Mutex
	ring  []*cacheEntry[U] // CLOCK slots; nil slots are listed in free
	free  []int
	hand  int
	bytes int
}

type cacheEntry[U any] struct {
	digest  uint64
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

// tokenDigest is the cache's key for token: a mix of its last 16 bytes,
// which in a valid token are 96 random bits of its GCM tag. Two valid
// tokens share a digest with negligible probability (then the second
// replaces the first); a forged token that copies a cached token's tail
// finds that entry, differs from its token and is decrypted (and
// refused) as any other unknown token.
func tokenDigest(token string) uint64 {
	var tail [16]byte
	copy(tail[max(16-len(token), 0):], token[max(len(token)-16, 0):])
	a := binary.LittleEndian.Uint64(tail[:8])
	b := binary.LittleEndian.Uint64(tail[8:])
	h := (a^0x9E3779B97F4A7C15)*0xBF58476D1CE4E5B9 ^ (b^0xD6E8FEB86659FD93)*0x94D049BB133111EB
	return h ^ h>>29
}

func (c *tokenCache[U]) shard(digest uint64) *cacheShard[U] {
	return &c.shards[digest%cacheShards]
}

// lookup returns the entry cached for token, or nil when there is none or
// it has expired at now. It does not allocate. A nil cache (disabled)
// holds nothing.
func (c *tokenCache[U]) lookup(token string, now time.Time) *cacheEntry[U] {
	if c == nil {
		return nil
	}
	d := tokenDigest(token)
	v, ok := c.shard(d).m.Load(d)
	if !ok {
		return nil
	}
	// An entry is immutable once published, except for used.
	e := v.(*cacheEntry[U])
	// Not a constant-time comparison, and it need not be: e.token is a
	// token that some client already presented, and reaching this
	// comparison at all takes knowing its last 16 characters (its random
	// GCM tag); a forged token that differs is decrypted and refused as
	// any unknown token, and timing the comparison would at best tell the
	// caller a prefix of a token it already holds the tag of.
	if e.token != token || !now.Before(e.expires) {
		return nil
	}
	if !e.used.Load() { // read first: no cache-line write on a hot entry
		e.used.Store(true)
	}
	return e
}

// put caches s for token until expires, evicting as needed, and returns
// the new entry. Tokens larger than a shard's budget are not cached (nil),
// nor is anything in a nil cache. The cache keeps a copy of token, never
// the request header it came from.
func (c *tokenCache[U]) put(token string, s Session[U], expires time.Time) *cacheEntry[U] {
	return c.insert(token, false, s, expires)
}

// putOwn is put for a token the caller made itself (just sealed), which
// nothing else retains: the cache keeps it rather than a copy.
func (c *tokenCache[U]) putOwn(token string, s Session[U], expires time.Time) *cacheEntry[U] {
	return c.insert(token, true, s, expires)
}

func (c *tokenCache[U]) insert(token string, own bool, s Session[U], expires time.Time) *cacheEntry[U] {
	if c == nil {
		return nil
	}
	size := entrySize(token, &s)
	if size > c.maxBytes {
		return nil
	}
	if !own {
		token = strings.Clone(token) // never retain the request's header
	}
	d := tokenDigest(token)
	e := &cacheEntry[U]{digest: d, token: token, session: s, expires: expires, size: size}
	sh := c.shard(d)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old, ok := sh.m.Load(d); ok { // the same token, or (rarely) one with the same digest
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
	sh.m.Store(d, e)
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
	sh.m.Delete(e.digest)
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
	d := tokenDigest(token)
	sh := c.shard(d)
	sh.mu.Lock()
	if e, ok := sh.m.Load(d); ok && e.(*cacheEntry[U]).token == token {
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
