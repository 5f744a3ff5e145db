//! What the first payload bytes of a flow look like: TLS (with the SNI of a ClientHello
//! when the captured bytes hold it), HTTP/1.x, the HTTP/2 preface, SSH, SMB1/2/3 behind
//! the NetBIOS session header, DNS, Kerberos, LDAP, RDP (TPKT + X.224), DCE/RPC, NTP,
//! QUIC, and the SMTP/POP3/IMAP/FTP greetings. Each detector checks structure, not just
//! a byte or two, so random payloads and payloads cut short by the snaplen are
//! `Unrecognized`, never a protocol.

/// A payload's protocol, as far as its first bytes tell. Stored per flow direction as a
/// byte: 0 means no payload seen yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Fingerprint {
    /// Payload seen, but no detector matched (or too few bytes were captured).
    Unrecognized = 1,
    /// A TLS record.
    Tls,
    /// An HTTP/1.x request or response.
    Http,
    /// The HTTP/2 connection preface.
    Http2,
    /// An SSH version banner.
    Ssh,
    /// SMB1 behind a NetBIOS session header.
    Smb1,
    /// SMB2 or SMB3 behind a NetBIOS session header.
    Smb2,
    /// A DNS message (UDP, or TCP with its length prefix).
    Dns,
    /// A Kerberos message (ASN.1 application tag of AS/TGS/AP/KRB-ERROR).
    Kerberos,
    /// An LDAP message (BER sequence, message id, protocol op).
    Ldap,
    /// TPKT + X.224 (RDP's connection request/confirm).
    Rdp,
    /// A connection-oriented DCE/RPC PDU.
    DceRpc,
    /// An NTP packet.
    Ntp,
    /// A QUIC long-header packet.
    Quic,
    /// An SMTP greeting or command.
    Smtp,
    /// A POP3 greeting.
    Pop3,
    /// An IMAP greeting.
    Imap,
    /// An FTP greeting.
    Ftp,
}

const ALL: [Fingerprint; 18] = [
    Fingerprint::Unrecognized,
    Fingerprint::Tls,
    Fingerprint::Http,
    Fingerprint::Http2,
    Fingerprint::Ssh,
    Fingerprint::Smb1,
    Fingerprint::Smb2,
    Fingerprint::Dns,
    Fingerprint::Kerberos,
    Fingerprint::Ldap,
    Fingerprint::Rdp,
    Fingerprint::DceRpc,
    Fingerprint::Ntp,
    Fingerprint::Quic,
    Fingerprint::Smtp,
    Fingerprint::Pop3,
    Fingerprint::Imap,
    Fingerprint::Ftp,
];

impl Fingerprint {
    /// The stored byte.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The fingerprint of a stored byte (None for 0, no payload).
    pub fn from_code(code: u8) -> Option<Fingerprint> {
        ALL.get(usize::from(code).checked_sub(1)?).copied()
    }

    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Fingerprint::Unrecognized => "unrecognized",
            Fingerprint::Tls => "tls",
            Fingerprint::Http => "http",
            Fingerprint::Http2 => "http2",
            Fingerprint::Ssh => "ssh",
            Fingerprint::Smb1 => "smb1",
            Fingerprint::Smb2 => "smb2/3",
            Fingerprint::Dns => "dns",
            Fingerprint::Kerberos => "kerberos",
            Fingerprint::Ldap => "ldap",
            Fingerprint::Rdp => "rdp",
            Fingerprint::DceRpc => "dcerpc",
            Fingerprint::Ntp => "ntp",
            Fingerprint::Quic => "quic",
            Fingerprint::Smtp => "smtp",
            Fingerprint::Pop3 => "pop3",
            Fingerprint::Imap => "imap",
            Fingerprint::Ftp => "ftp",
        }
    }

    /// What a flow to `port` of `ip_proto` should carry, where the port says so firmly
    /// enough that anything else recognised is worth a look (a tunnel or a
    /// misconfiguration). None where ports carry several protocols or none is checked.
    pub fn expected(ip_proto: u8, port: u16) -> Option<&'static [Fingerprint]> {
        use Fingerprint::*;
        Some(match (ip_proto, port) {
            (6, 443) | (6, 636) | (6, 993) | (6, 995) | (6, 3269) | (6, 5986) => &[Tls, Http2],
            (6, 80) | (6, 5985) | (6, 8080) => &[Http, Http2],
            (6, 22) => &[Ssh],
            (6, 445) | (6, 139) => &[Smb1, Smb2],
            (6, 53) | (17, 53) => &[Dns],
            (6, 88) | (17, 88) => &[Kerberos],
            (6, 389) | (17, 389) | (6, 3268) => &[Ldap, Tls],
            (6, 3389) => &[Rdp, Tls],
            (6, 135) => &[DceRpc],
            (17, 123) => &[Ntp],
            (6, 25) | (6, 587) => &[Smtp, Tls],
            (6, 110) => &[Pop3, Tls],
            (6, 143) => &[Imap, Tls],
            (6, 21) => &[Ftp, Tls],
            _ => return None,
        })
    }
}

/// A detector: the protocol when the payload has its structure.
type Detector = fn(&[u8]) -> Option<Fingerprint>;

/// The fingerprint of a flow's first payload in one direction. The first byte picks the
/// few detectors that can match, so a payload costs a handful of comparisons (this runs
/// on every packet that carries payload).
pub fn fingerprint(ip_proto: u8, payload: &[u8]) -> Option<Fingerprint> {
    let &first = payload.first()?;
    // A TCP segment of a few bytes (a keepalive probe, a DNS length prefix sent on its
    // own) tells nothing: the next payload decides.
    if ip_proto == 6 && payload.len() < 4 {
        return None;
    }
    let checks: &[Detector] = match (ip_proto, first) {
        (6, 0x14..=0x17) => &[tls],
        (6, 0x00) => &[nbss, dns_tcp, kerberos_tcp],
        (6, 0x01..=0x02) => &[dns_tcp],
        (6, 0x03) => &[rdp],
        (6, 0x05) => &[dcerpc],
        (6, 0x30) => &[ldap],
        (6, b'P') => &[http2, http],
        (6, b'G' | b'D' | b'O' | b'C' | b'T') => &[http],
        (6, b'H') => &[http, banner],
        (6, b'S') => &[ssh],
        (6, b'2' | b'+' | b'*' | b'E') => &[banner],
        (17, 0x30) => &[ldap, dns_udp],
        (17, 0x6a..=0x6f | 0x7e) => &[kerberos_udp, dns_udp],
        (17, 0xc0..=0xff) => &[quic, ntp, dns_udp],
        (17, _) => &[ntp, dns_udp],
        _ => &[],
    };
    Some(
        checks
            .iter()
            .find_map(|check| check(payload))
            .unwrap_or(Fingerprint::Unrecognized),
    )
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn tls(p: &[u8]) -> Option<Fingerprint> {
    // Record: content type (change_cipher_spec, alert, handshake, application_data),
    // version 3.0-3.4, a length that fits a record.
    let (&kind, &major, &minor) = (p.first()?, p.get(1)?, p.get(2)?);
    let len = be16(p, 3)?;
    let ok = (20..=23).contains(&kind) && major == 3 && minor <= 4 && (1..=18_432).contains(&len);
    // A handshake record starts with a known handshake type.
    let handshake_ok = kind != 22 || matches!(p.get(5), Some(1 | 2 | 11 | 12 | 14 | 16) | None);
    (ok && handshake_ok && p.len() > 5).then_some(Fingerprint::Tls)
}

fn http2(p: &[u8]) -> Option<Fingerprint> {
    p.starts_with(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .then_some(Fingerprint::Http2)
}

fn http(p: &[u8]) -> Option<Fingerprint> {
    const METHODS: [&[u8]; 9] = [
        b"GET ",
        b"POST ",
        b"PUT ",
        b"HEAD ",
        b"DELETE ",
        b"OPTIONS ",
        b"CONNECT ",
        b"PATCH ",
        b"TRACE ",
    ];
    if p.starts_with(b"HTTP/1.") && p.len() >= 12 {
        return Some(Fingerprint::Http);
    }
    let method = METHODS.iter().find(|m| p.starts_with(m))?;
    // The request target, then " HTTP/1." on the first line (when it was captured; the
    // first 512 bytes are looked at).
    let line = &p[method.len()..p.len().min(512)];
    let line = &line[..line.iter().position(|&b| b == b'\r').unwrap_or(line.len())];
    let has_version = line.windows(8).any(|w| w == b" HTTP/1.");
    // A request line cut by the snaplen before its version still counts.
    let cut_short = !p.contains(&b'\r') && line.first() == Some(&b'/');
    (has_version || cut_short).then_some(Fingerprint::Http)
}

fn ssh(p: &[u8]) -> Option<Fingerprint> {
    (p.starts_with(b"SSH-") && p.get(4).is_some_and(u8::is_ascii_digit)).then_some(Fingerprint::Ssh)
}

fn nbss(p: &[u8]) -> Option<Fingerprint> {
    // NetBIOS session message: type 0, 17-bit length, then the SMB header.
    if p.first() != Some(&0) || p.len() < 8 {
        return None;
    }
    match &p[4..8] {
        [0xff, b'S', b'M', b'B'] => Some(Fingerprint::Smb1),
        [0xfe | 0xfd, b'S', b'M', b'B'] => Some(Fingerprint::Smb2),
        _ => None,
    }
}

fn dns_tcp(p: &[u8]) -> Option<Fingerprint> {
    // A length prefix, then the message (more messages may follow in the segment).
    let len = be16(p, 0)?;
    (len >= 12).then_some(())?;
    dns_udp(&p[2..])
}

fn dns_udp(p: &[u8]) -> Option<Fingerprint> {
    if p.len() < 17 {
        return None;
    }
    let flags = be16(p, 2)?;
    let opcode = (flags >> 11) & 0xf;
    let qd = be16(p, 4)?;
    let counts = [be16(p, 6)?, be16(p, 8)?, be16(p, 10)?];
    if !matches!(opcode, 0 | 1 | 2 | 4 | 5)
        || !(1..=4).contains(&qd)
        || counts.iter().any(|&c| c > 255)
    {
        return None;
    }
    // The first question name: labels of 1-63 bytes up to the root, or a compression
    // pointer, within the captured bytes.
    let mut at = 12;
    for _ in 0..128 {
        let len = usize::from(*p.get(at)?);
        match len {
            // The root name (a priming query) is a question too.
            0 => return Some(Fingerprint::Dns),
            1..=63 => {
                let label = p.get(at + 1..at + 1 + len)?;
                if !label.iter().all(|b| b.is_ascii_graphic()) {
                    return None;
                }
                at += 1 + len;
            }
            0xc0..=0xff => return (at > 12).then_some(Fingerprint::Dns),
            _ => return None,
        }
    }
    None
}

/// A DER length at `at`: (length, bytes it took).
fn der_len(p: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *p.get(at)?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = len << 8 | usize::from(*p.get(at + 1 + i)?);
    }
    Some((len, 1 + n))
}

fn kerberos_udp(p: &[u8]) -> Option<Fingerprint> {
    // AS-REQ 10, AS-REP 11, TGS-REQ 12, TGS-REP 13, AP-REQ 14, AP-REP 15, KRB-ERROR 30.
    let tag = *p.first()?;
    if !matches!(tag, 0x6a..=0x6f | 0x7e) {
        return None;
    }
    let (len, took) = der_len(p, 1)?;
    // The body is a SEQUENCE, and the message is about as long as the datagram says.
    (p.get(1 + took) == Some(&0x30) && len + 1 + took >= p.len() && len >= 16)
        .then_some(Fingerprint::Kerberos)
}

fn kerberos_tcp(p: &[u8]) -> Option<Fingerprint> {
    let record = u32::from_be_bytes(p.get(..4)?.try_into().ok()?) as usize;
    (16..1 << 24).contains(&record).then_some(())?;
    kerberos_udp(&p[4..])
}

fn ldap(p: &[u8]) -> Option<Fingerprint> {
    // LDAPMessage ::= SEQUENCE { messageID INTEGER, protocolOp [APPLICATION n] ... }
    if p.first() != Some(&0x30) {
        return None;
    }
    let (_, took) = der_len(p, 1)?;
    let at = 1 + took;
    let id_len = usize::from(*p.get(at + 1)?);
    if p.get(at) != Some(&0x02) || !(1..=4).contains(&id_len) {
        return None;
    }
    let op = *p.get(at + 2 + id_len)?;
    // Application-class operations 0-25 (constructed 0x60.., primitive 0x40.. for unbind
    // and delete), as RFC 4511 numbers them.
    let number = op & 0x1f;
    (op & 0xc0 == 0x40 && number <= 25 && (op != 0x42 || p.len() >= 7)).then_some(Fingerprint::Ldap)
}

fn rdp(p: &[u8]) -> Option<Fingerprint> {
    // TPKT version 3, reserved 0, length; X.224 length indicator, then CR (0xe0) or CC (0xd0).
    let len = be16(p, 2)?;
    let ok = p.first() == Some(&3)
        && p.get(1) == Some(&0)
        && len >= 11
        && p.get(4).is_some_and(|&li| usize::from(li) + 5 <= len)
        && matches!(p.get(5), Some(0xe0 | 0xd0 | 0xf0));
    ok.then_some(Fingerprint::Rdp)
}

fn dcerpc(p: &[u8]) -> Option<Fingerprint> {
    // Connection-oriented PDU: version 5.0 or 5.1, a PDU type up to 20, a data
    // representation of ASCII with either byte order, a fragment length past the header.
    if p.len() < 16 || p[0] != 5 || p[1] > 1 || p[2] > 20 {
        return None;
    }
    let little = p[4] & 0x10 != 0;
    if p[4] & 0xef != 0 || p[6] != 0 || p[7] != 0 {
        return None;
    }
    let frag = if little {
        usize::from(u16::from_le_bytes([p[8], p[9]]))
    } else {
        usize::from(u16::from_be_bytes([p[8], p[9]]))
    };
    (frag >= 16).then_some(Fingerprint::DceRpc)
}

fn ntp(p: &[u8]) -> Option<Fingerprint> {
    if p.len() < 48 {
        return None;
    }
    let version = (p[0] >> 3) & 7;
    let mode = p[0] & 7;
    let (stratum, poll, precision) = (p[1], p[2], p[3]);
    // Poll is a log2 interval (up to 17), precision a small negative log2 (or 0 from
    // clients that leave it unset).
    let plausible = (3..=4).contains(&version)
        && (1..=5).contains(&mode)
        && stratum <= 16
        && poll <= 17
        && (precision >= 0xe0 || precision == 0)
        && matches!(p.len(), 48 | 60 | 68 | 72 | 120);
    plausible.then_some(Fingerprint::Ntp)
}

fn quic(p: &[u8]) -> Option<Fingerprint> {
    // Long header with the fixed bit, a known version, connection ids of at most 20 bytes.
    let first = *p.first()?;
    let version = u32::from_be_bytes(p.get(1..5)?.try_into().ok()?);
    let known = matches!(version, 1 | 0x6b33_43cf) || version >> 8 == 0x00ff_0000;
    let dcid = usize::from(*p.get(5)?);
    let scid = usize::from(*p.get(6 + dcid)?);
    (first & 0xc0 == 0xc0 && known && dcid <= 20 && scid <= 20 && p.len() > 7 + dcid + scid)
        .then_some(Fingerprint::Quic)
}

fn banner(p: &[u8]) -> Option<Fingerprint> {
    // Only the first line counts, and only its first 128 bytes are looked at.
    let head = &p[..p.len().min(128)];
    let line = &head[..head.iter().position(|&b| b == b'\n').unwrap_or(head.len())];
    let starts = |prefix: &[u8]| {
        line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    let has = |word: &[u8]| {
        line.windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
    };
    if line.len() < 4
        || !line
            .iter()
            .all(|b| (0x20..0x7f).contains(b) || *b == b'\r' || *b == b'\t')
    {
        return None;
    }
    if starts(b"+OK") {
        Some(Fingerprint::Pop3)
    } else if starts(b"* OK") || starts(b"* PREAUTH") {
        Some(Fingerprint::Imap)
    } else if starts(b"EHLO ") || starts(b"HELO ") {
        Some(Fingerprint::Smtp)
    } else if starts(b"220 ") || starts(b"220-") {
        if has(b"FTP") {
            Some(Fingerprint::Ftp)
        } else if has(b"SMTP") || has(b"MAIL") {
            Some(Fingerprint::Smtp)
        } else {
            None
        }
    } else {
        None
    }
}

/// The server name (SNI) of a TLS ClientHello, when the captured bytes hold it and it is
/// a plausible host name (letters, digits, '-', '.', '_'; nothing that could rewrite a
/// terminal).
pub fn tls_server_name(p: &[u8]) -> Option<String> {
    // Record header (5), handshake header (4) of a ClientHello.
    if p.first() != Some(&22) || p.get(5) != Some(&1) {
        return None;
    }
    let mut at = 9 + 2 + 32; // version, random
    at += 1 + usize::from(*p.get(at)?); // session id
    at += 2 + be16(p, at)?; // cipher suites
    at += 1 + usize::from(*p.get(at)?); // compression methods
    let end = (at + 2 + be16(p, at)?).min(p.len());
    at += 2;
    while at + 4 <= end {
        let (kind, len) = (be16(p, at)?, be16(p, at + 2)?);
        let body = p.get(at + 4..at + 4 + len)?;
        if kind == 0 {
            // server_name_list: length, then (type 0 = host_name, length, name).
            let name_len = be16(body, 3)?;
            if body.get(2) != Some(&0) {
                return None;
            }
            let name = body.get(5..5 + name_len)?;
            let plausible = !name.is_empty()
                && name.len() <= 253
                && name
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
            return plausible.then(|| String::from_utf8_lossy(name).into_owned());
        }
        at += 4 + len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    use wiretally_synth::frames::tls_client_hello as client_hello;

    /// The fingerprint, with "too short to tell" as unrecognized.
    fn fp(proto: u8, payload: &[u8]) -> Fingerprint {
        fingerprint(proto, payload).unwrap_or(Fingerprint::Unrecognized)
    }

    fn dns_query() -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in ["portal", "example", "com"] {
            q.push(label.len() as u8);
            q.extend(label.as_bytes());
        }
        q.extend([0, 0, 1, 0, 1]);
        q
    }

    #[test]
    fn each_protocol_is_recognised() {
        let hello = client_hello("portal.example.com");
        assert_eq!(fp(6, &hello), Fingerprint::Tls);
        assert_eq!(
            tls_server_name(&hello).as_deref(),
            Some("portal.example.com")
        );
        assert_eq!(
            fp(6, b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"),
            Fingerprint::Http
        );
        assert_eq!(fp(6, b"HTTP/1.1 200 OK\r\n"), Fingerprint::Http);
        assert_eq!(
            fp(6, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            Fingerprint::Http2
        );
        assert_eq!(fp(6, b"SSH-2.0-OpenSSH_9.2\r\n"), Fingerprint::Ssh);
        let mut smb2 = vec![0, 0, 0, 0x44, 0xfe, b'S', b'M', b'B'];
        smb2.extend([0; 60]);
        assert_eq!(fp(6, &smb2), Fingerprint::Smb2);
        smb2[4] = 0xff;
        assert_eq!(fp(6, &smb2), Fingerprint::Smb1);
        let q = dns_query();
        assert_eq!(fp(17, &q), Fingerprint::Dns);
        let mut tcp_q = (q.len() as u16).to_be_bytes().to_vec();
        tcp_q.extend(&q);
        assert_eq!(fp(6, &tcp_q), Fingerprint::Dns);
        let mut as_req = vec![0x6a, 0x81, 0x20, 0x30, 0x81, 0x1d];
        as_req.extend([0xa1; 0x1d]);
        assert_eq!(fp(17, &as_req), Fingerprint::Kerberos);
        let mut krb_tcp = (as_req.len() as u32).to_be_bytes().to_vec();
        krb_tcp.extend(&as_req);
        assert_eq!(fp(6, &krb_tcp), Fingerprint::Kerberos);
        let bind = [
            0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00,
        ];
        assert_eq!(fp(6, &bind), Fingerprint::Ldap);
        let cr = [3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0];
        assert_eq!(fp(6, &cr), Fingerprint::Rdp);
        let mut bind_pdu = vec![5, 0, 11, 3, 0x10, 0, 0, 0, 72, 0, 0, 0, 1, 0, 0, 0];
        bind_pdu.extend([0; 56]);
        assert_eq!(fp(6, &bind_pdu), Fingerprint::DceRpc);
        let mut ntp = vec![0x23, 0, 6, 0xec];
        ntp.extend([0; 44]);
        assert_eq!(fp(17, &ntp), Fingerprint::Ntp);
        let mut initial = vec![0xc3, 0, 0, 0, 1, 8];
        initial.extend([0xaa; 8]);
        initial.push(0);
        initial.extend([0; 1185]);
        assert_eq!(fp(17, &initial), Fingerprint::Quic);
        assert_eq!(
            fp(6, b"220 mail.example.com ESMTP Postfix\r\n"),
            Fingerprint::Smtp
        );
        assert_eq!(fp(6, b"220 ProFTPD Server ready.\r\n"), Fingerprint::Ftp);
        assert_eq!(fp(6, b"+OK POP3 ready\r\n"), Fingerprint::Pop3);
        assert_eq!(fp(6, b"* OK IMAP4rev1 ready\r\n"), Fingerprint::Imap);
        for f in ALL {
            assert_eq!(Fingerprint::from_code(f.code()), Some(f));
        }
        assert_eq!(Fingerprint::from_code(0), None);
    }

    #[test]
    fn random_and_truncated_payloads_are_not_recognised() {
        let mut rng = wiretally_synth::Rng::new(42);
        let mut hits = 0;
        for len in 1..400usize {
            for _ in 0..50 {
                let p: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
                for proto in [6, 17] {
                    if fp(proto, &p) != Fingerprint::Unrecognized {
                        hits += 1;
                    }
                }
            }
        }
        // 39,900 random payloads per protocol: a handful of chance matches at most.
        assert!(hits <= 10, "{hits} random payloads matched a protocol");
        // Cut short by a small snaplen: never a wrong protocol, never a panic.
        let hello = client_hello("portal.example.com");
        for cut in 0..hello.len() {
            let f = fp(6, &hello[..cut]);
            assert!(
                matches!(f, Fingerprint::Tls | Fingerprint::Unrecognized),
                "{cut}: {f:?}"
            );
            let name = tls_server_name(&hello[..cut]);
            assert!(name.is_none() || name.as_deref() == Some("portal.example.com"));
        }
        let q = dns_query();
        for cut in 0..q.len() {
            let f = fp(17, &q[..cut]);
            assert!(
                matches!(f, Fingerprint::Dns | Fingerprint::Unrecognized),
                "{cut}: {f:?}"
            );
        }
    }

    #[test]
    fn server_names_that_could_rewrite_a_terminal_are_dropped() {
        assert_eq!(
            tls_server_name(&client_hello("evil\u{1b}[2J.example")),
            None
        );
        assert_eq!(
            tls_server_name(&client_hello("ok-name_1.example.org")).as_deref(),
            Some("ok-name_1.example.org")
        );
    }
}
