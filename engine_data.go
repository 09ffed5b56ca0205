package authsession

import (
	"errors"
	"net/http"
)

// This file is the operations on session data and flash values (SetData,
// DeleteData, Flash, Flashes, SessionData). They work for signed-in
// users and anonymous visitors alike: a visitor's session starts, with
// no cookie and no store write before it, at the first write.

// startAnon starts an anonymous visitor's session for the response, to be
// created at the commit. The Auth.js and NextAuth.js formats have none
// (their cookie is the Next.js app's).
func (st *requestState[U]) startAnon() error {
	e := st.e
	if e.tokens.format.foreign {
		return ErrNoSession
	}
	id, err := e.sessionID()
	if err != nil {
		return err
	}
	now := e.nowMilli()
	s := &Session[U]{ID: id, CreatedAt: now, LastActivity: now, ExpiresAt: now.Add(e.cfg.Expiry), gen: e.firstGeneration()}
	st.cur, st.anon = s, true
	st.pend |= changeNew
	return nil
}

func (e *engine[U]) setData(w http.ResponseWriter, r *http.Request, key string, value any) error {
	return e.put(w, r, key, value, false)
}

func (e *engine[U]) flash(w http.ResponseWriter, r *http.Request, key string, value any) error {
	return e.put(w, r, key, value, true)
}

// put stores value under key in the session's Data, or in its Flash,
// starting a visitor's session when there is none. A bad key or value is
// refused before any cookie is read.
func (e *engine[U]) put(w http.ResponseWriter, r *http.Request, key string, value any, flash bool) error {
	var probe Data
	if err := probe.Set(key, value); err != nil {
		return err
	}
	_, err := e.do(w, r, func(st *requestState[U], check bool) error {
		started := false
		if st.cur == nil {
			if err := st.startAnon(); err != nil {
				return err
			}
			started = true
		}
		op := func(s *Session[U]) error {
			d := &s.Data
			if flash {
				d = &s.Flash
			}
			if *d == nil { // s is a private copy: its maps are its own
				*d = make(Data, 1)
			}
			(*d)[key] = probe[key]
			return nil
		}
		next, err := st.try(op, check)
		if err != nil {
			if started {
				st.cur, st.anon = nil, false
				st.pend &^= changeNew
			}
			return err
		}
		st.accept(next, op, changeData)
		return nil
	})
	return err
}

func (e *engine[U]) deleteData(w http.ResponseWriter, r *http.Request, key string) error {
	_, err := e.do(w, r, func(st *requestState[U], check bool) error {
		if st.cur == nil {
			return ErrNoSession
		}
		if _, has := st.cur.Data[key]; !has {
			return nil // nothing to change: nothing written
		}
		op := func(s *Session[U]) error {
			delete(s.Data, key)
			return nil
		}
		next, err := st.try(op, check)
		if err != nil {
			return err
		}
		st.accept(next, op, changeData)
		return nil
	})
	return err
}

// flashes returns the session's flash values and removes them, so each is
// read exactly once. With a store the removal is committed at once, over
// the generation the request read: of two requests reading them at once
// (two tabs, or a superseded cookie), only one gets them. Without a
// session, or without flash values, it returns nil and writes nothing.
// When the removal cannot be written it returns no values (they would
// show again).
func (e *engine[U]) flashes(w http.ResponseWriter, r *http.Request) (Data, error) {
	var out Data
	_, err := e.do(w, r, func(st *requestState[U], check bool) error {
		if st.cur == nil || len(st.cur.Flash) == 0 {
			return nil
		}
		op := func(s *Session[U]) error {
			out, s.Flash = s.Flash, nil // s is a private copy
			return nil
		}
		next, err := st.try(op, false)
		if err != nil {
			return err
		}
		st.accept(next, op, changeData)
		if check && e.cfg.Store != nil {
			return st.commitLocked() // the consume is atomic only in the store
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrConflict):
		return nil, nil // another request took them first
	case err != nil:
		return nil, err
	}
	return out, nil
}

// sessionData is AuthSession.SessionData: the data of the session the
// response stands on, signed in or anonymous (with this response's
// changes, behind the middleware), else of the request's cookie.
func (e *engine[U]) sessionData(r *http.Request) Data {
	if st := e.stateOf(r); st != nil {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.cur == nil {
			return nil
		}
		return st.cur.Data
	}
	tok, ok := e.token(r)
	if !ok {
		return nil
	}
	l := e.read(r.Context(), tok, e.now())
	if l.s == nil || !l.anon && !e.validate(r.Context(), l.s) {
		return nil
	}
	return l.s.Data
}

// commit is AuthSession.Commit: the request's pending changes written now.
func (e *engine[U]) commit(w http.ResponseWriter, r *http.Request) error {
	st := e.stateOf(r)
	if st == nil {
		return nil // each change was committed as it was made
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.commitLocked()
}
