package authsession

import (
	"encoding/json"
	"errors"
	"strconv"

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
// the bits readClaims sets. TestClaimKeysMatchTheStruct keeps them equal
// to the struct's tags.
var claimKeys = [...]string{"user", "accessToken", "refreshToken", "expiresAt", "expiryDate", "createdAt", "lastActivity", "data", "transient", "iat", "exp", "nbf", "jti", "gen"}

// UnmarshalJSON sets c to the claims b holds, as encoding/json decodes
// them into a zero tokenClaims: in one pass when they are as the library
// writes them (readClaims), else with encoding/json. Unlike encoding/json
// it replaces c rather than merging into it, as User.UnmarshalJSON does.
// Claims nesting deeper than plainjson.MaxDepth are refused with
// errClaimsTooDeep: readClaims hands no deeper object to a decoder, and
// only claims within the bound go to encoding/json.
func (c *tokenClaims[U]) UnmarshalJSON(b []byte) error {
	*c = tokenClaims[U]{}
	if c.readClaims(b) {
		return nil
	}
	*c = tokenClaims[U]{}
	if !plainjson.WithinDepth(b, plainjson.MaxDepth) {
		return errClaimsTooDeep
	}
	return json.Unmarshal(b, (*rawTokenClaims[U])(c))
}

var errClaimsTooDeep = errors.New("claims nest too deep")

// readClaims decodes b into the zero claims c when every member is one of
// claimKeys, at most once, with a plain string, integer or boolean value
// and an object for the user and the data (nesting at most
// plainjson.MaxDepth levels in all), and reports whether it did. When it
// reports false, c may hold part of b.
func (c *tokenClaims[U]) readClaims(b []byte) bool {
	r := plainjson.NewReader(b)
	if !r.Consume('{') {
		return false
	}
	t := c
	if r.Consume('}') { // {}
		return r.End()
	}
	var seen uint16
	for more := true; more; {
		k, ok := r.Key()
		if !ok {
			return false
		}
		bit := uint16(0)
		switch string(k) {
		case "user":
			bit, ok = 1<<0, readUser(&r, &t.User)
		case "accessToken":
			bit, ok = 1<<1, r.StrInto(&t.AccessToken)
		case "refreshToken":
			bit, ok = 1<<2, r.StrInto(&t.RefreshToken)
		case "expiresAt":
			bit, t.ExpiresAt, ok = bitInt(&r, 1<<3)
		case "expiryDate":
			bit, ok = 1<<4, r.StrInto(&t.ExpiryDate)
		case "createdAt":
			bit, t.CreatedAt, ok = bitInt(&r, 1<<5)
		case "lastActivity":
			bit, t.LastActivity, ok = bitInt(&r, 1<<6)
		case "data":
			bit, ok = 1<<7, readData(&r, &t.Data)
		case "transient":
			bit, ok = 1<<8, r.BoolInto(&t.Transient)
		case "iat":
			bit, t.IssuedAt, ok = bitInt(&r, 1<<9)
		case "exp":
			bit, t.Expiry, ok = bitInt(&r, 1<<10)
		case "nbf":
			bit, t.NotBefore, ok = bitInt(&r, 1<<11)
		case "jti":
			bit, ok = 1<<12, r.StrInto(&t.JTI)
		case "gen":
			bit, t.Gen, ok = bitInt(&r, 1<<13)
		}
		if bit == 0 || !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		if more, ok = r.Next(); !ok {
			return false
		}
	}
	return r.End()
}

// bitInt reads an integer member for readClaims.
func bitInt(r *plainjson.Reader, bit uint16) (uint16, int64, bool) {
	n, ok := r.Int64()
	return bit, n, ok
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

// readUser reads the user object into u: straight into a User when its
// members are User's own (User.readPlain), otherwise through U's JSON
// decoding, which is what encoding/json would call.
func readUser[U any](r *plainjson.Reader, u *U) bool {
	raw, ok := r.Object(memberDepth)
	if !ok {
		return false
	}
	if pu, isUser := any(u).(*User); isUser {
		return pu.UnmarshalJSON(raw) == nil
	}
	return json.Unmarshal(raw, u) == nil
}

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
		// &c.User, as encoding/json reaches the addressable field: a
		// MarshalJSON with a pointer receiver is called as it would be.
		var j []byte
		j, err = json.Marshal(&c.User)
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
