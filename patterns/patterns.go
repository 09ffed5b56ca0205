// Package patterns names the route patterns most applications guard, for
// use with authsession.Public, authsession.Auth and authsession.Hybrid.
//
// Every pattern here has the subtree form "/name/*": it matches /name itself
// and every path below it, and is matched without any glob machinery.
// The guard passes the configured pattern to Authorize hooks in
// Rule.Pattern, so a hook can compare it with these constants.
package patterns

const (
	// API matches /api and everything below it. With the default
	// Config.APIPath (/api/session), the guard answers requests under it
	// with JSON (a 401) instead of a redirect.
	API = "/api/*"

	// Dashboard matches /dashboard and everything below it.
	Dashboard = "/dashboard/*"

	// Admin matches /admin and everything below it.
	Admin = "/admin/*"

	// Settings matches /settings and everything below it.
	Settings = "/settings/*"

	// Profile matches /profile and everything below it.
	Profile = "/profile/*"
)
