package authsession

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/authsession/authsession/internal/plainjson"
)

// This file encodes and decodes the default format's claims (tokenClaims,
// formats.go) in one pass. Encoding appends every member with the writers
// of internal/plainjson, the user through User's own appendJSON or, for
// other user types, encoding/json. Decoding uses plainjson's reader for
// the members the library writes, the user object straight into User (or
// through U's own decoding), and encoding/json for everything else. No
// JSON nesting deeper than plainjson.MaxDepth reaches encoding/json.

// rawTokenClaims is tokenClaims without its UnmarshalJSON method: what
// encoding/json makes of the claims, the fallback and the reference.
type rawTokenClaims[U any] tokenClaims[U]

// claimKeys are the JSON names of tokenClaims' members, in the order of
// the struct (which appendJSON writes) and of the bits readClaims sets. TestClaimKeysMatchTheStruct keeps them equal
// to the struct's tags.
var claimKeys = [...]string{"user", "accessToken", "refreshToken", "expiresAt", "expiryDate", "createdAt", "lastActivity", "data", "transient", "iat", "exp", "nbf", "jti", "gen"}

// UnmarshalJSON sets c to the claims b holds, as encoding/json decodes
// them into a zero tokenClaims: in one pass when they are as the library
// writes them (readClaims), else with encoding/json. Unlike encoding/json
// it replaces c rather than merging into it, as User.UnmarshalJSON does.
// Claims nesting deeper than plainjson.MaxDepth are refused with
// errClaimsTooDeep: readClaims hands no deeper object to a decoder, and
// only claims within the bound go to encoding/json, which decodes into a
// copy so that c can stay on its caller's stack.
func (c *tokenClaims[U]) UnmarshalJSON(b []byte) error {
	*c = tokenClaims[U]{}
	if c.readClaims(b) {
		return nil
	}
	return c.decodeJSON(b)
}

// decodeJSON sets c to the claims b holds, decoded by encoding/json when
// they nest at most plainjson.MaxDepth levels (else errClaimsTooDeep):
// UnmarshalJSON's fallback, for claims readClaims does not read.
func (c *tokenClaims[U]) decodeJSON(b []byte) error {
	*c = tokenClaims[U]{}
	if !plainjson.WithinDepth(b, plainjson.MaxDepth) {
		return errClaimsTooDeep
	}
	raw := new(rawTokenClaims[U])
	if err := json.Unmarshal(b, raw); err != nil {
		return err
	}
	*c = tokenClaims[U](*raw)
	return nil
}

var errClaimsTooDeep = errors.New("claims nest too deep")

// readClaims decodes b into the zero claims c when every member is one of
// claimKeys, at most once, with a plain string, integer or boolean value
// and an object for the user and the data (nesting at most
// plainjson.MaxDepth levels in all), and reports whether it did. The
// plain strings, a default User's included, share one allocation
// (plainjson.Share). When it reports false, c may hold part of b.
func (c *tokenClaims[U]) readClaims(b []byte) bool {
	r := plainjson.NewReader(b)
	if !r.Consume('{') {
		return false
	}
	t := c
	if r.Consume('}') { // {}
		return r.End()
	}
	// The plain strings, in claimStrings' order, set once all is read.
	var strs [len(claimStrings)][]byte
	var seen uint16
	plainUser := false
	for more, next := true, 0; more; {
		i, ok := r.KeyIn(claimKeys[:], &next)
		if !ok || seen&(1<<i) != 0 {
			return false
		}
		switch i {
		case 0:
			plainUser, ok = readUser(&r, (*[4][]byte)(strs[:4]), &t.User)
		case 1:
			strs[4], ok = r.Str()
		case 2:
			strs[5], ok = r.Str()
		case 3:
			t.ExpiresAt, ok = r.Int64()
		case 4:
			strs[6], ok = r.Str()
		case 5:
			t.CreatedAt, ok = r.Int64()
		case 6:
			t.LastActivity, ok = r.Int64()
		case 7:
			ok = readData(&r, &t.Data)
		case 8:
			ok = r.BoolInto(&t.Transient)
		case 9:
			t.IssuedAt, ok = r.Int64()
		case 10:
			t.Expiry, ok = r.Int64()
		case 11:
			t.NotBefore, ok = r.Int64()
		case 12:
			strs[7], ok = r.Str()
		case 13:
			t.Gen, ok = r.Int64()
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
	t.setStrings(&strs, plainUser)
	return true
}

// claimStrings are the plain strings readClaims gathers, in the order of
// its array.
var claimStrings = [...]string{"user.id", "user.email", "user.name", "user.image", "accessToken", "refreshToken", "expiryDate", "jti"}

// setStrings gives the claims the strings readClaims gathered, in one
// allocation; the user's only when readUser read them (plainUser).
func (c *tokenClaims[U]) setStrings(strs *[len(claimStrings)][]byte, plainUser bool) {
	var s [len(claimStrings)]string
	plainjson.Share(strs[:], s[:])
	if u, ok := any(&c.User).(*User); ok && plainUser {
		u.ID, u.Email, u.Name, u.Image = s[0], s[1], s[2], s[3]
	}
	c.AccessToken, c.RefreshToken, c.ExpiryDate, c.JTI = s[4], s[5], s[6], s[7]
}

// memberDepth is how deeply an object member of the claims may nest: the
// claims object itself is the first of plainjson.MaxDepth levels.
const memberDepth = plainjson.MaxDepth - 1

// readData reads the session data object through sessionData's own
// decoding, as encoding/json would for the pointer.
func readData(r *plainjson.Reader, d **sessionData) bool {
	raw, ok := r.Object(memberDepth)
	if !ok {
		return false
	}
	*d = new(sessionData)
	return (*d).UnmarshalJSON(raw) == nil
}

// readUser reads the user object into the zero u: a User's plain fixed
// fields into f, for the caller to set (readUserFields), anything else
// through U's JSON decoding, which is what encoding/json would call:
// User.UnmarshalJSON, or encoding/json itself into a copy (so that u stays
// where it is). plain reports which it was.
func readUser[U any](r *plainjson.Reader, f *[4][]byte, u *U) (plain, ok bool) {
	pu, isUser := any(u).(*User)
	if isUser {
		at := *r
		if readUserFields(r, f) {
			return true, true
		}
		*r, *f = at, [4][]byte{}
	}
	raw, ok := r.Object(memberDepth)
	if !ok {
		return false, false
	}
	if isUser {
		return false, pu.UnmarshalJSON(raw) == nil
	}
	v := new(U)
	if json.Unmarshal(raw, v) != nil {
		return false, false
	}
	*u = *v
	return false, true
}

// readUserFields reads a user object whose members are among id, email,
// name and image, each at most once, with plain strings, as
// User.readPlain does (here without first finding the object's end), into
// f in that order. It reports false for any other object.
func readUserFields(r *plainjson.Reader, f *[4][]byte) bool {
	if !r.Consume('{') {
		return false
	}
	if r.Consume('}') {
		return true
	}
	var seen uint8
	for more, next := true, 0; more; {
		i, ok := r.KeyIn(userKeys[:], &next)
		if !ok || seen&(1<<i) != 0 {
			return false
		}
		if f[i], ok = r.Str(); !ok {
			return false
		}
		seen |= 1 << i
		if more, ok = r.Next(); !ok {
			return false
		}
	}
	return true
}

// userKeys are User's fixed fields in its JSON, in the order
// User.appendJSON writes them.
var userKeys = [...]string{"id", "email", "name", "image"}

// appendJSON appends the claims as json.Marshal writes them (the
// reference: rawTokenClaims), members in the struct's order, without
// reflection for the default User. Its errors are errors there too;
// encodeClaims then reports encoding/json's own.
// TestClaimsEncodeCoversEveryClaim fails when a member is added to the
// claims and not to this method.
func (c *tokenClaims[U]) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"user":`...)
	var err error
	if u, ok := any(&c.User).(*User); ok {
		b, err = u.appendJSON(b)
	} else {
		// A pointer, as encoding/json reaches the addressable field: a
		// MarshalJSON with a pointer receiver is called as it would be.
		// To a copy, so that c does not escape.
		u := c.User
		var j []byte
		j, err = json.Marshal(&u)
		b = append(b, j...)
	}
	if err != nil {
		return nil, err
	}
	b = appendOptString(b, `,"accessToken":`, c.AccessToken)
	b = appendOptString(b, `,"refreshToken":`, c.RefreshToken)
	b = strconv.AppendInt(append(b, `,"expiresAt":`...), c.ExpiresAt, 10)
	b = plainjson.AppendString(append(b, `,"expiryDate":`...), c.ExpiryDate)
	b = strconv.AppendInt(append(b, `,"createdAt":`...), c.CreatedAt, 10)
	b = strconv.AppendInt(append(b, `,"lastActivity":`...), c.LastActivity, 10)
	if c.Data != nil {
		if b, err = c.Data.appendJSON(append(b, `,"data":`...)); err != nil {
			return nil, err
		}
	}
	if c.Transient {
		b = append(b, `,"transient":true`...)
	}
	b = strconv.AppendInt(append(b, `,"iat":`...), c.IssuedAt, 10)
	b = strconv.AppendInt(append(b, `,"exp":`...), c.Expiry, 10)
	b = appendOptInt(b, `,"nbf":`, c.NotBefore)
	b = plainjson.AppendString(append(b, `,"jti":`...), c.JTI)
	b = appendOptInt(b, `,"gen":`, c.Gen)
	return append(b, '}'), nil
}

// appendOptString appends an omitempty string member.
func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return plainjson.AppendString(append(b, key...), s)
}

// appendOptInt appends an omitempty integer member.
func appendOptInt(b []byte, key string, n int64) []byte {
	if n == 0 {
		return b
	}
	return strconv.AppendInt(append(b, key...), n, 10)
}

// sizeHint is about the length of the claims' JSON without Data and
// Extra.
func (c *tokenClaims[U]) sizeHint() int {
	n := 256 + len(c.AccessToken) + len(c.RefreshToken) + len(c.JTI)
	if u, ok := any(&c.User).(*User); ok {
		n += u.sizeHint()
	}
	return n
}

// expiryDate is t in UTC as expiryDateLayout formats it
// ("2006-01-02T15:04:05.000Z": milliseconds, truncated), written
// directly: time.Format parses its layout on every call, which was a
// fifth of writing the claims. Years outside 0–9999, which Format writes
// in other widths, go through Format (TestExpiryDate).
func expiryDate(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format(expiryDateLayout)
	}
	hour, minute, sec := t.Clock()
	var b [len(expiryDateLayout)]byte
	digits(b[0:4], year)
	b[4] = '-'
	digits(b[5:7], int(month))
	b[7] = '-'
	digits(b[8:10], day)
	b[10] = 'T'
	digits(b[11:13], hour)
	b[13] = ':'
	digits(b[14:16], minute)
	b[16] = ':'
	digits(b[17:19], sec)
	b[19] = '.'
	digits(b[20:23], t.Nanosecond()/1e6)
	b[23] = 'Z'
	return string(b[:])
}

// digits writes the last len(b) decimal digits of n ≥ 0 into b.
func digits(b []byte, n int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}
