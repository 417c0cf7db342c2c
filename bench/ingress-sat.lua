-- wrk script for the webhook-ingress saturation phase (closed loop): cycles through requests that
-- IngressLoad --dump signed beforehand (one per line: path, webhook-id, webhook-timestamp,
-- webhook-signature, body; tab-separated). The file name comes from the environment (SAT_REQUESTS).
-- All formatting happens in init(), so a request costs wrk one table lookup.
local requests = {}
local i = 0

function init(args)
  local file = os.getenv("SAT_REQUESTS")
  for line in io.lines(file) do
    local path, id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["webhook-id"] = id,
      ["webhook-timestamp"] = ts,
      ["webhook-signature"] = sig,
    }, body)
  end
  -- threads start at different offsets so they do not send the same event at the same moment
  i = (tonumber(wrk.thread:get("id") or 0) * 7919) % #requests
end

function setup(thread)
  thread:set("id", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end

function request()
  i = i % #requests + 1
  return requests[i]
end

function done(summary, latency, requests_)
  local secs = summary.duration / 1e6
  local errs = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    "RESULT phase=sat-wrk target=closed-loop achieved=%.0f ok=%d non2xx=%d errors=%d p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f detail={}\n",
    (summary.requests - summary.errors.status) / secs, summary.requests - summary.errors.status,
    summary.errors.status, errs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000))
end
