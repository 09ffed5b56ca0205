package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Store is the state a [RelyingParty] shares between the instances of an
// application: the refresh lock and its result, so that concurrent
// requests of one session cause one refresh grant whichever instance
// serves them; the provider's tokens when Config.KeepTokensInStore is
// set; the used sign-in states and logout tokens; and the index from the
// provider's session ids to sessions for back-channel logout.
//
// Keys are built by the package: short, printable, and with a Redis
// Cluster hash tag ("{…}") naming the session or the value they belong
// to, so every key of a session lives in one hash slot. Values are opaque
// bytes; those holding tokens are encrypted with a key derived from the
// session secret before they reach the store.
//
// Implementations must be safe for concurrent use, honour ctx, and treat
// a key whose time to live has passed as absent. Each method is atomic on
// its own: SetNew and Delete with a value are compare-and-set operations
// that two instances may race on. [NewMemoryStore] keeps the state in one
// process; the redisstore module's OIDCStore keeps it in Redis. The
// storetest package checks an implementation.
type Store interface {
	// Get returns the value of key; found is false, with a nil error,
	// when there is none.
	Get(ctx context.Context, key string) (value []byte, found bool, err error)

	// Set stores value under key for ttl, replacing any value.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error

	// SetNew stores value under key for ttl only when key holds no value,
	// and reports whether it did.
	SetNew(ctx context.Context, key string, value []byte, ttl time.Duration) (stored bool, err error)

	// Delete removes key. With a non-nil value it removes key only while
	// it holds exactly that value (releasing a lock only its holder may
	// release). Deleting an absent key is not an error.
	Delete(ctx context.Context, key string, value []byte) error

	// AddMember adds member to the set stored under key and sets the
	// set's time to live to ttl.
	AddMember(ctx context.Context, key, member string, ttl time.Duration) error

	// Members returns the members of the set stored under key, in no
	// particular order (none when there is no set).
	Members(ctx context.Context, key string) ([]string, error)
}

// The keys of the package. ref is a session's random reference (see
// sessionInfo), digest a hash of a value that must not appear in a key.
func tokensKey(ref string) string                { return "tok:{" + ref + "}" }
func lockKey(ref string) string                  { return "lock:{" + ref + "}" }
func resultKey(ref, refreshDigest string) string { return "res:{" + ref + "}:" + refreshDigest }
func linkKey(ref string) string                  { return "link:{" + ref + "}" }
func endedKey(ref string) string                 { return "end:{" + ref + "}" }
func goneKey(ref string) string                  { return "gone:{" + ref + "}" }
func stateKey(state string) string               { return "state:{" + digest("state", state) + "}" }
func sidKey(issuer, sid string) string           { return "sid:{" + digest("sid", issuer, sid) + "}" }
func subKey(issuer, sub string) string           { return "sub:{" + digest("sub", issuer, sub) + "}" }
func jtiKey(issuer, jti string) string           { return "jti:{" + digest("jti", issuer, jti) + "}" }

// digest is a short, key-safe hash of parts (each length-prefixed, so no
// two lists of parts collide): 128 bits of SHA-256, base64url.
func digest(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		l := uint64(len(p))
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}
