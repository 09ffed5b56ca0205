// Package pgstore is an authsession.Store in PostgreSQL, for applications
// that run several instances on one database: a session revoked on one
// instance is dead on all of them. It uses github.com/jackc/pgx/v5 through
// a *pgxpool.Pool that the application creates and closes.
//
//	pool, err := pgxpool.New(ctx, "postgres://app@db.internal/app")
//	...
//	store, err := pgstore.New(ctx, pool, pgstore.Options{})
//	...
//	defer store.Close()
//	auth, err := authsession.NextAuthSession(authsession.Config[authsession.User]{
//		Store: store,
//	})
//
// New creates the table if it is missing (several instances starting at
// once is safe) and starts a goroutine that deletes expired rows until
// Close. Each session is one row keyed by its owner and id; a check of a
// session, with its last-seen write, is one statement, and so is a save
// (a compare-and-swap on the session's generation). Every statement runs
// under the context it is given: a server that is down or slow makes the
// call fail with [ErrDatabase] when the context is done.
package pgstore

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/authsession/authsession"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultTable is the table's name when Options.Table is empty.
const DefaultTable = "authsession_sessions"

// DefaultCleanupInterval is how often expired rows are deleted when
// Options.CleanupInterval is zero.
const DefaultCleanupInterval = 5 * time.Minute

// Options configures [New].
type Options struct {
	// Table names the table of sessions: "name" (found through the
	// connection's search_path) or "schema.name". Each part is taken
	// literally (case and all) and may be up to 48 bytes. Default
	// DefaultTable. Give each application sharing a database its own.
	Table string

	// SkipCreateTable makes New check that the table exists with the
	// columns the store needs instead of creating it, for a database role
	// that may not create tables (PostgreSQL 15 and later grant no CREATE
	// on the public schema by default). CreateTableSQL returns the
	// statements to run once by hand.
	SkipCreateTable bool

	// MaxSessionsPerUser caps each user's live sessions: a sign-in past it
	// ends the user's own session that expires soonest, in the same
	// transaction. Default authsession.DefaultMaxSessionsPerUser; a
	// negative value is treated as the default.
	MaxSessionsPerUser int

	// CleanupInterval is how often the store deletes expired rows (they
	// are never returned, only kept until then). Default
	// DefaultCleanupInterval; a negative value starts no cleanup: call
	// DeleteExpired yourself.
	CleanupInterval time.Duration

	// Now is the clock deciding expiry. Default time.Now. Pass the same
	// clock as authsession.Config.Now.
	Now func() time.Time
}

// Store is an [authsession.Store] in PostgreSQL. It is safe for
// concurrent use. Close stops its cleanup; the pool stays the caller's.
type Store struct {
	pool    *pgxpool.Pool
	table   string // the quoted, possibly schema-qualified name
	cap     int
	now     func() time.Time
	sql     statements
	cleaner *cleaner // nil without a cleanup goroutine
}

var _ authsession.Store = (*Store)(nil)

// New returns a Store keeping sessions in the table opts names, which it
// creates if missing (unless opts.SkipCreateTable) and checks, under ctx.
// It fails with ErrConfig for unusable options or a table of another
// shape, and with ErrDatabase when the database cannot be reached.
func New(ctx context.Context, pool *pgxpool.Pool, opts Options) (*Store, error) {
	return newStore(ctx, pool, opts, nil)
}

// newStore is New; a non-nil hooks replaces the cleanup's ticker and
// reports each pass (for tests).
func newStore(ctx context.Context, pool *pgxpool.Pool, opts Options, hooks *cleanupHooks) (*Store, error) {
	if pool == nil {
		return nil, fmt.Errorf("%w: nil pool", ErrConfig)
	}
	table, err := parseTable(opts.Table)
	if err != nil {
		return nil, err
	}
	if opts.MaxSessionsPerUser <= 0 {
		opts.MaxSessionsPerUser = authsession.DefaultMaxSessionsPerUser
	}
	if opts.CleanupInterval == 0 {
		opts.CleanupInterval = DefaultCleanupInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Store{
		pool:  pool,
		table: table.quoted(),
		cap:   opts.MaxSessionsPerUser,
		now:   opts.Now,
	}
	s.sql = newStatements(table)
	if !opts.SkipCreateTable {
		if err := s.createTable(ctx, table); err != nil {
			return nil, err
		}
	}
	if err := s.checkTable(ctx); err != nil {
		return nil, err
	}
	if opts.CleanupInterval > 0 || hooks != nil {
		s.cleaner = startCleaner(pool, s.sql.deleteExpired, opts.Now, opts.CleanupInterval, hooks)
		// The goroutine holds the cleaner, not s: a Store that becomes
		// unreachable without Close stops its cleanup too.
		runtime.AddCleanup(s, (*cleaner).stop, s.cleaner)
	}
	return s, nil
}

// Close stops the cleanup goroutine and waits until it has ended; a pass
// in progress is cancelled. It does not close the pool. Close is safe to
// call more than once; the store's other methods keep working after it.
func (s *Store) Close() error {
	if s.cleaner != nil {
		s.cleaner.stop()
		<-s.cleaner.done
	}
	return nil
}

// DeleteExpired deletes every expired row now, in batches, and returns
// how many it deleted. The cleanup goroutine calls it every
// CleanupInterval; call it yourself when that is negative.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	return deleteExpired(ctx, s.pool, s.sql.deleteExpired, s.now())
}

// cleanupHooks lets tests drive the cleanup goroutine.
type cleanupHooks struct {
	tick  <-chan time.Time       // replaces the ticker
	after func(n int64, e error) // called after each pass
}

// cleaner is the goroutine deleting expired rows.
type cleaner struct {
	cancel context.CancelFunc
	once   sync.Once
	done   chan struct{}
}

func (c *cleaner) stop() { c.once.Do(c.cancel) }
