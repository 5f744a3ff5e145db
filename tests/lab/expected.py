#!/usr/bin/env python3
"""tshark's reading of the lab captures: the independent truth the outcome parsers are
checked against.

    expected.py [DIR]          (DIR defaults to fixtures/lab of this repository)

For every DIR/lab-*.pcap writes DIR/expected/<capture>.tsv: one row per frame that has an
application layer (kerberos, smb2, ldap, cldap, dns, dcerpc), the fields below as tshark
prints them (several values of one field in one frame joined by ';', in tshark's order),
plus the lab scenario whose time window (DIR/clients.tsv) holds the frame. Then
DIR/expected/summary.tsv counts the outcomes per capture, protocol and code:

  kerberos        every KRB-ERROR by error-code; AS-REP and TGS-REP as code 0
  smb2/<COMMAND>  every response by NT status (STATUS_PENDING interim responses too)
  ldap/<op>       every LDAPResult by resultCode (bindResponse, searchResDone, ...)
  ldap/bind-data  the AD "data" code in the errorMessage of a refused bind (52e, 533, ...)
  cldap/<op>      the same over UDP 389; cldap/searchResEntry counts answers with an entry
  dns/<opcode>    every response by rcode; dns/truncated counts responses with TC set
  dcerpc/...      bind_ack per context result, bind_nak by reject reason, fault by status,
                  response (code 0) per PDU

Fields tshark does not know are left out with a warning (the header says which are there).
Needs only Python 3 and tshark.
"""

import csv
import os
import re
import subprocess
import sys
from collections import Counter

FIELDS = [
    "frame.number", "ip.src", "ip.dst", "tcp.stream", "udp.stream",
    "kerberos.msg_type", "kerberos.error_code", "kerberos.CNameString", "kerberos.realm",
    "kerberos.SNameString",
    "smb2.cmd", "smb2.nt_status", "smb2.dialect", "ntlmssp.auth.username",
    "ntlmssp.auth.domain", "ntlmssp.auth.hostname", "smb2.tree",
    "ldap.protocolOp", "ldap.resultCode", "ldap.errorMessage",
    "dns.flags.rcode", "dns.qry.name", "dns.qry.type",
    "dcerpc.pkt_type", "dcerpc.cn_ack_result", "dcerpc.cn_bind_to_uuid", "dcerpc.opnum",
    "dcerpc.cn_status",
    # tshark 4.0 has no dcerpc.reject_reason: the bind_nak reason is dcerpc.cn_reject_reason
    "dcerpc.cn_reject_reason",
    # beyond the list asked for: what the summary needs to tell outcomes apart, and the
    # ids that pair a response with its request (the NTLMSSP user of a SESSION_SETUP is in
    # the request, its NT status in the response)
    "frame.time_epoch", "smb2.flags.response", "dns.flags.response", "dns.flags.opcode",
    "dns.flags.truncated", "dcerpc.cn_ack_reason", "ldap.name",
    "smb2.msg_id", "smb2.sesid", "ldap.messageID", "dcerpc.cn_call_id", "dns.id",
]
DISPLAY_FILTER = "kerberos || smb2 || ldap || cldap || dns || dcerpc"
SEP = ";"

# RFC 4120 section 7.5.9 (and its successors) names of Kerberos error codes
KRB_ERRORS = {
    0: "KDC_ERR_NONE", 1: "KDC_ERR_NAME_EXP", 2: "KDC_ERR_SERVICE_EXP",
    3: "KDC_ERR_BAD_PVNO", 4: "KDC_ERR_C_OLD_MAST_KVNO", 5: "KDC_ERR_S_OLD_MAST_KVNO",
    6: "KDC_ERR_C_PRINCIPAL_UNKNOWN", 7: "KDC_ERR_S_PRINCIPAL_UNKNOWN",
    8: "KDC_ERR_PRINCIPAL_NOT_UNIQUE", 9: "KDC_ERR_NULL_KEY", 10: "KDC_ERR_CANNOT_POSTDATE",
    11: "KDC_ERR_NEVER_VALID", 12: "KDC_ERR_POLICY", 13: "KDC_ERR_BADOPTION",
    14: "KDC_ERR_ETYPE_NOSUPP", 15: "KDC_ERR_SUMTYPE_NOSUPP", 16: "KDC_ERR_PADATA_TYPE_NOSUPP",
    17: "KDC_ERR_TRTYPE_NOSUPP", 18: "KDC_ERR_CLIENT_REVOKED", 19: "KDC_ERR_SERVICE_REVOKED",
    20: "KDC_ERR_TGT_REVOKED", 21: "KDC_ERR_CLIENT_NOTYET", 22: "KDC_ERR_SERVICE_NOTYET",
    23: "KDC_ERR_KEY_EXPIRED", 24: "KDC_ERR_PREAUTH_FAILED", 25: "KDC_ERR_PREAUTH_REQUIRED",
    26: "KDC_ERR_SERVER_NOMATCH", 27: "KDC_ERR_MUST_USE_USER2USER",
    28: "KDC_ERR_PATH_NOT_ACCEPTED", 29: "KDC_ERR_SVC_UNAVAILABLE",
    31: "KRB_AP_ERR_BAD_INTEGRITY", 32: "KRB_AP_ERR_TKT_EXPIRED", 33: "KRB_AP_ERR_TKT_NYV",
    34: "KRB_AP_ERR_REPEAT", 35: "KRB_AP_ERR_NOT_US", 36: "KRB_AP_ERR_BADMATCH",
    37: "KRB_AP_ERR_SKEW", 38: "KRB_AP_ERR_BADADDR", 39: "KRB_AP_ERR_BADVERSION",
    40: "KRB_AP_ERR_MSG_TYPE", 41: "KRB_AP_ERR_MODIFIED", 42: "KRB_AP_ERR_BADORDER",
    44: "KRB_AP_ERR_BADKEYVER", 45: "KRB_AP_ERR_NOKEY", 46: "KRB_AP_ERR_MUT_FAIL",
    47: "KRB_AP_ERR_BADDIRECTION", 48: "KRB_AP_ERR_METHOD", 49: "KRB_AP_ERR_BADSEQ",
    50: "KRB_AP_ERR_INAPP_CKSUM", 51: "KRB_AP_PATH_NOT_ACCEPTED", 52: "KRB_ERR_RESPONSE_TOO_BIG",
    60: "KRB_ERR_GENERIC", 61: "KRB_ERR_FIELD_TOOLONG", 62: "KDC_ERR_CLIENT_NOT_TRUSTED",
    63: "KDC_ERR_KDC_NOT_TRUSTED", 64: "KDC_ERR_INVALID_SIG", 65: "KDC_ERR_KEY_TOO_WEAK",
    66: "KDC_ERR_CERTIFICATE_MISMATCH", 67: "KRB_AP_ERR_NO_TGT", 68: "KDC_ERR_WRONG_REALM",
    69: "KRB_AP_ERR_USER_TO_USER_REQUIRED", 70: "KDC_ERR_CANT_VERIFY_CERTIFICATE",
    71: "KDC_ERR_INVALID_CERTIFICATE", 72: "KDC_ERR_REVOKED_CERTIFICATE",
    73: "KDC_ERR_REVOCATION_STATUS_UNKNOWN", 74: "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE",
    75: "KDC_ERR_CLIENT_NAME_MISMATCH", 76: "KDC_ERR_KDC_NAME_MISMATCH",
    90: "KDC_ERR_PREAUTH_EXPIRED", 91: "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED",
    93: "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS",
}
KRB_MSG = {10: "AS-REQ", 11: "AS-REP", 12: "TGS-REQ", 13: "TGS-REP", 14: "AP-REQ",
           15: "AP-REP", 30: "KRB-ERROR"}
DNS_RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
              5: "REFUSED", 6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH",
              10: "NOTZONE"}
DNS_OPCODES = {0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE"}
SMB2_COMMANDS = ["NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT",
                 "CREATE", "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL",
                 "ECHO", "QUERY_DIRECTORY", "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO",
                 "OPLOCK_BREAK"]
# Active Directory's Win32 error in "..., data NNN, ..." of a refused LDAP bind
AD_BIND_DATA = {
    "525": "ERROR_NO_SUCH_USER", "52e": "ERROR_LOGON_FAILURE",
    "530": "ERROR_INVALID_LOGON_HOURS", "531": "ERROR_INVALID_WORKSTATION",
    "532": "ERROR_PASSWORD_EXPIRED", "533": "ERROR_ACCOUNT_DISABLED",
    "568": "ERROR_TOO_MANY_CONTEXT_IDS", "701": "ERROR_ACCOUNT_EXPIRED",
    "773": "ERROR_PASSWORD_MUST_CHANGE", "775": "ERROR_ACCOUNT_LOCKED_OUT",
}
# LDAP protocolOp values that carry an LDAPResult (and so a resultCode)
LDAP_RESULT_OPS = {1, 5, 7, 9, 11, 13, 15, 24}
DCERPC_PKT = {0: "request", 2: "response", 3: "fault", 11: "bind", 12: "bind_ack",
              13: "bind_nak", 14: "alter_context", 15: "alter_context_resp", 16: "auth3"}


def tshark(*args):
    return subprocess.run(["tshark", *args], check=True, capture_output=True, text=True).stdout


def value_names(fields):
    """tshark's own value strings (tshark -G values) for the given fields."""
    names = {f: {} for f in fields}
    for line in tshark("-G", "values").splitlines():
        parts = line.split("\t")
        if len(parts) >= 4 and parts[0] == "V" and parts[1] in names:
            try:
                names[parts[1]][int(parts[2], 0)] = parts[3]
            except ValueError:
                pass
    return names


def known_fields():
    have = set()
    for line in tshark("-G", "fields").splitlines():
        parts = line.split("\t")
        if len(parts) > 2 and parts[0] in ("F", "P"):
            have.add(parts[2])
    return have


def ints(value):
    out = []
    for v in value.split(SEP) if value else []:
        v = v.strip()
        if v:
            try:
                out.append(int(v, 0))
            except ValueError:
                pass
    return out


def scenario_windows(clients_tsv):
    windows = []
    if not os.path.exists(clients_tsv):
        return windows
    with open(clients_tsv, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            try:
                windows.append((float(row["start"]), float(row["end"]), row["scenario"]))
            except (KeyError, ValueError):
                pass
    return windows


def scenario_at(windows, t):
    for start, end, name in windows:
        # the client's last answer can arrive while its process is exiting
        if start - 0.05 <= t <= end + 0.25:
            return name
    return ""


def summarise(capture, rows, names, counts):
    def add(proto, code, name):
        counts[(capture, proto, code, name)] += 1

    for r in rows:
        # Kerberos: the first msg_type of a frame is its message (others are nested AP-REQs)
        msg = ints(r.get("kerberos.msg_type", ""))
        if msg:
            if msg[0] == 30:
                for code in ints(r.get("kerberos.error_code", ""))[:1]:
                    add("kerberos", str(code), KRB_ERRORS.get(code, "KRB_ERROR_%d" % code))
            elif msg[0] in (11, 13):
                add("kerberos", "0", KRB_MSG[msg[0]])

        # SMB2: every response header of the frame (compound responses have several)
        cmds = ints(r.get("smb2.cmd", ""))
        statuses = ints(r.get("smb2.nt_status", ""))
        responses = [v.strip() in ("1", "True") for v in r.get("smb2.flags.response", "").split(SEP)]
        for i, cmd in enumerate(cmds):
            if i < len(responses) and responses[i] and i < len(statuses):
                st = statuses[i]
                cname = SMB2_COMMANDS[cmd] if cmd < len(SMB2_COMMANDS) else "CMD_%d" % cmd
                add("smb2/" + cname, "0x%08x" % st,
                    names["smb2.nt_status"].get(st, "NT_STATUS_0x%08x" % st))

        # LDAP and CLDAP: result codes belong, in order, to the ops that carry a result
        ops = ints(r.get("ldap.protocolOp", ""))
        if ops:
            proto = "cldap" if r.get("udp.stream") else "ldap"
            codes = ints(r.get("ldap.resultCode", ""))
            k = 0
            for op in ops:
                opname = names["ldap.protocolOp"].get(op, "op%d" % op)
                if op == 4 and proto == "cldap":
                    add("cldap/searchResEntry", "-", "entry")
                if op in LDAP_RESULT_OPS and k < len(codes):
                    code = codes[k]
                    k += 1
                    add("%s/%s" % (proto, opname), str(code),
                        names["ldap.resultCode"].get(code, "resultCode%d" % code))
                    if op == 1 and code == 49:
                        m = re.search(r"\bdata ([0-9a-fA-F]+)\b", r.get("ldap.errorMessage", ""))
                        if m:
                            d = m.group(1).lower()
                            add("ldap/bind-data", d, AD_BIND_DATA.get(d, "win32_0x" + d))

        # DNS: responses by opcode and rcode
        resp = r.get("dns.flags.response", "").split(SEP)
        if resp and resp[0].strip() in ("1", "True"):
            opcode = (ints(r.get("dns.flags.opcode", "")) or [0])[0]
            for rc in ints(r.get("dns.flags.rcode", ""))[:1]:
                add("dns/" + DNS_OPCODES.get(opcode, "OPCODE%d" % opcode), str(rc),
                    DNS_RCODES.get(rc, "RCODE%d" % rc))
            if r.get("dns.flags.truncated", "").split(SEP)[0].strip() in ("1", "True"):
                add("dns/truncated", "TC", "truncated")

        # DCE/RPC: the outcome PDUs
        pkts = ints(r.get("dcerpc.pkt_type", ""))
        acks = ints(r.get("dcerpc.cn_ack_result", ""))
        statuses = ints(r.get("dcerpc.cn_status", ""))
        rejects = ints(r.get("dcerpc.cn_reject_reason", ""))
        for p in pkts:
            if p == 12:
                for a in acks:
                    add("dcerpc/bind_ack", str(a), names["dcerpc.cn_ack_result"].get(a, str(a)))
            elif p == 15:
                for a in acks:
                    add("dcerpc/alter_context_resp", str(a),
                        names["dcerpc.cn_ack_result"].get(a, str(a)))
            elif p == 13:
                for rr in rejects[:1]:
                    add("dcerpc/bind_nak", str(rr), names["dcerpc.cn_reject_reason"].get(rr, str(rr)))
            elif p == 3:
                for st in statuses[:1]:
                    add("dcerpc/fault", "0x%08x" % st,
                        names["dcerpc.cn_status"].get(st, "0x%08x" % st))
            elif p == 2:
                add("dcerpc/response", "0", "response")


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lab = argv[1] if len(argv) > 1 else os.path.join(root, "fixtures", "lab")
    captures = sorted(f for f in os.listdir(lab) if f.startswith("lab-") and f.endswith(".pcap"))
    if not captures:
        print("expected.py: no lab-*.pcap in %s (run tests/lab/run.sh first)" % lab, file=sys.stderr)
        return 1
    have = known_fields()
    fields = [f for f in FIELDS if f in have]
    for f in FIELDS:
        if f not in have:
            print("expected.py: warning: tshark has no field %s; left out" % f, file=sys.stderr)
    names = value_names(["smb2.nt_status", "ldap.protocolOp", "ldap.resultCode",
                         "dcerpc.cn_ack_result", "dcerpc.cn_reject_reason", "dcerpc.cn_status"])
    windows = scenario_windows(os.path.join(lab, "clients.tsv"))
    outdir = os.path.join(lab, "expected")
    os.makedirs(outdir, exist_ok=True)
    counts = Counter()
    for cap in captures:
        args = ["-n", "-r", os.path.join(lab, cap), "-Y", DISPLAY_FILTER, "-T", "fields",
                "-E", "header=y", "-E", "separator=/t", "-E", "aggregator=" + SEP,
                "-E", "occurrence=a"]
        for f in fields:
            args += ["-e", f]
        text = tshark(*args)
        lines = text.splitlines()
        header = lines[0].split("\t")
        rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
        name = cap[:-len(".pcap")]
        with open(os.path.join(outdir, name + ".tsv"), "w") as out:
            out.write("\t".join(header + ["scenario"]) + "\n")
            for line, r in zip(lines[1:], rows):
                t = float(r.get("frame.time_epoch") or 0)
                out.write(line + "\t" + scenario_at(windows, t) + "\n")
        summarise(name, rows, names, counts)
        print("expected.py: %s: %d frames" % (name, len(rows)))
    with open(os.path.join(outdir, "summary.tsv"), "w") as out:
        out.write("capture\tprotocol\tcode\tname\tcount\n")
        for (cap, proto, code, nm), n in sorted(counts.items()):
            out.write("%s\t%s\t%s\t%s\t%d\n" % (cap, proto, code, nm, n))
    print("expected.py: wrote %s" % os.path.join(outdir, "summary.tsv"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
