-- wrk script for s3gate's end-to-end benchmark (bench/e2e.sh). Each request carries a
-- SigV4-shaped Authorization header for one of BENCH_KEYS keys (BENCH_KEY_PREFIX + 12 digits),
-- cycling from a random offset (from 0 with BENCH_SEQUENTIAL=1, so that a run of N requests
-- uses N distinct keys), so the gateway identifies, looks up and counts a real key.
-- BENCH_KEYS=0 sends no Authorization header; BENCH_URL_PATH is the path (and query) to GET.
-- BENCH_METHOD=PUT with BENCH_BODY_FILE sends that file as the body of every request; the
-- request is built once (for key 0), so wrk does not copy a multi-MiB string per request.
-- BENCH_THINK_MS > 0 makes each connection wait that long after an answer before its next request.
-- BENCH_XFF_PREFIX (e.g. "2001:1:") adds X-Forwarded-For: PREFIX .. x .. ":" .. y .. "::1", the
-- BENCH_XFF_COUNT (default 1000000) addresses x:y counted from 0:0 in order, each request the next one,
-- so a run of N requests comes from N distinct IPv6 /64s (row gcip: the gateway counts an IPv6 client
-- per ip.ipv6.prefix network, so addresses of one /64 would all be one client).
local count = tonumber(os.getenv("BENCH_KEYS") or "1000")
local prefix = os.getenv("BENCH_KEY_PREFIX") or "AKIAHIGH"
local path = os.getenv("BENCH_URL_PATH") or "/bench/obj1k"
local method = os.getenv("BENCH_METHOD") or "GET"
local body_file = os.getenv("BENCH_BODY_FILE")
local sequential = os.getenv("BENCH_SEQUENTIAL") == "1"
local scope = "/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" .. string.rep("0", 64)
local i = 0
local think_ms = tonumber(os.getenv("BENCH_THINK_MS") or "0")
local fixed = nil
local xff_prefix = os.getenv("BENCH_XFF_PREFIX")
local xff_count = tonumber(os.getenv("BENCH_XFF_COUNT") or "1000000")
local xff = -1

local function headers(n)
  local h = {}
  if count > 0 then
    h["Authorization"] = "AWS4-HMAC-SHA256 Credential=" .. prefix .. string.format("%012d", n) .. scope
  end
  if xff_prefix then
    xff = (xff + 1) % xff_count
    h["X-Forwarded-For"] = xff_prefix .. string.format("%x:%x::1", math.floor(xff / 65536), xff % 65536)
  end
  return h
end

function init(args)
  math.randomseed(os.time())
  if sequential then
    i = -1
  elseif count > 0 then
    i = math.random(0, count - 1)
  end
  if body_file then
    local f = assert(io.open(body_file, "rb"))
    local body = f:read("*a")
    f:close()
    fixed = wrk.format(method, path, headers(0), body)
  end
end

function request()
  if fixed then return fixed end
  if count == 0 and not xff_prefix then
    return wrk.format(method, path)
  end
  if count > 0 then i = (i + 1) % count end
  return wrk.format(method, path, headers(i))
end

if think_ms > 0 then
  function delay()
    return think_ms
  end
end
