package authsession

import (
	"encoding/json"
	"fmt"
	"time"
)

// This file is what the sealing (sealed.go) carries: the server storage's
// cookie (the session's owner and id), an anonymous visitor's session in
// cookie storage, and the session a store keeps in server storage.

// sealedJSON is a session in a sealed value: the session JSON without
// the expiry date, with its id and generation in an anonymous visitor's
// cookie (a stored session's are its record's), and no user for an
// anonymous session.
type sealedJSON[U any] struct {
	ID           string       `json:"jti,omitempty"`
	Gen          uint64       `json:"gen,omitempty"`
	User         *U           `json:"user,omitempty"`
	AccessToken  string       `json:"accessToken,omitempty"`
	RefreshToken string       `json:"refreshToken,omitempty"`
	ExpiresAt    int64        `json:"expiresAt"`
	CreatedAt    int64        `json:"createdAt"`
	LastActivity int64        `json:"lastActivity"`
	Data         *sessionData `json:"data,omitempty"`
	Transient    bool         `json:"transient,omitempty"`
}

// encodeSealed is s's JSON for sealing; anon leaves the user out, withID
// puts the id and generation in.
func encodeSealed[U any](s *Session[U], anon, withID bool) ([]byte, error) {
	j := sealedJSON[U]{
		AccessToken:  s.AccessToken,
		RefreshToken: s.RefreshToken,
		ExpiresAt:    s.ExpiresAt.UnixMilli(),
		CreatedAt:    s.CreatedAt.UnixMilli(),
		LastActivity: s.LastActivity.UnixMilli(),
		Transient:    s.Transient,
	}
	if !anon {
		j.User = &s.User
	}
	if withID {
		j.ID, j.Gen = s.ID, s.gen
	}
	if len(s.Data) > 0 || len(s.Flash) > 0 {
		j.Data = &sessionData{values: s.Data, flash: s.Flash}
	}
	b, err := json.Marshal(&j)
	if err != nil {
		return nil, fmt.Errorf("%w: the session cannot be encoded as JSON: %w", ErrInvalidData, err)
	}
	return b, nil
}

// decodeSealed reads a session sealed by encodeSealed; anon reports that
// it has no user.
func decodeSealed[U any](b []byte) (s Session[U], anon bool, err error) {
	var j sealedJSON[U]
	if err := json.Unmarshal(b, &j); err != nil {
		return Session[U]{}, false, fmt.Errorf("%w: sealed session: %w", ErrInvalidToken, err)
	}
	s = Session[U]{
		ID:           j.ID,
		AccessToken:  j.AccessToken,
		RefreshToken: j.RefreshToken,
		ExpiresAt:    time.UnixMilli(j.ExpiresAt),
		CreatedAt:    time.UnixMilli(j.CreatedAt),
		LastActivity: time.UnixMilli(j.LastActivity),
		Transient:    j.Transient,
		gen:          j.Gen,
	}
	if j.User != nil {
		s.User = *j.User
	}
	if j.Data != nil {
		s.Data, s.Flash = j.Data.values, j.Data.flash
	}
	if j.User != nil && missingUserID(s.User) {
		return Session[U]{}, false, ErrNoUserID
	}
	return s, j.User == nil, nil
}

// idCookie is the server storage's cookie value for a session: its owner
// and id, sealed.
func (e *engine[U]) idCookie(owner, id string) string {
	b := make([]byte, 0, 2+len(owner)+len(id))
	return e.sealer.sealString(purposeID, "", packID(packID(b, owner), id))
}

// openIDCookie returns the owner and id of a server storage cookie, or
// false for a value this configuration did not seal (tampered with,
// foreign, guessed): refused before any store call.
func (e *engine[U]) openIDCookie(value string) (owner, id string, ok bool) {
	if len(value) > maxIDCookie {
		return "", "", false
	}
	p, ok := e.sealer.openString(purposeID, "", value)
	if !ok {
		return "", "", false
	}
	owner, rest, ok := unpackID(p)
	if !ok {
		return "", "", false
	}
	id, rest, ok = unpackID(rest)
	if !ok || len(rest) != 0 || idProblem(id) != "" || owner != "" && len(owner) != ownerLength {
		return "", "", false
	}
	return owner, id, true
}

// maxIDCookie is the longest server storage cookie: the sealing of an
// owner and the longest id, in base64url.
const maxIDCookie = (sealOverhead + 2 + (ownerLength*6+7)/8 + (MaxSessionIDLength*6+7)/8 + 2) * 4 / 3

// anonCookie is the cookie value of an anonymous session in cookie
// storage, refused over Config.MaxCookieBytes.
func (e *engine[U]) anonCookie(s *Session[U]) (string, error) {
	b, err := encodeSealed(s, true, true)
	if err != nil {
		return "", err
	}
	if n := base64Len(len(b) + sealOverhead); n > e.cfg.MaxCookieBytes {
		return "", fmt.Errorf("%w: the session is %d bytes, limit %d (Config.MaxCookieBytes)", ErrSessionTooLarge, n, e.cfg.MaxCookieBytes)
	}
	return e.sealer.sealString(purposeAnon, "", b), nil
}

// openAnonCookie returns the anonymous session of a cookie value, or an
// error for one this configuration did not seal or that does not hold
// one.
func (e *engine[U]) openAnonCookie(value string) (Session[U], error) {
	p, ok := e.sealer.openString(purposeAnon, "", value)
	if !ok {
		return Session[U]{}, fmt.Errorf("%w: not a sealed session", ErrInvalidToken)
	}
	s, anon, err := decodeSealed[U](p)
	if err == nil && (!anon || idProblem(s.ID) != "") {
		err = fmt.Errorf("%w: not an anonymous session", ErrInvalidToken)
	}
	return s, err
}

// storedData is the Data of s's record in server storage: s sealed and
// bound to its owner and id, refused over Config.MaxDataBytes.
func (e *engine[U]) storedData(owner string, s *Session[U], anon bool) ([]byte, error) {
	b, err := encodeSealed(s, anon, false)
	if err != nil {
		return nil, err
	}
	if n := len(b) + sealOverhead; n > e.cfg.MaxDataBytes {
		return nil, fmt.Errorf("%w: the session is %d bytes, limit %d (Config.MaxDataBytes)", ErrSessionTooLarge, n, e.cfg.MaxDataBytes)
	}
	return e.sealer.seal(make([]byte, 0, len(b)+sealOverhead), purposeData, owner+"/"+s.ID, b), nil
}

// openStored returns the session of a server storage record: its Data
// opened, its id and generation the record's.
func (e *engine[U]) openStored(rec *SessionRecord) (s Session[U], anon bool, err error) {
	p, ok := e.sealer.open(purposeData, rec.Owner+"/"+rec.ID, rec.Data)
	if !ok {
		return Session[U]{}, false, fmt.Errorf("%w: the store's session data does not open under the session secrets", ErrInvalidToken)
	}
	s, anon, err = decodeSealed[U](p)
	if err != nil {
		return Session[U]{}, false, err
	}
	if anon != (rec.Owner == "") || !anon && (userID(s.User) != rec.UserID || ownerOf(rec.UserID) != rec.Owner) {
		return Session[U]{}, false, fmt.Errorf("%w: the store's session belongs to another owner", ErrInvalidToken)
	}
	s.ID, s.gen = rec.ID, rec.Generation
	return s, anon, nil
}

// base64Len is the length of n bytes in base64url without padding.
func base64Len(n int) int { return (n*8 + 5) / 6 }
