// The one Lua script behind the Redis and Upstash stores' consume: reads every state, decides
// every limit with the same arithmetic as the kernels in ../algorithms (in the same order, so
// results are bit-identical), and commits all or nothing. Numbers travel as '%.17g' strings
// (Redis truncates numbers returned by Lua). Kept here, next to the kernels it mirrors, so
// that every Redis-protocol store (TCP or HTTP, Node or edge) runs the same script.

/**
 * KEYS: the prefixed keys, one per limit.
 * ARGV: [1] mode ('consume' | 'peek' | 'force'), [2] now ('' = the server's TIME),
 * [3] at ('' = now), then six fields per limit: algorithm tag, three parameters (''
 * when absent), cost, soft ('1' or '0').
 * State: a string of numbers, the algorithm tag first. Reply: one string of numbers,
 * `allowed committed now` then `allowed used resetMs retryAfterMs` per limit.
 */
export const REDIS_CONSUME_SCRIPT = `
local EPS = 1e-9
local floor, ceil = math.floor, math.ceil

local function fmt(x) return string.format('%.17g', x) end
local function needed(c) if c > 0 then return c end return 1 end
local function waitms(ms, tol) local w = ceil(ms - tol) if w > 1 then return w end return 1 end
local function max(a, b) if b > a then return b end return a end
local function min(a, b) if b < a then return b end return a end

-- fixed-window: state {start, count}
local function fw_inspect(s, now, p, o)
  local w = p[2]
  local start = floor(now / w) * w
  local count = 0
  if s and s[1] >= start then start = s[1] count = s[2] end
  o.used = count
  if count > 0 then o.reset = start + w - now else o.reset = 0 end
  o.exp = start + w
end
local function fw_apply(s, now, p, cost, at, o)
  local lim, w = p[1], p[2]
  local start = floor(now / w) * w
  local count = 0
  if s and s[1] >= start then start = s[1] count = s[2] end
  o.used = count
  if cost < 0 then
    if floor(at / w) * w == start then count = max(0, count + cost) end
    o.allowed = true o.retry = 0
  else
    local need = needed(cost)
    o.allowed = count + need <= lim
    if o.allowed then o.retry = 0 elseif need > lim then o.retry = -1 else o.retry = ceil(start + w - now) end
    count = count + cost
  end
  o.next = { start, count }
  o.usedNext = count
  if count > 0 then o.reset = start + w - now else o.reset = 0 end
  o.exp = start + w
end

-- sliding-window: state {start, curr, prev}
local function sw_roll(s, now, w)
  local start = floor(now / w) * w
  local curr, prev = 0, 0
  if s then
    if s[1] >= start then start = s[1] curr = s[2] prev = s[3]
    elseif s[1] == start - w then prev = s[2] end
  end
  return start, curr, prev
end
local function sw_est(start, curr, prev, now, w)
  local elapsed = 0
  if now > start then elapsed = now - start end
  return (prev * (w - elapsed)) / w + curr
end
local function sw_reset(start, curr, prev, now, w)
  if curr > 0 then return start + 2 * w - now elseif prev > 0 then return start + w - now end
  return 0
end
local function sw_inspect(s, now, p, o)
  local w = p[2]
  local start, curr, prev = sw_roll(s, now, w)
  o.used = sw_est(start, curr, prev, now, w)
  o.reset = sw_reset(start, curr, prev, now, w)
  o.exp = start + 2 * w
end
local function sw_apply(s, now, p, cost, at, o)
  local lim, w = p[1], p[2]
  local start, curr, prev = sw_roll(s, now, w)
  local n2, n3 = curr, prev
  local used = sw_est(start, curr, prev, now, w)
  o.used = used
  if cost < 0 then
    local charged = floor(at / w) * w
    if charged == start then n2 = max(0, curr + cost)
    elseif charged == start - w then n3 = max(0, prev + cost) end
    o.allowed = true o.retry = 0
  else
    local need = needed(cost)
    o.allowed = used + need <= lim + EPS
    n2 = curr + cost
    if o.allowed then o.retry = 0
    elseif need > lim then o.retry = -1
    else
      local room = lim - curr - need
      if room >= 0 and prev > 0 then
        o.retry = waitms(start + w - (room * w) / prev - now, (EPS * w) / prev)
      else
        local room2 = lim - need
        local fade = 0
        if curr > room2 then fade = w - (room2 * w) / curr end
        local tol = 0
        if curr > 0 then tol = (EPS * w) / curr end
        o.retry = waitms(start + w + fade - now, tol)
      end
    end
  end
  o.next = { start, n2, n3 }
  o.usedNext = sw_est(start, n2, n3, now, w)
  o.reset = sw_reset(start, n2, n3, now, w)
  o.exp = start + 2 * w
end

-- token-bucket: state {tokens, last}; p = {capacity, refillRate, initialTokens|nil}
local function tb_refill(s, now, p)
  local tokens, last
  if s then tokens = s[1] last = s[2] else tokens = p[3] or p[1] last = now end
  if now > last then
    tokens = min(p[1], tokens + ((now - last) * p[2]) / 1000)
    last = now
  elseif tokens > p[1] then
    tokens = p[1]
  end
  return tokens, last
end
local function tb_describe(tokens, last, now, p, o)
  local cap, rate = p[1], p[2]
  o.used = cap - tokens
  local full = now
  if tokens < cap then full = last + ((cap - tokens) * 1000) / rate end
  if full > now then o.reset = ceil(full - now) else o.reset = 0 end
  o.exp = now + o.reset
end
local function tb_inspect(s, now, p, o)
  local tokens, last = tb_refill(s, now, p)
  tb_describe(tokens, last, now, p, o)
end
local function tb_apply(s, now, p, cost, at, o)
  local cap, rate = p[1], p[2]
  local tokens, last = tb_refill(s, now, p)
  local n1
  if cost < 0 then
    n1 = min(cap, tokens - cost)
    o.allowed = true o.retry = 0
  else
    local need = needed(cost)
    o.allowed = tokens + EPS >= need
    n1 = tokens - cost
    if o.allowed then o.retry = 0 elseif need > cap then o.retry = -1
    else o.retry = waitms(last - now + ((need - tokens) * 1000) / rate, (EPS * 1000) / rate) end
  end
  o.next = { n1, last }
  tb_describe(n1, last, now, p, o)
  o.usedNext = o.used
  o.used = cap - tokens
end

-- leaky-bucket: state {level, last}; p = {capacity, leakRate}
local function lb_drain(s, now, p)
  local level, last = 0, now
  if s then level = s[1] last = s[2] end
  if now > last then
    level = max(0, level - ((now - last) * p[2]) / 1000)
    last = now
  end
  return level, last
end
local function lb_describe(level, last, now, p, o)
  o.used = level
  local empty = now
  if level > 0 then empty = last + (level * 1000) / p[2] end
  if empty > now then o.reset = ceil(empty - now) else o.reset = 0 end
  o.exp = now + o.reset
end
local function lb_inspect(s, now, p, o)
  local level, last = lb_drain(s, now, p)
  lb_describe(level, last, now, p, o)
end
local function lb_apply(s, now, p, cost, at, o)
  local cap, rate = p[1], p[2]
  local level, last = lb_drain(s, now, p)
  local n1
  if cost < 0 then
    n1 = max(0, level + cost)
    o.allowed = true o.retry = 0
  else
    local need = needed(cost)
    o.allowed = level + need <= cap + EPS
    n1 = level + cost
    if o.allowed then o.retry = 0 elseif need > cap then o.retry = -1
    else o.retry = waitms(last - now + ((level + need - cap) * 1000) / rate, (EPS * 1000) / rate) end
  end
  o.next = { n1, last }
  lb_describe(n1, last, now, p, o)
  o.usedNext = o.used
  o.used = level
end

-- gcra: state {tat}; p = {limit, windowMs, burst}
local function gc_inspect(s, now, p, o)
  local tat = now
  if s and s[1] > now then tat = s[1] end
  o.used = (tat - now) / (p[2] / p[1])
  o.reset = ceil(tat - now)
  o.exp = tat
end
local function gc_apply(s, now, p, cost, at, o)
  local burst = p[3]
  local t = p[2] / p[1]
  local tat = now
  if s and s[1] > now then tat = s[1] end
  local used = (tat - now) / t
  o.used = used
  local nxt
  if cost < 0 then
    nxt = max(now, tat + cost * t)
    o.allowed = true o.retry = 0
  else
    local need = needed(cost)
    o.allowed = used + need <= burst + EPS
    nxt = tat + cost * t
    if o.allowed then o.retry = 0 elseif need > burst then o.retry = -1
    else o.retry = waitms(tat + need * t - burst * t - now, EPS * t) end
  end
  o.next = { nxt }
  o.usedNext = (nxt - now) / t
  o.reset = ceil(nxt - now)
  o.exp = nxt
end

-- sliding-log: state {t1, c1, t2, c2, ...}, oldest first, at most limit entries
local function sl_first(log, now, w)
  local i = 1
  while i <= #log and log[i] + w <= now do i = i + 2 end
  return i
end
local function sl_sum(log, i)
  local s = 0
  local j = i + 1
  while j <= #log do s = s + log[j] j = j + 2 end
  return s
end
local function sl_decide(log, now, p, cost, o)
  local lim, w = p[1], p[2]
  local first = sl_first(log, now, w)
  local used = sl_sum(log, first)
  o.used = used
  if cost < 0 then o.allowed = true o.retry = 0 return end
  local need = needed(cost)
  o.allowed = used + need <= lim
  if o.allowed then o.retry = 0
  elseif need > lim then o.retry = -1
  else
    local left, i = used, first
    while i <= #log and left + need > lim do left = left - log[i + 1] i = i + 2 end
    o.retry = max(1, ceil(log[i - 2] + w - now))
  end
end
local function sl_commit(log, now, p, cost, at)
  local lim, w = p[1], p[2]
  if cost > 0 then
    local first = sl_first(log, now, w)
    if first > 1 then
      local kept = {}
      for j = first, #log do kept[#kept + 1] = log[j] end
      log = kept
    end
    local n = #log
    local lastTime = -math.huge
    if n > 0 then lastTime = log[n - 1] end
    local t = lastTime
    if now > lastTime then t = now end
    if n > 0 and (lastTime == t or n / 2 >= lim) then
      log[n - 1] = t
      log[n] = log[n] + cost
    else
      log[n + 1] = t
      log[n + 2] = cost
    end
  elseif cost < 0 then
    local i = #log - 1
    while i >= 1 and log[i] >= at do
      if log[i] == at and at + w > now then
        local left = log[i + 1] + cost
        if left > 0 then log[i + 1] = left else table.remove(log, i) table.remove(log, i) end
        break
      end
      i = i - 2
    end
  end
  return log
end
local function sl_inspect(log, now, p, o)
  local w = p[2]
  local first = sl_first(log, now, w)
  o.used = sl_sum(log, first)
  local n = #log
  if n >= first then
    o.reset = log[n - 1] + w - now
    o.exp = log[n - 1] + w
  else
    o.reset = 0
    o.exp = now
  end
end

local APPLY = { fw_apply, sw_apply, nil, tb_apply, lb_apply, gc_apply }
local INSPECT = { fw_inspect, sw_inspect, nil, tb_inspect, lb_inspect, gc_inspect }
local WIDTH = { 2, 3, 0, 2, 2, 1 }

local mode = ARGV[1]
local now = tonumber(ARGV[2])
local serverTime = now == nil
if serverTime then
  if redis.replicate_commands then pcall(redis.replicate_commands) end
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + floor(tonumber(t[2]) / 1000)
end
local at = tonumber(ARGV[3]) or now

-- 1. Read and decide every limit.
local n = #KEYS
local L = {}
local hardAllowed, allAllowed = true, true
for i = 1, n do
  local b = 3 + (i - 1) * 6
  local tag = tonumber(ARGV[b + 1])
  local p = { tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]) }
  local l = { tag = tag, p = p, cost = tonumber(ARGV[b + 5]), soft = ARGV[b + 6] == '1' }
  local raw = redis.call('GET', KEYS[i])
  if raw then
    local s = {}
    for x in string.gmatch(raw, '%S+') do s[#s + 1] = tonumber(x) end
    if s[1] == tag then
      table.remove(s, 1)
      l.s = s
    end
  end
  if tag == 3 then sl_decide(l.s or {}, now, p, l.cost, l) else APPLY[tag](l.s, now, p, l.cost, at, l) end
  if not l.allowed then
    allAllowed = false
    if not l.soft then hardAllowed = false end
  end
  L[i] = l
end

-- 2. All or nothing.
local commit = mode == 'force' or (mode == 'consume' and hardAllowed)

-- 3. Write (when committing) and describe each limit.
local function save(key, tag, state, width, exp)
  local parts = { tostring(tag) }
  for j = 1, width do parts[j + 1] = fmt(state[j]) end
  local value = table.concat(parts, ' ')
  if serverTime then
    redis.call('SET', key, value, 'PXAT', string.format('%d', ceil(exp)))
  else
    -- An injected clock is not Redis's: keep the state at least a minute of real time.
    redis.call('SET', key, value, 'PX', string.format('%d', max(60000, ceil(exp - now))))
  end
end

local out = { hardAllowed and '1' or '0', commit and '1' or '0', fmt(now) }
if mode == 'force' then out[1] = allAllowed and '1' or '0' end
for i = 1, n do
  local l = L[i]
  local tag = l.tag
  local allowed, retry = l.allowed, l.retry
  if tag == 3 then
    local log = l.s
    if commit then
      log = sl_commit(log or {}, now, l.p, l.cost, at)
      sl_inspect(log, now, l.p, l)
      save(KEYS[i], 3, log, #log, l.exp)
    else
      sl_inspect(log or {}, now, l.p, l)
    end
  else
    local c = commit
    if not c and mode == 'consume' and not l.s and tag == 4 and l.p[3] and l.p[3] < l.p[1] then
      -- A refused first contact still starts this bucket's clock.
      APPLY[tag](nil, now, l.p, 0, at, l)
      c = true
    end
    if c then
      save(KEYS[i], tag, l.next, WIDTH[tag], l.exp)
      l.used = l.usedNext
    else
      INSPECT[tag](l.s, now, l.p, l)
    end
  end
  out[#out + 1] = allowed and '1' or '0'
  out[#out + 1] = fmt(l.used)
  out[#out + 1] = fmt(l.reset)
  out[#out + 1] = fmt(retry)
end
return table.concat(out, ' ')
`;

/**
 * SHA-1 of {@link REDIS_CONSUME_SCRIPT}, as EVALSHA wants it. A constant (core computes no
 * hashes, to stay free of `node:` modules); redis-script.test.ts checks it.
 */
export const REDIS_CONSUME_SHA = '06bfaf4af1553ad9a03c1d18447075e62931d45f';
