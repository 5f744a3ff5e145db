#!/usr/bin/env bash
# End-to-end throughput: generate the three benchmark captures with the project's own
# deterministic generator, warm the page cache, then run on the same file in the same run:
# wiretally read (default threads and --threads 1), the bare libpcap read loop, and, when
# installed, tshark (conversation statistics), ndpiReader and tcpdump. Prints seconds,
# packets per second, the time ratio of each to wiretally, and peak RSS (/usr/bin/time).
#
#   benches/throughput.sh [WORKDIR]          default WORKDIR: target/throughput
#   TOOLS="wiretally libpcap tcpdump" benches/throughput.sh    run a subset
#   SIZES="1m" benches/throughput.sh                            only the 1M full-size file
#   (sizes: 1m = 1M full-size packets, ~52k flows; 10m = 10M at snaplen 96 over 20k flows
#   active at a time, 420k in all; 10m-large = 10M at snaplen 96 over 200k flows active at
#   a time, 508k in all: the working set no longer fits the caches)
#   RUNS=3 (default): best of N for the fast tools; tshark and ndpiReader run once.
#   BEFORE=path/to/old/wiretally TOOLS="wiretally wiretally-before ..." benches/throughput.sh
#                                            compares a build of another commit in the same run
set -euo pipefail
cd "$(dirname "$0")/.."

work=${1:-target/throughput}
tools=${TOOLS:-"wiretally wiretally-1thread wiretally-noexpiry libpcap tshark ndpiReader tcpdump"}
sizes=${SIZES:-"1m 10m 10m-large"}
runs=${RUNS:-3}
mkdir -p "$work"

cargo build --release --quiet --workspace --bins --examples
wt=target/release/wiretally
gen=target/release/wiretally-gen
loop=target/release/examples/libpcap_loop

declare -A packets=([1m]=1000000 [10m]=10000000 [10m-large]=10000000)
declare -A args=([1m]="--packets 1000000 --flows 2000" [10m]="--packets 10000000 --flows 20000 --snaplen 96" [10m-large]="--packets 10000000 --flows 200000 --snaplen 96")
declare -A names=([1m]="1M full-size packets" [10m]="10M packets, snaplen 96" [10m-large]="10M packets, snaplen 96, 200k flows at once")

have() { command -v "$1" >/dev/null 2>&1; }

# Runs "$@" quietly under /usr/bin/time; prints "seconds max_rss_kb".
measure() {
    local out
    out=$(mktemp)
    /usr/bin/time -o "$out" -f "%e %M" "$@" >/dev/null 2>&1 || true
    tail -1 "$out"
    rm -f "$out"
}

best_of() {
    local n=$1; shift
    local best="" s r
    for _ in $(seq "$n"); do
        read -r s r < <(measure "$@")
        if [ -z "$best" ] || awk -v a="$s" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then
            best="$s $r"
        fi
    done
    echo "$best"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for size in $sizes; do
    file="$work/bench-$size.pcap"
    if [ ! -s "$file" ]; then
        # shellcheck disable=SC2086
        "$gen" bulk ${args[$size]} "$file"
    fi
    cat "$file" >/dev/null   # warm the page cache
    n=${packets[$size]}
    echo
    echo "== ${names[$size]}: $file ($(du -h "$file" | cut -f1))"
    printf '%-22s %9s %10s %12s %11s\n' tool seconds Mpps "time/wiretally" "peak RSS MB"
    base=""
    for tool in $tools; do
        case $tool in
            wiretally) cmd=("$wt" read --no-progress "$file"); r=$runs ;;
            wiretally-before) [ -n "${BEFORE:-}" ] || continue; cmd=("$BEFORE" read --no-progress "$file"); r=$runs ;;
            wiretally-before-1thread) [ -n "${BEFORE:-}" ] || continue; cmd=("$BEFORE" read --no-progress --threads 1 "$file"); r=$runs ;;
            wiretally-1thread) cmd=("$wt" read --no-progress --threads 1 "$file"); r=$runs ;;
            wiretally-noexpiry) cmd=("$wt" read --no-progress --idle-timeout off --close-grace off "$file"); r=$runs ;;
            wiretally-cap100k) cmd=("$wt" read --no-progress --max-flows 100000 "$file"); r=$runs ;;
            libpcap) cmd=("$loop" "$file"); r=$runs ;;
            tshark) have tshark || continue; cmd=(tshark -n -q -r "$file" -z conv,tcp -z conv,udp); r=1 ;;
            ndpiReader) have ndpiReader || continue; cmd=(ndpiReader -q -i "$file"); r=1 ;;
            tcpdump) have tcpdump || continue; cmd=(tcpdump -n -r "$file" -w /dev/null); r=$runs ;;
            *) echo "unknown tool $tool" >&2; continue ;;
        esac
        read -r secs rss < <(best_of "$r" "${cmd[@]}")
        [ -n "$base" ] || base=$secs
        awk -v t="$tool" -v s="$secs" -v n="$n" -v b="$base" -v m="$rss" \
            'BEGIN { printf "%-22s %9.2f %10.2f %11.2fx %11.0f\n", t, s, n / s / 1e6, s / b, m / 1024 }'
    done
done
