// Package redisstore is an authsession.Store in Redis, for applications
// that run several instances behind one load balancer: a session revoked
// on one instance is dead on all of them.
//
// Each session is a hash under Prefix+"s:"+id that expires with the
// session. Each user has a sorted set under Prefix+"u:"+userID of their
// session ids scored by expiry, which expires with the user's last session;
// "log out everywhere" reads that set and never scans the keyspace.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
//		Store: redisstore.New(rdb, redisstore.Options{}),
//	})
//
// Creating and touching a session runs a short Lua script over the
// session's key and its user's key, so the store needs a single Redis
// server (with replicas or Sentinel as you like), not Redis Cluster.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/authsession/authsession"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix when Options.Prefix is empty.
const DefaultPrefix = "authsession:"

// Options configures [New].
type Options struct {
	// Prefix starts every key the store writes. Default "authsession:".
	// Give each application sharing a Redis database its own prefix.
	Prefix string

	// Now is the clock from which TTLs are computed. Default time.Now.
	Now func() time.Time
}

// Store is an [authsession.Store] in Redis. It is safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

var _ authsession.Store = (*Store)(nil)

// New returns a Store using rdb, which the caller keeps and closes.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{rdb: rdb, prefix: opts.Prefix, now: opts.Now}
}

func (s *Store) sessionKey(id string) string  { return s.prefix + "s:" + id }
func (s *Store) userKey(userID string) string { return s.prefix + "u:" + userID }

// writeScript writes a session hash (KEYS[1]) and its entry in the user's
// index (KEYS[2]), and gives both their TTL. With ARGV[9] == "1" it only
// updates the last-seen time and expiry of an existing hash (touch), so a
// touch racing a revocation never brings the session back.
//
// ARGV: userID, createdMs, lastSeenMs, expiresMs, client, ttlMs, id, nowMs, touch.
var writeScript = redis.NewScript(`
if ARGV[9] == "1" then
	if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
	redis.call("HSET", KEYS[1], "ls", ARGV[3], "exp", ARGV[4])
else
	redis.call("DEL", KEYS[1])
	redis.call("HSET", KEYS[1], "uid", ARGV[1], "c", ARGV[2], "ls", ARGV[3], "exp", ARGV[4], "cl", ARGV[5])
end
redis.call("PEXPIRE", KEYS[1], ARGV[6])
redis.call("ZADD", KEYS[2], ARGV[4], ARGV[7])
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", ARGV[8])
if redis.call("PTTL", KEYS[2]) < tonumber(ARGV[6]) then
	redis.call("PEXPIRE", KEYS[2], ARGV[6])
end
return 1
`)

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// Create records rec with a TTL ending at rec.ExpiresAt.
func (s *Store) Create(ctx context.Context, rec authsession.SessionRecord) error {
	now := s.now()
	ttl := rec.ExpiresAt.Sub(now).Milliseconds()
	if ttl <= 0 {
		return nil
	}
	err := writeScript.Run(ctx, s.rdb, []string{s.sessionKey(rec.ID), s.userKey(rec.UserID)},
		rec.UserID, ms(rec.CreatedAt), ms(rec.LastSeen), ms(rec.ExpiresAt), rec.Client,
		ttl, rec.ID, ms(now), "0").Err()
	if err != nil {
		return fmt.Errorf("redisstore: create: %w", err)
	}
	return nil
}

// Get returns the live record with the given id.
func (s *Store) Get(ctx context.Context, id string) (authsession.SessionRecord, bool, error) {
	m, err := s.rdb.HGetAll(ctx, s.sessionKey(id)).Result()
	if err != nil {
		return authsession.SessionRecord{}, false, fmt.Errorf("redisstore: get: %w", err)
	}
	if len(m) == 0 {
		return authsession.SessionRecord{}, false, nil
	}
	rec, err := decode(id, m)
	if err != nil {
		return authsession.SessionRecord{}, false, err
	}
	if !s.now().Before(rec.ExpiresAt) {
		return authsession.SessionRecord{}, false, nil
	}
	return rec, true, nil
}

func decode(id string, m map[string]string) (authsession.SessionRecord, error) {
	rec := authsession.SessionRecord{ID: id, UserID: m["uid"], Client: m["cl"]}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"c", &rec.CreatedAt}, {"ls", &rec.LastSeen}, {"exp", &rec.ExpiresAt}} {
		v, err := strconv.ParseInt(m[f.name], 10, 64)
		if err != nil {
			return authsession.SessionRecord{}, fmt.Errorf("%w: field %q", ErrCorrupt, f.name)
		}
		*f.dst = time.UnixMilli(v)
	}
	if rec.UserID == "" {
		return authsession.SessionRecord{}, fmt.Errorf("%w: no user id", ErrCorrupt)
	}
	return rec, nil
}

// Touch sets the last-seen time and expiry (and so the TTL) of a live
// session.
func (s *Store) Touch(ctx context.Context, id string, lastSeen, expiresAt time.Time) error {
	now := s.now()
	key := s.sessionKey(id)
	uid, err := s.rdb.HGet(ctx, key, "uid").Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("redisstore: touch: %w", err)
	}
	ttl := expiresAt.Sub(now).Milliseconds()
	if ttl <= 0 {
		return s.revoke(ctx, id, uid)
	}
	err = writeScript.Run(ctx, s.rdb, []string{key, s.userKey(uid)},
		uid, "", ms(lastSeen), ms(expiresAt), "", ttl, id, ms(now), "1").Err()
	if err != nil {
		return fmt.Errorf("redisstore: touch: %w", err)
	}
	return nil
}

// Revoke deletes the session with the given id.
func (s *Store) Revoke(ctx context.Context, id string) error {
	uid, err := s.rdb.HGet(ctx, s.sessionKey(id), "uid").Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("redisstore: revoke: %w", err)
	}
	return s.revoke(ctx, id, uid)
}

func (s *Store) revoke(ctx context.Context, id, uid string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.sessionKey(id))
		p.ZRem(ctx, s.userKey(uid), id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: revoke: %w", err)
	}
	return nil
}

// batch bounds the keys sent in one command.
const batch = 512

// RevokeUser deletes every session in the user's index and returns how
// many were live. A session created while it runs may survive it.
func (s *Store) RevokeUser(ctx context.Context, userID string) (int, error) {
	now := s.now().UnixMilli()
	ukey := s.userKey(userID)
	entries, err := s.rdb.ZRangeWithScores(ctx, ukey, 0, -1).Result()
	if err != nil {
		return 0, fmt.Errorf("redisstore: revoke user: %w", err)
	}
	n := 0
	for len(entries) > 0 {
		chunk := entries[:min(batch, len(entries))]
		entries = entries[len(chunk):]
		dels := make([]*redis.IntCmd, len(chunk))
		members := make([]any, len(chunk))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, z := range chunk {
				id, _ := z.Member.(string)
				dels[i], members[i] = p.Del(ctx, s.sessionKey(id)), id
			}
			p.ZRem(ctx, ukey, members...)
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("redisstore: revoke user: %w", err)
		}
		for i, d := range dels {
			if d.Val() == 1 && int64(chunk[i].Score) > now {
				n++
			}
		}
	}
	return n, nil
}

// ListUser returns the user's live sessions, dropping index entries whose
// session is gone.
func (s *Store) ListUser(ctx context.Context, userID string) ([]authsession.SessionRecord, error) {
	now := s.now()
	ukey := s.userKey(userID)
	ids, err := s.rdb.ZRangeByScore(ctx, ukey, &redis.ZRangeBy{Min: "(" + ms(now), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list user: %w", err)
	}
	var out []authsession.SessionRecord
	var stale []any
	for len(ids) > 0 {
		chunk := ids[:min(batch, len(ids))]
		ids = ids[len(chunk):]
		cmds := make([]*redis.MapStringStringCmd, len(chunk))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range chunk {
				cmds[i] = p.HGetAll(ctx, s.sessionKey(id))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("redisstore: list user: %w", err)
		}
		for i, c := range cmds {
			m := c.Val()
			if len(m) == 0 {
				stale = append(stale, chunk[i])
				continue
			}
			rec, err := decode(chunk[i], m)
			if err != nil || rec.UserID != userID || !now.Before(rec.ExpiresAt) {
				continue
			}
			out = append(out, rec)
		}
	}
	if len(stale) > 0 {
		// Best effort: a failure here leaves entries a later call drops.
		_ = s.rdb.ZRem(ctx, ukey, stale...).Err()
	}
	return out, nil
}
