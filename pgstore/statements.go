package pgstore

// lockSQL takes a transaction-level advisory lock (see advisoryKey),
// released when the transaction ends.
const lockSQL = `SELECT pg_advisory_xact_lock($1)`

// deleteBatch is how many expired rows one statement of DeleteExpired
// deletes, so that no statement holds many row locks for long.
const deleteBatch = 5000

// statements are the store's SQL, written for one table. Every statement
// names a session by the hashes of its user id and id (the primary key)
// and compares the ids themselves too; times come from the store's clock
// as parameters, never from the server's now().
type statements struct {
	get, upsert, trim, touch, revoke, revokeUser, list, deleteExpired string
}

func newStatements(t tableName) statements {
	q := t.quoted()
	const session = `user_hash = $1 AND id_hash = $2 AND user_id = $3 AND id = $4`
	return statements{
		// $5 now.
		get: `SELECT created_at, last_seen, expires_at, client, generation, grace_until FROM ` + q +
			` WHERE ` + session + ` AND expires_at > $5`,

		// $5 created, $6 last seen, $7 expires, $8 client, $9
		// generation, $10 grace until.
		upsert: `INSERT INTO ` + q + ` (user_hash, id_hash, user_id, id, created_at, last_seen, expires_at, client, generation, grace_until)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (user_hash, id_hash) DO UPDATE SET user_id = EXCLUDED.user_id, id = EXCLUDED.id,
	created_at = EXCLUDED.created_at, last_seen = EXCLUDED.last_seen, expires_at = EXCLUDED.expires_at,
	client = EXCLUDED.client, generation = EXCLUDED.generation, grace_until = EXCLUDED.grace_until`,

		// Deletes the user's expired rows and, while the user has more
		// than the cap of live ones, those expiring soonest other than
		// the session just written. $1 user hash, $2 user id, $3 id hash
		// of the new session, $4 now, $5 cap.
		trim: `DELETE FROM ` + q + ` WHERE user_hash = $1 AND user_id = $2 AND (expires_at <= $4 OR id_hash IN (
	SELECT id_hash FROM ` + q + ` WHERE user_hash = $1 AND user_id = $2 AND id_hash <> $3 AND expires_at > $4
	ORDER BY expires_at, created_at, id_hash
	LIMIT GREATEST((SELECT count(*) FROM ` + q + ` WHERE user_hash = $1 AND user_id = $2 AND expires_at > $4) - $5, 0)))`,

		// GREATEST ignores NULL: a touch without a grace end keeps the
		// row's. $5 last seen, $6 expires, $7 generation, $8 grace
		// until, $9 now.
		touch: `UPDATE ` + q + ` SET last_seen = $5, expires_at = $6,
	generation = GREATEST(generation, $7), grace_until = GREATEST(grace_until, $8)
WHERE ` + session + ` AND expires_at > $9`,

		revoke: `DELETE FROM ` + q + ` WHERE ` + session,

		// $1 user hash, $2 user id, $3 now; counts the live rows deleted.
		revokeUser: `WITH d AS (DELETE FROM ` + q + ` WHERE user_hash = $1 AND user_id = $2 RETURNING expires_at)
SELECT count(*) FILTER (WHERE expires_at > $3) FROM d`,

		// $1 user hash, $2 user id, $3 now, $4 cap.
		list: `SELECT id, created_at, last_seen, expires_at, client, generation, grace_until FROM ` + q +
			` WHERE user_hash = $1 AND user_id = $2 AND expires_at > $3 ORDER BY expires_at DESC, id_hash LIMIT $4`,

		// SKIP LOCKED: two instances cleaning up at once share the work
		// instead of waiting for each other. $1 now, $2 batch size.
		deleteExpired: `DELETE FROM ` + q + ` WHERE (user_hash, id_hash) IN (
	SELECT user_hash, id_hash FROM ` + q + ` WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
	}
}

// all returns every statement, for checkTable.
func (st statements) all() []string {
	return []string{st.get, st.upsert, st.trim, st.touch, st.revoke, st.revokeUser, st.list, st.deleteExpired}
}
