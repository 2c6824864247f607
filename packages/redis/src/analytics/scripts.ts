// The analytics Lua scripts (a batch written atomically; a report's data read in one
// snapshot) and their SHA-1s, called with EVALSHA and falling back to EVAL on NOSCRIPT.
import { createHash } from 'node:crypto';

/** A script and the SHA-1 Redis knows it by. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Shared helpers: the server's time in ms, integers as text, and adding packed counters. */
const HELPERS = `
local function fmt(n) return string.format('%d', n) end
local function servertime()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function parse(packed)
  local a = {}
  if packed then for n in string.gmatch(packed, '[^,]+') do a[#a + 1] = tonumber(n) or 0 end end
  return a
end
local function addto(a, packed)
  local i = 0
  for n in string.gmatch(packed, '[^,]+') do
    i = i + 1
    a[i] = (a[i] or 0) + (tonumber(n) or 0)
  end
end
local function pack(a)
  local out = {}
  for i = 1, #a do out[i] = fmt(a[i]) end
  return table.concat(out, ',')
end
`;

/**
 * Writes one batch. KEYS: blocks, instances, live instances, applied sequences, then per
 * minute bucket its minute hash, minute users, hour hash, hour users. ARGV: topUsers,
 * retentionMs, minuteTtlMs, recentBlocks, instance field ('' for none), instance JSON,
 * instanceTimeoutMs (0: the instance leaves), the number of blocks, the batch's sequence
 * (0: none), the blocks (oldest first), then per bucket: minute start, hour start, otherUsers ('' when zero), store
 * counters ('' when zero), number of pairs, number of users, the pairs' (field, packed)
 * and the users' (field, packed). Returns the server time (ms).
 */
export const ANALYTICS_WRITE_SCRIPT: LuaScript = script(`${HELPERS}
local now = servertime()
local top = tonumber(ARGV[1])
local retention = tonumber(ARGV[2])
local minuteTtl = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
local nblocks = tonumber(ARGV[8])
local seq = tonumber(ARGV[9])

-- A batch applied already (its write timed out but went through, and was sent again): nothing to add.
if seq > 0 and ARGV[5] ~= '' then
  local applied = tonumber(redis.call('HGET', KEYS[4], ARGV[5]) or '0')
  if seq <= applied then return fmt(now) end
  redis.call('HSET', KEYS[4], ARGV[5], fmt(seq))
  redis.call('PEXPIRE', KEYS[4], fmt(retention))
end

local function incr(key, field, delta)
  local a = parse(redis.call('HGET', key, field))
  addto(a, delta)
  redis.call('HSET', key, field, pack(a))
end

-- More than 2 x top users: keep the busiest top, add the others to otherUsers.
local function fold(hash, users)
  local n = redis.call('HLEN', users)
  if n <= 2 * top then return end
  local all = redis.call('HGETALL', users)
  local rows = {}
  for i = 1, #all, 2 do
    local c = parse(all[i + 1])
    rows[#rows + 1] = { all[i], all[i + 1], c[1] or 0, c[4] or 0 }
  end
  table.sort(rows, function(x, y)
    if x[3] ~= y[3] then return x[3] > y[3] end
    if x[4] ~= y[4] then return x[4] > y[4] end
    return x[1] < y[1]
  end)
  local other = parse(redis.call('HGET', hash, 'o'))
  local gone = {}
  for i = top + 1, #rows do
    addto(other, rows[i][2])
    gone[#gone + 1] = rows[i][1]
    if #gone == 500 then
      redis.call('HDEL', users, unpack(gone))
      gone = {}
    end
  end
  if #gone > 0 then redis.call('HDEL', users, unpack(gone)) end
  redis.call('HSET', hash, 'o', pack(other))
end

-- Adds a bucket's deltas to one bucket (a minute, or its hour), unless it has expired already.
local function apply(hash, users, expireAt, other, store, a, np, nu)
  if expireAt <= now then return end
  if other ~= '' then incr(hash, 'o', other) end
  if store ~= '' then incr(hash, 's', store) end
  for i = 0, np - 1 do incr(hash, ARGV[a + 2 * i], ARGV[a + 2 * i + 1]) end
  a = a + 2 * np
  for i = 0, nu - 1 do incr(users, ARGV[a + 2 * i], ARGV[a + 2 * i + 1]) end
  fold(hash, users)
  redis.call('PEXPIREAT', hash, fmt(expireAt))
  redis.call('PEXPIREAT', users, fmt(expireAt))
end

local a = 10 + nblocks
local k = 5
while k + 3 <= #KEYS do
  local mstart = tonumber(ARGV[a])
  local hstart = tonumber(ARGV[a + 1])
  local other = ARGV[a + 2]
  local store = ARGV[a + 3]
  local np = tonumber(ARGV[a + 4])
  local nu = tonumber(ARGV[a + 5])
  apply(KEYS[k], KEYS[k + 1], mstart + minuteTtl, other, store, a + 6, np, nu)
  apply(KEYS[k + 2], KEYS[k + 3], hstart + retention, other, store, a + 6, np, nu)
  a = a + 6 + 2 * (np + nu)
  k = k + 4
end

if nblocks > 0 then
  local first = 10
  if nblocks > keep then first = 10 + nblocks - keep end
  for i = first, 9 + nblocks do redis.call('LPUSH', KEYS[1], ARGV[i]) end
  redis.call('LTRIM', KEYS[1], 0, keep - 1)
  redis.call('PEXPIRE', KEYS[1], fmt(retention))
end

local id = ARGV[5]
if id ~= '' then
  local timeout = tonumber(ARGV[7])
  if timeout > 0 then
    redis.call('HSET', KEYS[2], id, fmt(now) .. ' ' .. ARGV[6])
    redis.call('ZADD', KEYS[3], fmt(now + timeout), id)
  else
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
  end
end
-- Instances no longer live are forgotten.
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', fmt(now), 'LIMIT', 0, 1000)
if #dead > 0 then
  redis.call('HDEL', KEYS[2], unpack(dead))
  redis.call('ZREM', KEYS[3], unpack(dead))
  redis.call('HDEL', KEYS[4], unpack(dead))
end
if id ~= '' and tonumber(ARGV[7]) == 0 then redis.call('HDEL', KEYS[4], id) end
redis.call('PEXPIRE', KEYS[2], fmt(retention))
redis.call('PEXPIRE', KEYS[3], fmt(retention))
return fmt(now)
`);

/**
 * Reads a report's data in one snapshot. KEYS: bucket hashes (any number), then blocks,
 * instances, live instances. ARGV: now in ms ('' for the server's time). Returns now, each
 * bucket hash's HGETALL, the blocks (newest first) and the live instances' values.
 */
export const ANALYTICS_READ_SCRIPT: LuaScript = script(`${HELPERS}
local now
if ARGV[1] == '' then now = servertime() else now = tonumber(ARGV[1]) end
local n = #KEYS - 3
local out = { fmt(now) }
for i = 1, n do out[#out + 1] = redis.call('HGETALL', KEYS[i]) end
out[#out + 1] = redis.call('LRANGE', KEYS[n + 1], 0, -1)
local ids = redis.call('ZRANGEBYSCORE', KEYS[n + 3], '(' .. fmt(now), '+inf')
local live = {}
for i = 1, #ids, 1000 do
  local chunk = {}
  for j = i, math.min(i + 999, #ids) do chunk[#chunk + 1] = ids[j] end
  local values = redis.call('HMGET', KEYS[n + 2], unpack(chunk))
  for j = 1, #chunk do
    if values[j] then live[#live + 1] = values[j] end
  end
end
out[#out + 1] = live
return out
`);
