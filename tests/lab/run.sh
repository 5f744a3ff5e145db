#!/usr/bin/env bash
# The real-software lab: a Samba AD domain controller and real clients (smbclient,
# rpcclient, impacket, MIT kinit/kvno, ldapsearch, dig, nsupdate) in two network
# namespaces joined by a veth pair, one capture per protocol group, made with tcpdump.
#
#   sudo tests/lab/run.sh [--out DIR] [--keep]
#
#   --out DIR   where the captures go (default: fixtures/lab of this repository)
#   --keep      keep the temporary directory (DC, client configs, logs) and say where
#
# Writes DIR/lab-{smb,rpc,kerberos,ldap,dns}.pcap, DIR/clients.tsv (what every client
# said: scenario, command, exit status, error text, and the scenario's time window) and
# DIR/README.md (scenarios, software versions). tests/lab/expected.sh then extracts
# tshark's reading of each capture into DIR/expected/.
#
# Installs nothing (tests/lab/install.sh does); says what is missing. Needs root (network
# namespaces, tcpdump, a DC). Every wait is bounded and every client runs under timeout;
# Samba itself stops after --maximum-runtime even if this script is killed with SIGKILL.
# Traffic stays inside the namespaces: they have no route but 10.77.0.0/24, the DC's DNS
# forwarder is an unused address of that network, and the client's resolver is the DC.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LAB="$ROOT/tests/lab"
OUT="$ROOT/fixtures/lab"
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

NS_DC=wtlab-dc
NS_CL=wtlab-cl
VETH_DC=wtlab-dc0
VETH_CL=wtlab-cl0
DC_IP=10.77.0.1
CL_IP=10.77.0.2
NOWHERE_IP=10.77.0.99      # the DC's DNS forwarder: in the lab network, nobody there
REALM=WTLAB.TEST
DNSDOMAIN=wtlab.test
DOMAIN=WTLAB
DC_HOST=dc1
ADMIN_PASS='Adm1n-Lab-Pass'
# Accounts (all passwords are lab-only):
#   alice  good user             bob    victim of the wrong-password attempts
#   dave   disabled              erin   locked out (3 bad passwords before the captures)
#   frank  must change password  grace  account expired      heidi  password expired
ALICE_PASS='Alice-Lab-Pass1'
BOB_PASS='Bob-Lab-Pass1'
DAVE_PASS='Dave-Lab-Pass1'
ERIN_PASS='Erin-Lab-Pass1'
FRANK_PASS='Frank-Lab-Pass1'
GRACE_PASS='Grace-Lab-Pass1'
HEIDI_PASS='Heidi-Lab-Pass1'
CLIENT_TIMEOUT=25          # seconds, per client command
SAMBA_MAX_RUNTIME=600      # Samba ends itself after this many seconds

START_TS=$(date +%s)
log() { printf '[lab %3ds] %s\n' "$(( $(date +%s) - START_TS ))" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- prerequisites
if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: must run as root (network namespaces, tcpdump, a domain controller)" >&2
    exit 2
fi

missing=()
for tool in ip samba samba-tool smbclient rpcclient kinit kvno ldapsearch dig nsupdate \
            tcpdump tshark faketime timeout ss flock python3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# impacket: its library (for dcerpc_cases.py) and its example scripts
PY_IMPACKET=""
for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import impacket' 2>/dev/null; then
        PY_IMPACKET="$(command -v "$py")"
        break
    fi
done
[ -n "$PY_IMPACKET" ] || missing+=("impacket (python module)")
find_script() {  # impacket's example scripts: pip names them NAME.py, Debian impacket-NAME
    command -v "$1.py" 2>/dev/null || command -v "impacket-$1" 2>/dev/null || true
}
SAMRDUMP="$(find_script samrdump)"
LOOKUPSID="$(find_script lookupsid)"
RPCDUMP="$(find_script rpcdump)"
[ -n "$SAMRDUMP" ] && [ -n "$LOOKUPSID" ] && [ -n "$RPCDUMP" ] \
    || missing+=("impacket scripts (samrdump.py, lookupsid.py, rpcdump.py)")
# Samba's Python bindings (dns_bulk.py) live in Debian's python3
/usr/bin/python3 -c 'import samba.dcerpc.dnsserver' 2>/dev/null || missing+=("python3-samba (Samba's Python bindings)")
# ldapsearch -Y GSSAPI needs Cyrus SASL's GSSAPI plugin
compgen -G '/usr/lib/*/sasl2/libgssapiv2.so*' >/dev/null || missing+=("libsasl2-modules-gssapi-mit (SASL GSSAPI)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: missing: ${missing[*]}" >&2
    echo "run.sh: install them with: sudo $LAB/install.sh" >&2
    exit 2
fi

# ---------------------------------------------------------------- cleanup
# One run at a time: a second one would tear down the first one's namespaces. Taken
# before any cleanup trap exists, so that a refused run touches nothing.
{ exec 9>/run/lock/wtlab-run.lock; } 2>/dev/null || exec 9>/tmp/wtlab-run.lock
flock -n 9 || { echo "run.sh: another run.sh is running (lock $(readlink /proc/$$/fd/9))" >&2; exit 2; }
# (the DC and tcpdump, which may outlive a killed run, are started without fd 9)

WORK=""
TCPDUMP_PID=""
SAMBA_PID=""

kill_namespace_pids() {  # every process still inside namespace $1 (only ours live there)
    local ns="$1" pids
    ip netns list 2>/dev/null | grep -qw "$ns" || return 0
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 50); do
        pids="$(ip netns pids "$ns" 2>/dev/null || true)"
        [ -n "$pids" ] || return 0
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
}

teardown_lab() {
    if [ -n "$TCPDUMP_PID" ]; then
        kill -INT "$TCPDUMP_PID" 2>/dev/null || true
        wait "$TCPDUMP_PID" 2>/dev/null || true
        TCPDUMP_PID=""
    fi
    if [ -n "$SAMBA_PID" ]; then
        kill -TERM "$SAMBA_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SAMBA_PID" 2>/dev/null || break; sleep 0.1; done
        SAMBA_PID=""
    fi
    kill_namespace_pids "$NS_CL"
    kill_namespace_pids "$NS_DC"
    ip netns del "$NS_CL" 2>/dev/null || true
    ip netns del "$NS_DC" 2>/dev/null || true
    ip link del "$VETH_DC" 2>/dev/null || true   # only if a previous run died half-way
    rm -rf "/etc/netns/$NS_CL" "/etc/netns/$NS_DC"
}

on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    teardown_lab
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$KEEP" -eq 1 ] || [ "$rc" -ne 0 ]; then
            log "kept $WORK (DC logs in $WORK/dc/log.samba, client output in $WORK/out/)"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A previous run that was killed may have left its namespaces (and its DC in them), and
# its temporary directory.
rm -rf /tmp/wtlab.??????
if ip netns list 2>/dev/null | grep -qwE "$NS_DC|$NS_CL"; then
    log "removing the namespaces a previous run left behind"
fi
teardown_lab

# The DC's smbd reaches its winbindd through libwbclient's built-in socket directory
# (/run/samba/winbindd); a winbindd of the host would answer there instead.
# (the winbindd of a DC just torn down may take a moment to be gone)
for _ in $(seq 1 100); do pgrep -x winbindd >/dev/null 2>&1 || break; sleep 0.1; done
if pgrep -x winbindd >/dev/null 2>&1; then
    die "a winbindd is running on this machine (pid $(pgrep -x winbindd | tr '\n' ' ')); stop it first (service winbind stop)"
fi

WORK="$(mktemp -d /tmp/wtlab.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/dc" "$WORK/cl" "$WORK/cap" "$WORK/out"

# ---------------------------------------------------------------- network
log "namespaces $NS_DC ($DC_IP) and $NS_CL ($CL_IP)"
ip netns add "$NS_DC"
ip netns add "$NS_CL"
ip link add "$VETH_DC" type veth peer name "$VETH_CL"
ip link set "$VETH_DC" netns "$NS_DC"
ip link set "$VETH_CL" netns "$NS_CL"
for ns in "$NS_DC" "$NS_CL"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
    ip -n "$ns" link set lo up
done
ip -n "$NS_DC" addr add "$DC_IP/24" dev "$VETH_DC"
ip -n "$NS_CL" addr add "$CL_IP/24" dev "$VETH_CL"
ip -n "$NS_DC" link set "$VETH_DC" up
ip -n "$NS_CL" link set "$VETH_CL" up
# `ip netns exec` mounts these over /etc/hosts and /etc/resolv.conf inside the namespace.
# The machine's own host name is listed so that nothing asks the DC (and its dead
# forwarder) for it.
mkdir -p "/etc/netns/$NS_DC" "/etc/netns/$NS_CL"
printf '127.0.0.1 localhost\n%s %s.%s %s\n%s cl1.%s cl1 %s\n' \
    "$DC_IP" "$DC_HOST" "$DNSDOMAIN" "$DC_HOST" "$CL_IP" "$DNSDOMAIN" "$(hostname)" \
    | tee "/etc/netns/$NS_CL/hosts" >"/etc/netns/$NS_DC/hosts"
printf 'nameserver %s\nsearch %s\n' "$DC_IP" "$DNSDOMAIN" >"/etc/netns/$NS_CL/resolv.conf"
printf 'nameserver 127.0.0.1\n' >"/etc/netns/$NS_DC/resolv.conf"

in_dc() { ip netns exec "$NS_DC" "$@"; }
in_cl() { ip netns exec "$NS_CL" "$@"; }

# ---------------------------------------------------------------- the DC
log "provisioning the Samba AD DC (realm $REALM) in $WORK/dc"
: >"$WORK/empty.conf"
SMBCONF="$WORK/dc/etc/smb.conf"
timeout 180 nice -n 19 samba-tool domain provision \
    --configfile="$WORK/empty.conf" \
    --targetdir="$WORK/dc" --realm="$REALM" --domain="$DOMAIN" \
    --server-role=dc --dns-backend=SAMBA_INTERNAL --adminpass="$ADMIN_PASS" \
    --host-name="$DC_HOST" --host-ip="$DC_IP" \
    --option="netbios name = DC1" \
    --option="interfaces = lo $VETH_DC" --option="bind interfaces only = yes" \
    --option="dns forwarder = $NOWHERE_IP" \
    --option="log file = $WORK/dc/log.samba" \
    >"$WORK/provision.log" 2>&1 || { tail -20 "$WORK/provision.log" >&2; die "provision failed"; }

# Settings provision does not keep, paths that would otherwise be shared with a system
# Samba, only the services the lab uses, and the shares of the SMB scenarios.
mkdir -p "$WORK/dc/run" "$WORK/dc/shares/public" "$WORK/dc/shares/secret" "$WORK/dc/cache"
echo "a file on the public share" >"$WORK/dc/shares/public/readme.txt"
echo "only the administrator may read this" >"$WORK/dc/shares/secret/secret.txt"
{
    sed -n '1,/^\[global\]/p' "$SMBCONF"
    cat <<EOF
	ldap server require strong auth = no
	tls enabled = no
	server services = s3fs, rpc, ldap, cldap, kdc, winbindd, dns
	rpc server port = 49152
	prefork children = 2
	pid directory = $WORK/dc/run
	ncalrpc dir = $WORK/dc/run/ncalrpc
	ntp signd socket directory = $WORK/dc/run/ntp_signd
	logging = file
	log level = 1
EOF
    sed -n '/^\[global\]/,$p' "$SMBCONF" | sed '1d'
    cat <<EOF

[public]
	path = $WORK/dc/shares/public
	read only = no

[secret]
	path = $WORK/dc/shares/secret
	valid users = $DOMAIN\\administrator
EOF
} >"$SMBCONF.new"
mv "$SMBCONF.new" "$SMBCONF"

st() { timeout 60 nice -n 19 samba-tool "$@" --configfile="$SMBCONF" -H "$WORK/dc/private/sam.ldb" >>"$WORK/accounts.log" 2>&1; }
log "accounts, password policy, service names"
st domain passwordsettings set --account-lockout-threshold=3 --account-lockout-duration=30 \
    --reset-account-lockout-after=30 --max-pwd-age=2 --min-pwd-age=0
st user create alice "$ALICE_PASS"
st user create bob "$BOB_PASS"
st user create dave "$DAVE_PASS"
st user disable dave
st user create erin "$ERIN_PASS"
st user create frank "$FRANK_PASS" --must-change-at-next-login
st user create grace "$GRACE_PASS"
st user setexpiry grace --days=0
# Password set five days ago (maximum age 2 days): expired. faketime moves the clock of
# samba-tool only, which writes pwdLastSet itself since it opens sam.ldb directly.
timeout 60 faketime -f '-5d' samba-tool user create heidi "$HEIDI_PASS" \
    --configfile="$SMBCONF" -H "$WORK/dc/private/sam.ldb" >>"$WORK/accounts.log" 2>&1
# provision leaves only HOST/ names; ldap/ ones are what SASL GSSAPI asks the KDC for
for spn in "ldap/$DC_HOST.$DNSDOMAIN" "ldap/DC1" "ldap/$DC_HOST.$DNSDOMAIN/$DNSDOMAIN"; do
    st spn add "$spn" 'DC1$'
done

log "starting samba in $NS_DC"
mkdir -p /run/samba     # where winbindd puts its socket (see the winbindd check above)
ip netns exec "$NS_DC" nice -n 19 samba --foreground -s "$SMBCONF" \
    --maximum-runtime="$SAMBA_MAX_RUNTIME" >"$WORK/dc/samba.stdout" 2>&1 9>&- &
SAMBA_PID=$!

port_open() { in_cl timeout 2 bash -c "exec 3<>/dev/tcp/$DC_IP/$1" 2>/dev/null; }
ready=0
for _ in $(seq 1 120); do
    kill -0 "$SAMBA_PID" 2>/dev/null || { tail -20 "$WORK/dc/log.samba" >&2 || true; die "samba exited during start-up"; }
    if port_open 88 && port_open 389 && port_open 445 && port_open 53 && port_open 135 \
        && in_dc ss -lun | grep -q "$DC_IP:53 " && in_dc ss -lun | grep -q "$DC_IP:389 "; then
        ready=1
        break
    fi
    sleep 0.5
done
[ "$ready" -eq 1 ] || die "the DC did not open 88, 389, 445, 53 and 135 within 60 s"

# Client side: Kerberos (UDP preferred / TCP forced), Samba client settings, ccaches.
KRB_UDP="$WORK/cl/krb5-udp.conf"
KRB_TCP="$WORK/cl/krb5-tcp.conf"
write_krb5() {  # $1: file, $2: udp_preference_limit
    cat >"$1" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	# Keep the client's own clock for pre-authentication (MIT otherwise corrects it
	# from the KDC's time in PREAUTH_REQUIRED), so that faketime gives a real skew.
	kdc_timesync = 0
	udp_preference_limit = $2
[realms]
	$REALM = {
		kdc = $DC_IP
		admin_server = $DC_IP
		kpasswd_server = $DC_IP
	}
[domain_realm]
	.$DNSDOMAIN = $REALM
	$DNSDOMAIN = $REALM
EOF
}
write_krb5 "$KRB_UDP" 1465
write_krb5 "$KRB_TCP" 1
CLCONF="$WORK/cl/smb.conf"
mkdir -p "$WORK/cl/lock" "$WORK/cl/state" "$WORK/cl/cache" "$WORK/cl/private"
cat >"$CLCONF" <<EOF
[global]
	workgroup = $DOMAIN
	realm = $REALM
	netbios name = CL1
	client min protocol = SMB2_02
	lock directory = $WORK/cl/lock
	state directory = $WORK/cl/state
	cache directory = $WORK/cl/cache
	private dir = $WORK/cl/private
	log file = $WORK/cl/log.%m
EOF
export KRB5_CONFIG="$KRB_TCP"
export KRB5CCNAME="FILE:$WORK/cl/ccache"
export LDAPNOINIT=1     # no ldap.conf or ~/.ldaprc

# The KDC and LDAP answer (not just listen) before anything is captured.
ok=0
for _ in $(seq 1 40); do
    if echo "$ALICE_PASS" | in_cl timeout 5 kinit "alice@$REALM" >/dev/null 2>&1 \
        && in_cl timeout 5 ldapsearch -x -H "ldap://$DC_IP" -b '' -s base >/dev/null 2>&1; then
        ok=1
        break
    fi
    sleep 0.5
done
[ "$ok" -eq 1 ] || die "the KDC or LDAP server of the DC does not answer"
log "DC up: $(samba --version)"

log "DNS records for the large answers; locking out erin"
in_dc timeout 60 /usr/bin/python3 "$LAB/dns_bulk.py" "$SMBCONF" 127.0.0.1 "$DNSDOMAIN" "$ADMIN_PASS" \
    >>"$WORK/accounts.log" 2>&1 || die "dns_bulk.py failed (see $WORK/accounts.log)"
for _ in 1 2 3; do
    echo "not-the-password" | in_cl timeout 10 kinit "erin@$REALM" >/dev/null 2>&1 || true
done
if echo "$ERIN_PASS" | in_cl timeout 10 kinit "erin@$REALM" >/dev/null 2>&1; then
    die "erin is not locked out after three wrong passwords"
fi
kdestroy -q 2>/dev/null || true

# Each wrong password counts for bob's lockout (threshold 3): a good bind over the DC's
# loopback (not on the captured link) between the groups sets his count back to zero.
reset_bob() {
    in_dc timeout 10 ldapsearch -x -H ldap://127.0.0.1 -D "bob@$DNSDOMAIN" -w "$BOB_PASS" \
        -b '' -s base >/dev/null 2>&1 || log "warning: bob's good bind failed"
}

# ---------------------------------------------------------------- capture and clients
CLIENTS_TSV="$WORK/clients.tsv"
printf 'scenario\tcommand\texit\terror\tstart\tend\n' >"$CLIENTS_TSV"
CASE_N=0

capture_start() {  # $1: capture name
    CAPTURE="$1"
    local file="$WORK/cap/$1.pcap" err="$WORK/cap/$1.tcpdump.log"
    ip netns exec "$NS_CL" tcpdump -i "$VETH_CL" -n -U -s 0 -Z root -w "$file" ip \
        >"$err" 2>&1 9>&- &
    TCPDUMP_PID=$!
    for _ in $(seq 1 50); do
        grep -q "listening on" "$err" 2>/dev/null && break
        kill -0 "$TCPDUMP_PID" 2>/dev/null || die "tcpdump did not start: $(cat "$err")"
        sleep 0.1
    done
    grep -q "listening on" "$err" || die "tcpdump did not start within 5 s"
    sleep 0.5
    log "capture $1"
}

capture_stop() {
    sleep 1                     # late answers and FINs
    kill -INT "$TCPDUMP_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$TCPDUMP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$TCPDUMP_PID" 2>/dev/null || true
    wait "$TCPDUMP_PID" 2>/dev/null || true
    TCPDUMP_PID=""
    sync
    log "  $(grep -E 'packets (captured|received by filter|dropped by kernel)' "$WORK/cap/$CAPTURE.tcpdump.log" | tr '\n' ' ')"
}

# What a client reported: the lines that carry its outcome, most specific first.
outcome_of() {  # $1: output file, $2: exit status
    local text
    text="$(grep -aoE 'NT_STATUS_[A-Z0-9_]+|STATUS_[A-Z0-9_]+|ldap_(sasl_interactive_)?bind: .*|additional info: .*|^[A-Za-z ]+ \([0-9]+\)$|kinit: .*|kvno: .*|status: [A-Z]+|update failed: .*|DCERPCException: .*|bind_nak .*|SessionError: .*|Protocol failed: .*|searchRes.*|Kerberos SessionError: .*|SASL username: .*|Transfer failed\.|connection timed out.*|communications error.*|Password expired.*|Received [0-9]+ entries\.|rejected.*|kvno = [0-9]+|\(User: [0-9]+\)|(SamrConnect|DsBind) ok|Anonymous login successful|dnsHostName: .*' "$1" \
        | awk '!seen[$0]++' | head -6 | paste -sd'|' | sed 's/|/ | /g')"
    if [ -z "$text" ] && [ "$2" -ne 0 ]; then
        text="$(grep -av '^\s*$' "$1" | tail -1)"
    fi
    text="${text//$'\t'/ }"
    [ -n "$text" ] || text="-"
    [ "$2" -eq 0 ] && [ "$text" = "-" ] && text="ok"
    printf '%s' "${text:0:400}"
}

# run_case SCENARIO [--stdin TEXT] -- COMMAND...   (runs in the client namespace)
run_case() {
    local scenario="$1" stdin="" rc=0 start end out shown
    shift
    if [ "$1" = "--stdin" ]; then stdin="$2"; shift 2; fi
    [ "$1" = "--" ] && shift
    CASE_N=$((CASE_N + 1))
    out="$WORK/out/$(printf '%03d' "$CASE_N")-${scenario//\//-}.txt"
    start="$(date +%s.%N)"
    if [ -n "$stdin" ]; then
        printf '%s\n' "$stdin" | ip netns exec "$NS_CL" timeout -k 3 "$CLIENT_TIMEOUT" "$@" >"$out" 2>&1 || rc=$?
    else
        ip netns exec "$NS_CL" timeout -k 3 "$CLIENT_TIMEOUT" "$@" </dev/null >"$out" 2>&1 || rc=$?
    fi
    end="$(date +%s.%N)"
    # The command as recorded: paths of the temporary directory shortened to $LAB_TMP,
    # the helper scripts named relative to the repository.
    shown="$*"
    shown="${shown//$WORK/\$LAB_TMP}"
    shown="${shown//$LAB\//tests/lab/}"
    shown="${shown//$PY_IMPACKET /python3 }"
    shown="${shown//$(dirname "$SAMRDUMP")\//}"
    printf '%s\t%s\t%d\t%s\t%.3f\t%.3f\n' "$scenario" "$shown" "$rc" "$(outcome_of "$out" "$rc")" \
        "$start" "$end" >>"$CLIENTS_TSV"
    log "  $scenario: exit $rc: $(outcome_of "$out" "$rc" | cut -c1-110)"
    sleep 0.3                   # a gap between scenarios in the capture
}

SMB="smbclient -s $CLCONF"
UNC="//$DC_IP/public"

# ---- SMB: SESSION_SETUP and TREE_CONNECT outcomes, NTLMSSP unless said otherwise
capture_start lab-smb
run_case smb/good-list-share -- $SMB "$UNC" -m SMB3 --use-kerberos=off -U "$DOMAIN\\alice%$ALICE_PASS" -c ls
run_case smb/list-shares -- $SMB -L "//$DC_IP" --use-kerberos=off -U "$DOMAIN\\alice%$ALICE_PASS"
run_case smb/wrong-password -- $SMB "$UNC" -m SMB3 --use-kerberos=off -U "$DOMAIN\\bob%not-bobs-password" -c ls
run_case smb/unknown-user -- $SMB "$UNC" -m SMB3 --use-kerberos=off -U "$DOMAIN\\nosuchuser%Whatever-1" -c ls
run_case smb/disabled-user -- $SMB "$UNC" --use-kerberos=off -U "$DOMAIN\\dave%$DAVE_PASS" -c ls
run_case smb/locked-user -- $SMB "$UNC" --use-kerberos=off -U "$DOMAIN\\erin%$ERIN_PASS" -c ls
run_case smb/must-change-password -- $SMB "$UNC" --use-kerberos=off -U "$DOMAIN\\frank%$FRANK_PASS" -c ls
run_case smb/password-expired -- $SMB "$UNC" --use-kerberos=off -U "$DOMAIN\\heidi%$HEIDI_PASS" -c ls
run_case smb/account-expired -- $SMB "$UNC" --use-kerberos=off -U "$DOMAIN\\grace%$GRACE_PASS" -c ls
run_case smb/no-such-share -- $SMB "//$DC_IP/nosuchshare" --use-kerberos=off -U "$DOMAIN\\alice%$ALICE_PASS" -c ls
run_case smb/forbidden-share -- $SMB "//$DC_IP/secret" --use-kerberos=off -U "$DOMAIN\\alice%$ALICE_PASS" -c ls
run_case smb/no-such-file -- $SMB "$UNC" --use-kerberos=off -U "$DOMAIN\\alice%$ALICE_PASS" -c 'get nosuchfile.txt /dev/null'
run_case smb/anonymous -- $SMB "$UNC" -N -c ls
run_case smb/signed-smb2.1 -- $SMB "$UNC" -m SMB2_10 --client-protection=sign --use-kerberos=off -U "$DOMAIN\\alice%$ALICE_PASS" -c ls
run_case smb/encrypted-smb3 -- $SMB "$UNC" -m SMB3 --client-protection=encrypt --use-kerberos=off -U "$DOMAIN\\alice%$ALICE_PASS" -c ls
KRB5CCNAME="FILE:$WORK/cl/ccache-smb" run_case smb/kerberos -- $SMB "//$DC_HOST.$DNSDOMAIN/public" --use-kerberos=required -U "alice@$REALM%$ALICE_PASS" -c ls
capture_stop
reset_bob

# ---- RPC: rpcclient and impacket over SMB named pipes, the endpoint mapper and TCP
capture_start lab-rpc
RPCC="rpcclient -s $CLCONF --use-kerberos=off -U $DOMAIN\\alice%$ALICE_PASS"
run_case rpc/rpcclient-srvinfo -- $RPCC -c srvinfo "$DC_IP"
run_case rpc/rpcclient-enumdomusers -- $RPCC -c enumdomusers "$DC_IP"
run_case rpc/rpcclient-lookupnames -- $RPCC -c 'lookupnames alice' "$DC_IP"
run_case rpc/rpcclient-lookupnames-unknown -- $RPCC -c 'lookupnames nosuchuser' "$DC_IP"
run_case rpc/rpcclient-queryuser-unknown -- $RPCC -c 'queryuser 0x9999' "$DC_IP"
run_case rpc/rpcclient-tcp-enumdomusers -- $RPCC -c enumdomusers "ncacn_ip_tcp:$DC_IP"
run_case rpc/rpcclient-wrong-password -- rpcclient -s "$CLCONF" --use-kerberos=off -U "$DOMAIN\\bob%not-bobs-password" -c srvinfo "$DC_IP"
run_case rpc/samrdump -- "$SAMRDUMP" "$DOMAIN/alice:$ALICE_PASS@$DC_IP"
run_case rpc/lookupsid -- "$LOOKUPSID" "$DOMAIN/alice:$ALICE_PASS@$DC_IP" 1200
run_case rpc/rpcdump-epm -- "$RPCDUMP" -port 135 "$DC_IP"
DCE="$PY_IMPACKET $LAB/dcerpc_cases.py"
run_case rpc/samr-connect-tcp -- $DCE samr-connect "$DC_IP" alice "$ALICE_PASS" "$DOMAIN"
run_case rpc/unknown-interface -- $DCE unknown-interface "$DC_IP"
run_case rpc/bad-opnum-fault -- $DCE bad-opnum "$DC_IP" alice "$ALICE_PASS" "$DOMAIN"
run_case rpc/auth-level-connect-fault -- $DCE auth-level-connect "$DC_IP" alice "$ALICE_PASS" "$DOMAIN"
run_case rpc/wrong-password-tcp -- $DCE wrong-password "$DC_IP" bob not-bobs-password "$DOMAIN"
run_case rpc/drsuapi-dsbind -- $DCE drsuapi-bind "$DC_IP" administrator "$ADMIN_PASS" "$DOMAIN"
run_case rpc/bind-nak-version -- $DCE bindnak-version "$DC_IP"
run_case rpc/bind-nak-authtype -- $DCE bindnak-authtype "$DC_IP"
run_case rpc/bind-nak-assoc-group -- $DCE bindnak-assoc "$DC_IP"
capture_stop
reset_bob

# ---- Kerberos: AS and TGS outcomes over UDP (MIT's default) and TCP (forced)
capture_start lab-kerberos
export KRB5CCNAME="FILE:$WORK/cl/ccache-krb"
export KRB5_CONFIG="$KRB_UDP"
run_case kerberos/udp/good-password --stdin "$ALICE_PASS" -- kinit "alice@$REALM"
run_case kerberos/udp/service-ticket -- kvno "cifs/$DC_HOST.$DNSDOMAIN@$REALM"
run_case kerberos/udp/unknown-service -- kvno "nosuch/$DC_HOST.$DNSDOMAIN@$REALM"
run_case kerberos/udp/wrong-password --stdin "not-bobs-password" -- kinit "bob@$REALM"
run_case kerberos/udp/unknown-principal --stdin "Whatever-1" -- kinit "nosuchuser@$REALM"
run_case kerberos/udp/disabled --stdin "$DAVE_PASS" -- kinit "dave@$REALM"
run_case kerberos/udp/locked --stdin "$ERIN_PASS" -- kinit "erin@$REALM"
run_case kerberos/udp/clock-skew --stdin "$ALICE_PASS" -- faketime -f '+2h' kinit "alice@$REALM"
export KRB5_CONFIG="$KRB_TCP"
run_case kerberos/tcp/good-password --stdin "$ALICE_PASS" -- kinit "alice@$REALM"
run_case kerberos/tcp/service-ticket -- kvno "ldap/$DC_HOST.$DNSDOMAIN@$REALM"
run_case kerberos/tcp/unknown-service -- kvno "nosuch/$DC_HOST.$DNSDOMAIN@$REALM"
run_case kerberos/tcp/wrong-password --stdin "not-bobs-password" -- kinit "bob@$REALM"
run_case kerberos/tcp/unknown-principal --stdin "Whatever-1" -- kinit "nosuchuser@$REALM"
run_case kerberos/tcp/disabled --stdin "$DAVE_PASS" -- kinit "dave@$REALM"
run_case kerberos/tcp/locked --stdin "$ERIN_PASS" -- kinit "erin@$REALM"
run_case kerberos/tcp/account-expired --stdin "$GRACE_PASS" -- kinit "grace@$REALM"
run_case kerberos/tcp/must-change-password --stdin "$FRANK_PASS" -- kinit "frank@$REALM"
run_case kerberos/tcp/password-expired --stdin "$HEIDI_PASS" -- kinit "heidi@$REALM"
run_case kerberos/tcp/clock-skew --stdin "$ALICE_PASS" -- faketime -f '+2h' kinit "alice@$REALM"
capture_stop
reset_bob

# ---- LDAP: simple binds (AD's "data" codes), SASL, anonymous, CLDAP netlogon ping
export KRB5CCNAME="FILE:$WORK/cl/ccache-ldap"
echo "$ALICE_PASS" | in_cl timeout 10 kinit "alice@$REALM" >/dev/null 2>&1 || die "kinit alice for SASL failed"
capture_start lab-ldap
LS="ldapsearch -LLL -o nettimeout=10 -H ldap://$DC_IP"
BASE="DC=${DNSDOMAIN%%.*},DC=${DNSDOMAIN#*.}"
run_case ldap/anonymous-rootdse -- $LS -x -b '' -s base defaultNamingContext dnsHostName
run_case ldap/anonymous-search -- $LS -x -b "$BASE" '(sAMAccountName=alice)' dn
run_case ldap/simple-good -- $LS -x -D "alice@$DNSDOMAIN" -w "$ALICE_PASS" -b "$BASE" '(sAMAccountName=alice)' dn
run_case ldap/simple-good-dn -- $LS -x -D "CN=alice,CN=Users,$BASE" -w "$ALICE_PASS" -b "$BASE" '(sAMAccountName=bob)' dn
run_case ldap/simple-wrong-password -- $LS -x -D "bob@$DNSDOMAIN" -w not-bobs-password -b "$BASE" dn
run_case ldap/simple-unknown-user -- $LS -x -D "nosuchuser@$DNSDOMAIN" -w Whatever-1 -b "$BASE" dn
run_case ldap/simple-unknown-dn -- $LS -x -D "CN=nosuchuser,CN=Users,$BASE" -w Whatever-1 -b "$BASE" dn
run_case ldap/simple-disabled -- $LS -x -D "dave@$DNSDOMAIN" -w "$DAVE_PASS" -b "$BASE" dn
run_case ldap/simple-locked -- $LS -x -D "erin@$DNSDOMAIN" -w "$ERIN_PASS" -b "$BASE" dn
run_case ldap/simple-must-change-password -- $LS -x -D "frank@$DNSDOMAIN" -w "$FRANK_PASS" -b "$BASE" dn
run_case ldap/simple-account-expired -- $LS -x -D "grace@$DNSDOMAIN" -w "$GRACE_PASS" -b "$BASE" dn
run_case ldap/simple-password-expired -- $LS -x -D "heidi@$DNSDOMAIN" -w "$HEIDI_PASS" -b "$BASE" dn
run_case ldap/no-such-object -- $LS -x -D "alice@$DNSDOMAIN" -w "$ALICE_PASS" -b "OU=nowhere,$BASE" dn
LSN="ldapsearch -LLL -N -o nettimeout=10 -H ldap://$DC_HOST.$DNSDOMAIN"
run_case ldap/sasl-gssapi -- $LSN -Y GSSAPI -b "$BASE" '(sAMAccountName=alice)' dn
run_case ldap/sasl-gss-spnego -- $LSN -Y GSS-SPNEGO -b "$BASE" '(sAMAccountName=alice)' dn
run_case ldap/cldap-netlogon -- "$PY_IMPACKET" "$LAB/cldap_ping.py" "$DC_IP" "$DNSDOMAIN"
run_case ldap/cldap-netlogon-other-domain -- "$PY_IMPACKET" "$LAB/cldap_ping.py" "$DC_IP" nosuch.test
capture_stop
reset_bob

# ---- DNS: answers, NXDOMAIN, SERVFAIL (dead forwarder), REFUSED (unsigned update), TCP
capture_start lab-dns
DIG="dig @$DC_IP +time=3 +tries=1"
run_case dns/srv-ldap-dc -- $DIG _ldap._tcp.dc._msdcs.$DNSDOMAIN SRV
run_case dns/srv-kerberos-tcp -- $DIG +tcp _kerberos._tcp.$DNSDOMAIN SRV
run_case dns/a-dc -- $DIG $DC_HOST.$DNSDOMAIN A
run_case dns/nxdomain-in-zone -- $DIG nosuchhost.$DNSDOMAIN A
run_case dns/nxdomain-other-domain -- $DIG +norecurse _ldap._tcp.dc._msdcs.nosuch.test SRV
run_case dns/servfail-dead-forwarder -- dig @$DC_IP +time=15 +tries=1 www.example.invalid A
run_case dns/refused-unsigned-update --stdin "$(printf 'server %s\nzone %s\nupdate add evil.%s 300 A 10.77.0.50\nsend\n' "$DC_IP" "$DNSDOMAIN" "$DNSDOMAIN")" -- nsupdate -t 5
run_case dns/axfr-not-allowed -- $DIG $DNSDOMAIN AXFR
run_case dns/large-udp-no-edns -- $DIG +noedns big.$DNSDOMAIN A
run_case dns/large-tcp -- $DIG +tcp bigtxt.$DNSDOMAIN TXT
run_case dns/any-tcp -- $DIG +tcp $DNSDOMAIN ANY
capture_stop

# ---------------------------------------------------------------- results
mkdir -p "$OUT"
for c in lab-smb lab-rpc lab-kerberos lab-ldap lab-dns; do
    cp "$WORK/cap/$c.pcap" "$OUT/$c.pcap"
done
cp "$CLIENTS_TSV" "$OUT/clients.tsv"

version_of() { "$@" 2>&1 | grep -v 'Running as user' | head -1 || true; }
{
    cat <<'EOF'
# Lab captures: a real Samba AD DC and real clients

Made by `tests/lab/run.sh` (as root): a Samba AD domain controller (realm WTLAB.TEST,
domain WTLAB, dc1 = 10.77.0.1) provisioned into a temporary directory and run in network
namespace `wtlab-dc`, real clients in namespace `wtlab-cl` (10.77.0.2), a veth pair
between them, one tcpdump capture (full snaplen, IPv4 only) per protocol group on the
client's end. These captures are the project's own data, made with real software here.

Regenerate: `sudo tests/lab/install.sh` (once), then `sudo tests/lab/run.sh && tests/lab/expected.sh`.

- `lab-smb.pcap`: smbclient against the DC's file server: a good NTLMSSP logon listing a share (SMB 3.1.1), the share list (IPC$, srvsvc), SESSION_SETUP refused for a wrong password, an unknown user, a disabled, a locked-out, a must-change-password, a password-expired and an account-expired user; TREE_CONNECT refused for a share that does not exist (BAD_NETWORK_NAME) and one the user may not open (ACCESS_DENIED); a CREATE of a missing file; an anonymous logon; SMB 2.1 with signing; SMB 3.1.1 with encryption; a Kerberos logon (AS, TGS and SPNEGO/krb5 inside).
- `lab-rpc.pcap`: rpcclient (srvinfo, enumdomusers, lookupnames for a known and an unknown name, queryuser of an unknown RID, enumdomusers over ncacn_ip_tcp, a logon with a wrong password), impacket's samrdump.py, lookupsid.py and rpcdump.py (endpoint mapper, 135), and tests/lab/dcerpc_cases.py: SAMR over TCP, a bind to an interface nobody serves (bind_ack, provider rejection), a request with an opnum SAMR lacks (fault nca_s_op_rng_error), SAMR at auth level connect (fault access denied), a bind with a wrong NTLM password, DRSUAPI DsBind, and three hand-made binds answered with bind_nak.
- `lab-kerberos.pcap`: MIT kinit and kvno over UDP, then with TCP forced (udp_preference_limit = 1): good password, a service ticket, an unknown service (S_PRINCIPAL_UNKNOWN), wrong password (PREAUTH_FAILED), unknown principal (C_PRINCIPAL_UNKNOWN), disabled and locked-out users (CLIENT_REVOKED), clock skew (faketime +2h: KRB_AP_ERR_SKEW); over TCP also an expired account, must-change-password and password-expired users (KEY_EXPIRED). Over UDP the DC answers big replies with RESPONSE_TOO_BIG and the client retries over TCP.
- `lab-ldap.pcap`: ldapsearch: anonymous rootDSE read and an anonymous search (operationsError), simple binds good (by UPN and by DN) and refused (invalidCredentials with AD data 52e, 533, 775, 773, 701, 532), a search of a base that does not exist (noSuchObject), SASL GSSAPI and GSS-SPNEGO binds (with their TGS exchanges), and CLDAP netlogon pings over UDP 389 (tests/lab/cldap_ping.py) for the DC's domain and another one.
- `lab-dns.pcap`: dig and nsupdate against the DC's internal DNS server: SRV and A answers, NXDOMAIN inside the zone and for another domain, SERVFAIL from a forwarder that does not exist, REFUSED for an unsigned dynamic update, a refused zone transfer, a 1 kB answer over UDP without EDNS (Samba does not truncate it), and large answers over TCP.
- `clients.tsv`: for every scenario the command, its exit status, what the client printed about the outcome, and its start and end time (epoch seconds), so frames can be matched to scenarios.
- `expected/`: tshark's reading of every capture (tests/lab/expected.sh): `<capture>.tsv` (the application fields of every frame that has one) and `summary.tsv` (counts per protocol and outcome code).

What this Samba does, as these captures show (worth knowing before reading them):

- A simple bind for a user that does not exist is refused with AD data `52e`, like a wrong
  password: Samba does not send `525`. No account produced `530`/`531` (no logon hours or
  workstation limits are set).
- Kerberos: disabled, locked-out and expired accounts all get `KDC_ERR_CLIENT_REVOKED`
  (18); must-change and expired passwords get `KDC_ERR_KEY_EXPIRED` (23), after which
  kinit asks for a kadmin/changepw ticket and gives up (no new password on stdin). MIT's
  kinit first sends an AS-REQ without pre-authentication, so every kinit starts with
  `KDC_ERR_PREAUTH_REQUIRED` (25). The clock-skew error needs `kdc_timesync = 0` in the
  client's krb5.conf; otherwise kinit takes the KDC's time from that first error.
- `smbclient -N` (anonymous) first logs on as the local user (root) with an empty
  password, which fails with `STATUS_LOGON_FAILURE`, then logs on anonymously (NTLMSSP
  user NULL), may open IPC$, and is refused TREE_CONNECT to the share with
  `STATUS_ACCESS_DENIED`.
  The encrypted SMB3 session's requests after SESSION_SETUP are SMB2 TRANSFORM frames:
  tshark does not decode their commands without the session keys.
- DCE/RPC: a bind to an interface the endpoint does not serve gets a bind_ack whose
  context is rejected (provider rejection, abstract syntax not supported), not a bind_nak;
  bind_nak comes for a bad version, an unknown auth type or an unknown association group.
  A wrong NTLM password on ncacn_ip_tcp gives a fault `nca_s_proto_error` (0x1c01000b)
  after AUTH3. The endpoint mapper answers impacket's rpcdump.py with 52 entries in the
  first ept_lookup reply and `ept_s_not_registered` (0x16c9a0d6, in the reply stub, not a
  fault) in the second, the end of the list; rpcdump.py reports that as "Protocol failed"
  and prints no endpoints.
- DNS: a 1 kB answer over UDP without EDNS is sent whole, without TC (Samba does not
  truncate at 512 bytes); a zone transfer is answered NOERROR with only the SOA (dig says
  "Transfer failed"); recursion through the dead forwarder takes about 10 s to SERVFAIL.
- LDAP SASL binds seal what follows them: the search after a GSSAPI or GSS-SPNEGO bind is
  not readable, only the bind exchange is.

tshark field names: `dcerpc.reject_reason` does not exist in tshark 4.0; the bind_nak
reason is `dcerpc.cn_reject_reason` (used instead). Values of one field that occur several
times in a frame are joined by `;` in `expected/<capture>.tsv`.

Software (as recorded by the run that made these files):

EOF
    echo '```'
    echo "samba:      $(version_of samba --version) (Debian samba $(dpkg-query -W -f='${Version}' samba 2>/dev/null || echo '?'); its KDC is Samba's embedded Heimdal, libkdc-samba4)"
    echo "smbclient:  $(version_of smbclient --version)"
    echo "krb5-user:  $(dpkg-query -W -f='${Version}' krb5-user 2>/dev/null || echo '?') (MIT kinit, kvno)"
    echo "ldap-utils: $(dpkg-query -W -f='${Version}' ldap-utils 2>/dev/null || echo '?') (OpenLDAP ldapsearch)"
    echo "dig:        $(version_of dig -v)"
    echo "nsupdate:   $(dpkg-query -W -f='${Version}' bind9-dnsutils 2>/dev/null || echo '?') (bind9-dnsutils)"
    echo "impacket:   $("$PY_IMPACKET" -c 'import importlib.metadata as m; print(m.version("impacket"))' 2>/dev/null || echo '?')"
    echo "faketime:   $(dpkg-query -W -f='${Version}' faketime 2>/dev/null || echo '?')"
    echo "tcpdump:    $(version_of tcpdump --version)"
    echo "tshark:     $(version_of tshark --version)"
    echo "kernel:     $(uname -sr)"
    echo '```'
} >"$OUT/README.md"

log "wrote $(ls "$OUT"/*.pcap | wc -l) captures, clients.tsv and README.md to $OUT in $(( $(date +%s) - START_TS )) s"
