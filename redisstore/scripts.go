package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts below are the store's writes. Each touches only keys of
// one user, which share a hash tag (see Store.sessionKey), so every script runs in
// one Redis Cluster slot, atomically. Scripts that reach a session key
// other than KEYS[1] build it from the session-key prefix in ARGV, which
// names the same user: the key is in the same slot.

// createScript records a session and keeps the user's cap.
//
// KEYS: session key, user key.
// ARGV: 1 userID, 2 createdMs, 3 lastSeenMs, 4 expiresMs, 5 client,
// 6 ttlMs, 7 id, 8 nowMs, 9 cap, 10 session-key prefix of the user,
// 11 generation, 12 graceUntilMs.
//
// It drops expired ids from the user's index, writes the session hash and
// its index entry, then, while the user has more than cap sessions, ends
// the one that expires soonest other than the new one. It returns how
// many it ended. The index never holds more than cap ids afterwards, so
// no flood of sign-ins makes it, or a listing, grow.
var createScript = redis.NewScript(`
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", ARGV[8])
redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[1], "uid", ARGV[1], "c", ARGV[2], "ls", ARGV[3], "exp", ARGV[4], "cl", ARGV[5], "g", ARGV[11], "gu", ARGV[12])
redis.call("PEXPIRE", KEYS[1], ARGV[6])
redis.call("ZADD", KEYS[2], ARGV[4], ARGV[7])
local over = redis.call("ZCARD", KEYS[2]) - tonumber(ARGV[9])
local ended = 0
if over > 0 then
	for _, id in ipairs(redis.call("ZRANGE", KEYS[2], 0, over)) do
		if ended == over then break end
		if id ~= ARGV[7] then
			redis.call("DEL", ARGV[10] .. id)
			redis.call("ZREM", KEYS[2], id)
			ended = ended + 1
		end
	end
end
if redis.call("PTTL", KEYS[2]) < tonumber(ARGV[6]) then
	redis.call("PEXPIRE", KEYS[2], ARGV[6])
end
return ended
`)

// touchScript writes the last-seen time and expiry of a live session of
// the user and raises its generation and grace end ("g", "gu": a missing
// field is 0) to those given where they are higher; it does nothing when
// the session is gone, so a touch racing a revocation never brings the
// session back, and of touches racing each other the highest generation
// stays. Generations stay below 2^53, where Lua's numbers are exact. It
// returns 0 when the session is gone, 2 when it raised the generation (a
// revocation of the older tokens: see raisedGeneration), else 1.
//
// KEYS: session key, user key.
// ARGV: 1 userID, 2 lastSeenMs, 3 expiresMs, 4 ttlMs, 5 id, 6 generation,
// 7 graceUntilMs.
var touchScript = redis.NewScript(`
if redis.call("HGET", KEYS[1], "uid") ~= ARGV[1] then return 0 end
redis.call("HSET", KEYS[1], "ls", ARGV[2], "exp", ARGV[3])
local cur = redis.call("HMGET", KEYS[1], "g", "gu")
local raised = 1
if tonumber(ARGV[6]) > (tonumber(cur[1]) or 0) then
	redis.call("HSET", KEYS[1], "g", ARGV[6])
	raised = 2
end
if tonumber(ARGV[7]) > (tonumber(cur[2]) or 0) then redis.call("HSET", KEYS[1], "gu", ARGV[7]) end
redis.call("PEXPIRE", KEYS[1], ARGV[4])
redis.call("ZADD", KEYS[2], ARGV[3], ARGV[5])
if redis.call("PTTL", KEYS[2]) < tonumber(ARGV[4]) then
	redis.call("PEXPIRE", KEYS[2], ARGV[4])
end
return raised
`)

// raisedGeneration reports whether touchScript raised the generation.
func raisedGeneration(reply any) bool { n, _ := reply.(int64); return n == 2 }

// revokeScript ends one session of the user.
//
// KEYS: session key, user key. ARGV: 1 id.
var revokeScript = redis.NewScript(`
redis.call("DEL", KEYS[1])
redis.call("ZREM", KEYS[2], ARGV[1])
return 1
`)

// revokeUserScript ends every session of the user and returns how many
// were live. It runs atomically with respect to createScript: a sign-in
// either comes before it (and is ended) or after it (and survives).
//
// KEYS: user key. ARGV: 1 nowMs, 2 session-key prefix of the user.
var revokeUserScript = redis.NewScript(`
local entries = redis.call("ZRANGE", KEYS[1], 0, -1, "WITHSCORES")
local n = 0
for i = 1, #entries, 2 do
	if redis.call("DEL", ARGV[2] .. entries[i]) == 1 and tonumber(entries[i + 1]) > tonumber(ARGV[1]) then
		n = n + 1
	end
end
redis.call("DEL", KEYS[1])
return n
`)

// listScript returns the user's live sessions as a flat array of id,
// HGETALL-reply pairs, dropping index entries whose session is gone or
// expired. The index holds at most the cap, so this is bounded.
//
// KEYS: user key. ARGV: 1 nowMs, 2 session-key prefix of the user.
var listScript = redis.NewScript(`
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[1])
local out = {}
for _, id in ipairs(redis.call("ZRANGE", KEYS[1], 0, -1)) do
	local h = redis.call("HGETALL", ARGV[2] .. id)
	if #h == 0 then
		redis.call("ZREM", KEYS[1], id)
	else
		out[#out + 1] = id
		out[#out + 1] = h
	end
end
return out
`)
