-- Mixed reads at BENCH_READ_RATE requests/s (default 500): live availability by type and session status.
-- Env: BENCH_TOKENS (comma-separated driver access tokens), BENCH_SESSIONS (comma-separated session ids the
-- setup created, each owned by the token at the same position), BENCH_CONNECTIONS (wrk -c).
package.path = (os.getenv("BENCH_DIR") or ".") .. "/?.lua;" .. package.path
local common = require("common")

local tokens = common.split(os.getenv("BENCH_TOKENS"), ",")
local sessions = common.split(os.getenv("BENCH_SESSIONS"), ",")
local facilities = { "BOS", "PHL" }
local types = { "regular", "ev", "accessible" }
local pause = common.pacing_ms(tonumber(os.getenv("BENCH_READ_RATE") or "500"))
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() + (id or 0))
end

function delay()
  return pause
end

function request()
  local i = math.random(#tokens)
  local headers = { ["Authorization"] = "Bearer " .. tokens[i], ["Accept"] = "application/json" }
  -- 60 % availability (the cached hot path), 40 % session status (a workflow query replayed in the api).
  if math.random() < 0.6 or #sessions == 0 then
    local path = string.format("/api/v1/facilities/%s/availability?type=%s", facilities[math.random(#facilities)], types[math.random(#types)])
    return wrk.format("GET", path, headers)
  end
  local s = math.random(#sessions)
  -- run.sh creates the sessions driver by driver, so session s belongs to driver ceil(s / sessions-per-driver);
  -- any other driver's token would (rightly) get 404.
  local per_driver = math.max(1, math.floor(#sessions / #tokens))
  headers["Authorization"] = "Bearer " .. tokens[math.floor((s - 1) / per_driver) + 1]
  return wrk.format("GET", "/api/v1/sessions/" .. sessions[s], headers)
end

function done(summary, latency, requests)
  common.report("reads", summary, latency)
end
