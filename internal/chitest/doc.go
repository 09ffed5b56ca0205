// Package chitest checks the route guard in front of github.com/go-chi/chi,
// a router that matches on the raw (still percent-encoded) path and does not
// clean it. It is a separate module so that the root module does not
// depend on chi, not even in its tests.
package chitest
