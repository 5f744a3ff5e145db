#!/usr/bin/env python3
"""Cross-check of the servers' answers against tshark.

For each capture, counts the answers tshark decodes per (protocol, code) from its own
fields (kerberos.error_code, smb2.nt_status, smb.nt_status, ldap.resultCode,
dns.flags.rcode, dcerpc.cn_ack_result, dcerpc.cn_reject_reason, dcerpc.cn_status) and
compares them with the `outcomes` of `wiretally read --format json`. Compared: every
non-zero code, except the routine steps wiretally deliberately does not count for every
command (SMB's interim and informational statuses). Prints one line per capture and a
summary line `N captures, M failed`; exits 1 when any failed.

    outcomes_crosscheck.py --wiretally BIN CAPTURE...
"""

import argparse
import collections
import concurrent.futures
import json
import subprocess
import sys

# SMB statuses that are steps, not answers: pending, buffer overflow, no more files,
# more processing required, end of file, network session expired, cancelled, path not
# covered. wiretally counts them only on the commands that set a session up.
SMB_STEPS = {0x103, 0x80000005, 0x80000006, 0xC0000016, 0xC0000011, 0xC000035C,
             0xC0000120, 0xC0000257}
# A DFS referral request answered STATUS_NOT_FOUND is routine, other IOCTLs not: IOCTL
# answers with that status are left out on both sides.
STATUS_NOT_FOUND = 0xC0000225
SMB2_IOCTL = 11


def tshark(path, display, fields):
    cmd = ["tshark", "-n", "-r", path, "-Y", display, "-T", "fields",
           "-E", "occurrence=a", "-E", "aggregator=,", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    rows = []
    for line in out.stdout.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(fields) - len(cols))
        rows.append([c.split(",") if c else [] for c in cols])
    return rows


def number(text):
    text = text.strip()
    return int(text, 16) if text.lower().startswith("0x") else int(text)


FIELDS = ["tcp.port", "udp.port", "kerberos.msg_type", "kerberos.error_code",
          "smb2.flags.response", "smb2.nt_status", "smb2.cmd", "smb.flags.response",
          "smb.flags2.nt_error", "smb.nt_status", "ldap.resultCode", "dns.flags.response",
          "dns.flags.rcode", "dcerpc.pkt_type", "dcerpc.cn_ack_result",
          "dcerpc.cn_reject_reason", "dcerpc.cn_status"]
DISPLAY = "kerberos || smb || smb2 || ldap || cldap || dns || dcerpc"


def tshark_counts(path):
    """One tshark pass over the capture: the answers per (protocol, code)."""
    counts = collections.Counter()
    for row in tshark(path, DISPLAY, FIELDS):
        f = dict(zip(FIELDS, row))
        ports = {number(p) for p in f["tcp.port"] + f["udp.port"]}
        tcp_ports = {number(p) for p in f["tcp.port"]}
        udp_ports = {number(p) for p in f["udp.port"]}
        if 88 in ports and "30" in f["kerberos.msg_type"]:
            for c in f["kerberos.error_code"]:
                counts[("kerberos", number(c))] += 1
        smb_port = bool(tcp_ports & {445, 139})
        if smb_port and f["smb2.nt_status"]:
            responses = f["smb2.flags.response"]
            cmds = f["smb2.cmd"]
            for i, st in enumerate(f["smb2.nt_status"]):
                if i < len(responses) and responses[i] not in ("1", "True"):
                    continue
                code = number(st)
                cmd = number(cmds[i]) if i < len(cmds) else -1
                if code == 0 or code in SMB_STEPS or (cmd == SMB2_IOCTL and code == STATUS_NOT_FOUND):
                    continue
                counts[("smb", code)] += 1
        if smb_port and f["smb.nt_status"] and set(f["smb.flags.response"]) & {"1", "True"} \
                and set(f["smb.flags2.nt_error"]) & {"1", "True"}:
            for st in f["smb.nt_status"]:
                code = number(st)
                if code != 0 and code not in SMB_STEPS:
                    counts[("smb", code)] += 1
        if (tcp_ports & {389, 3268}) or 389 in udp_ports:
            for c in f["ldap.resultCode"]:
                if number(c) != 0:
                    counts[("ldap", number(c))] += 1
        if 53 in ports and set(f["dns.flags.response"]) & {"1", "True"}:
            for c in f["dns.flags.rcode"][:1]:
                if number(c) != 0:
                    counts[("dns", number(c))] += 1
        for c in f["dcerpc.cn_ack_result"]:
            if number(c) not in (0, 3):
                counts[("dcerpc-bind", number(c))] += 1
        for c in f["dcerpc.cn_reject_reason"]:
            counts[("dcerpc-nak", number(c))] += 1
        for c in f["dcerpc.cn_status"]:
            counts[("dcerpc-fault", number(c))] += 1
    return counts


def wiretally_counts(binary, path):
    out = subprocess.run([binary, "read", "--no-progress", "--format", "json", path],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"wiretally exited {out.returncode}: {out.stderr.strip()}")
    summary = json.loads(out.stdout)
    counts = collections.Counter()
    for line in summary["services"] + summary["unknown"]:
        for o in line.get("outcomes", []):
            proto, code, op = o["protocol"], o["code"], o["operation"]
            if code == 0 and op != "bind_nak":
                continue
            if proto == "smb":
                if code in SMB_STEPS or (op == "IOCTL" and code == STATUS_NOT_FOUND):
                    continue
                key = ("smb", code)
            elif proto == "dcerpc":
                if op == "call":
                    key = ("dcerpc-fault", code)
                elif op == "bind_nak":
                    key = ("dcerpc-nak", code)
                else:
                    if code == 3:
                        continue
                    key = ("dcerpc-bind", code)
            else:
                key = (proto, code)
            counts[key] += o["count"]
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wiretally", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("captures", nargs="+")
    args = ap.parse_args()

    def check(path):
        try:
            ours = wiretally_counts(args.wiretally, path)
        except RuntimeError as e:
            return None, f"SKIP {path}: {e}"
        theirs = tshark_counts(path)
        if ours == theirs:
            return True, f"ok   {path}: {sum(theirs.values())} error answers"
        lines = [f"FAIL {path}"]
        for key in sorted(set(ours) | set(theirs)):
            if ours[key] != theirs[key]:
                lines.append(f"     {key[0]} {key[1]:#x}: wiretally {ours[key]}, tshark {theirs[key]}")
        return False, "\n".join(lines)

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for good, text in pool.map(check, args.captures):
            print(text)
            failed += good is False
    print(f"{len(args.captures)} captures, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
