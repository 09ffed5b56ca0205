package authsession

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/authsession/authsession/internal/plainjson"
)

// This file is session data and flash values: the Data type, its wire
// form inside the session JSON ("data", flash values under "_flash"), and
// the engine's operations that change them (SetData, DeleteData, Flash,
// Flashes), which start from the session this response has already
// written, if any (writable).

// Data is application data carried in the session beside the user, like
// next-session's req.session.anything or scs's Put and Get: small
// per-session state such as a cart id or a preference. Values are kept
// as JSON, so any value encoding/json encodes can be stored and read back
// as its type with [Get].
//
// Data lives in the encrypted cookie: every byte counts against
// Config.MaxCookieBytes, and a write that would take the token past it
// fails with ErrSessionTooLarge and changes nothing. It is not sent to
// browser JavaScript (GET /api/session omits it) unless Config.ExposeData
// is set. The key "_flash" is reserved: the flash values travel under it.
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

// Delete removes key; deleting an absent key does nothing.
func (d Data) Delete(key string) { delete(d, key) }

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

// writable returns the session a write in this response starts from: the
// one this response has already set the cookie to (a sign-in, refresh or
// update earlier in the same handler, or the guard's auto refresh), none
// when this response has already cleared the cookie (a logout: no later
// write may bring that session back), and otherwise the request's.
func (e *engine[U]) writable(w http.ResponseWriter, r *http.Request) (Session[U], bool) {
	tok, set := e.pending(w, r)
	if !set {
		return e.getSession(r)
	}
	if tok == "" {
		return Session[U]{}, false
	}
	s, err := e.tokens.open(tok, e.now())
	if err != nil {
		return Session[U]{}, false
	}
	return *s, true
}

func (e *engine[U]) setData(w http.ResponseWriter, r *http.Request, key string, value any) error {
	return e.put(w, r, key, value, false)
}

func (e *engine[U]) flash(w http.ResponseWriter, r *http.Request, key string, value any) error {
	return e.put(w, r, key, value, true)
}

// put stores value under key in the session's Data, or in its Flash, and
// re-issues the cookie. A bad key or value is refused before any cookie
// is decrypted.
func (e *engine[U]) put(w http.ResponseWriter, r *http.Request, key string, value any, flash bool) error {
	var probe Data
	if err := probe.Set(key, value); err != nil {
		return err
	}
	_, err := e.updateSession(w, r, func(s *Session[U]) error {
		d := &s.Data
		if flash {
			d = &s.Flash
		}
		if *d == nil {
			*d = make(Data, 1)
		}
		(*d)[key] = probe[key]
		return nil
	})
	return err
}

func (e *engine[U]) deleteData(w http.ResponseWriter, r *http.Request, key string) error {
	cur, ok := e.writable(w, r)
	if !ok {
		return ErrNoSession
	}
	if _, has := cur.Data[key]; !has {
		return nil // nothing to change: no cookie written
	}
	_, err := e.updateSession(w, r, func(s *Session[U]) error {
		s.Data.Delete(key)
		return nil
	})
	return err
}

// flashes returns the session's flash values and re-issues the cookie
// without them, so each is read once. Without a session, or without flash
// values, it returns nil and writes no cookie. When the cookie cannot be
// re-issued it returns the error and no values (they would show again).
func (e *engine[U]) flashes(w http.ResponseWriter, r *http.Request) (Data, error) {
	cur, ok := e.writable(w, r)
	if !ok || len(cur.Flash) == 0 {
		return nil, nil
	}
	var out Data
	_, err := e.updateSession(w, r, func(s *Session[U]) error {
		out, s.Flash = s.Flash, nil // s is a private copy
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
