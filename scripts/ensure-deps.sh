#!/usr/bin/env bash
# Makes sure libpcap's development package is present (wiretally links libpcap).
# As root it installs what is missing with apt-get; otherwise it prints the command.
set -euo pipefail

have_libpcap() {
    if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libpcap 2>/dev/null; then
        return 0
    fi
    local header=no library=no
    if [ -e /usr/include/pcap.h ] || [ -e /usr/include/pcap/pcap.h ]; then header=yes; fi
    if compgen -G '/usr/lib/*/libpcap.so' >/dev/null || [ -e /usr/lib/libpcap.so ]; then library=yes; fi
    [ "$header" = yes ] && [ "$library" = yes ]
}

if have_libpcap; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "wiretally: installing libpcap-dev (libpcap's development package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq libpcap-dev >/dev/null
    exit 0
fi

echo "wiretally: libpcap's development package is missing. Install it with:" >&2
if command -v apt-get >/dev/null 2>&1; then
    echo "    sudo apt-get install -y libpcap-dev" >&2
elif command -v dnf >/dev/null 2>&1; then
    echo "    sudo dnf install -y libpcap-devel" >&2
else
    echo "    your system's libpcap development package (headers and libpcap.so)" >&2
fi
exit 1
