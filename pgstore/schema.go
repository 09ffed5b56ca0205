package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// maxNameBytes is the longest part of Options.Table: PostgreSQL cuts
// identifiers at 63 bytes, and the index's name adds "_expires_idx".
const maxNameBytes = 48

// tableName is Options.Table, parsed.
type tableName struct{ schema, name string }

func parseTable(s string) (tableName, error) {
	if s == "" {
		s = DefaultTable
	}
	parts := strings.Split(s, ".")
	if len(parts) > 2 {
		return tableName{}, fmt.Errorf("%w: Table %q: want \"name\" or \"schema.name\"", ErrConfig, s)
	}
	for _, p := range parts {
		if p == "" || len(p) > maxNameBytes || !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
			return tableName{}, fmt.Errorf("%w: Table %q: each part must be 1 to %d bytes of UTF-8 without NUL",
				ErrConfig, s, maxNameBytes)
		}
	}
	if len(parts) == 1 {
		return tableName{name: parts[0]}, nil
	}
	return tableName{schema: parts[0], name: parts[1]}, nil
}

// quoted is the table's name as SQL, each part quoted.
func (t tableName) quoted() string {
	if t.schema == "" {
		return pgx.Identifier{t.name}.Sanitize()
	}
	return pgx.Identifier{t.schema, t.name}.Sanitize()
}

// createSQL returns the statements creating the table and its index if
// they are missing.
//
// A session is one row, keyed by its owner ("" for an anonymous session)
// and its id. Everything of bytes is bytea: the engine's keys are of the
// URL-safe alphabet, but user ids, client descriptions and the sealed
// session are arbitrary bytes, which text cannot hold (no NUL, no invalid
// UTF-8). Times are timestamptz; grace_until is NULL when there is none,
// data NULL in cookie storage.
func (t tableName) createSQL() []string {
	q := t.quoted()
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + q + ` (
	owner       bytea       NOT NULL,
	id          bytea       NOT NULL,
	user_id     bytea       NOT NULL,
	created_at  timestamptz NOT NULL,
	last_seen   timestamptz NOT NULL,
	expires_at  timestamptz NOT NULL,
	client      bytea       NOT NULL,
	generation  bigint      NOT NULL CHECK (generation >= 0),
	grace_until timestamptz,
	data        bytea,
	PRIMARY KEY (owner, id)
)`,
		`CREATE INDEX IF NOT EXISTS ` + pgx.Identifier{t.name + "_expires_idx"}.Sanitize() + ` ON ` + q + ` (expires_at)`,
	}
}

// CreateTableSQL returns the statements that New runs to create the table
// opts.Table names, for a database where the application's role may not
// create tables: run them once as a role that may, then set
// Options.SkipCreateTable.
func CreateTableSQL(table string) (string, error) {
	t, err := parseTable(table)
	if err != nil {
		return "", err
	}
	return strings.Join(t.createSQL(), ";\n") + ";\n", nil
}

// advisoryKey is a key for pg_advisory_xact_lock naming something of the
// table: the table itself (kind "table", for its creation) or one owner's
// sessions (kind "owner"). Keys are 64 bits of SHA-256; two names sharing
// a key only wait for each other.
func advisoryKey(table, kind, name string) int64 {
	h := sha256.New()
	for _, part := range []string{"authsession/pgstore", table, kind, name} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return int64(binary.BigEndian.Uint64(h.Sum(nil)))
}

// createTable creates the table and its index if missing, in one
// transaction holding an advisory lock on the table's name: concurrent
// CREATE TABLE IF NOT EXISTS statements of several instances starting at
// once would otherwise fail on PostgreSQL's catalog unique indexes.
func (s *Store) createTable(ctx context.Context, t tableName) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockSQL, advisoryKey(s.table, "table", "")); err != nil {
			return err
		}
		for _, stmt := range t.createSQL() {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if isShapeError(err) {
		return fmt.Errorf("%w: cannot create table %s (see CreateTableSQL): %w", ErrConfig, s.table, err)
	}
	if err != nil {
		return fmt.Errorf("%w: create table %s: %w", ErrDatabase, s.table, err)
	}
	return nil
}

// columns are the table's columns and their types, as checkTable wants
// them.
var columns = []struct {
	name string
	oid  uint32
}{
	{"owner", pgtype.ByteaOID}, {"id", pgtype.ByteaOID}, {"user_id", pgtype.ByteaOID},
	{"created_at", pgtype.TimestamptzOID}, {"last_seen", pgtype.TimestamptzOID},
	{"expires_at", pgtype.TimestamptzOID}, {"client", pgtype.ByteaOID},
	{"generation", pgtype.Int8OID}, {"grace_until", pgtype.TimestamptzOID},
	{"data", pgtype.ByteaOID},
}

// checkTable makes sure every statement the store runs works on the
// table, so that a missing table, a missing column or index, or a column
// of another type fails New rather than a sign-in: it compares the
// columns' types and has every statement planned (nothing is run).
func (s *Store) checkTable(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("%w: check table %s: %w", ErrDatabase, s.table, err)
	}
	defer conn.Release()
	var isolation string
	if err := conn.QueryRow(ctx, "SELECT current_setting('transaction_isolation')").Scan(&isolation); err != nil {
		return fmt.Errorf("%w: check table %s: %w", ErrDatabase, s.table, err)
	}
	if isolation != "read committed" {
		// Its single statements need READ COMMITTED's re-check of a row
		// another transaction changed (see statements); stricter levels
		// fail such a statement instead.
		return fmt.Errorf("%w: the pool's connections run at %s: the store needs read committed, PostgreSQL's default "+
			"(set default_transaction_isolation in the pool's config, pgxpool.Config.ConnConfig.RuntimeParams)", ErrConfig, isolation)
	}
	pg := conn.Conn().PgConn()
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
	}
	sd, err := pg.Prepare(ctx, "", "SELECT "+strings.Join(names, ", ")+" FROM "+s.table+" LIMIT 0", nil)
	if err != nil {
		return s.tableError(err)
	}
	for i, f := range sd.Fields {
		if f.DataTypeOID != columns[i].oid {
			return fmt.Errorf("%w: table %s: column %s has type OID %d, want %d (see CreateTableSQL)",
				ErrConfig, s.table, columns[i].name, f.DataTypeOID, columns[i].oid)
		}
	}
	for _, stmt := range s.sql.all() {
		// EXPLAIN plans the statement without running it; planning is
		// where ON CONFLICT looks for its unique index. Parameters are
		// NULL, their types inferred.
		if err := pg.ExecParams(ctx, "EXPLAIN "+stmt, make([][]byte, params(stmt)), nil, nil, nil).Read().Err; err != nil {
			return s.tableError(err)
		}
	}
	return nil
}

// tableError reports a statement that failed to plan: an error of the
// table's shape is ErrConfig, anything else (a broken connection, a
// deadline) ErrDatabase.
func (s *Store) tableError(err error) error {
	if isShapeError(err) {
		return fmt.Errorf("%w: table %s does not fit the store (see CreateTableSQL): %w", ErrConfig, s.table, err)
	}
	return fmt.Errorf("%w: check table %s: %w", ErrDatabase, s.table, err)
}

// isShapeError reports whether err is PostgreSQL's class 42, syntax error
// or access rule violation: an undefined table, column or operator, a type
// mismatch, no unique index for ON CONFLICT, a missing privilege.
func isShapeError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "42")
}

var paramRE = regexp.MustCompile(`\$([0-9]+)`)

// params returns the number of parameters of stmt: its highest $n.
func params(stmt string) int {
	n := 0
	for _, m := range paramRE.FindAllStringSubmatch(stmt, -1) {
		v, _ := strconv.Atoi(m[1])
		n = max(n, v)
	}
	return n
}
