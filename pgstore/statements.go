package pgstore

// lockSQL takes a transaction-level advisory lock (see advisoryKey),
// released when the transaction ends.
const lockSQL = `SELECT pg_advisory_xact_lock($1)`

// deleteBatch is how many expired rows one statement of DeleteExpired
// deletes, so that no statement holds many row locks for long.
const deleteBatch = 5000

// statements are the store's SQL, written for one table. A session is
// named by $1 owner and $2 id (the primary key); times come from the
// store's clock as parameters, never from the server's now(), and a row
// whose expires_at is not after that time is never read or changed.
//
// Each runs as one statement at READ COMMITTED: an UPDATE or DELETE that
// waits for another transaction's row lock re-checks its WHERE clause on
// the row as that transaction left it, so a save over a generation that
// moved, or of a row just deleted, changes nothing.
type statements struct {
	get, getTouch, upsert, trim, save, saveEnd, revoke, revokeUser, list, deleteExpired string
}

// fields are the columns read back into a record, in targets' order.
const fields = `user_id, created_at, last_seen, expires_at, client, generation, grace_until`

func newStatements(t tableName) statements {
	q := t.quoted()
	const session = `owner = $1 AND id = $2`
	return statements{
		// $3 now.
		get: `SELECT ` + fields + `, data FROM ` + q + ` WHERE ` + session + ` AND expires_at > $3`,

		// The touch and the read in one statement: the UPDATE writes a
		// due touch and returns the row as touched; the SELECT returns
		// the row when the touch is not due (it reads the row as it was
		// before the statement, hence NOT EXISTS). GREATEST ignores NULL:
		// a touch without an expiry keeps the row's. $3 now, $4 before,
		// $5 seen, $6 expires.
		getTouch: `WITH touched AS (
	UPDATE ` + q + ` SET last_seen = $5, expires_at = GREATEST(expires_at, $6)
	WHERE ` + session + ` AND expires_at > $3 AND last_seen < $4
	RETURNING ` + fields + `, data)
SELECT * FROM touched
UNION ALL
SELECT ` + fields + `, data FROM ` + q + ` WHERE ` + session + ` AND expires_at > $3 AND NOT EXISTS (SELECT FROM touched)`,

		// $3 user id, $4 created, $5 last seen, $6 expires, $7 client,
		// $8 generation, $9 grace until, $10 data.
		upsert: `INSERT INTO ` + q + ` (owner, id, user_id, created_at, last_seen, expires_at, client, generation, grace_until, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (owner, id) DO UPDATE SET user_id = EXCLUDED.user_id, created_at = EXCLUDED.created_at,
	last_seen = EXCLUDED.last_seen, expires_at = EXCLUDED.expires_at, client = EXCLUDED.client,
	generation = EXCLUDED.generation, grace_until = EXCLUDED.grace_until, data = EXCLUDED.data`,

		// Deletes the owner's expired rows and, while the owner has more
		// than the cap of live ones, those expiring soonest other than
		// the session just written. $2 the new session's id, $3 now, $4
		// cap.
		trim: `DELETE FROM ` + q + ` WHERE owner = $1 AND (expires_at <= $3 OR id IN (
	SELECT id FROM ` + q + ` WHERE owner = $1 AND id <> $2 AND expires_at > $3
	ORDER BY expires_at, created_at, id
	LIMIT GREATEST((SELECT count(*) FROM ` + q + ` WHERE owner = $1 AND expires_at > $3) - $4, 0)))`,

		// Compare and swap on the generation. $3 now, $4 previous
		// generation, $5 data, $6 last seen, $7 expires, $8 generation,
		// $9 grace until.
		save: `UPDATE ` + q + ` SET data = $5, last_seen = $6, expires_at = $7, generation = $8, grace_until = $9
WHERE ` + session + ` AND expires_at > $3 AND generation = $4`,

		// A save whose expiry has passed ends the row. $3 now, $4
		// previous generation.
		saveEnd: `DELETE FROM ` + q + ` WHERE ` + session + ` AND expires_at > $3 AND generation = $4`,

		revoke: `DELETE FROM ` + q + ` WHERE ` + session,

		// $1 owner, $2 now; counts the live rows deleted.
		revokeUser: `WITH d AS (DELETE FROM ` + q + ` WHERE owner = $1 RETURNING expires_at)
SELECT count(*) FILTER (WHERE expires_at > $2) FROM d`,

		// $1 owner, $2 now, $3 cap. Without data.
		list: `SELECT id, ` + fields + ` FROM ` + q +
			` WHERE owner = $1 AND expires_at > $2 ORDER BY expires_at DESC, id LIMIT $3`,

		// SKIP LOCKED: two instances cleaning up at once share the work
		// instead of waiting for each other. $1 now, $2 batch size.
		deleteExpired: `DELETE FROM ` + q + ` WHERE (owner, id) IN (
	SELECT owner, id FROM ` + q + ` WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	}
}

// all returns every statement, for checkTable.
func (st statements) all() []string {
	return []string{st.get, st.getTouch, st.upsert, st.trim, st.save, st.saveEnd, st.revoke, st.revokeUser, st.list, st.deleteExpired}
}
