package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// NewWithCleanupHooks is New with the cleanup goroutine driven by tick
// instead of a ticker, calling after with each pass's result.
func NewWithCleanupHooks(ctx context.Context, pool *pgxpool.Pool, opts Options, tick <-chan time.Time, after func(int64, error)) (*Store, error) {
	return newStore(ctx, pool, opts, &cleanupHooks{tick: tick, after: after})
}

// CleanupRunning reports whether s has a cleanup goroutine that has not
// ended.
func CleanupRunning(s *Store) bool {
	if s.cleaner == nil {
		return false
	}
	select {
	case <-s.cleaner.done:
		return false
	default:
		return true
	}
}

// CleanupDone returns the channel closed when s's cleanup goroutine ends
// (nil without one).
func CleanupDone(s *Store) <-chan struct{} {
	if s.cleaner == nil {
		return nil
	}
	return s.cleaner.done
}
