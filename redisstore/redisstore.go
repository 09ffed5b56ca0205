// Package redisstore is an authsession.Store in Redis, for applications
// that run several instances behind one load balancer: a session revoked
// on one instance is dead on all of them. It works with a single Redis
// server (with replicas or Sentinel) and with Redis Cluster.
//
// Each session is a hash under Prefix+"s:{"+userID+"}:"+id that expires
// with the session. Each user has a sorted set under Prefix+"u:{"+userID+"}"
// of their session ids scored by expiry, which expires with the user's last
// session; "log out everywhere" reads that set and never scans the
// keyspace. The braces make the user id the key's Redis Cluster hash tag,
// so all of a user's keys live in one slot and every write is one Lua
// script, atomic even on a cluster.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
//	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
//		Store: redisstore.New(rdb, redisstore.Options{}),
//	})
//
// Create the client with ContextTimeoutEnabled (redis.Options,
// redis.ClusterOptions or redis.UniversalOptions): without it go-redis
// ignores the context's deadline on the socket, and a frozen Redis holds
// each request for the client's ReadTimeout (5 s by default) instead of
// authsession.Config.StoreTimeout.
package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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
	// Braces in it are written as %7B and %7D, so that the user's id is
	// the only hash tag in a key.
	Prefix string

	// MaxSessionsPerUser caps each user's live sessions: a sign-in past it
	// ends the user's own session that expires soonest, in the same
	// script. Default authsession.DefaultMaxSessionsPerUser; a negative
	// value is treated as the default.
	MaxSessionsPerUser int

	// Now is the clock from which TTLs are computed. Default time.Now.
	Now func() time.Time

	// WaitReplicas is how many replicas must have a revocation (Revoke,
	// RevokeUser, a Touch that raises the generation) before it returns:
	// replication is asynchronous, and without waiting, a failover to a
	// replica can bring back a session whose logout the old master
	// answered just before it died. WaitConnected (0, the default) waits
	// for every replica connected to the master at the time, none when it
	// has none; a count n > 0 waits for n, so that a revocation fails
	// rather than returns while a replica is disconnected; NoWait (or any
	// negative value) never waits. A revocation the replicas do not
	// confirm within WaitTimeout returns ErrNotReplicated (the write
	// stays on the master; the engine keeps the revocation pending and
	// retries it). Waiting works with a *redis.Client (a single master, or
	// Sentinel's failover client) and a *redis.ClusterClient; other
	// clients never wait. It costs a revocation one more round trip (WAIT,
	// when the master has replicas; ROLE goes with the script) and the
	// replicas' delay.
	WaitReplicas int

	// WaitTimeout bounds the wait for replicas. Default DefaultWaitTimeout
	// (100 ms); keep it below authsession.Config.StoreTimeout, which
	// bounds the whole call.
	WaitTimeout time.Duration
}

// Store is an [authsession.Store] in Redis. It is safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	cap    int
	now    func() time.Time

	waitReplicas int // WaitConnected, NoWait or a count
	waitTimeout  time.Duration
}

var _ authsession.Store = (*Store)(nil)

// New returns a Store using rdb, which the caller keeps and closes: a
// *redis.Client, a *redis.ClusterClient, or any redis.UniversalClient
// (such as a failover client).
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.MaxSessionsPerUser <= 0 {
		opts.MaxSessionsPerUser = authsession.DefaultMaxSessionsPerUser
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{rdb: rdb, prefix: escapeTag(opts.Prefix), cap: opts.MaxSessionsPerUser, now: opts.Now,
		waitReplicas: max(opts.WaitReplicas, NoWait), waitTimeout: waitTimeoutOf(opts.WaitTimeout)}
}

// tagEscaper writes braces (and the escape character) as percent escapes:
// a user id then never ends its hash tag early, and two user ids never
// make the same key.
var tagEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")

func escapeTag(s string) string {
	if !strings.ContainsAny(s, "%{}") {
		return s
	}
	return tagEscaper.Replace(s)
}

// sessionPrefix is the key of the user's sessions without the session id.
// The user's escaped id between braces is the key's hash tag: the first
// "{" is the one before it (the prefix and "s:" have none) and the first
// "}" after it is the one after it, whatever the session id holds.
func (s *Store) sessionPrefix(userID string) string {
	return s.prefix + "s:{" + escapeTag(userID) + "}:"
}

func (s *Store) sessionKey(userID, id string) string {
	return s.prefix + "s:{" + escapeTag(userID) + "}:" + id // one allocation on the read path
}

func (s *Store) userKey(userID string) string { return s.prefix + "u:{" + escapeTag(userID) + "}" }

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// msOrZero is ms, with the zero time (none) as 0.
func msOrZero(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return ms(t)
}

// maxGeneration is the highest generation the scripts compare exactly
// (Lua numbers are doubles); the engine never comes near it.
const maxGeneration = 1<<53 - 1

// generation is g for the scripts, capped at maxGeneration.
func generation(g uint64) string { return strconv.FormatUint(min(g, maxGeneration), 10) }

// Create records rec with a TTL ending at rec.ExpiresAt, ending the user's
// sessions that expire soonest past MaxSessionsPerUser.
func (s *Store) Create(ctx context.Context, rec authsession.SessionRecord) error {
	now := s.now()
	ttl := rec.ExpiresAt.Sub(now).Milliseconds()
	if ttl <= 0 {
		return nil
	}
	err := createScript.Run(ctx, s.rdb, []string{s.sessionKey(rec.UserID, rec.ID), s.userKey(rec.UserID)},
		rec.UserID, ms(rec.CreatedAt), ms(rec.LastSeen), ms(rec.ExpiresAt), rec.Client,
		ttl, rec.ID, ms(now), s.cap, s.sessionPrefix(rec.UserID), generation(rec.Generation), msOrZero(rec.GraceUntil)).Err()
	if err != nil {
		return s.failed(ctx, "create", err)
	}
	return nil
}

// Get returns the user's live record with the given id.
func (s *Store) Get(ctx context.Context, userID, id string) (authsession.SessionRecord, bool, error) {
	m, err := s.rdb.HGetAll(ctx, s.sessionKey(userID, id)).Result()
	if err != nil {
		return authsession.SessionRecord{}, false, s.failed(ctx, "get", err)
	}
	if len(m) == 0 {
		return authsession.SessionRecord{}, false, nil
	}
	rec, err := decode(id, m)
	if err != nil {
		return authsession.SessionRecord{}, false, err
	}
	if rec.UserID != userID || !s.now().Before(rec.ExpiresAt) {
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
	// A record written before generations has neither field: 0, none.
	if g := m["g"]; g != "" {
		v, err := strconv.ParseUint(g, 10, 64)
		if err != nil {
			return authsession.SessionRecord{}, fmt.Errorf("%w: field %q", ErrCorrupt, "g")
		}
		rec.Generation = v
	}
	if gu := m["gu"]; gu != "" && gu != "0" {
		v, err := strconv.ParseInt(gu, 10, 64)
		if err != nil {
			return authsession.SessionRecord{}, fmt.Errorf("%w: field %q", ErrCorrupt, "gu")
		}
		rec.GraceUntil = time.UnixMilli(v)
	}
	return rec, nil
}

// Touch writes rec.LastSeen and rec.ExpiresAt (and so the TTL) to the live
// session rec.ID of rec.UserID, and raises its generation and grace end to
// rec's where they are higher, in one script.
func (s *Store) Touch(ctx context.Context, rec authsession.SessionRecord) error {
	ttl := rec.ExpiresAt.Sub(s.now()).Milliseconds()
	if ttl <= 0 {
		return s.Revoke(ctx, rec.UserID, rec.ID)
	}
	_, err := s.runRevocation(ctx, touchScript, raisedGeneration, []string{s.sessionKey(rec.UserID, rec.ID), s.userKey(rec.UserID)},
		rec.UserID, ms(rec.LastSeen), ms(rec.ExpiresAt), ttl, rec.ID, generation(rec.Generation), msOrZero(rec.GraceUntil))
	if err != nil {
		return s.failed(ctx, "touch", err)
	}
	return nil
}

// Revoke deletes the user's session with the given id.
func (s *Store) Revoke(ctx context.Context, userID, id string) error {
	_, err := s.runRevocation(ctx, revokeScript, always, []string{s.sessionKey(userID, id), s.userKey(userID)}, id)
	if err != nil {
		return s.failed(ctx, "revoke", err)
	}
	return nil
}

// RevokeUser deletes every session of the user, in one script, and
// returns how many were live.
func (s *Store) RevokeUser(ctx context.Context, userID string) (int, error) {
	reply, err := s.runRevocation(ctx, revokeUserScript, always, []string{s.userKey(userID)}, ms(s.now()), s.sessionPrefix(userID))
	if err != nil {
		return 0, s.failed(ctx, "revoke user", err)
	}
	n, _ := reply.(int64)
	return int(n), nil
}

// ListUser returns the user's live sessions (at most MaxSessionsPerUser),
// dropping index entries whose session is gone.
func (s *Store) ListUser(ctx context.Context, userID string) ([]authsession.SessionRecord, error) {
	now := s.now()
	reply, err := listScript.Run(ctx, s.rdb, []string{s.userKey(userID)}, ms(now), s.sessionPrefix(userID)).Slice()
	if err != nil {
		return nil, s.failed(ctx, "list user", err)
	}
	var out []authsession.SessionRecord
	for i := 0; i+1 < len(reply); i += 2 {
		id, _ := reply[i].(string)
		rec, err := decode(id, pairs(reply[i+1]))
		if err != nil || rec.UserID != userID || !now.Before(rec.ExpiresAt) {
			continue
		}
		out = append(out, rec)
	}
	return out, nil
}

// pairs turns an HGETALL reply returned from a script (a flat array of
// field, value) into a map.
func pairs(v any) map[string]string {
	a, _ := v.([]any)
	m := make(map[string]string, len(a)/2)
	for i := 0; i+1 < len(a); i += 2 {
		k, _ := a[i].(string)
		v, _ := a[i+1].(string)
		m[k] = v
	}
	return m
}
