package authsession

// RouteType says who may visit a route.
type RouteType int

// Route types. The zero value means "unset" and selects the default.
const (
	// RouteHybrid routes take everyone, with no redirects.
	RouteHybrid RouteType = iota + 1
	// RoutePublic routes are for visitors without a session; signed-in
	// users are sent to the home path.
	RoutePublic
	// RouteAuth routes need a session; others go to the login path.
	RouteAuth
)

func (t RouteType) valid() bool { return t >= RouteHybrid && t <= RouteAuth }

// String returns "hybrid", "public" or "auth".
func (t RouteType) String() string {
	switch t {
	case RouteHybrid:
		return "hybrid"
	case RoutePublic:
		return "public"
	case RouteAuth:
		return "auth"
	}
	return "unknown"
}

// Rule applies a route type to the paths matching Pattern.
type Rule struct {
	Type    RouteType
	Pattern string
}

// Public returns a rule for visitors without a session.
func Public(pattern string) Rule { return Rule{RoutePublic, pattern} }

// Auth returns a rule for signed-in visitors only.
func Auth(pattern string) Rule { return Rule{RouteAuth, pattern} }

// Hybrid returns a rule open to everyone.
func Hybrid(pattern string) Rule { return Rule{RouteHybrid, pattern} }
