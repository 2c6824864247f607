// The one Lua script behind the Redis and Upstash stores' consume: reads every state, decides
// every limit with the same arithmetic as the kernels in ../algorithms (in the same order, so
// results are bit-identical), and commits all or nothing. One call can carry several
// decisions (a batch), decided one after the other, each atomically. Numbers travel as exact
// strings (Redis truncates numbers returned by Lua). Kept here, next to the kernels it
// mirrors, so that every Redis-protocol store (TCP or HTTP, Node or edge) runs the same
// script. Written flat, with few local functions: Redis runs the whole chunk on every call,
// so each function defined here costs a closure per call.

/**
 * KEYS: the prefixed keys, one per limit, decision after decision.
 * ARGV: [1] now ('' = the server's TIME), then per decision: mode ('consume' | 'peek' |
 * 'force'), at ('' = now), the number of limits n, then six fields per limit: algorithm tag,
 * three parameters ('' when absent), cost, soft ('1' or '0').
 * State: a string of numbers, the algorithm tag first. Reply: one string of numbers, `now`,
 * then per decision `allowed committed` and `allowed used resetMs retryAfterMs` per limit.
 */
export const REDIS_CONSUME_SCRIPT = `
local EPS = 1e-9
local floor, ceil, format, gmatch, match, tonumber, call = math.floor, math.ceil, string.format, string.gmatch, string.match, tonumber, redis.call

-- Exact text for a number: integers (the common case) the fast way, -0 kept, others '%.17g'.
local function fmt(x)
  if x == floor(x) and x > -1e15 and x < 1e15 then
    if x == 0 and 1 / x < 0 then return '-0' end
    return format('%d', x)
  end
  return format('%.17g', x)
end
local function waitms(ms, tol)
  local w = ceil(ms - tol)
  if w > 1 then return w end
  return 1
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
local function sl_commit(log, now, lim, w, cost, at)
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

local now = tonumber(ARGV[1])
local serverTime = now == nil
if serverTime then
  local t = call('TIME')
  now = tonumber(t[1]) * 1000 + floor(tonumber(t[2]) / 1000)
end

-- Expiry times are whole ms, at most ~2,800 years ahead: Lua writes such numbers out exactly
-- (to 14 digits), and Redis never refuses them, so one decision cannot fail a batch.
local FAR = 9e13
local function save(key, value, exp)
  if serverTime then
    local pxat = ceil(exp)
    if not (pxat < now + FAR) then pxat = now + FAR elseif pxat < 1 then pxat = 1 end
    call('SET', key, value, 'PXAT', pxat)
  else
    -- An injected clock is not Redis's: keep the state at least a minute of real time.
    local px = ceil(exp - now)
    if not (px < FAR) then px = FAR end
    if px < 60000 then px = 60000 end
    call('SET', key, value, 'PX', px)
  end
end

-- Per limit of the decision at hand: tag, parameters, cost; allowed, retry; used and reset
-- before (U0, R0) and after (U1, R1) applying the cost; the state after (N1..N3, expiring
-- at E1); the stored state (S) and whether it was absent (NEW).
local TG, P1, P2, P3, CO, OK, RT, U0, R0, U1, R1, E1, N1, N2, N3, S, NEW = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
local WIDTH = { 2, 3, 0, 2, 2, 1 }

local out = { fmt(now) }
local a, k, nargs = 2, 0, #ARGV
while a <= nargs do
  local mode = ARGV[a]
  local at = tonumber(ARGV[a + 1]) or now
  local n = tonumber(ARGV[a + 2])
  a = a + 3
  local hard, all = true, true

  -- 1. Read and decide every limit.
  for i = 1, n do
    local tag, p1, p2, p3, cost = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
    local soft = ARGV[a + 5] == '1'
    a = a + 6
    TG[i], P1[i], P2[i], P3[i], CO[i] = tag, p1, p2, p3, cost
    -- The stored state, when it is this algorithm's: s (fields s1..s3; the whole log for sliding-log).
    local s, s1, s2, s3 = false, nil, nil, nil
    local raw = call('GET', KEYS[k + i])
    if raw then
      if tag == 3 then
        local f, m = {}, 0
        for x in gmatch(raw, '%S+') do m = m + 1 f[m] = tonumber(x) end
        if f[1] == 3 then s = f end
      else
        local t0, x1, x2, x3 = match(raw, '^(%d+) (%S+) ?(%S*) ?(%S*)$')
        if tonumber(t0) == tag then s = true s1, s2, s3 = tonumber(x1), tonumber(x2), tonumber(x3) end
      end
    end
    NEW[i] = not s
    local need = cost
    if not (need > 0) then need = 1 end
    local ok, rt
    if tag == 1 then
      -- fixed-window: state {start, count}
      local lim, w = p1, p2
      local start = floor(now / w) * w
      local count = 0
      if s and s1 >= start then start = s1 count = s2 end
      U0[i] = count
      if count > 0 then R0[i] = start + w - now else R0[i] = 0 end
      local c = count
      if cost < 0 then
        if floor(at / w) * w == start then c = count + cost if not (c > 0) then c = 0 end end
        ok = true rt = 0
      else
        ok = count + need <= lim
        if ok then rt = 0 elseif need > lim then rt = -1 else rt = ceil(start + w - now) end
        c = count + cost
      end
      N1[i], N2[i] = start, c
      U1[i] = c
      if c > 0 then R1[i] = start + w - now else R1[i] = 0 end
      E1[i] = start + w
    elseif tag == 2 then
      -- sliding-window: state {start, curr, prev}
      local lim, w = p1, p2
      local start = floor(now / w) * w
      local curr, prev = 0, 0
      if s then
        if s1 >= start then start = s1 curr = s2 prev = s3
        elseif s1 == start - w then prev = s2 end
      end
      local el = 0
      if now > start then el = now - start end
      local used = (prev * (w - el)) / w + curr
      U0[i] = used
      if curr > 0 then R0[i] = start + 2 * w - now elseif prev > 0 then R0[i] = start + w - now else R0[i] = 0 end
      local n2, n3 = curr, prev
      if cost < 0 then
        local charged = floor(at / w) * w
        if charged == start then n2 = curr + cost if not (n2 > 0) then n2 = 0 end
        elseif charged == start - w then n3 = prev + cost if not (n3 > 0) then n3 = 0 end end
        ok = true rt = 0
      else
        ok = used + need <= lim + EPS
        n2 = curr + cost
        if ok then rt = 0
        elseif need > lim then rt = -1
        else
          local room = lim - curr - need
          if room >= 0 and prev > 0 then
            rt = waitms(start + w - (room * w) / prev - now, (EPS * w) / prev)
          else
            local room2 = lim - need
            local fade = 0
            if curr > room2 then fade = w - (room2 * w) / curr end
            local tol = 0
            if curr > 0 then tol = (EPS * w) / curr end
            rt = waitms(start + w + fade - now, tol)
          end
        end
      end
      N1[i], N2[i], N3[i] = start, n2, n3
      U1[i] = (n3 * (w - el)) / w + n2
      if n2 > 0 then R1[i] = start + 2 * w - now elseif n3 > 0 then R1[i] = start + w - now else R1[i] = 0 end
      E1[i] = start + 2 * w
    elseif tag == 3 then
      -- sliding-log: the whole log, decided here, committed below
      local lim, w = p1, p2
      local log = {}
      if s then for j = 2, #s do log[j - 1] = s[j] end end
      S[i] = log
      local first = sl_first(log, now, w)
      local used = sl_sum(log, first)
      U0[i] = used
      if cost < 0 then ok = true rt = 0
      else
        ok = used + need <= lim
        if ok then rt = 0
        elseif need > lim then rt = -1
        else
          local left, j = used, first
          while j <= #log and left + need > lim do left = left - log[j + 1] j = j + 2 end
          rt = ceil(log[j - 2] + w - now)
          if not (rt > 1) then rt = 1 end
        end
      end
    elseif tag == 4 then
      -- token-bucket: state {tokens, last}; p = capacity, refillRate, initialTokens
      local cap, rate = p1, p2
      local tokens, last
      if s then tokens = s1 last = s2 else tokens = p3 or cap last = now end
      if now > last then
        local v = tokens + ((now - last) * rate) / 1000
        if v < cap then tokens = v else tokens = cap end
        last = now
      elseif tokens > cap then
        tokens = cap
      end
      U0[i] = cap - tokens
      local full = now
      if tokens < cap then full = last + ((cap - tokens) * 1000) / rate end
      if full > now then R0[i] = ceil(full - now) else R0[i] = 0 end
      local n1
      if cost < 0 then
        n1 = tokens - cost
        if not (n1 < cap) then n1 = cap end
        ok = true rt = 0
      else
        ok = tokens + EPS >= need
        n1 = tokens - cost
        if ok then rt = 0 elseif need > cap then rt = -1
        else rt = waitms(last - now + ((need - tokens) * 1000) / rate, (EPS * 1000) / rate) end
      end
      N1[i], N2[i] = n1, last
      U1[i] = cap - n1
      full = now
      if n1 < cap then full = last + ((cap - n1) * 1000) / rate end
      if full > now then R1[i] = ceil(full - now) else R1[i] = 0 end
      E1[i] = now + R1[i]
    elseif tag == 5 then
      -- leaky-bucket: state {level, last}; p = capacity, leakRate
      local cap, rate = p1, p2
      local level, last = 0, now
      if s then level = s1 last = s2 end
      if now > last then
        level = level - ((now - last) * rate) / 1000
        if not (level > 0) then level = 0 end
        last = now
      end
      U0[i] = level
      local empty = now
      if level > 0 then empty = last + (level * 1000) / rate end
      if empty > now then R0[i] = ceil(empty - now) else R0[i] = 0 end
      local n1
      if cost < 0 then
        n1 = level + cost
        if not (n1 > 0) then n1 = 0 end
        ok = true rt = 0
      else
        ok = level + need <= cap + EPS
        n1 = level + cost
        if ok then rt = 0 elseif need > cap then rt = -1
        else rt = waitms(last - now + ((level + need - cap) * 1000) / rate, (EPS * 1000) / rate) end
      end
      N1[i], N2[i] = n1, last
      U1[i] = n1
      empty = now
      if n1 > 0 then empty = last + (n1 * 1000) / rate end
      if empty > now then R1[i] = ceil(empty - now) else R1[i] = 0 end
      E1[i] = now + R1[i]
    else
      -- gcra: state {tat}; p = limit, windowMs, burst
      local burst = p3
      local t = p2 / p1
      local tat = now
      if s and s1 > now then tat = s1 end
      local used = (tat - now) / t
      U0[i] = used
      R0[i] = ceil(tat - now)
      local nxt
      if cost < 0 then
        nxt = tat + cost * t
        if not (nxt > now) then nxt = now end
        ok = true rt = 0
      else
        ok = used + need <= burst + EPS
        nxt = tat + cost * t
        if ok then rt = 0 elseif need > burst then rt = -1
        else rt = waitms(tat + need * t - burst * t - now, EPS * t) end
      end
      N1[i] = nxt
      U1[i] = (nxt - now) / t
      R1[i] = ceil(nxt - now)
      E1[i] = nxt
    end
    OK[i], RT[i] = ok, rt
    if not ok then
      all = false
      if not soft then hard = false end
    end
  end

  -- 2. All or nothing.
  local commit = mode == 'force' or (mode == 'consume' and hard)
  local allowed = hard
  if mode == 'force' then allowed = all end
  out[#out + 1] = allowed and '1' or '0'
  out[#out + 1] = commit and '1' or '0'

  -- 3. Write (when committing) and describe each limit.
  for i = 1, n do
    local tag, key = TG[i], KEYS[k + i]
    local used, reset
    if tag == 3 then
      local log, w = S[i], P2[i]
      if commit then log = sl_commit(log, now, P1[i], w, CO[i], at) end
      local first = sl_first(log, now, w)
      used = sl_sum(log, first)
      local m = #log
      local exp = now
      if m >= first then reset = log[m - 1] + w - now exp = log[m - 1] + w else reset = 0 end
      if commit then
        local parts = { '3' }
        for j = 1, m do parts[j + 1] = fmt(log[j]) end
        save(key, table.concat(parts, ' '), exp)
      end
    elseif commit then
      local width = WIDTH[tag]
      local value
      if width == 1 then value = tag .. ' ' .. fmt(N1[i])
      elseif width == 2 then value = tag .. ' ' .. fmt(N1[i]) .. ' ' .. fmt(N2[i])
      else value = tag .. ' ' .. fmt(N1[i]) .. ' ' .. fmt(N2[i]) .. ' ' .. fmt(N3[i]) end
      save(key, value, E1[i])
      used, reset = U1[i], R1[i]
    else
      used, reset = U0[i], R0[i]
      if tag == 4 and mode == 'consume' and NEW[i] and P3[i] and P3[i] < P1[i] then
        -- A refused first contact still starts this bucket's clock.
        save(key, '4 ' .. fmt(P3[i]) .. ' ' .. fmt(now), now + reset)
      end
    end
    out[#out + 1] = OK[i] and '1' or '0'
    out[#out + 1] = fmt(used)
    out[#out + 1] = fmt(reset)
    out[#out + 1] = fmt(RT[i])
  end
  k = k + n
end
return table.concat(out, ' ')
`;

/**
 * SHA-1 of {@link REDIS_CONSUME_SCRIPT}, as EVALSHA wants it. A constant (core computes no
 * hashes, to stay free of `node:` modules); redis-script.test.ts checks it.
 */
export const REDIS_CONSUME_SHA = '77d215db0798ada924f24b873a902748689f1170';
