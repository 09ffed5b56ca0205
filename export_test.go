package authsession

// OwnerOf exports ownerOf to the black-box tests: the store owner of a
// user's sessions.
func OwnerOf(userID string) string { return ownerOf(userID) }

// The limits the black-box tests check.
const (
	MaxClientLength = maxClientLength
	MaxAPIBodyBytes = maxAPIBodyBytes
)

// The documented defaults and limits the black-box tests check; the
// public API documents them on the Config fields instead.
const (
	DefaultExpiry           = defaultExpiry
	DefaultRefreshThreshold = defaultRefreshThreshold
	DefaultMaxLifetime      = defaultMaxLifetime
	DefaultCookieName       = defaultCookieName
	DefaultMaxCookieBytes   = defaultMaxCookieBytes
	DefaultLeeway           = defaultLeeway
	DefaultLoginPath        = defaultLoginPath
	DefaultHomePath         = defaultHomePath
	DefaultAPIPath          = defaultAPIPath
	DefaultCacheBytes       = defaultCacheBytes
	DefaultTouchAfter       = defaultTouchAfter
	DefaultStoreTimeout     = defaultStoreTimeout
	DefaultGenerationGrace  = defaultGenerationGrace
	DefaultMaxDataBytes     = defaultMaxDataBytes
	DefaultForeignLeeway    = defaultForeignLeeway
	MinSecretBytes          = minSecretBytes
	SecretEnv               = secretEnv
	MinSessionIDLength      = minSessionIDLength
	MaxSessionIDLength      = maxSessionIDLength
	AuthJSCookieName        = authJSCookieName
	NextAuthV4CookieName    = nextAuthV4CookieName
)

// RaceEnabled reports whether the race detector is on (its sync.Pool
// drops what it is given at random, and it adds allocations).
const RaceEnabled = raceEnabled
