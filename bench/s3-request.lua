-- wrk script for s3gate's end-to-end benchmark (bench/e2e.sh). Each request carries a
-- SigV4-shaped Authorization header for one of BENCH_KEYS keys (BENCH_KEY_PREFIX + 12 digits),
-- cycling from a random offset, so the gateway identifies, looks up and counts a real key.
-- BENCH_KEYS=0 sends no Authorization header; BENCH_URL_PATH is the path (and query) to GET.
-- BENCH_THINK_MS > 0 makes each connection wait that long after an answer before its next
-- request, for latency below saturation (32 connections x 2 ms: about a third of the gateway's capacity).
local count = tonumber(os.getenv("BENCH_KEYS") or "1000")
local prefix = os.getenv("BENCH_KEY_PREFIX") or "BENCHA"
local path = os.getenv("BENCH_URL_PATH") or "/bench/obj1k"
local scope = "/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" .. string.rep("0", 64)
local i = 0
local think_ms = tonumber(os.getenv("BENCH_THINK_MS") or "0")

function init(args)
  math.randomseed(os.time())
  if count > 0 then i = math.random(0, count - 1) end
end

function request()
  if count == 0 then
    return wrk.format("GET", path)
  end
  i = (i + 1) % count
  local header = "AWS4-HMAC-SHA256 Credential=" .. prefix .. string.format("%012d", i) .. scope
  return wrk.format("GET", path, { ["Authorization"] = header })
end

if think_ms > 0 then
  function delay()
    return think_ms
  end
end
