#!/usr/bin/env bash
# Installs what tests/lab/run.sh needs, without a single question: a Samba AD DC, the Samba,
# Kerberos, LDAP (with SASL GSSAPI) and DNS command-line clients, tcpdump and tshark,
# faketime, and impacket.
# Run as root on Debian/Ubuntu. Starts no service: the package scripts' attempts to start
# smbd/nmbd/samba-ad-dc are refused for the duration of the install (policy-rc.d), since
# run.sh runs its own DC inside a network namespace and nothing should listen elsewhere.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (apt-get install)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Answers for the questions these packages would otherwise ask.
debconf-set-selections <<'SEL'
wireshark-common wireshark-common/install-setuid boolean false
krb5-config krb5-config/default_realm string WTLAB.TEST
krb5-config krb5-config/add_servers_realm string WTLAB.TEST
krb5-config krb5-config/read_conf boolean true
krb5-config krb5-config/kerberos_servers string
krb5-config krb5-config/admin_server string
samba-common samba-common/dhcp boolean false
samba-common samba-common/workgroup string WORKGROUP
SEL

# Refuse service starts while installing; put back whatever policy was there before.
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then
    saved="$(mktemp)"
    cp -p "$policy" "$saved"
fi
restore_policy() {
    if [ -n "$saved" ]; then
        mv -f "$saved" "$policy"
    else
        rm -f "$policy"
    fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 755 "$policy"

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind \
    python3-samba smbclient krb5-user ldap-utils libsasl2-modules-gssapi-mit \
    bind9-dnsutils tcpdump tshark faketime iproute2 procps python3 python3-pip >/dev/null

# The packages may have started daemons anyway (no policy-rc.d honoured by some init
# setups): stop any that run in the root namespace, so only the lab's DC serves.
for svc in samba-ad-dc smbd nmbd winbind; do
    if command -v service >/dev/null 2>&1; then
        service "$svc" stop >/dev/null 2>&1 || true
    fi
done

# impacket: the DCE/RPC clients (samrdump.py, lookupsid.py, rpcdump.py) and the library
# that tests/lab/dcerpc_cases.py uses. Installed for the python3 found first on PATH,
# which is the one run.sh calls.
python3 -m pip install -q impacket 2>/dev/null \
    || python3 -m pip install -q --break-system-packages impacket

echo "install.sh: done"
