package redisstore

import "errors"

// ErrCorrupt means a record in Redis could not be decoded. The engine
// treats it like any store failure (see Config.StoreFailOpen).
var ErrCorrupt = errors.New("redisstore: corrupt session record")

// ErrNotReplicated means a revocation reached the master but not, within
// Options.WaitTimeout, the replicas Options.WaitReplicas asks for: a
// failover could still lose it. The engine treats it like any store
// failure: the revocation stays pending and is retried.
var ErrNotReplicated = errors.New("redisstore: revocation not confirmed by the replicas")
