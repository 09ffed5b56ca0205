package authsession

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/authsession/authsession/internal/plainjson"
	"github.com/authsession/authsession/internal/seal"
)

// This file is a session as the sealing (internal/seal) carries it: the JSON
// of an anonymous visitor's session in its cookie (cookie storage) and of
// the session a store keeps in server storage (engine_server.go).

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
// puts the id and generation in. Like a token's, it nests at most
// plainjson.MaxDepth levels.
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
	b, err := j.appendJSON(make([]byte, 0, j.sizeHint()))
	if err != nil {
		// encoding/json's own verdict (and error) on what the one-pass
		// writer refused.
		b, err = json.Marshal(&j)
	}
	if err != nil {
		return nil, dataError("the session cannot be encoded as JSON", err)
	}
	if !plainjson.WithinDepth(b, plainjson.MaxDepth) {
		return nil, errNestsTooDeep("session") // as no token may
	}
	return b, nil
}

// appendJSON appends j as json.Marshal writes it, members in the struct's
// order, without reflection for the default User (the writer of the
// token claims, formats_claimsjson.go). Its errors are errors there too;
// encodeSealed then asks encoding/json. TestSealedEncodeAgrees compares
// the two.
func (j *sealedJSON[U]) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	b = appendOptString(b, `"jti":`, j.ID)
	if j.Gen != 0 {
		b = strconv.AppendUint(append(b, `,"gen":`...), j.Gen, 10)
	}
	if j.User != nil {
		b = append(b, `,"user":`...)
		if u, ok := any(j.User).(*User); ok {
			var err error
			if b, err = u.appendJSON(b); err != nil {
				return nil, err
			}
		} else {
			u, err := json.Marshal(j.User)
			if err != nil {
				return nil, err
			}
			b = append(b, u...)
		}
	}
	b = appendOptString(b, `,"accessToken":`, j.AccessToken)
	b = appendOptString(b, `,"refreshToken":`, j.RefreshToken)
	b = strconv.AppendInt(append(b, `,"expiresAt":`...), j.ExpiresAt, 10)
	b = strconv.AppendInt(append(b, `,"createdAt":`...), j.CreatedAt, 10)
	b = strconv.AppendInt(append(b, `,"lastActivity":`...), j.LastActivity, 10)
	if j.Data != nil {
		var err error
		if b, err = j.Data.appendJSON(append(b, `,"data":`...)); err != nil {
			return nil, err
		}
	}
	if j.Transient {
		b = append(b, `,"transient":true`...)
	}
	b = append(b, '}')
	if b[1] == ',' { // no id: the first member written opened with a comma
		b = append(b[:1], b[2:]...)
	}
	return b, nil
}

// sizeHint is about the length of j's JSON without Data and Extra.
func (j *sealedJSON[U]) sizeHint() int {
	n := 160 + len(j.ID) + len(j.AccessToken) + len(j.RefreshToken)
	if u, ok := any(j.User).(*User); ok && u != nil {
		n += u.sizeHint()
	}
	return n
}

// decodeSealed reads a session sealed by encodeSealed; anon reports that
// it has no user.
func decodeSealed[U any](b []byte) (s Session[U], anon bool, err error) {
	var (
		j sealedJSON[U]
		u U
	)
	if !j.read(b, &u) {
		if j, err = unmarshalSealed[U](b); err != nil {
			return Session[U]{}, false, fmt.Errorf("%w: sealed session: %w", ErrInvalidToken, err)
		}
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

// unmarshalSealed is encoding/json's decoding of a sealed session: the
// fallback for what read does not read, and its reference
// (TestSealedDecodeAgrees).
func unmarshalSealed[U any](b []byte) (sealedJSON[U], error) {
	var j sealedJSON[U]
	err := json.Unmarshal(b, &j)
	return j, err
}

// sealedKeys are sealedJSON's members, in the order appendJSON writes
// them.
var sealedKeys = [...]string{"jti", "gen", "user", "accessToken", "refreshToken", "expiresAt", "createdAt", "lastActivity", "data", "transient"}

// read decodes b into the zero j in one pass, the user into the zero u
// (j.User is then u), when b is a sealed session as appendJSON writes it:
// every member one of sealedKeys, at most once, with a plain string,
// integer or boolean value and an object for the user and the data
// (readUser, readData: the token claims' readers). It reports false for
// anything else, which encoding/json then decodes (j and u may hold part
// of b: the caller starts again from zero values). The plain strings
// share one allocation.
func (j *sealedJSON[U]) read(b []byte, u *U) bool {
	r := plainjson.NewReader(b)
	if !r.Consume('{') {
		return false
	}
	if r.Consume('}') {
		return r.End()
	}
	// user id, email, name, image; jti, accessToken, refreshToken
	var strs [7][]byte
	var seen uint16
	plainUser := false
	for more, next := true, 0; more; {
		i, ok := r.KeyIn(sealedKeys[:], &next)
		if !ok || seen&(1<<i) != 0 {
			return false
		}
		switch i {
		case 0:
			strs[4], ok = r.Str()
		case 1:
			// appendJSON omits a zero generation: "0" and "-0" (which
			// encoding/json refuses) go to encoding/json.
			var g int64
			g, ok = r.Int64()
			ok, j.Gen = ok && g > 0, uint64(g)
		case 2:
			j.User = u
			plainUser, ok = readUser(&r, (*[4][]byte)(strs[:4]), u)
		case 3:
			strs[5], ok = r.Str()
		case 4:
			strs[6], ok = r.Str()
		case 5:
			j.ExpiresAt, ok = r.Int64()
		case 6:
			j.CreatedAt, ok = r.Int64()
		case 7:
			j.LastActivity, ok = r.Int64()
		case 8:
			ok = readData(&r, &j.Data)
		case 9:
			ok = r.BoolInto(&j.Transient)
		}
		if !ok {
			return false
		}
		seen |= 1 << i
		if more, ok = r.Next(); !ok {
			return false
		}
	}
	if !r.End() {
		return false
	}
	var s [7]string
	plainjson.Share(strs[:], s[:])
	if pu, ok := any(u).(*User); ok && plainUser {
		pu.ID, pu.Email, pu.Name, pu.Image = s[0], s[1], s[2], s[3]
	}
	j.ID, j.AccessToken, j.RefreshToken = s[4], s[5], s[6]
	return true
}

// anonCookie is the cookie value of an anonymous session in cookie
// storage, refused over Config.MaxCookieBytes.
func (e *engine[U]) anonCookie(s *Session[U]) (string, error) {
	b, err := encodeSealed(s, true, true)
	if err != nil {
		return "", err
	}
	if n := base64Len(len(b) + seal.Overhead); n > e.cfg.MaxCookieBytes {
		return "", fmt.Errorf("%w: the session is %d bytes, limit %d (Config.MaxCookieBytes)", ErrSessionTooLarge, n, e.cfg.MaxCookieBytes)
	}
	return e.sealer.SealString(seal.PurposeAnon, "", b), nil
}

// openAnonCookie returns the anonymous session of a cookie value, or an
// error for one this configuration did not seal or that does not hold
// one.
func (e *engine[U]) openAnonCookie(value string) (Session[U], error) {
	p, ok := e.sealer.OpenString(seal.PurposeAnon, "", value)
	if !ok {
		return Session[U]{}, fmt.Errorf("%w: not a sealed session", ErrInvalidToken)
	}
	s, anon, err := decodeSealed[U](p)
	if err == nil && (!anon || idProblem(s.ID) != "") {
		err = fmt.Errorf("%w: not an anonymous session", ErrInvalidToken)
	}
	return s, err
}

// base64Len is the length of n bytes in base64url without padding.
func base64Len(n int) int { return (n*8 + 5) / 6 }
