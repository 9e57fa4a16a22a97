#!lua name=s3gate
-- s3gate's shared request counters (counters.store=redis): one atomic step per decision.
-- Loaded by org.s3gate.cluster.RedisFunctions (FUNCTION LOAD REPLACE); read that class first.
--
-- Design: each counter keeps an exact sliding log of its most recent requests per window, as a
-- ring of S 4-byte timestamps (microseconds since the counter's base) in a Redis string, one ring
-- per window, oldest at `head`. The sliding-log rule "admit while fewer than L requests are in the
-- window" depends only on the L-th most recent request, the entry L places before `head` (at
-- logical index S - L): the request is admitted when that entry is empty or out of the window.
-- `live` counts the newest entries that may still count; each call first drops from it the oldest
-- ones that have left the window (a GETRANGE each, so about one per recorded request in all), which
-- gives the window's count for the headers and the decision (count < L). One SETRANGE records
-- (overwriting the oldest entry, which is out of the window whenever a request is admitted).
-- S is the limit L (capped at MAX_RING), except after a limit was lowered while more than the new
-- limit still count: S stays until they have left, so raising the limit again finds every request
-- still in the window (the log forgets nothing that counts). A limit <= 0 denies everything and
-- leaves the ring as it is.
--
-- Keys of a counter (all under the owner's hash tag, so one request's counters share a slot):
--   s3gate:c:{OWNER}[ QUALIFIER]  hash: b base us, t last time us, hs/hm ring heads, ns/nm ring
--                                 sizes, ls/lm live entries, a admitted total, d denied total
--   s3gate:s:{OWNER}[ QUALIFIER]  per-second ring, s3gate:m:{OWNER}[ QUALIFIER] per-minute ring
-- Every write sets a TTL of 61 s on all three: past it nothing the counter holds can count.
--
-- Time: Redis TIME in microseconds, or the caller's microseconds in ARGV[1] (tests). Guarded: a decision
-- uses the largest of that and every involved counter's last time `t`, so a counter's time never
-- runs backwards (a failover to a replica whose clock is behind, a test turning its clock back):
-- the rings stay sorted and nothing leaves a window early.
--
-- Exactness: an entry e counts at time n while e > n - W: the exact sliding log over Redis's
-- microsecond clock. Offsets are 32-bit (71 minutes); a counter whose base is older is rebased,
-- dropping what no longer counts (O(limit), once per 71 minutes of a counter's life).

local WINDOW_US = { 1000000, 60000000 }
local MAX_RING = 100000
local TTL_MS = 61000
local MAX_OFFSET = 4294967295

local function clock(arg)
  if arg ~= nil and arg ~= '' then
    return tonumber(arg)
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function ring_get(key, i)
  local s = redis.call('GETRANGE', key, i * 4, i * 4 + 3)
  if #s < 4 then
    return 0
  end
  return (struct.unpack('>I4', s))
end

local function ring_set(key, i, v)
  redis.call('SETRANGE', key, i * 4, struct.pack('>I4', v))
end

-- The ring's entries as absolute microseconds, oldest first, skipping empty ones.
local function entries(key, head, size, base)
  local out = {}
  if size <= 0 then
    return out
  end
  local blob = redis.call('GET', key) or ''
  for k = 0, size - 1 do
    local p = (head + k) % size
    if #blob >= p * 4 + 4 then
      local v = struct.unpack('>I4', blob, p * 4 + 1)
      if v ~= 0 then
        out[#out + 1] = base + v
      end
    end
  end
  return out
end

-- Writes `list` (absolute microseconds, oldest first) as a ring of `size`, relative to `base`; head
-- becomes 0. Returns how many entries it kept (the newest `size`).
local function write_ring(key, list, size, base)
  if size <= 0 then
    redis.call('DEL', key)
    return 0
  end
  local parts = {}
  local from = math.max(1, #list - size + 1)
  local kept = #list - from + 1
  parts[1] = string.rep('\0', 4 * (size - kept))
  for k = from, #list do
    parts[#parts + 1] = struct.pack('>I4', list[k] - base)
  end
  redis.call('SET', key, table.concat(parts))
  return kept
end

-- Entries still counting at `now` (the rest can never count again: time only moves forward).
local function counting(list, now, w)
  local out = {}
  for _, e in ipairs(list) do
    if e > now - w then
      out[#out + 1] = e
    end
  end
  return out
end

-- One counter's state, read once per call.
local function load(meta, now)
  local m = redis.call('HMGET', meta, 'b', 't', 'hs', 'ns', 'hm', 'nm', 'a', 'd', 'ls', 'lm')
  local c = {
    base = tonumber(m[1]), last = tonumber(m[2]),
    head = { tonumber(m[3]) or 0, tonumber(m[5]) or 0 },
    size = { tonumber(m[4]) or 0, tonumber(m[6]) or 0 },
    admitted = tonumber(m[7]) or 0, denied = tonumber(m[8]) or 0,
    live = { tonumber(m[9]) or 0, tonumber(m[10]) or 0 },
  }
  if c.base == nil then
    c.base = now - 1
  end
  return c
end

local count

-- The ring size window w needs for `limit` at `now` (see Design): grow to the limit at once,
-- shrink to it only once no more than the limit still count.
local function ring_size(c, ring, w, limit, now)
  if limit <= 0 then
    return c.size[w]
  end
  local want = math.min(limit, MAX_RING)
  if want < c.size[w] and count(c, ring, w, now) > want then
    return c.size[w]
  end
  return want
end

-- Makes each ring of `c` hold `want[w]` entries and fit a base that keeps offsets in 32 bits.
local function fit(c, rings, want, now)
  local rebase = now - c.base >= MAX_OFFSET
  local newBase = rebase and (now - WINDOW_US[2] - 1) or c.base
  for w = 1, 2 do
    if rebase or c.size[w] ~= want[w] then
      local list = counting(entries(rings[w], c.head[w], c.size[w], c.base), now, WINDOW_US[w])
      c.live[w] = write_ring(rings[w], list, want[w], newBase)
      c.head[w] = 0
      c.size[w] = want[w]
      c.dirty = true
    end
  end
  c.base = newBase
end

-- Requests counting at `now` in window w: the live entries, after dropping the oldest ones that
-- have left the window (the ring is sorted, since time never runs backwards for a counter, and
-- empty entries are only at its old end, so everything older than a counting entry counts too).
count = function(c, ring, w, now)
  local size = c.size[w]
  local live = math.min(c.live[w], size)
  while live > 0 do
    local v = ring_get(ring, (c.head[w] + size - live) % size)
    if v ~= 0 and c.base + v > now - WINDOW_US[w] then
      break
    end
    live = live - 1
  end
  c.live[w] = live
  return live
end

-- 0 when window w has room at `now`, else the microseconds until it has: until its limit-th most
-- recent request leaves the window. A limit above the ring's size (MAX_RING) acts as the size.
local function wait_us(c, ring, w, limit, now)
  if limit <= 0 then
    return WINDOW_US[w]
  end
  local size = c.size[w]
  local effective = math.min(limit, size)
  if count(c, ring, w, now) < effective then
    return 0
  end
  local v = ring_get(ring, (c.head[w] + size - effective) % size)
  return c.base + v + WINDOW_US[w] - now
end

local function record(c, ring, w, now)
  if c.size[w] > 0 then
    ring_set(ring, c.head[w], now - c.base)
    c.head[w] = (c.head[w] + 1) % c.size[w]
    c.live[w] = math.min(c.live[w] + 1, c.size[w])
  end
end

local function store(meta, rings, c, now)
  redis.call('HSET', meta, 'b', c.base, 't', now, 'hs', c.head[1], 'ns', c.size[1], 'hm', c.head[2],
    'nm', c.size[2], 'ls', c.live[1], 'lm', c.live[2], 'a', c.admitted, 'd', c.denied)
  redis.call('PEXPIRE', meta, TTL_MS)
  for w = 1, 2 do
    if c.size[w] > 0 then
      redis.call('PEXPIRE', rings[w], TTL_MS)
    end
  end
end

-- FCALL s3gate_acquire 3N meta1 sec1 min1 ... ARGV: now_us|'' count_denied(0|1) ls1 lm1 ...
-- Returns { admitted 1|0, budget index (1-based; the denying one when denied), tripped window
-- 's'|'m'|'', count per second, count per minute, retry us, the time used (us) }.
local function acquire(keys, args)
  local n = #keys / 3
  local now = clock(args[1])
  local countDenied = args[2] == '1'
  local cs = {}
  for i = 1, n do
    local c = load(keys[3 * i - 2], now)
    if c.last ~= nil and c.last > now then
      now = c.last
    end
    cs[i] = c
  end
  local denyAt, denyWindow, denyWait = 0, '', 0
  for i = 1, n do
    local c = cs[i]
    local rings = { keys[3 * i - 1], keys[3 * i] }
    local limits = { tonumber(args[1 + 2 * i]), tonumber(args[2 + 2 * i]) }
    fit(c, rings, { ring_size(c, rings[1], 1, limits[1], now), ring_size(c, rings[2], 2, limits[2], now) }, now)
    c.rings = rings
    c.limits = limits
    if denyAt == 0 then
      local ws = wait_us(c, rings[1], 1, limits[1], now)
      local wm = wait_us(c, rings[2], 2, limits[2], now)
      if ws > 0 or wm > 0 then
        denyAt = i
        if wm >= ws then
          denyWindow, denyWait = 'm', wm
        else
          denyWindow, denyWait = 's', ws
        end
      end
    end
  end
  if denyAt == 0 then
    for i = 1, n do
      local c = cs[i]
      record(c, c.rings[1], 1, now)
      record(c, c.rings[2], 2, now)
      c.admitted = c.admitted + 1
      store(keys[3 * i - 2], c.rings, c, now)
    end
    local c = cs[1]
    return { 1, 1, '', count(c, c.rings[1], 1, now), count(c, c.rings[2], 2, now), 0, now }
  end
  local c = cs[denyAt]
  c.denied = c.denied + 1
  if countDenied then
    for w = 1, 2 do
      if c.limits[w] > 0 then
        record(c, c.rings[w], w, now)
      end
    end
  end
  for i = 1, n do
    if i == denyAt or cs[i].dirty then -- a resized ring's new head and size
      store(keys[3 * i - 2], cs[i].rings, cs[i], now)
    end
  end
  return { 0, denyAt, denyWindow, count(c, c.rings[1], 1, now), count(c, c.rings[2], 2, now), denyWait, now }
end

-- FCALL s3gate_refund 3N ... ARGV: stamp_us (the time acquire returned). Takes back, from each
-- counter's windows, the newest entry at or before the stamp: the request's own (or one of equal
-- or earlier time, which frees no more than the request's own would have: never over-admits).
local function refund(keys, args)
  local stamp = tonumber(args[1])
  local n = #keys / 3
  for i = 1, n do
    local meta = keys[3 * i - 2]
    if redis.call('EXISTS', meta) == 1 then
      local c = load(meta, stamp)
      local rings = { keys[3 * i - 1], keys[3 * i] }
      for w = 1, 2 do
        local list = entries(rings[w], c.head[w], c.size[w], c.base)
        for k = #list, 1, -1 do
          if list[k] <= stamp then
            table.remove(list, k)
            c.live[w] = write_ring(rings[w], list, c.size[w], c.base)
            c.head[w] = 0
            break
          end
        end
      end
      c.admitted = math.max(0, c.admitted - 1)
      redis.call('HSET', meta, 'hs', c.head[1], 'hm', c.head[2], 'ls', c.live[1], 'lm', c.live[2], 'a', c.admitted)
    end
  end
  return 1
end

-- FCALL_RO s3gate_peek 3 meta sec min ARGV: now_us|''. Returns { count per second, count per
-- minute, admitted total, denied total, last time us or -1, the time used }; changes nothing.
local function peek(keys, args)
  local now = clock(args[1])
  local c = load(keys[1], now)
  if c.last == nil then
    return { 0, 0, 0, 0, -1, now }
  end
  if c.last > now then
    now = c.last
  end
  return { count(c, keys[2], 1, now), count(c, keys[3], 2, now), c.admitted, c.denied, c.last, now }
end

redis.register_function('s3gate_acquire', acquire)
redis.register_function('s3gate_refund', refund)
redis.register_function{ function_name = 's3gate_peek', callback = peek, flags = { 'no-writes' } }
