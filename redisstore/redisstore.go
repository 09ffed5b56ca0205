// Package redisstore is an authsession.Store in Redis, for applications
// that run several instances behind one load balancer: a session revoked
// on one instance is dead on all of them. It works with a single Redis
// server (with replicas or Sentinel) and with Redis Cluster.
//
// A signed-in session is a hash under Prefix+"s:{"+owner+"}:"+id that
// expires with the session (the owner is the engine's digest of the user
// id). Each owner has a sorted set under Prefix+"u:{"+owner+"}" of their
// session ids scored by expiry, which expires with the owner's last
// session; "log out everywhere" reads that set and never scans the
// keyspace. The braces make the owner the key's Redis Cluster hash tag,
// so all of a user's keys live in one slot and every write is one Lua
// script, atomic even on a cluster. An anonymous session belongs to
// nobody: it is a hash under Prefix+"a:{"+id+"}", in its own slot.
//
// A session check is one round trip (a due last-seen write is folded into
// it by a script), and so is a save: a script that compares and swaps the
// session's generation.
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

	// WaitReplicas is how many replicas must have a revocation before it
	// returns: Revoke, RevokeUser, and a Save that ends its session or,
	// in cookie storage (a record without Data), raises its generation,
	// which ends the session's older tokens. Replication is
	// asynchronous, and without waiting, a failover to a replica can
	// bring back a session whose logout the old master answered just
	// before it died. WaitConnected (0, the default) waits for every
	// replica connected to the master at the time, none when it has none;
	// a count n > 0 waits for n, so that a revocation fails rather than
	// returns while a replica is disconnected; NoWait (or any negative
	// value) never waits. A revocation the replicas do not confirm within
	// WaitTimeout returns ErrNotReplicated (the write stays on the
	// master; the engine keeps the revocation pending and retries it).
	// Sign-ins, session checks and saves of server storage's data never
	// wait: a failover may lose the last of those, as Redis's
	// asynchronous replication does. Waiting works with a *redis.Client
	// (a single master, or Sentinel's failover client) and a
	// *redis.ClusterClient; other clients never wait. It costs a
	// revocation one more round trip (WAIT, when the master has replicas;
	// ROLE goes with the script) and the replicas' delay.
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

// tagEscaper writes braces (and the escape character) as percent escapes,
// so that an owner or id never ends its hash tag early and two of them
// never make the same key. The engine's owners and ids (URL-safe base64)
// hold none of these; the escaping keeps keys sound whatever a caller
// passes.
var tagEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")

func escapeTag(s string) string {
	if !strings.ContainsAny(s, "%{}") {
		return s
	}
	return tagEscaper.Replace(s)
}

// sessionPrefix is the key of the owner's sessions without the session
// id. The owner's escaped name between braces is the key's hash tag: the
// first "{" is the one before it (the prefix and "s:" have none) and the
// first "}" after it is the one after it, whatever the session id holds.
func (s *Store) sessionPrefix(owner string) string {
	return s.prefix + "s:{" + escapeTag(owner) + "}:"
}

// sessionKey is the hash of a session: under its owner's hash tag, or,
// for an anonymous session (owner ""), under its own id's.
func (s *Store) sessionKey(owner, id string) string {
	if owner == "" {
		return s.prefix + "a:{" + escapeTag(id) + "}"
	}
	return s.prefix + "s:{" + escapeTag(owner) + "}:" + id // one allocation on the read path
}

func (s *Store) userKey(owner string) string { return s.prefix + "u:{" + escapeTag(owner) + "}" }

// keys returns the keys a script over one session reaches: its hash, and
// for a signed-in session the owner's index.
func (s *Store) keys(owner, id string) []string {
	if owner == "" {
		return []string{s.sessionKey(owner, id)}
	}
	return []string{s.sessionKey(owner, id), s.userKey(owner)}
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// msOrZero is ms, with the zero time (none) as 0.
func msOrZero(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return ms(t)
}

// data is how the scripts take Data: a flag ("1" when there is data, so
// that nil and empty stay apart from "no field") and the bytes.
func data(d []byte) (string, []byte) {
	if d == nil {
		return "0", nil
	}
	return "1", d
}
