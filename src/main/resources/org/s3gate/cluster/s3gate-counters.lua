#!lua name=s3gate
-- s3gate's shared request counters and byte budgets (counters.store=redis): one atomic step per decision.
-- Loaded by org.s3gate.cluster.RedisLink (FUNCTION LOAD REPLACE on connect); RedisCounterStore calls it.
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
--
-- Byte budgets (bandwidth_per_minute.map, GROUP:in / GROUP:out), the sibling of local mode's
-- org.s3gate.limit.ByteWindow with the same rules: a counter's bytes of one direction in 3-second
-- slots of Redis time (absolute slot number floor(us / 3 s)); at slot k the minute holds the slots
-- k-20..k (the partly expired oldest one in full), so charged bytes stop counting 60 to 63 s after
-- their charge. Key: s3gate:b:{OWNER} in|out (the owner's hash tag: one call decides a request's
-- counters and bytes together), a hash: t last time us, and one field per slot still held (slot
-- number -> bytes; older slots are deleted on the next write). TTL 64 s on every write (past it
-- nothing counts). A transfer is admitted when the bytes counted plus max(bytes, 1) fit the limit
-- (a transfer of unknown length needs room for one byte), and its declared bytes are charged in the
-- same step. A refund of bytes charged at time S takes them from S's slot, then from EARLIER slots
-- still counting, never from later ones: moving a refund to an earlier slot only keeps the other
-- bytes of that slot counted until S's slot leaves (counted too long: under-admits), while taking
-- from a later slot would let S's unrefunded bytes leave first (counted too short: over-admits). So
-- a caller may pass any S at or before the real charge (a lower bound of the time of a download's
-- length charged without waiting for its reply): the minute never counts fewer bytes than the exact
-- slot sums.

local WINDOW_US = { 1000000, 60000000 }
local MAX_RING = 100000
local TTL_MS = 61000
local MAX_OFFSET = 4294967295
local SLOT_US = 3000000
local BYTE_SLOTS = 20
local BYTE_TTL_MS = 64000

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

-- A byte counter's state: { slots = { [slot] = bytes }, last = t or nil }.
local function bytes_load(key)
  local flat = redis.call('HGETALL', key)
  local b = { slots = {} }
  for i = 1, #flat, 2 do
    if flat[i] == 't' then
      b.last = tonumber(flat[i + 1])
    else
      b.slots[tonumber(flat[i])] = tonumber(flat[i + 1])
    end
  end
  return b
end

local function slot_of(us)
  return math.floor(us / SLOT_US)
end

-- Bytes counted in the minute of slot k: slots k-20..k.
local function bytes_used(b, k)
  local sum = 0
  for s, v in pairs(b.slots) do
    if s >= k - BYTE_SLOTS then
      sum = sum + v
    end
  end
  return sum
end

-- 0 when `need` more bytes fit `limit` at `now`, else the microseconds until enough of the oldest
-- slots have left (exact for the slots, if nothing more is charged); a minute when they never fit.
local function bytes_wait(b, now, limit, need)
  if need > limit then
    return WINDOW_US[2]
  end
  local k = slot_of(now)
  local used = bytes_used(b, k)
  if used + need <= limit then
    return 0
  end
  local mustLeave = used - (limit - need)
  local left = 0
  for s = k - BYTE_SLOTS, k do
    left = left + (b.slots[s] or 0)
    if left >= mustLeave then
      return math.max(1, (s + BYTE_SLOTS + 1) * SLOT_US - now) -- slot s leaves when slot s+21 begins
    end
  end
  return (k + BYTE_SLOTS + 1) * SLOT_US - now
end

local function bytes_add(b, now, n)
  if n > 0 then
    local k = slot_of(now)
    b.slots[k] = (b.slots[k] or 0) + n
    b.dirty = true
  end
end

-- Takes back up to n bytes charged at `stamp`: from its slot, then earlier slots still counting
-- at `now` (see the header: never later ones). Returns the bytes taken.
local function bytes_take(b, stamp, now, n)
  local lowest = slot_of(now) - BYTE_SLOTS
  local left = n
  local s = slot_of(stamp)
  while left > 0 and s >= lowest do
    local v = b.slots[s]
    if v ~= nil and v > 0 then
      local take = math.min(v, left)
      b.slots[s] = v - take
      left = left - take
      b.dirty = true
    end
    s = s - 1
  end
  return n - left
end

-- Writes the counter back: changed slots, t, expired slots deleted, the TTL.
local function bytes_store(key, b, now)
  local lowest = slot_of(now) - BYTE_SLOTS
  local stale, set = {}, { 't', string.format('%.0f', now) }
  for s, v in pairs(b.slots) do
    if s < lowest or v <= 0 then
      stale[#stale + 1] = string.format('%.0f', s)
    else
      set[#set + 1] = string.format('%.0f', s)
      set[#set + 1] = string.format('%.0f', v)
    end
  end
  if #stale > 0 then
    redis.call('HDEL', key, unpack(stale))
  end
  redis.call('HSET', key, unpack(set))
  redis.call('PEXPIRE', key, BYTE_TTL_MS)
end

-- The decision of s3gate_acquire and s3gate_admit over n request counters (keys 1..3n, their limits
-- from args[from] on: ls1 lm1 ...) and the byte counters after them (keys 3n+1.., one each; after
-- the limits, per byte counter: limit bytes, bytes to charge). Request budgets are decided first,
-- then the byte budgets; all are charged or none is. Returns { admitted 1|0, budget index (1-based
-- over the request budgets then the byte budgets; the denying one when denied), tripped window
-- 's'|'m'|'b' (bytes)|'', count per second, count per minute (the first budget's; a denying
-- request budget's own), retry us, the time used (us), then each byte counter's bytes in its
-- minute after the decision }.
local function decide(keys, args, n, from)
  local m = #keys - 3 * n
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
  local bs, wants, blimits = {}, {}, {}
  for j = 1, m do
    local b = bytes_load(keys[3 * n + j])
    if b.last ~= nil and b.last > now then
      now = b.last
    end
    bs[j] = b
    blimits[j] = tonumber(args[from + 2 * n + 2 * j - 2])
    wants[j] = tonumber(args[from + 2 * n + 2 * j - 1])
  end
  local denyAt, denyWindow, denyWait = 0, '', 0
  for i = 1, n do
    local c = cs[i]
    local rings = { keys[3 * i - 1], keys[3 * i] }
    local limits = { tonumber(args[from + 2 * i - 2]), tonumber(args[from + 2 * i - 1]) }
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
  for j = 1, m do
    if denyAt == 0 then
      local wait = bytes_wait(bs[j], now, blimits[j], math.max(wants[j], 1))
      if wait > 0 then
        denyAt, denyWindow, denyWait = n + j, 'b', wait
      end
    end
  end
  local reply
  if denyAt == 0 then
    for i = 1, n do
      local c = cs[i]
      record(c, c.rings[1], 1, now)
      record(c, c.rings[2], 2, now)
      c.admitted = c.admitted + 1
      store(keys[3 * i - 2], c.rings, c, now)
    end
    for j = 1, m do
      bytes_add(bs[j], now, wants[j])
      if bs[j].dirty then
        bytes_store(keys[3 * n + j], bs[j], now)
      end
    end
    local c = cs[1]
    reply = { 1, 1, '', count(c, c.rings[1], 1, now), count(c, c.rings[2], 2, now), 0, now }
  elseif denyAt > n then -- a byte budget: no request counter is charged or counted as denied
    for i = 1, n do
      if cs[i].dirty then
        store(keys[3 * i - 2], cs[i].rings, cs[i], now)
      end
    end
    local c = cs[1]
    reply = { 0, denyAt, 'b', count(c, c.rings[1], 1, now), count(c, c.rings[2], 2, now), denyWait, now }
  else
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
    reply = { 0, denyAt, denyWindow, count(c, c.rings[1], 1, now), count(c, c.rings[2], 2, now), denyWait, now }
  end
  local k = slot_of(now)
  for j = 1, m do
    reply[#reply + 1] = bytes_used(bs[j], k)
  end
  return reply
end

-- FCALL s3gate_acquire 3N meta1 sec1 min1 ... ARGV: now_us|'' count_denied(0|1) ls1 lm1 ...
-- The request budgets only (see decide for the reply).
local function acquire(keys, args)
  return decide(keys, args, #keys / 3, 3)
end

-- FCALL s3gate_admit 3N+M meta1 sec1 min1 ... bytes1 ... ARGV: now_us|'' count_denied N ls1 lm1 ...
-- limit_bytes1 charge_bytes1 ...: the request budgets and M byte budgets in one step (see decide).
local function admit(keys, args)
  return decide(keys, args, tonumber(args[3]), 4)
end

-- FCALL s3gate_bytes M bytes1 ... ARGV: now_us|'' then per byte counter: charge_bytes refund_bytes
-- refund_stamp_us|'': the charges and refunds of transfers after their admission (a download's
-- length at its start, the bytes of an unknown-length body, the unsent part of a charge), whatever
-- the limit. Returns { the time used, each counter's bytes in its minute after }.
local function bytes_apply(keys, args)
  local now = clock(args[1])
  local bs = {}
  for j = 1, #keys do
    bs[j] = bytes_load(keys[j])
    if bs[j].last ~= nil and bs[j].last > now then
      now = bs[j].last
    end
  end
  local reply = { now }
  for j = 1, #keys do
    local b = bs[j]
    local refund = tonumber(args[3 * j]) or 0
    if refund > 0 then
      bytes_take(b, tonumber(args[3 * j + 1]), now, refund)
    end
    bytes_add(b, now, tonumber(args[3 * j - 1]) or 0)
    if b.dirty then
      bytes_store(keys[j], b, now)
    end
    reply[#reply + 1] = bytes_used(b, slot_of(now))
  end
  return reply
end

-- FCALL s3gate_refund 3N[+M] ... [bytes1 ...] ARGV: stamp_us (the time acquire or admit returned)
-- [N bytes1 ...]. Takes back, from each counter's windows, the newest entry at or before the stamp:
-- the request's own (or one of equal or earlier time, which frees no more than the request's own
-- would have: never over-admits); and from each byte counter after the N request counters the
-- given bytes charged at the stamp (bytes_take: its slot, then earlier ones). Reads no clock: the
-- byte counter's own last time bounds which slots still count (a slot past that bound that has
-- in fact left the minute gives back bytes that no longer count: nothing is freed).
local function refund(keys, args)
  local stamp = tonumber(args[1])
  local n = tonumber(args[2]) or #keys / 3
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
  for j = 1, #keys - 3 * n do
    local key = keys[3 * n + j]
    local bytes = tonumber(args[2 + j]) or 0
    if bytes > 0 and redis.call('EXISTS', key) == 1 then
      local b = bytes_load(key)
      local now = math.max(stamp, b.last or stamp)
      bytes_take(b, stamp, now, bytes)
      if b.dirty then
        bytes_store(key, b, now)
      end
    end
  end
  return 1
end

-- FCALL_RO s3gate_peek_bytes M bytes1 ... ARGV: now_us|''. Returns each byte counter's bytes in
-- its minute; changes nothing.
local function peek_bytes(keys, args)
  local now = clock(args[1])
  local reply = {}
  for j = 1, #keys do
    local b = bytes_load(keys[j])
    local t = now
    if b.last ~= nil and b.last > t then
      t = b.last
    end
    reply[j] = bytes_used(b, slot_of(t))
  end
  return reply
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
redis.register_function('s3gate_admit', admit)
redis.register_function('s3gate_bytes', bytes_apply)
redis.register_function{ function_name = 's3gate_peek_bytes', callback = peek_bytes, flags = { 'no-writes' } }
redis.register_function{ function_name = 's3gate_peek', callback = peek, flags = { 'no-writes' } }
