package authsession

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
)

// maxAPIBodyBytes is the largest request body the session API reads; a
// larger PATCH body is refused with 413.
const maxAPIBodyBytes = 8 << 10

const (
	allowBase = "GET, HEAD, POST, PATCH, DELETE"
)

// apiHandler serves the session API. It is a thin adapter: reads go
// through the request's state, writes through Actions.
type apiHandler[U any] struct {
	e       *engine[U]
	actions Actions[U]
	csrf    *http.CrossOriginProtection
}

// newHandlers builds the session API handler over the factory's actions
// and the origin check that resolve compiled from TrustedOrigins.
func newHandlers[U any](e *engine[U], actions Actions[U], csrf *http.CrossOriginProtection) http.Handler {
	return &apiHandler[U]{e: e, actions: actions, csrf: csrf}
}

// apiRoute is what a request path addresses.
type apiRoute int

const (
	routeNone apiRoute = iota
	routeBase
	routeClient
	routeClientTypes
)

// route resolves the request path relative to the API's base path. The
// path may still carry Config.APIPath (mounted on a mux or chi router) or
// have had its prefix removed (http.StripPrefix, any prefix).
func (h *apiHandler[U]) route(p string) apiRoute {
	rest, ok := strings.CutPrefix(p, h.e.cfg.APIPath)
	if !ok || rest != "" && rest[0] != '/' {
		rest = p
	}
	switch rest {
	case "", "/":
		return routeBase
	case "/client.js", "client.js":
		return routeClient
	case "/client.d.ts", "client.d.ts":
		return routeClientTypes
	}
	return routeNone
}

// ServeHTTP implements [http.Handler].
func (h *apiHandler[U]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	route := h.route(r.URL.Path)
	if route == routeClient || route == routeClientTypes {
		// Static, versioned assets: their caching is set by the asset
		// server (ETag, immutable when versioned); the session does not
		// vary them.
		if route == routeClient {
			serveClientJS(w, r)
		} else {
			serveClientTypes(w, r)
		}
		return
	}
	hdr.Set("Cache-Control", "no-store")
	hdr.Add("Vary", "Cookie")
	switch route {
	case routeBase:
		h.serveBase(w, r)
	default:
		writeError(w, codeNotFound)
	}
}

// serveBase serves the session API itself, on the request's state (the
// guard's, or its own): a read commits the auto refresh before it
// answers; a write is an action, which commits. A session the store could
// not read (down, or slower than StoreTimeout) is a 503.
func (h *apiHandler[U]) serveBase(w http.ResponseWriter, r *http.Request) {
	var s guardSession[U]
	w, r, st := s.begin(h.e, w, r)
	h.serveState(w, r, st)
	s.end()
}

func (h *apiHandler[U]) serveState(w http.ResponseWriter, r *http.Request, st *requestState[U]) {
	// A session the store could not read is a 503 (logging out still
	// works: it clears the cookie and keeps the revocation pending).
	unavailable := st.storeDown && st.session == nil && r.Method != http.MethodDelete
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if unavailable {
			writeError(w, codeUnavailable)
			return
		}
		if err := h.e.commit(w, r); err != nil {
			h.e.log.LogAttrs(r.Context(), slog.LevelWarn, "authsession: auto refresh failed", slog.String("error", err.Error()))
		}
		s, ok := h.e.current(st)
		h.writeSession(w, r, s, ok)
		return
	case http.MethodPost, http.MethodPatch, http.MethodDelete:
	default:
		w.Header().Set("Allow", allowBase)
		writeError(w, codeMethod)
		return
	}
	if err := h.csrf.Check(r); err != nil {
		h.e.log.LogAttrs(r.Context(), slog.LevelDebug, "authsession: refused cross-origin request", slog.String("method", r.Method))
		writeError(w, codeCrossOrigin)
		return
	}
	if unavailable {
		writeError(w, codeUnavailable)
		return
	}
	var res ActionResult[U]
	switch r.Method {
	case http.MethodPost:
		res = h.actions.Refresh(w, r)
	case http.MethodDelete:
		res = h.actions.Logout(w, r)
	default:
		fields, code := readUpdate(w, r)
		if code != "" {
			writeError(w, code)
			return
		}
		res = h.actions.Update(w, r, fields)
	}
	if !res.Success {
		code := codeOf(res.Err)
		if code.status() >= 500 {
			h.e.log.LogAttrs(r.Context(), slog.LevelWarn, "authsession: session API request failed", slog.String("method", r.Method), slog.String("error", res.Err.Error()))
		}
		writeError(w, code)
		return
	}
	if res.Session == nil {
		h.writeSession(w, r, Session[U]{}, false)
		return
	}
	h.writeSession(w, r, *res.Session, true)
}

// readUpdate decodes a PATCH body, {"user": {"field": value, ...}}, into
// the user fields to change. Any other top-level key (a token, a time) is
// a field that may not be updated.
func readUpdate(w http.ResponseWriter, r *http.Request) (map[string]any, errCode) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, codeMediaType
	}
	if r.ContentLength > maxAPIBodyBytes {
		return nil, codeBodyTooLarge
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBodyBytes))
	dec.UseNumber()
	var body map[string]json.RawMessage
	if err := dec.Decode(&body); err != nil {
		return nil, bodyError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return nil, bodyError(err)
	}
	if body == nil {
		return nil, codeBadRequest
	}
	for k := range body {
		if k != "user" {
			return nil, codeNotAllowed
		}
	}
	raw, ok := body["user"]
	if !ok {
		return nil, codeInvalid
	}
	var fields map[string]any
	ud := json.NewDecoder(bytes.NewReader(raw))
	ud.UseNumber()
	if err := ud.Decode(&fields); err != nil || fields == nil {
		return nil, codeBadRequest
	}
	return fields, ""
}

func bodyError(err error) errCode {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return codeBodyTooLarge
	}
	return codeBadRequest
}

// sessionResponse is the body of every successful response.
type sessionResponse[U any] struct {
	Session          *Session[U] `json:"session"`
	RefreshThreshold int64       `json:"refreshThreshold"` // seconds
	SessionExpiry    int64       `json:"sessionExpiry"`    // seconds
}

// writeSession writes s without its tokens (the access token only with
// Config.ExposeAccessToken), its flash values and its data (unless
// Config.ExposeData), or null when ok is false.
func (h *apiHandler[U]) writeSession(w http.ResponseWriter, r *http.Request, s Session[U], ok bool) {
	resp := sessionResponse[U]{
		RefreshThreshold: int64(h.e.cfg.RefreshThreshold.Seconds()),
		SessionExpiry:    int64(h.e.cfg.Expiry.Seconds()),
	}
	if ok {
		p := s.Redacted(h.e.cfg.ExposeAccessToken)
		if h.e.cfg.ExposeData {
			p.Data = s.Data
		}
		resp.Session = &p
	}
	b, err := json.Marshal(resp)
	if err != nil {
		h.e.log.LogAttrs(r.Context(), slog.LevelWarn, "authsession: encoding session response failed", slog.String("error", err.Error()))
		writeError(w, codeInternal)
		return
	}
	writeJSON(w, http.StatusOK, b)
}
