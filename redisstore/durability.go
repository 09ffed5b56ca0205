package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis replicates asynchronously: a master answers a write before its
// replicas have it, and when it dies the replica promoted in its place may
// lack the last writes it answered. For a revocation that is a logged-out
// session that comes back. So the store's revocations (Revoke, RevokeUser,
// and a Save that ends a session or, in cookie storage, raises its
// generation) run on one connection
// to the master that owns the user's keys and are followed, on that
// connection, by WAIT: they return only once the replicas have them, or
// fail (ErrNotReplicated), so that the engine keeps the revocation pending
// and retries it (see Options.WaitReplicas).

// Values of Options.WaitReplicas besides a count.
const (
	// WaitConnected waits for every replica connected to the master at
	// the time of the write (read with ROLE); a master without replicas
	// is not waited for. The default.
	WaitConnected = 0
	// NoWait never waits: replication stays asynchronous, and a failover
	// can lose the revocations a master answered in its last moments.
	NoWait = -1
)

// DefaultWaitTimeout is how long a revocation waits for its replicas
// when Options.WaitTimeout is zero: far above a healthy replica's delay
// (well under a millisecond on one network) and well inside the engine's
// default StoreTimeout (250 ms), which bounds the whole call.
const DefaultWaitTimeout = 100 * time.Millisecond

// revocationNeedsWait reports whether a write script's reply says it
// revoked something that a failover must not bring back.
type revocationNeedsWait func(reply any) bool

// always is revocationNeedsWait for scripts that always revoke.
func always(any) bool { return true }

// runRevocation runs a revocation script on the master that owns keys[0]
// and then waits for its replicas as Options.WaitReplicas says, when
// needsWait(reply) is true. With NoWait, or a client other than a
// *redis.Client or *redis.ClusterClient (such as a Ring), it runs the
// script like any other command.
func (s *Store) runRevocation(ctx context.Context, script *redis.Script, needsWait revocationNeedsWait, keys []string, args ...any) (any, error) {
	var node *redis.Client
	switch c := s.rdb.(type) {
	case *redis.Client:
		node = c
	case *redis.ClusterClient:
		if s.waitReplicas != NoWait {
			var err error
			if node, err = c.MasterForKey(ctx, keys[0]); err != nil {
				return nil, err
			}
		}
	}
	if node == nil || s.waitReplicas == NoWait {
		return script.Run(ctx, s.rdb, keys, args...).Result()
	}
	// WAIT counts the replicas that have every write made on its own
	// connection: the script and the WAIT share one.
	conn := node.Conn()
	defer conn.Close()
	reply, replicas, err := s.evalAndRole(ctx, conn, script, keys, args...)
	if err != nil || !needsWait(reply) {
		return reply, err // on an error, the caller's s.failed reloads a cluster's layout
	}
	want := s.waitReplicas
	if want == WaitConnected {
		if replicas == 0 {
			return reply, nil
		}
		want = replicas
	}
	return reply, s.awaitReplicas(ctx, conn, want)
}

// evalAndRole runs script on conn and, for WaitConnected, ROLE, in one
// round trip, and returns the script's reply and how many replicas the
// master has connected. A script the server does not hold yet (NOSCRIPT)
// is sent again in full.
func (s *Store) evalAndRole(ctx context.Context, conn *redis.Conn, script *redis.Script, keys []string, args ...any) (any, int, error) {
	withRole := s.waitReplicas == WaitConnected
	var cmd, role *redis.Cmd
	for _, eval := range []func(context.Context, redis.Scripter, []string, ...any) *redis.Cmd{script.EvalSha, script.Eval} {
		conn.Pipelined(ctx, func(p redis.Pipeliner) error {
			cmd = eval(ctx, p, keys, args...)
			if withRole {
				role = p.Do(ctx, "ROLE")
			}
			return nil
		})
		if !redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			break
		}
	}
	reply, err := cmd.Result()
	if err != nil || !withRole {
		return reply, 0, err
	}
	n, err := connectedReplicas(role)
	return reply, n, err
}

// awaitReplicas waits, on conn, until want replicas have every write made
// on conn.
func (s *Store) awaitReplicas(ctx context.Context, conn *redis.Conn, want int) error {
	got, err := conn.Wait(ctx, want, s.waitTimeout).Result()
	if err != nil {
		return fmt.Errorf("wait for replicas: %w", err)
	}
	if got < int64(want) {
		return fmt.Errorf("%w: %d of %d within %v", ErrNotReplicated, got, want, s.waitTimeout)
	}
	return nil
}

// errNotMaster reports a ROLE reply that is not a master's.
var errNotMaster = errors.New("the node is not a master")

// connectedReplicas reads a ROLE reply: a master answers ["master",
// offset, [[ip, port, offset], …]], one entry per connected replica.
func connectedReplicas(role *redis.Cmd) (int, error) {
	r, err := role.Slice()
	if err != nil {
		return 0, fmt.Errorf("role: %w", err)
	}
	if len(r) < 3 || r[0] != "master" {
		return 0, fmt.Errorf("role: %w", errNotMaster)
	}
	replicas, _ := r[2].([]any)
	return len(replicas), nil
}

// waitTimeoutOf is Options.WaitTimeout with its default, at least the
// millisecond WAIT counts in (WAIT 0 would wait for ever).
func waitTimeoutOf(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultWaitTimeout
	}
	return max(d, time.Millisecond)
}

// failed wraps the error of a store call named op. On a Redis Cluster it
// also asks the client to read the cluster's layout again: go-redis learns
// that a master died and a replica took its slots only from a MOVED reply
// or its periodic reload (ClusterOptions.ClusterStateReloadInterval, 60 s
// by default), and until then every call for those slots goes to the dead
// master and fails. The reloads are coalesced (one at a time, at most one
// every 200 ms).
func (s *Store) failed(ctx context.Context, op string, err error) error {
	if c, ok := s.rdb.(*redis.ClusterClient); ok {
		c.ReloadState(ctx)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}
