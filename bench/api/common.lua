-- Shared by reads.lua and checkins.lua: pacing and the summary wrk prints at the end.
-- wrk (Debian's, not wrk2) has no rate option, so each connection waits `delay()` ms between requests:
-- with C connections and a target of R requests/s, every connection sends one request per C/R seconds.

local M = {}

function M.split(text, sep)
  local out = {}
  for item in string.gmatch(text or "", "([^" .. sep .. "]+)") do out[#out + 1] = item end
  return out
end

function M.pacing_ms(rate)
  local connections = tonumber(os.getenv("BENCH_CONNECTIONS") or "50")
  return math.floor(connections * 1000 / rate)
end

function M.report(name, summary, latency)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "%s: %d requests in %.1f s = %.1f req/s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; " ..
    "errors: connect %d, read %d, write %d, timeout %d, non-2xx %d\n",
    name, summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status))
end

return M
