package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts below are the store's writes and its touching read.
// Each touches only keys of one owner, which share a hash tag (see
// Store.sessionKey), or one anonymous session's key, so every script runs
// in one Redis Cluster slot, atomically. Scripts that reach a session key
// other than KEYS[1] build it from the session-key prefix in ARGV, which
// names the same owner: the key is in the same slot. A script over one
// session takes the owner's index as KEYS[2] when the session is signed
// in, and no second key when it is anonymous (#KEYS == 1).
//
// Times are Unix milliseconds and stay below 2^53, where Lua's numbers are
// exact. Generations are compared as the decimal strings Go wrote, so
// every uint64 is kept and compared exactly.

// createScript records a signed-in session and keeps the owner's cap.
//
// KEYS: session key, user key.
// ARGV: 1 userID, 2 createdMs, 3 lastSeenMs, 4 expiresMs, 5 client,
// 6 ttlMs, 7 id, 8 nowMs, 9 cap, 10 session-key prefix of the owner,
// 11 generation, 12 graceUntilMs, 13 "1" with data, 14 data.
//
// It drops expired ids from the owner's index, writes the session hash
// and its index entry, then, while the owner has more than cap sessions,
// ends the one that expires soonest other than the new one. It returns
// how many it ended. The index never holds more than cap ids afterwards,
// so no flood of sign-ins makes it, or a listing, grow.
var createScript = redis.NewScript(`
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", ARGV[8])
redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[1], "uid", ARGV[1], "c", ARGV[2], "ls", ARGV[3], "exp", ARGV[4], "cl", ARGV[5], "g", ARGV[11], "gu", ARGV[12])
if ARGV[13] == "1" then redis.call("HSET", KEYS[1], "d", ARGV[14]) end
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

// createAnonScript records an anonymous session: no index, no cap.
//
// KEYS: session key.
// ARGV: 1 userID, 2 createdMs, 3 lastSeenMs, 4 expiresMs, 5 client,
// 6 ttlMs, 7 generation, 8 graceUntilMs, 9 "1" with data, 10 data.
var createAnonScript = redis.NewScript(`
redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[1], "uid", ARGV[1], "c", ARGV[2], "ls", ARGV[3], "exp", ARGV[4], "cl", ARGV[5], "g", ARGV[7], "gu", ARGV[8])
if ARGV[9] == "1" then redis.call("HSET", KEYS[1], "d", ARGV[10]) end
redis.call("PEXPIRE", KEYS[1], ARGV[6])
return 1
`)

// getTouchScript reads a live session and writes a due touch in the same
// step: when its last-seen time is before ARGV[2], it sets it to ARGV[3]
// and raises the expiry (and the TTLs, and the index entry's score) to
// ARGV[4] where that is later. It returns the session hash as HGETALL
// does, touched; nothing when the session is gone or expired (a touch
// never brings a session back). A hash without a readable expiry is
// returned as it is, for the caller to report.
//
// KEYS: session key[, user key].
// ARGV: 1 nowMs, 2 beforeMs, 3 seenMs, 4 expiresMs (0: keep), 5 id.
var getTouchScript = redis.NewScript(`
local h = redis.call("HGETALL", KEYS[1])
local at = {}
for i = 1, #h, 2 do at[h[i]] = i + 1 end
local exp = at["exp"] and tonumber(h[at["exp"]])
local ls = at["ls"] and tonumber(h[at["ls"]])
if not exp or not ls then return h end
local now = tonumber(ARGV[1])
if exp <= now then return {} end
if ls >= tonumber(ARGV[2]) then return h end
redis.call("HSET", KEYS[1], "ls", ARGV[3])
h[at["ls"]] = ARGV[3]
local newexp = tonumber(ARGV[4])
if newexp > exp then
	redis.call("HSET", KEYS[1], "exp", ARGV[4])
	h[at["exp"]] = ARGV[4]
	redis.call("PEXPIRE", KEYS[1], newexp - now)
	if #KEYS > 1 then
		redis.call("ZADD", KEYS[2], ARGV[4], ARGV[5])
		if redis.call("PTTL", KEYS[2]) < newexp - now then
			redis.call("PEXPIRE", KEYS[2], newexp - now)
		end
	end
end
return h
`)

// saveScript writes a live session's changing fields if and only if its
// generation is ARGV[2] (a missing "g", a record written before
// generations, is "0"), and returns 1 when it did, 0 when the session is
// gone, expired or at another generation. A ttl of 0 (an expiry that has
// passed) deletes the session instead. It never creates a session: a save
// racing a revocation either lands before it (and is deleted with it) or
// finds nothing.
//
// KEYS: session key[, user key].
// ARGV: 1 nowMs, 2 prev generation, 3 lastSeenMs, 4 expiresMs,
// 5 generation, 6 graceUntilMs, 7 ttlMs, 8 id, 9 "1" with data, 10 data.
var saveScript = redis.NewScript(`
local cur = redis.call("HMGET", KEYS[1], "exp", "g")
local exp = tonumber(cur[1])
if not exp or exp <= tonumber(ARGV[1]) then return 0 end
if (cur[2] or "0") ~= ARGV[2] then return 0 end
if tonumber(ARGV[7]) <= 0 then
	redis.call("DEL", KEYS[1])
	if #KEYS > 1 then redis.call("ZREM", KEYS[2], ARGV[8]) end
	return 1
end
redis.call("HSET", KEYS[1], "ls", ARGV[3], "exp", ARGV[4], "g", ARGV[5], "gu", ARGV[6])
if ARGV[9] == "1" then
	redis.call("HSET", KEYS[1], "d", ARGV[10])
else
	redis.call("HDEL", KEYS[1], "d")
end
redis.call("PEXPIRE", KEYS[1], ARGV[7])
if #KEYS > 1 then
	redis.call("ZADD", KEYS[2], ARGV[4], ARGV[8])
	if redis.call("PTTL", KEYS[2]) < tonumber(ARGV[7]) then
		redis.call("PEXPIRE", KEYS[2], ARGV[7])
	end
end
return 1
`)

// revokeScript ends one session and drops it from its owner's index.
//
// KEYS: session key[, user key]. ARGV: 1 id.
var revokeScript = redis.NewScript(`
redis.call("DEL", KEYS[1])
if #KEYS > 1 then redis.call("ZREM", KEYS[2], ARGV[1]) end
return 1
`)

// revokeUserScript ends every session of the owner and returns how many
// were live. It runs atomically with respect to createScript: a sign-in
// either comes before it (and is ended) or after it (and survives).
//
// KEYS: user key. ARGV: 1 nowMs, 2 session-key prefix of the owner.
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

// listScript returns the owner's live sessions as a flat array of id and
// the fields listFields names (HMGET: no data), dropping index entries
// whose session is gone or expired. The index holds at most the cap, so
// this is bounded.
//
// KEYS: user key. ARGV: 1 nowMs, 2 session-key prefix of the owner.
var listScript = redis.NewScript(`
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[1])
local out = {}
for _, id in ipairs(redis.call("ZRANGE", KEYS[1], 0, -1)) do
	local f = redis.call("HMGET", ARGV[2] .. id, "uid", "c", "ls", "exp", "cl", "g", "gu")
	if not f[4] then
		redis.call("ZREM", KEYS[1], id)
	else
		out[#out + 1] = id
		out[#out + 1] = f
	end
end
return out
`)
