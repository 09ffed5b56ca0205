package redisstore

import "errors"

// ErrCorrupt means a record in Redis could not be decoded. The engine
// treats it like any store failure (see Config.StoreFailOpen).
var ErrCorrupt = errors.New("redisstore: corrupt session record")
