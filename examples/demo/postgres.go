package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/authsession/authsession"
	"github.com/authsession/authsession/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoTable is the demo's table of sessions in PostgreSQL.
const demoTable = "authsession_demo_sessions"

// newPostgresStore connects to the PostgreSQL database at url
// (postgres://user@host:port/db), checks that it answers and creates the
// demo's table if it is missing. The URL's password never reaches an error
// message.
func newPostgresStore(url string) (authsession.Store, func() error, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, noClose, errors.New("demo: DATABASE_URL must be a postgres:// URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, noClose, errors.New("demo: DATABASE_URL is not a valid postgres:// URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, noClose, fmt.Errorf("demo: PostgreSQL at %s does not answer", cfg.ConnConfig.Host)
	}
	store, err := pgstore.New(ctx, pool, pgstore.Options{Table: demoTable})
	if err != nil {
		pool.Close()
		return nil, noClose, fmt.Errorf("demo: PostgreSQL at %s: %w", cfg.ConnConfig.Host, err)
	}
	return store, func() error {
		err := store.Close()
		pool.Close()
		return err
	}, nil
}
