#!/usr/bin/env bash
# Live capture under load, on a veth pair into a network namespace this script creates:
# tcpreplay sends a generated capture from inside the namespace, `wiretally live` captures
# on the host end. Reports the replay rate, what wiretally counted, libpcap's drop counters,
# the flow table's peak and wiretally's peak RSS. Needs root, tcpreplay and iproute2.
#
#   benches/live_veth.sh                         1M short TCP connections (4M packets), topspeed
#   PPS=200000 benches/live_veth.sh              replay at a fixed rate instead
#   FLOWS=200000 benches/live_veth.sh            fewer connections
#   OPTIONS="--max-flows 100000" benches/live_veth.sh   extra wiretally options
#
# The traffic stays on the veth pair: nothing is routed anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."

flows=${FLOWS:-1000000}
pps=${PPS:-}
work=target/throughput
mkdir -p "$work"
cargo build --release --quiet --workspace --bin wiretally --bin wiretally-gen
file="$work/churn-$flows.pcap"
[ -s "$file" ] || target/release/wiretally-gen churn --flows "$flows" --per-second 10000 "$file"
packets=$((flows * 4))

ns="wt-bench-$$"
host_if="wtbh$$"
peer_if="wtbp$$"
cleanup() {
    ip link del "$host_if" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$ns"
ip link add "$host_if" type veth peer name "$peer_if"
ip link set "$peer_if" netns "$ns"
ip link set "$host_if" up
ip -n "$ns" link set "$peer_if" up
# Quiet the host end: no IPv6 autoconfiguration chatter in the count.
sysctl -qw "net.ipv6.conf.$host_if.disable_ipv6=1" || true

report="$work/live-report.json"
# shellcheck disable=SC2086
/usr/bin/time -f "%M" -o "$work/live-rss" target/release/wiretally live -i "$host_if" \
    -c "$packets" --duration 300s --format json --interval 1h --buffer-size 67108864 \
    -f "tcp" ${OPTIONS:-} >"$report" 2>"$work/live-stderr" &
wt=$!
# Wait until the capture is open.
for _ in $(seq 100); do grep -q "capturing on" "$work/live-stderr" 2>/dev/null && break; sleep 0.1; done

# RSS of the capture every 5 seconds while the replay runs: flat means bounded memory.
pid=$(pgrep -P "$wt" wiretally || echo "$wt")
(
    while kill -0 "$pid" 2>/dev/null; do
        sleep 5
        awk '/VmRSS/ {printf "  rss after %ss: %d MB\n", '"$SECONDS"', $2 / 1024}' "/proc/$pid/status" 2>/dev/null || true
    done
) &
sampler=$!
if [ -n "$pps" ]; then rate=(--pps "$pps"); else rate=(--topspeed); fi
echo "replaying $file ($packets packets, $flows connections) with ${rate[*]}"
ip netns exec "$ns" tcpreplay -q "${rate[@]}" -i "$peer_if" "$file" 2>&1 | grep -E "Rated|Actual" || true
# Give the capture a moment for the last packets, then stop it if -c was not reached.
sleep 2
kill -INT "$wt" 2>/dev/null || true
wait "$wt" || true
kill "$sampler" 2>/dev/null || true

tail -n 1 "$report" | python3 -c '
import json, sys
s = json.load(sys.stdin)
t, st, ft = s["totals"], s.get("capture_stats") or {}, s["flow_table"]
print(f"wiretally counted {t['"'"'packets'"'"']:,} packets, {t['"'"'flows'"'"']:,} flows")
print(f"libpcap: received {st.get('"'"'received'"'"', 0):,}, dropped {st.get('"'"'dropped'"'"', 0):,}, if_dropped {st.get('"'"'if_dropped'"'"', 0):,}")
print(f"flow table: peak {ft['"'"'peak_flows'"'"']:,} flows, {ft['"'"'retired_closed'"'"']:,} retired after close, {ft['"'"'expired_idle'"'"']:,} idle, {ft['"'"'evicted'"'"']:,} evicted")
'
echo "peak RSS: $(( $(cat "$work/live-rss" | tail -n 1) / 1024 )) MB"
