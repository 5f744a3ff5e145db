#!/bin/sh
# Re-extracts the real message bytes the outcome parsers' unit tests embed (src/inspect/outcome/),
# from the nDPI test captures in ../shared/captures/ndpi, with tshark. Run from the repository root.
# Each .hex file holds one message (the UDP or TCP payload of one frame, as captured), in hex.
set -eu
CAP=${CAP:-../shared/captures/ndpi}
OUT=tests/data/outcome
payload() { # capture frame field name
    tshark -r "$CAP/$1" -Y "frame.number==$2" -T fields -e "$3" 2>/dev/null | tr -d ':\n' > "$OUT/$4.hex"
    echo >> "$OUT/$4.hex"
}
b64() { # capture frame field name: an NTLM token from an HTTP header ("NTLM <base64>")
    tshark -r "$CAP/$1" -Y "frame.number==$2" -T fields -e "$3" 2>/dev/null | sed 's/^NTLM //' | base64 -d | od -An -v -tx1 | tr -d ' \n' > "$OUT/$4.hex"
    echo >> "$OUT/$4.hex"
}
payload kerberos-error.pcap 1 udp.payload krb5-udp-as-req
payload kerberos-error.pcap 2 udp.payload krb5-udp-error-response-too-big
payload kerberos-login.pcap 1 udp.payload krb5-udp-tgs-req
payload kerberos-login.pcap 2 udp.payload krb5-udp-tgs-rep
payload kerberos.pcap 1 tcp.payload krb5-tcp-as-req
payload kerberos.pcap 2 tcp.payload krb5-tcp-error-preauth-required
payload kerberos.pcap 8 tcp.payload krb5-tcp-tgs-rep
payload kerberos.pcap 32 tcp.payload krb5-tcp-error-badoption
payload kerberos.pcap 10 tcp.payload smb2-session-setup-response
payload kerberos.pcap 14 tcp.payload ldap-bind-response
payload kerberos.pcap 22 tcp.payload dcerpc-bind-ack
payload kerberos.pcap 23 tcp.payload dcerpc-alter-context
payload kerberos.pcap 64 tcp.payload dcerpc-alter-context-resp
payload smb_deletefile.pcap 1 tcp.payload smb2-compound-create-request
payload smb_deletefile.pcap 2 tcp.payload smb2-compound-create-response
payload smb_deletefile.pcap 20 tcp.payload smb2-notify-pending
payload smb_deletefile.pcap 26 tcp.payload smb2-find-no-such-file
payload smb_deletefile.pcap 35 tcp.payload smb2-create-name-not-found
payload smb_deletefile.pcap 48 tcp.payload smb2-find-no-more-files
payload smbv1.pcap 1 tcp.payload smb1-negotiate-request
payload smbv1.pcap 2 tcp.payload smb1-negotiate-response
payload smbv1.pcap 3 tcp.payload smb1-session-setup-request
payload smbv1.pcap 5 tcp.payload smb1-tree-connect-request
payload smb_frags.pcap 7 tcp.payload smb1-session-setup-response-skew
b64 webdav.pcap 18 http.authorization ntlmssp-negotiate
b64 webdav.pcap 19 http.www_authenticate ntlmssp-challenge
b64 webdav.pcap 21 http.authorization ntlmssp-authenticate
payload dns.pcap 1 udp.payload dns-query
payload dns_ambiguous_names.pcap 12 udp.payload dns-nxdomain
payload dns_long_domainname.pcap 2 udp.payload dns-nxdomain-long-name
payload dns_fragmented.pcap 31 udp.payload dns-servfail
payload dns_fragmented.pcap 50 tcp.payload dns-tcp-response
payload dns_invert_query.pcapng 2 udp.payload dns-notimp
# The TCP segments of one Kerberos/TCP connection with spurious retransmissions, both directions:
# direction (c = client to server), raw sequence number, payload.
tshark -r "$CAP/kerberos-login.pcap" -Y 'tcp.stream==0 && tcp.len>0' -T fields -e tcp.srcport -e tcp.seq_raw -e tcp.payload 2>/dev/null \
    | awk '{ printf "%s %s %s\n", ($1 == 88 ? "s" : "c"), $2, $3 }' | tr -d ':' > "$OUT/krb5-tcp-stream.txt"
