#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus from the project's fixtures (run from the repository root).

read_capture: the small fixture files whole (every container flavour).
decode_frame: the first frames of each link-type fixture, prefixed with the byte that
              selects their link type in wiretally::fuzz_entry::decode_frame.
load_table:   the header and a few rows of the built-in table, in markdown and in CSV.
outcome_*:    the real messages of tests/data/outcome (extracted from the nDPI captures), each
              to the outcome parser of its protocol; outcome_stream: segment scripts (in order,
              out of order, retransmitted, cut) for the reassembly buffer.
"""
import os
import struct

# The order of LinkType::SUPPORTED in src/decode/numbers.rs.
SUPPORTED = [0, 1, 12, 14, 9, 101, 104, 105, 107, 108, 113, 127, 228, 229, 276, 50, 51, 119, 163, 166, 192]


def pcap_frames(data):
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None:
        return None, []
    link = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    frames, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        frames.append(data[at + 16:at + 16 + caplen])
        at += 16 + caplen
    return link, frames


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    corpus = "fuzz/corpus"
    for name in sorted(os.listdir("fixtures")):
        path = os.path.join("fixtures", name)
        if not name.endswith((".pcap", ".pcapng")) or os.path.getsize(path) > 16384:
            continue
        data = open(path, "rb").read()
        write(f"{corpus}/read_capture", name, data)
        link, frames = pcap_frames(data)
        if link in SUPPORTED:
            for i, frame in enumerate(frames[:3]):
                write(f"{corpus}/decode_frame", f"{name}-{i}", bytes([SUPPORTED.index(link)]) + frame)
    table = open("data/windows-service-ports.md", encoding="utf-8").read().splitlines()
    header = [l for l in table if l.startswith("|")][:6]
    write(f"{corpus}/load_table", "markdown", "\n".join(header).encode() + b"\n")
    outcome = "tests/data/outcome"
    prefixes = {"krb5-": "kerberos", "smb": "smb", "ntlmssp-": "smb", "ldap-": "ldap", "dns-": "dns", "dcerpc-": "dcerpc"}
    for name in sorted(os.listdir(outcome)):
        if not name.endswith(".hex"):
            continue
        target = next(t for p, t in prefixes.items() if name.startswith(p))
        data = bytes.fromhex(open(os.path.join(outcome, name)).read().strip())
        write(f"{corpus}/outcome_{target}", name[:-4], data)
    seg = lambda ctl, off, n: bytes([ctl]) + struct.pack(">HB", off, n)
    scripts = {
        "in-order": [seg(0, 0, 100), seg(0, 100, 100), seg(1, 0, 50)],
        "out-of-order": [seg(0, 0, 10), seg(0, 30, 20), seg(0, 10, 20), seg(0, 50, 5)],
        "retransmitted": [seg(0, 0, 40), seg(0, 0, 40), seg(0, 20, 40), seg(1, 7, 9), seg(1, 7, 9)],
        "cut-and-gap": [seg(0, 0, 40), seg(2, 40, 40), seg(0, 80, 40), seg(4, 200, 1)],
    }
    for name, segments in scripts.items():
        write(f"{corpus}/outcome_stream", name, struct.pack(">I", 0xFFFFFF00) + b"".join(segments))
    write(f"{corpus}/load_table", "csv",
          b"port,protocol,application_protocol,service\n53,udp,DNS,DNS Server\n49152-65535,tcp,RPC,RPC dynamic\n")


if __name__ == "__main__":
    main()
