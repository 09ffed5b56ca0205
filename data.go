package authsession

import (
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/authsession/authsession/internal/plainjson"
)

// This file is session data and flash values: the Data type and its wire
// form inside the session JSON ("data", flash values under "_flash"). The
// operations that change them are engine_data.go's.

// Data is application data carried in the session beside the user, like
// next-session's req.session.anything or scs's Put and Get: small
// per-session state such as a cart id or a preference. Values are kept
// as JSON, so any value encoding/json encodes can be stored and read back
// as its type with [Get].
//
// Data lives with the session: in cookie storage in the encrypted cookie,
// where every byte counts against Config.MaxCookieBytes; in server
// storage in the store, up to Config.MaxDataBytes. A write past the limit
// fails with ErrSessionTooLarge and changes nothing. Visitors who have not
// signed in have data too: their session starts at the first write. Data
// is not sent to browser JavaScript (GET /api/session omits it) unless
// Config.ExposeData is set. The key "_flash" is reserved: the flash
// values travel under it.
//
// A Data read from a session may share memory with the token cache:
// change a session's data through [AuthSession.SetData],
// [AuthSession.DeleteData] or [AuthSession.UpdateSession], whose callback
// gets a private copy.
type Data map[string]json.RawMessage

// flashKey is the member of the "data" object that holds the flash values.
const flashKey = "_flash"

// Set stores value under key, encoded as JSON, allocating the map if
// needed. It fails with ErrInvalidData, changing nothing, for an empty key,
// a key that is not valid UTF-8, the reserved key "_flash", or a value
// that encoding/json cannot encode.
func (d *Data) Set(key string, value any) error {
	if err := checkDataKey(key); err != nil {
		return err
	}
	b, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("%w: the value of %q cannot be encoded as JSON: %w", ErrInvalidData, key, err)
	}
	if *d == nil {
		*d = make(Data, 1)
	}
	(*d)[key] = b
	return nil
}

// Get returns the value stored under key decoded into a T, and true; or
// T's zero value and false when d has no such key or its value does not
// decode into a T (a string stored, an int asked for).
//
//	cart, ok := authsession.Get[Cart](s.Data, "cart")
func Get[T any](d Data, key string) (T, bool) {
	var v T
	raw, ok := d[key]
	if !ok || json.Unmarshal(raw, &v) != nil {
		var zero T
		return zero, false
	}
	return v, true
}

func checkDataKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", ErrInvalidData)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: a key must be valid UTF-8", ErrInvalidData)
	case key == flashKey:
		return errFlashKey
	}
	return nil
}

// sessionData is the wire form of Session.Data and Session.Flash: one
// JSON object, the application's keys and, when there are flash values,
// "_flash" holding them as an object.
type sessionData struct {
	values, flash Data
}

// MarshalJSON writes the values and, under "_flash", the flash values. A
// value stored under "_flash" directly (not through Set) is refused with
// ErrInvalidData rather than lost.
func (d *sessionData) MarshalJSON() ([]byte, error) {
	return d.appendJSON(nil)
}

// errFlashKey refuses the key flashKey, in Set and in a value stored
// under it directly.
var errFlashKey = fmt.Errorf("%w: the key %q is reserved for flash values", ErrInvalidData, flashKey)

// appendJSON appends what encoding/json writes for the values with, when
// there are flash values, the flash object added under "_flash" (the
// MarshalJSON before internal/plainjson: json.Marshal of the merged map).
func (d *sessionData) appendJSON(b []byte) ([]byte, error) {
	if _, ok := d.values[flashKey]; ok {
		return nil, errFlashKey
	}
	if len(d.flash) == 0 && d.values == nil {
		return append(b, "null"...), nil
	}
	return d.values.appendJSON(b, d.flash)
}

// appendJSON appends d as encoding/json writes a non-nil Data, members
// sorted by key, with, when flash is not empty, flash's own object as the
// member "_flash" (which d must not have).
func (d Data) appendJSON(b []byte, flash Data) ([]byte, error) {
	var buf [16]string
	keys := buf[:0]
	for k := range d {
		keys = append(keys, k)
	}
	if len(flash) > 0 {
		keys = append(keys, flashKey)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(plainjson.AppendString(b, k), ':')
		var err error
		if k == flashKey && len(flash) > 0 {
			b, err = flash.appendJSON(b, nil)
		} else {
			b, err = plainjson.AppendRaw(b, d[k])
		}
		if err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads an object; "_flash", when present, must be an object
// (or null). Empty maps are left nil.
func (d *sessionData) UnmarshalJSON(b []byte) error {
	var m Data
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*d = sessionData{}
	if raw, ok := m[flashKey]; ok {
		delete(m, flashKey)
		var f Data
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("%w: %q is not an object", ErrInvalidData, flashKey)
		}
		if len(f) > 0 {
			d.flash = f
		}
	}
	if len(m) > 0 {
		d.values = m
	}
	return nil
}
