package authsession

import (
	"encoding/json"
	"errors"
	"net/http"
)

// This file is the package's one response vocabulary: every JSON error
// that the session API, the guard, the per-handler middleware and the
// client handler answer with, and every ActionResult.Message, comes from
// the table below: a stable code, its HTTP status and a generic message.
// Callers decide; writeError adapts the decision to a response.

// errCode is the stable code of an error response; it selects the HTTP
// status and the generic message.
type errCode string

const (
	// The session API and the actions.
	codeNoSession    errCode = "no_session"
	codeNotAllowed   errCode = "field_not_allowed"
	codeInvalid      errCode = "invalid_update"
	codeTooLarge     errCode = "session_too_large"
	codeUnavailable  errCode = "unavailable"
	codeConflict     errCode = "conflict"
	codeInternal     errCode = "internal_error"
	codeBadRequest   errCode = "bad_request"
	codeBodyTooLarge errCode = "body_too_large"
	codeMediaType    errCode = "unsupported_media_type"
	codeMethod       errCode = "method_not_allowed"
	codeNotFound     errCode = "not_found"
	codeCrossOrigin  errCode = "cross_origin"

	// The guard and the per-handler middleware, for JSON clients.
	codeUnauthenticated errCode = "unauthenticated"
	codeAuthenticated   errCode = "already_authenticated"
	codeForbidden       errCode = "forbidden"
	codeBadPath         errCode = "bad_path"
)

// response is the table: the status and the generic message of each code.
// A message never contains a token, a field value or internal error text.
func (c errCode) response() (status int, message string) {
	switch c {
	case codeNoSession:
		return http.StatusUnauthorized, "You are not signed in."
	case codeNotAllowed:
		return http.StatusForbidden, "This field cannot be changed."
	case codeInvalid:
		return http.StatusBadRequest, "The update was not accepted."
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge, "The session would be too large."
	case codeUnavailable:
		return http.StatusServiceUnavailable, "The session service is unavailable. Try again later."
	case codeConflict:
		return http.StatusConflict, "The session was changed elsewhere. Reload and try again."
	case codeBadRequest:
		return http.StatusBadRequest, "The request body is not JSON of the expected shape."
	case codeBodyTooLarge:
		return http.StatusRequestEntityTooLarge, "The request body is too large."
	case codeMediaType:
		return http.StatusUnsupportedMediaType, "The request body must be application/json."
	case codeMethod:
		return http.StatusMethodNotAllowed, "This method is not allowed here."
	case codeNotFound:
		return http.StatusNotFound, "Not found."
	case codeCrossOrigin:
		return http.StatusForbidden, "Cross-origin request refused."
	case codeUnauthenticated:
		return http.StatusUnauthorized, "You must be signed in."
	case codeAuthenticated:
		return http.StatusForbidden, "This page is for visitors who are not signed in."
	case codeForbidden:
		return http.StatusForbidden, "Access denied."
	case codeBadPath:
		return http.StatusBadRequest, "The request path is ambiguous."
	}
	return http.StatusInternalServerError, "Something went wrong."
}

func (c errCode) status() int {
	s, _ := c.response()
	return s
}

func (c errCode) message() string {
	_, m := c.response()
	return m
}

// codeOf maps an error of the engine or the actions to its code.
func codeOf(err error) errCode {
	switch {
	case errors.Is(err, ErrNoSession), errors.Is(err, ErrMaxLifetime), errors.Is(err, ErrRejected):
		return codeNoSession
	case errors.Is(err, ErrFieldNotAllowed):
		return codeNotAllowed
	case errors.Is(err, ErrInvalidUpdate), errors.Is(err, ErrInvalidData):
		return codeInvalid
	case errors.Is(err, ErrSessionTooLarge):
		return codeTooLarge
	case errors.Is(err, ErrConflict):
		return codeConflict
	case errors.Is(err, ErrStore):
		return codeUnavailable
	}
	return codeInternal
}

// errorBody is the body of every error response.
type errorBody struct {
	Error struct {
		Code    errCode `json:"code"`
		Message string  `json:"message"`
	} `json:"error"`
}

// writeError writes {"error":{"code":…,"message":…}} with the code's
// status, marked not to be cached (no-store) or sniffed.
func writeError(w http.ResponseWriter, code errCode) {
	var body errorBody
	status, message := code.response()
	body.Error.Code, body.Error.Message = code, message
	b, _ := json.Marshal(body)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, b)
}

// writeJSON writes b, a JSON document, and a newline with status.
func writeJSON(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
