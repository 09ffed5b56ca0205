package pgstore

import "errors"

// Sentinel errors. Every error the store returns wraps one of these, so
// callers test with [errors.Is]; a database failure also wraps the
// driver's error (a *pgconn.PgError, context.DeadlineExceeded, …).
// Messages hold no session id, user id or password.
var (
	// ErrConfig means New was given options it cannot use, or the table
	// they name exists without the columns the store needs.
	ErrConfig = errors.New("pgstore: invalid configuration")

	// ErrDatabase means a statement failed or did not finish before its
	// context was done: the server is down, slow, refused it, or the
	// connection broke. The engine treats it like any store failure
	// (see authsession.Config.StoreFailOpen).
	ErrDatabase = errors.New("pgstore: database operation failed")
)
