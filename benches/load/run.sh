#!/usr/bin/env bash
# The service under load from a second process, with public tools only: `itaku demo
# --engagements N` builds a register, `itaku serve` serves it, wrk loads each endpoint
# and the figures are printed as a Markdown table. See benches/README.md.
#
#   benches/load/run.sh                       # SQLite, 100,000 engagements
#   ENGAGEMENTS=10000 benches/load/run.sh     # another size
#   DB=postgres benches/load/run.sh           # a fresh database on $PG_URL's server
#   INSTANCES=2 DB=postgres benches/load/run.sh   # two instances behind no balancer: wrk
#                                                 # loads both, the figure is their sum
#
# Settings (environment): ENGAGEMENTS (100000), DB (sqlite | postgres), PG_URL
# (postgres://postgres@127.0.0.1:5432/postgres), DURATION (10s), CONNECTIONS (16),
# THREADS (1), INSTANCES (1), ITAKU_BIN (target/release/itaku, built when missing),
# QUICK=1 (CI: a small register, one-second runs; the figures mean nothing then).
# Needs: wrk, jq, curl. Never fails on a figure: only when something does not work.
set -euo pipefail

cd "$(dirname "$0")/../.."
ENGAGEMENTS=${ENGAGEMENTS:-100000}
DB=${DB:-sqlite}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
INSTANCES=${INSTANCES:-1}
if [ "${QUICK:-}" = 1 ]; then
  ENGAGEMENTS=${QUICK_ENGAGEMENTS:-300}
  DURATION=1s
  CONNECTIONS=4
fi
for tool in wrk jq curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool (Debian: apt-get install $tool)" >&2; exit 1; }
done
BIN=${ITAKU_BIN:-target/release/itaku}
if [ ! -x "$BIN" ]; then
  echo "building $BIN" >&2
  cargo build --release --bin itaku >&2
fi

work=$(mktemp -d)
pids=()
database=
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$database" ]; then
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$DB" = postgres ]; then
  database=itaku_load_$$
  psql "$PG_URL" -qc "CREATE DATABASE $database" >/dev/null
  export ITAKU_DATABASE_URL="${PG_URL%/*}/$database"
else
  export ITAKU_DATABASE_URL="$work/itaku.sqlite3"
fi
export ITAKU_MAIL_OUTBOX_DIR="$work/outbox"
export ITAKU_LOG=warn
# The scheduled sweep stays out of the figures.
export ITAKU_SWEEP_SCHEDULE="0 0 0 1 1 * 2099"

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "# itaku under load: $ENGAGEMENTS engagements, $DB, $INSTANCES instance(s)"
echo
echo "machine: $machine; wrk -t$THREADS -c$CONNECTIONS -d$DURATION, on the same machine"
echo

started=$(date +%s.%N)
/usr/bin/time -f "%e %M" -o "$work/demo.time" "$BIN" demo --engagements "$ENGAGEMENTS" >"$work/demo.out"
read -r demo_secs demo_kb <"$work/demo.time"
echo "- \`itaku demo --engagements $ENGAGEMENTS\`: ${demo_secs} s, peak $((demo_kb / 1024)) MiB"

"$BIN" user add --email load-ciso@city.minato.example --name "負荷 試験" --role ciso >/dev/null
ciso_token=$("$BIN" token create --email load-ciso@city.minato.example | tail -1)

ports=()
for i in $(seq 1 "$INSTANCES"); do
  port=$((18080 + i))
  t0=$(date +%s%N)
  ITAKU_BIND="127.0.0.1:$port" "$BIN" serve >"$work/serve-$i.log" 2>&1 &
  pids+=($!)
  until curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then
      cat "$work/serve-$i.log" >&2
      exit 1
    fi
    sleep 0.02
  done
  t1=$(date +%s%N)
  ports+=("$port")
  rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/${pids[-1]}/status")
  echo "- instance $i: answering $(( (t1 - t0) / 1000000 )) ms after start, RSS then ${rss} MiB"
done
# Idle memory is read once the service has settled: ten seconds after start-up it hands
# back to the kernel what starting freed (src/memory.rs, SETTLED_AFTER).
sleep 12
for i in "${!pids[@]}"; do
  status="/proc/${pids[$i]}/status"
  echo "- instance $((i + 1)) idle, settled: RSS $(awk '/VmRSS/ {printf "%.1f", $2/1024}' "$status") MiB (anonymous $(awk '/RssAnon/ {printf "%.1f", $2/1024}' "$status"), the binary's and the database's file pages $(awk '/RssFile/ {printf "%.1f", $2/1024}' "$status"))"
done
base="http://127.0.0.1:${ports[0]}"

api() {
  curl -fsS -H "Authorization: Bearer $ciso_token" "$base$1"
}
# What the scenarios ask for, taken from the register itself.
l3_id=$(api "/api/v1/engagements?level=L3&per_page=1" | jq -r '.items[0].id')
other_id=$(api "/api/v1/engagements?level=L1&per_page=1" | jq -r '.items[0].id')
total=$(api "/api/v1/engagements?per_page=1" | jq -r '.total')
deep=$(( total / 10 / 2 ))
[ "$deep" -ge 1 ] || deep=1
# The officer responsible for the first engagement of the list.
officer_id=$(api "/api/v1/engagements?per_page=1" | jq -r '.items[0].responsible_user_id')
officer=$(api "/api/v1/users/$officer_id" | jq -r '.email')
officer_token=$("$BIN" token create --email "$officer" | tail -1)
csm=$(api "/api/v1/users?role=chief_system_manager" | jq -r '.[0].email')
csm_token=$("$BIN" token create --email "$csm" | tail -1)
echo "- register: $total engagements; L3 engagement $l3_id, L1 engagement $other_id; officer $officer"
echo

# wrk's figures for one path with one token, across the instances (summed req/s, the
# worst p99): "req/s p50 p99".
load() {
  local path=$1 token=$2
  local outs=() loaders=()
  for port in "${ports[@]}"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
      -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" >"$work/wrk-$port" 2>&1 &
    loaders+=($!)
    outs+=("$work/wrk-$port")
  done
  wait "${loaders[@]}"
  if ! grep -q "Requests/sec" "${outs[@]}"; then
    echo "ERROR: wrk measured nothing for $path:" >&2
    cat "${outs[@]}" >&2
    exit 1
  fi
  local rps=0 p50=0 p99=0
  for out in "${outs[@]}"; do
    rps=$(awk -v a="$rps" '/Requests\/sec/ {printf "%.0f", a + $2}' "$out")
    p50=$(awk '/ 50%/ {print $2}' "$out")
    p99=$(awk '/ 99%/ {print $2}' "$out")
  done
  if grep -q "Non-2xx" "${outs[@]}"; then
    echo "ERROR: $path answered errors:" >&2
    cat "${outs[@]}" >&2
    exit 1
  fi
  echo "$rps $p50 $p99"
}
wait_wrk() {
  while pgrep -x wrk >/dev/null; do sleep 0.1; done
}

row() {
  local name=$1 path=$2 token=$3
  read -r rps p50 p99 < <(load "$path" "$token")
  echo "| $name | \`$path\` | $rps | $p50 | $p99 |"
}

echo "| scenario | request | req/s | p50 | p99 |"
echo "|---|---|---:|---:|---:|"
row "health" "/healthz" "$ciso_token"
row "detail (L1)" "/api/v1/engagements/$other_id" "$ciso_token"
row "detail (L3, read logged)" "/api/v1/engagements/$l3_id" "$ciso_token"
row "list, first page" "/api/v1/engagements?per_page=10" "$ciso_token"
row "list, kind and level" "/api/v1/engagements?kind=outsourcing&level=L3&per_page=10" "$ciso_token"
row "list, deep page" "/api/v1/engagements?per_page=10&page=$deep" "$ciso_token"
row "search, 1 character" "/api/v1/engagements?q=%E4%BF%9D&per_page=10" "$ciso_token"
row "search, 2 characters" "/api/v1/engagements?q=%E4%BF%9D%E5%AE%88&per_page=10" "$ciso_token"
row "search, 4 characters" "/api/v1/engagements?q=%E9%81%8B%E7%94%A8%E4%BF%9D%E5%AE%88&per_page=10" "$ciso_token"
row "search and filters, deep page" "/api/v1/engagements?q=%E4%BF%9D%E5%AE%88&kind=outsourcing&per_page=10&page=20" "$ciso_token"
row "obligations, first page" "/api/v1/obligations?per_page=50" "$ciso_token"
row "obligations, every overdue (CISO)" "/api/v1/obligations?state=overdue&per_page=50" "$ciso_token"
row "obligations, deep page" "/api/v1/obligations?per_page=50&page=200" "$ciso_token"
row "deadlines, CISO" "/api/v1/deadlines" "$ciso_token"
row "deadlines, chief system manager" "/api/v1/deadlines" "$csm_token"
row "deadlines, responsible officer" "/api/v1/deadlines" "$officer_token"

# /healthz while the heaviest endpoints are loaded: does a worker stay free?
echo
heavy_port=${ports[0]}
wrk -t1 -c8 -d"$DURATION" -H "Authorization: Bearer $ciso_token" \
  "http://127.0.0.1:$heavy_port/api/v1/obligations?state=overdue&per_page=50" >"$work/heavy" &
wrk -t1 -c8 -d"$DURATION" -H "Authorization: Bearer $officer_token" \
  "http://127.0.0.1:$heavy_port/api/v1/deadlines" >"$work/heavy2" &
sleep 0.5
wrk -t1 -c2 -d"$DURATION" --latency "http://127.0.0.1:$heavy_port/healthz" >"$work/health-loaded"
wait_wrk
echo "- \`/healthz\` while obligations and deadlines are loaded: p50 $(awk '/ 50%/ {print $2}' "$work/health-loaded"), p99 $(awk '/ 99%/ {print $2}' "$work/health-loaded")"
for i in "${!pids[@]}"; do
  status="/proc/${pids[$i]}/status"
  echo "- instance $((i + 1)) after the runs: RSS $(awk '/VmRSS/ {print int($2/1024)}' "$status") MiB, peak $(awk '/VmHWM/ {print int($2/1024)}' "$status") MiB"
done
echo
echo "total time: $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", e - s}') s"
