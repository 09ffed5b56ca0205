package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultOIDCPrefix is the key prefix of an OIDCStore when
// OIDCOptions.Prefix is empty.
const DefaultOIDCPrefix = "authsession:oidc:"

// OIDCOptions configures [NewOIDCStore].
type OIDCOptions struct {
	// Prefix starts every key the store writes. Default
	// "authsession:oidc:". Braces in it are written as %7B and %7D, so
	// that the hash tag is the one the oidc package puts in each key.
	Prefix string
}

// OIDCStore keeps the state of the oidc module's RelyingParty in Redis
// (it implements oidc.Store): the refresh lock and its result, so that
// the instances of an application make one refresh grant per session
// between them; the provider's tokens with KeepTokensInStore; used states
// and logout token ids; the back-channel logout index. Every key carries
// the hash tag the oidc package gives it, and every call touches one key,
// so it works on Redis Cluster. Values live as long as their time to
// live; nothing is scanned. It is safe for concurrent use.
//
// Create the client with ContextTimeoutEnabled, as for [New].
type OIDCStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewOIDCStore returns an OIDCStore using rdb, which the caller keeps and
// closes.
func NewOIDCStore(rdb redis.UniversalClient, opts OIDCOptions) *OIDCStore {
	if opts.Prefix == "" {
		opts.Prefix = DefaultOIDCPrefix
	}
	return &OIDCStore{rdb: rdb, prefix: escapeTag(opts.Prefix)}
}

// Get returns the value of key; found is false when there is none.
func (s *OIDCStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := s.rdb.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// Set stores value under key for ttl (at least a millisecond; a ttl of
// zero or less deletes key).
func (s *OIDCStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return s.rdb.Del(ctx, s.prefix+key).Err()
	}
	return s.rdb.Set(ctx, s.prefix+key, value, max(ttl, time.Millisecond)).Err()
}

// SetNew stores value under key for ttl when key holds no value (SET NX),
// and reports whether it did.
func (s *OIDCStore) SetNew(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	return s.rdb.SetNX(ctx, s.prefix+key, value, max(ttl, time.Millisecond)).Result()
}

// deleteIf deletes KEYS[1] while it holds ARGV[1].
var deleteIf = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Delete removes key; with a non-nil value, only while key holds it (one
// script, atomic).
func (s *OIDCStore) Delete(ctx context.Context, key string, value []byte) error {
	if value == nil {
		return s.rdb.Del(ctx, s.prefix+key).Err()
	}
	return deleteIf.Run(ctx, s.rdb, []string{s.prefix + key}, value).Err()
}

// AddMember adds member to the set under key and sets the set's time to
// live to ttl, in one transaction.
func (s *OIDCStore) AddMember(ctx context.Context, key, member string, ttl time.Duration) error {
	k := s.prefix + key
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, k, member)
		p.PExpire(ctx, k, max(ttl, time.Millisecond))
		return nil
	})
	return err
}

// Members returns the members of the set under key.
func (s *OIDCStore) Members(ctx context.Context, key string) ([]string, error) {
	return s.rdb.SMembers(ctx, s.prefix+key).Result()
}
