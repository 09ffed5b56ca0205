package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/authsession/authsession"
)

// Create records rec with a TTL ending at rec.ExpiresAt. For a signed-in
// session it also ends the owner's sessions that expire soonest past
// MaxSessionsPerUser, in the same script.
func (s *Store) Create(ctx context.Context, rec authsession.SessionRecord) error {
	now := s.now()
	ttl := rec.ExpiresAt.Sub(now).Milliseconds()
	if ttl <= 0 {
		return nil
	}
	hasData, d := data(rec.Data)
	var err error
	if rec.Owner == "" {
		err = createAnonScript.Run(ctx, s.rdb, s.keys(rec.Owner, rec.ID),
			rec.UserID, ms(rec.CreatedAt), ms(rec.LastSeen), ms(rec.ExpiresAt), rec.Client,
			ttl, strconv.FormatUint(rec.Generation, 10), msOrZero(rec.GraceUntil), hasData, d).Err()
	} else {
		err = createScript.Run(ctx, s.rdb, s.keys(rec.Owner, rec.ID),
			rec.UserID, ms(rec.CreatedAt), ms(rec.LastSeen), ms(rec.ExpiresAt), rec.Client,
			ttl, rec.ID, ms(now), s.cap, s.sessionPrefix(rec.Owner),
			strconv.FormatUint(rec.Generation, 10), msOrZero(rec.GraceUntil), hasData, d).Err()
	}
	if err != nil {
		return s.failed(ctx, "create", err)
	}
	return nil
}

// Get returns the live record of owner and id, Data included: one HGETALL,
// or, when touch is due, one script that writes it and returns the
// record as touched.
func (s *Store) Get(ctx context.Context, owner, id string, touch authsession.Touch) (authsession.SessionRecord, bool, error) {
	var m map[string]string
	if touch.Before.IsZero() {
		var err error
		if m, err = s.rdb.HGetAll(ctx, s.sessionKey(owner, id)).Result(); err != nil {
			return authsession.SessionRecord{}, false, s.failed(ctx, "get", err)
		}
	} else {
		reply, err := getTouchScript.Run(ctx, s.rdb, s.keys(owner, id),
			ms(s.now()), ms(touch.Before), ms(touch.Seen), msOrZero(touch.ExpiresAt), id).Slice()
		if err != nil {
			return authsession.SessionRecord{}, false, s.failed(ctx, "get", err)
		}
		m = pairs(reply)
	}
	if len(m) == 0 {
		return authsession.SessionRecord{}, false, nil
	}
	rec, err := decode(owner, id, m)
	if err != nil {
		return authsession.SessionRecord{}, false, err
	}
	if !s.now().Before(rec.ExpiresAt) {
		return authsession.SessionRecord{}, false, nil
	}
	return rec, true, nil
}

// Save writes rec's Data, LastSeen, ExpiresAt, Generation and GraceUntil
// to the live record of rec.Owner and rec.ID if its generation is prev, in
// one script (which deletes the record when rec.ExpiresAt has passed),
// and reports whether it did. A save that revokes something (it ends the
// session, or, in cookie storage, raises the generation and so ends the
// older tokens) waits for the replicas (Options.WaitReplicas).
func (s *Store) Save(ctx context.Context, rec authsession.SessionRecord, prev uint64) (bool, error) {
	now := s.now()
	ttl := max(rec.ExpiresAt.Sub(now).Milliseconds(), 0)
	hasData, d := data(rec.Data)
	args := []any{ms(now), strconv.FormatUint(prev, 10), ms(rec.LastSeen), ms(rec.ExpiresAt),
		strconv.FormatUint(rec.Generation, 10), msOrZero(rec.GraceUntil), ttl, rec.ID, hasData, d}
	var (
		reply any
		err   error
	)
	if ttl == 0 || (rec.Data == nil && rec.Generation > prev) {
		reply, err = s.runRevocation(ctx, saveScript, saved, s.keys(rec.Owner, rec.ID), args...)
	} else {
		reply, err = saveScript.Run(ctx, s.rdb, s.keys(rec.Owner, rec.ID), args...).Result()
	}
	if err != nil {
		return false, s.failed(ctx, "save", err)
	}
	return saved(reply), nil
}

// saved reports whether saveScript wrote (or ended) the session.
func saved(reply any) bool { n, _ := reply.(int64); return n == 1 }

// Revoke deletes the session of owner and id (and its index entry), and
// waits for the replicas (Options.WaitReplicas).
func (s *Store) Revoke(ctx context.Context, owner, id string) error {
	if _, err := s.runRevocation(ctx, revokeScript, always, s.keys(owner, id), id); err != nil {
		return s.failed(ctx, "revoke", err)
	}
	return nil
}

// RevokeUser deletes every session of the owner, in one script, and
// returns how many were live, once the replicas have it
// (Options.WaitReplicas). The anonymous owner "" has none.
func (s *Store) RevokeUser(ctx context.Context, owner string) (int, error) {
	if owner == "" {
		return 0, nil
	}
	reply, err := s.runRevocation(ctx, revokeUserScript, always, []string{s.userKey(owner)}, ms(s.now()), s.sessionPrefix(owner))
	if err != nil {
		return 0, s.failed(ctx, "revoke user", err)
	}
	n, _ := reply.(int64)
	return int(n), nil
}

// ListUser returns the owner's live sessions without their Data (at most
// MaxSessionsPerUser), dropping index entries whose session is gone. The
// anonymous owner "" has none.
func (s *Store) ListUser(ctx context.Context, owner string) ([]authsession.SessionRecord, error) {
	if owner == "" {
		return nil, nil
	}
	now := s.now()
	reply, err := listScript.Run(ctx, s.rdb, []string{s.userKey(owner)}, ms(now), s.sessionPrefix(owner)).Slice()
	if err != nil {
		return nil, s.failed(ctx, "list user", err)
	}
	var out []authsession.SessionRecord
	for i := 0; i+1 < len(reply); i += 2 {
		id, _ := reply[i].(string)
		rec, err := decode(owner, id, listed(reply[i+1]))
		if err != nil || !now.Before(rec.ExpiresAt) {
			continue
		}
		out = append(out, rec)
	}
	return out, nil
}

// decode reads a session hash. Every record has "uid" (empty for an
// anonymous session), "c", "ls" and "exp"; "g" and "gu" are 0 when absent
// (a record written before generations), "d" is absent without data.
func decode(owner, id string, m map[string]string) (authsession.SessionRecord, error) {
	uid, ok := m["uid"]
	if !ok {
		return authsession.SessionRecord{}, fmt.Errorf("%w: no user id", ErrCorrupt)
	}
	rec := authsession.SessionRecord{ID: id, Owner: owner, UserID: uid, Client: m["cl"]}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"c", &rec.CreatedAt}, {"ls", &rec.LastSeen}, {"exp", &rec.ExpiresAt}} {
		v, err := strconv.ParseInt(m[f.name], 10, 64)
		if err != nil {
			return authsession.SessionRecord{}, fmt.Errorf("%w: field %q", ErrCorrupt, f.name)
		}
		*f.dst = time.UnixMilli(v)
	}
	if g := m["g"]; g != "" {
		v, err := strconv.ParseUint(g, 10, 64)
		if err != nil {
			return authsession.SessionRecord{}, fmt.Errorf("%w: field %q", ErrCorrupt, "g")
		}
		rec.Generation = v
	}
	if gu := m["gu"]; gu != "" && gu != "0" {
		v, err := strconv.ParseInt(gu, 10, 64)
		if err != nil {
			return authsession.SessionRecord{}, fmt.Errorf("%w: field %q", ErrCorrupt, "gu")
		}
		rec.GraceUntil = time.UnixMilli(v)
	}
	if d, ok := m["d"]; ok {
		rec.Data = []byte(d)
	}
	return rec, nil
}

// pairs turns an HGETALL reply returned from a script (a flat array of
// field, value) into a map.
func pairs(v []any) map[string]string {
	m := make(map[string]string, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		k, _ := v[i].(string)
		v, _ := v[i+1].(string)
		m[k] = v
	}
	return m
}

// listFields are the fields listScript reads of each session, in order.
var listFields = []string{"uid", "c", "ls", "exp", "cl", "g", "gu"}

// listed turns listScript's HMGET reply for one session into a map,
// leaving out the fields it does not have.
func listed(v any) map[string]string {
	a, _ := v.([]any)
	m := make(map[string]string, len(listFields))
	for i, f := range listFields {
		if i < len(a) {
			if s, ok := a[i].(string); ok {
				m[f] = s
			}
		}
	}
	return m
}
