package authsession

// Actions are the server-side session operations for form handlers.
// (stub: the API issue fills it in)
type Actions[U any] struct{}

func newActions[U any](e *engine[U]) Actions[U] { return Actions[U]{} }
