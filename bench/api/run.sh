#!/usr/bin/env bash
# Load benchmark of the api (issue 5, "must show" 5): BENCH_READ_RATE mixed reads/s (availability by type and
# session status) plus BENCH_CHECKIN_RATE check-ins/s, sustained for BENCH_DURATION, against a running system.
# Prints p50/p90/p99/max latency and errors of each stream. Targets: p99 < 100 ms, zero errors.
#
#   ./easypark run            # in another terminal (api + worker + PostgreSQL + Redis), with a raised rate limit:
#                             # RateLimit__PermitsPerWindow=1000000 ./easypark run
#   bench/api/run.sh          # BENCH_URL defaults to EASYPARK_API_URL or http://127.0.0.1:5080
#
# Needs: wrk (Debian package `wrk`), curl, jq. Do not run it on a busy machine: figures drift with other load.
set -Eeuo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
URL="${BENCH_URL:-${EASYPARK_API_URL:-http://127.0.0.1:5080}}"
DURATION="${BENCH_DURATION:-60s}"
CONNECTIONS="${BENCH_CONNECTIONS:-50}"
THREADS="${BENCH_THREADS:-2}"
DRIVERS="${BENCH_DRIVERS:-20}"
SESSIONS="${BENCH_SESSIONS_PER_DRIVER:-2}"
export BENCH_DIR="$DIR" BENCH_CONNECTIONS="$CONNECTIONS"
export BENCH_READ_RATE="${BENCH_READ_RATE:-500}" BENCH_CHECKIN_RATE="${BENCH_CHECKIN_RATE:-50}"

for tool in wrk curl jq; do command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install $tool)" >&2; exit 1; }; done
curl -fsS "$URL/health/ready" >/dev/null || { echo "the api at $URL is not ready" >&2; exit 1; }

post() { curl -fsS -X POST "$URL$1" -H 'Content-Type: application/json' "${@:3}" -d "$2"; }

# Drivers with tokens, and a few parked sessions per driver for the status reads.
tokens=() sessions=()
run_id=$(date +%s)
for d in $(seq 1 "$DRIVERS"); do
  email="bench-$run_id-$d@example.test"
  post /api/v1/auth/register "{\"email\":\"$email\",\"password\":\"bench-password-$d\",\"name\":\"Bench $d\"}" >/dev/null
  token=$(post /api/v1/auth/login "{\"email\":\"$email\",\"password\":\"bench-password-$d\"}" | jq -r .accessToken)
  tokens+=("$token")
  for s in $(seq 1 "$SESSIONS"); do
    plate=$(printf 'S%05d%02d%02d' $((run_id % 100000)) "$d" "$s")
    id=$(post /api/v1/entry/checkin "{\"facilityId\":\"BOS\",\"plate\":\"$plate\",\"spaceType\":\"regular\"}" \
      -H "Authorization: Bearer $token" | jq -r .sessionId)
    sessions+=("$id")
  done
done
export BENCH_TOKENS; BENCH_TOKENS=$(IFS=,; echo "${tokens[*]}")
export BENCH_SESSIONS; BENCH_SESSIONS=$(IFS=,; echo "${sessions[*]}")
echo "setup: ${#tokens[@]} drivers, ${#sessions[@]} sessions; running $DURATION at $BENCH_READ_RATE reads/s + $BENCH_CHECKIN_RATE check-ins/s"

# Check-ins get a tenth of the connections: at 50/s each connection still sends one request every 100 ms or so.
checkin_connections=$(( CONNECTIONS / 10 > 1 ? CONNECTIONS / 10 : 2 ))
BENCH_CONNECTIONS=$checkin_connections wrk -t1 -c"$checkin_connections" -d"$DURATION" --timeout 5s -s "$DIR/checkins.lua" "$URL" >"$DIR/checkins.out" 2>&1 &
checkin_pid=$!
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s -s "$DIR/reads.lua" "$URL" >"$DIR/reads.out" 2>&1
wait "$checkin_pid"
grep -E '^(reads|check-ins):' "$DIR/reads.out" "$DIR/checkins.out" | sed 's/^[^:]*://'
