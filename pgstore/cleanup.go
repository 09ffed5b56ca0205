package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// startCleaner starts the goroutine that runs deleteExpired every
// interval, each pass under a deadline of one interval (so passes never
// pile up), until stopped. hooks, when set, replace the ticker and see
// each pass.
func startCleaner(pool *pgxpool.Pool, sql string, now func() time.Time, interval time.Duration, hooks *cleanupHooks) *cleaner {
	ctx, cancel := context.WithCancel(context.Background())
	c := &cleaner{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		var tick <-chan time.Time
		after := func(int64, error) {}
		if hooks != nil {
			tick, after = hooks.tick, hooks.after
		} else {
			t := time.NewTicker(interval)
			defer t.Stop()
			tick = t.C
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
			pass, cancelPass := context.WithTimeout(ctx, interval)
			n, err := deleteExpired(pass, pool, sql, now())
			cancelPass()
			after(n, err)
		}
	}()
	return c
}

// deleteExpired deletes the rows that expired by now, deleteBatch at a
// time, until a batch finds fewer; it returns how many it deleted.
func deleteExpired(ctx context.Context, pool *pgxpool.Pool, sql string, now time.Time) (int64, error) {
	var total int64
	for {
		tag, err := pool.Exec(ctx, sql, now, deleteBatch)
		if err != nil {
			return total, fmt.Errorf("%w: delete expired: %w", ErrDatabase, err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < deleteBatch {
			return total, nil
		}
	}
}
