#!/usr/bin/env python3
"""A CLDAP "netlogon ping" (what Windows clients send to find a DC) over UDP 389.

    cldap_ping.py DC_IP DNS_DOMAIN [NTVER]

Sends one searchRequest with base "", scope base and the filter
(&(DnsDomain=DNS_DOMAIN)(NtVer=NTVER)) for the attribute Netlogon, then reads the
datagram(s) back and prints the operations and the resultCode of searchResDone.
Exit status 0 when a searchResEntry came back, 1 when only searchResDone did (no DC for
that domain) or the result code was not success, 2 on a timeout.
"""

import socket
import struct
import sys


def tlv(tag, payload):
    n = len(payload)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + struct.pack(">H", n)
    return bytes([tag]) + length + payload


def ber_int(tag, value):
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def equality(attr, value):
    return tlv(0xA3, tlv(0x04, attr) + tlv(0x04, value))


def request(message_id, domain, ntver):
    filt = tlv(0xA0, equality(b"DnsDomain", domain) + equality(b"NtVer", ntver))
    search = tlv(
        0x63,
        tlv(0x04, b"")            # baseObject: the rootDSE
        + ber_int(0x0A, 0)        # scope: baseObject
        + ber_int(0x0A, 0)        # derefAliases: never
        + ber_int(0x02, 0)        # sizeLimit
        + ber_int(0x02, 0)        # timeLimit
        + tlv(0x01, b"\x00")      # typesOnly: false
        + filt
        + tlv(0x30, tlv(0x04, b"Netlogon")),
    )
    return tlv(0x30, ber_int(0x02, message_id) + search)


def read_tlv(buf, pos):
    tag = buf[pos]
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    return tag, buf[pos:pos + n], pos + n


def operations(datagram):
    """(operation tag, body) of each LDAPMessage in one datagram."""
    out = []
    pos = 0
    while pos < len(datagram):
        _, msg, pos = read_tlv(datagram, pos)
        _, _, inner = read_tlv(msg, 0)         # messageID
        tag, body, _ = read_tlv(msg, inner)    # protocolOp
        out.append((tag, body))
    return out


def main(argv):
    if len(argv) < 3:
        print("usage: cldap_ping.py DC_IP DNS_DOMAIN [NTVER]")
        return 2
    dc, domain = argv[1], argv[2].encode()
    ntver = int(argv[3]) if len(argv) > 3 else 6
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(request(1, domain, struct.pack("<I", ntver)), (dc, 389))
    seen = []
    result = None
    try:
        while result is None:
            data, _ = s.recvfrom(65535)
            for tag, body in operations(data):
                if tag == 0x64:
                    seen.append("searchResEntry")
                elif tag == 0x65:
                    _, code, _ = read_tlv(body, 0)
                    result = int.from_bytes(code, "big")
                    seen.append("searchResDone(resultCode=%d)" % result)
                else:
                    seen.append("op 0x%02x" % tag)
    except socket.timeout:
        print("no answer within 5 s" + (": " + " ".join(seen) if seen else ""))
        return 2
    print(" ".join(seen))
    return 0 if result == 0 and "searchResEntry" in seen else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
