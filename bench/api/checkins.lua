-- Check-ins at BENCH_CHECKIN_RATE requests/s (default 50): each POST starts a ParkingSession workflow.
-- Every request carries a fresh Idempotency-Key and a fresh plate, as a real app would.
package.path = (os.getenv("BENCH_DIR") or ".") .. "/?.lua;" .. package.path
local common = require("common")

local tokens = common.split(os.getenv("BENCH_TOKENS"), ",")
local pause = common.pacing_ms(tonumber(os.getenv("BENCH_CHECKIN_RATE") or "50"))
local counter = 0
local sequence = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() * 100 + (id or 0))
  prefix = string.format("B%02d%04d", id or 0, math.random(0, 9999))
end

function delay()
  return pause
end

function request()
  sequence = sequence + 1
  local plate = string.format("%s%05d", prefix, sequence):sub(1, 12)
  local facility = (sequence % 2 == 0) and "BOS" or "PHL"
  local body = string.format('{"facilityId":"%s","plate":"%s","spaceType":"regular"}', facility, plate)
  local headers = {
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = plate .. "-" .. os.time(),
  }
  return wrk.format("POST", "/api/v1/entry/checkin", headers, body)
end

function done(summary, latency, requests)
  common.report("check-ins", summary, latency)
end
