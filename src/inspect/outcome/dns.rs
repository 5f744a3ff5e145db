//! DNS messages ([RFC 1035] 4.1): the header (id, QR, opcode, rcode, counts) and the first
//! question, from a UDP payload or a TCP message (without its 2-byte length; see
//! [`Framing::Dns`](super::stream::Framing::Dns)). Names follow compression pointers
//! only backwards, at most a bounded number of times, so a crafted loop ends; a name
//! longer than 255 bytes is refused. The rcode is named as [RFC 6895] registers it, and
//! the names Windows clients query to find domain controllers ([MS-ADTS] 6.3.2.3, the DC
//! locator's SRV records) are recognised, so a failed lookup of one ranks as a locator
//! failure.

use super::code::{Code, Entry, Outcome, Protocol, Severity, Space};
use super::text;

/// Length of the DNS header.
pub const HEADER_LEN: usize = 12;

/// The longest name [RFC 1035] 2.3.4 allows, in wire bytes.
const MAX_NAME_WIRE: usize = 255;

/// Compression pointers followed before a name is refused.
const MAX_JUMPS: usize = 16;

/// One DNS message's header and first question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsMessage {
    /// ID.
    pub id: u16,
    /// QR: a response.
    pub response: bool,
    /// OPCODE (0 query, 1 inverse query, 2 status, 4 notify, 5 update).
    pub opcode: u8,
    /// AA.
    pub authoritative: bool,
    /// TC: truncated (the client retries over TCP).
    pub truncated: bool,
    /// RCODE (the header's four bits).
    pub rcode: u8,
    /// QDCOUNT.
    pub questions: u16,
    /// ANCOUNT.
    pub answers: u16,
    /// NSCOUNT.
    pub authority: u16,
    /// ARCOUNT.
    pub additional: u16,
    /// The first question, when there is one and it was captured.
    pub question: Option<Question>,
}

/// A question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// QNAME, dotted, without the final dot (empty for the root), printable.
    pub name: String,
    /// QTYPE.
    pub qtype: u16,
    /// QCLASS.
    pub qclass: u16,
}

impl DnsMessage {
    /// The DC-locator name the message asks about, if its question is one.
    pub fn locator(&self) -> Option<LocatorName> {
        locator_name(&self.question.as_ref()?.name)
    }

    /// A response's outcome: its rcode; a failed lookup of a DC-locator name ranks as a
    /// locator failure.
    pub fn outcome(&self) -> Option<Outcome> {
        if !self.response {
            return None;
        }
        let mut o = Outcome::new(Protocol::Dns, rcode(self.rcode), None);
        if self.rcode != 0 && self.locator().is_some() {
            o.severity = Severity::LocatorFailure;
        }
        Some(o)
    }
}

/// The DNS rcode `value`, named when the table knows it.
pub fn rcode(value: u8) -> Code {
    Code::new(Space::DnsRcode, i64::from(value), RCODES)
}

/// The name of a question type, for the ones a Windows network asks.
pub fn qtype_name(qtype: u16) -> Option<&'static str> {
    Some(match qtype {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        43 => "DS",
        48 => "DNSKEY",
        65 => "HTTPS",
        251 => "IXFR",
        252 => "AXFR",
        255 => "ANY",
        _ => return None,
    })
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Parses one DNS message.
pub fn parse(msg: &[u8]) -> Option<DnsMessage> {
    if msg.len() < HEADER_LEN {
        return None;
    }
    let flags = be16(msg, 2)?;
    let questions = be16(msg, 4)?;
    let question = if questions > 0 {
        read_name(msg, HEADER_LEN).and_then(|(name, end)| {
            Some(Question {
                name,
                qtype: be16(msg, end)?,
                qclass: be16(msg, end + 2)?,
            })
        })
    } else {
        None
    };
    Some(DnsMessage {
        id: be16(msg, 0)?,
        response: flags & 0x8000 != 0,
        opcode: ((flags >> 11) & 0xf) as u8,
        authoritative: flags & 0x0400 != 0,
        truncated: flags & 0x0200 != 0,
        rcode: (flags & 0xf) as u8,
        questions,
        answers: be16(msg, 6)?,
        authority: be16(msg, 8)?,
        additional: be16(msg, 10)?,
        question,
    })
}

/// Reads the name at `at`: its dotted text and the offset after it in the message (after
/// its first pointer, if it has one). Pointers must point before themselves (so they
/// cannot loop), at most 16 of them; labels are 1-63 bytes; the whole name at
/// most 255 wire bytes.
pub fn read_name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut raw: Vec<u8> = Vec::new();
    let mut end = None;
    let mut jumps = 0;
    let mut wire = 0usize;
    loop {
        let len = *msg.get(at)?;
        match len {
            0 => {
                wire += 1;
                break;
            }
            1..=63 => {
                let label = msg.get(at + 1..at + 1 + usize::from(len))?;
                wire += 1 + label.len();
                if wire > MAX_NAME_WIRE {
                    return None;
                }
                if !raw.is_empty() {
                    raw.push(b'.');
                }
                raw.extend_from_slice(label);
                at += 1 + usize::from(len);
            }
            0xc0..=0xff => {
                let target = usize::from(be16(msg, at)? & 0x3fff);
                if target >= at || jumps == MAX_JUMPS {
                    return None;
                }
                jumps += 1;
                end.get_or_insert(at + 2);
                at = target;
            }
            _ => return None, // the reserved label types 0x40 and 0x80
        }
    }
    if wire > MAX_NAME_WIRE {
        return None;
    }
    Some((text::from_utf8(&raw), end.unwrap_or(at + 1)))
}

/// What a DC-locator name asks for ([MS-ADTS] 6.3.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locator {
    /// `_ldap._tcp.dc._msdcs.<domain>`: a domain controller of the domain.
    DomainController,
    /// `_ldap._tcp.pdc._msdcs.<domain>`: the PDC emulator.
    PrimaryDc,
    /// `_ldap._tcp.gc._msdcs.<forest>`: a global catalog.
    GlobalCatalog,
    /// `_ldap._tcp.<guid>.domains._msdcs.<forest>`: a DC of the domain by its GUID.
    DomainGuid,
    /// `_kerberos._tcp.dc._msdcs.<domain>`: a DC running the KDC.
    KerberosDc,
    /// `_kerberos._tcp.<domain>`, `_kerberos._udp.<domain>`: a KDC.
    Kerberos,
    /// `_kpasswd._tcp.<domain>`, `_kpasswd._udp.<domain>`: the Kerberos password service.
    Kpasswd,
    /// `_gc._tcp.<forest>`: a global catalog (LDAP on 3268).
    Gc,
    /// `_ldap._tcp.<domain>`: an LDAP server of the domain.
    Ldap,
}

impl Locator {
    /// What the name finds, in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Locator::DomainController => "domain controller",
            Locator::PrimaryDc => "PDC emulator",
            Locator::GlobalCatalog => "global catalog",
            Locator::DomainGuid => "domain controller by domain GUID",
            Locator::KerberosDc => "domain controller with a KDC",
            Locator::Kerberos => "Kerberos KDC",
            Locator::Kpasswd => "Kerberos password change",
            Locator::Gc => "global catalog (LDAP)",
            Locator::Ldap => "LDAP server",
        }
    }
}

/// A DC-locator name: what it asks for, and the site when it is site-specific.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatorName {
    /// What it asks for.
    pub kind: Locator,
    /// The site of a `<site>._sites.` name.
    pub site: Option<String>,
}

/// Whether `name` is a DC-locator SRV name, and which.
pub fn locator_name(name: &str) -> Option<LocatorName> {
    let lower = name.to_ascii_lowercase();
    let labels: Vec<&str> = lower.split('.').take(8).collect();
    // A site-specific name has `<site>._sites.` after the service and protocol labels.
    let (site, rest): (Option<String>, Vec<&str>) = match labels.as_slice() {
        [svc, proto, site, "_sites", rest @ ..] => {
            let original_site = name.split('.').nth(2).unwrap_or(site);
            (
                Some(text::printable(original_site)),
                [&[*svc, *proto][..], rest].concat(),
            )
        }
        _ => (None, labels.clone()),
    };
    let kind = match rest.as_slice() {
        ["_ldap", "_tcp", "dc", "_msdcs", _, ..] => Locator::DomainController,
        ["_ldap", "_tcp", "pdc", "_msdcs", _, ..] => Locator::PrimaryDc,
        ["_ldap", "_tcp", "gc", "_msdcs", _, ..] => Locator::GlobalCatalog,
        ["_ldap", "_tcp", _, "domains", "_msdcs", _, ..] => Locator::DomainGuid,
        ["_kerberos", "_tcp", "dc", "_msdcs", _, ..] => Locator::KerberosDc,
        ["_kerberos", "_tcp" | "_udp", _, ..] => Locator::Kerberos,
        ["_kpasswd", "_tcp" | "_udp", _, ..] => Locator::Kpasswd,
        ["_gc", "_tcp", _, ..] => Locator::Gc,
        ["_ldap", "_tcp", _, ..] => Locator::Ldap,
        _ => return None,
    };
    Some(LocatorName { kind, site })
}

const fn e(value: i64, name: &'static str, meaning: Option<&'static str>, s: Severity) -> Entry {
    Entry::new(value, name, meaning, s)
}

use Severity::{Error, Success};

/// RCODEs of the header's four bits ([RFC 1035] 4.1.1, [RFC 2136], [RFC 8490]; names as
/// DNS tools print them), sorted.
#[rustfmt::skip]
pub const RCODES: &[Entry] = &[
    e(0, "NOERROR", None, Success),
    e(1, "FORMERR", Some("the server could not read the query"), Error),
    e(2, "SERVFAIL", Some("the server failed to answer (e.g. it cannot reach the authoritative servers, or DNSSEC validation failed)"), Error),
    e(3, "NXDOMAIN", Some("the name does not exist"), Error),
    e(4, "NOTIMP", Some("the server does not implement this kind of query"), Error),
    e(5, "REFUSED", Some("the server refuses to answer (policy, recursion or zone transfer not allowed)"), Error),
    e(6, "YXDOMAIN", Some("a name that should not exist does (dynamic update)"), Error),
    e(7, "YXRRSET", Some("a record set that should not exist does (dynamic update)"), Error),
    e(8, "NXRRSET", Some("a record set that should exist does not (dynamic update)"), Error),
    e(9, "NOTAUTH", Some("the server is not authoritative for the zone (dynamic update, zone transfer)"), Error),
    e(10, "NOTZONE", Some("the name is not in the zone (dynamic update)"), Error),
    e(11, "DSOTYPENI", None, Error),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::outcome::code::is_sorted_unique;
    use crate::inspect::outcome::samples;
    use crate::inspect::outcome::stream::{Frame, Framing, frames};

    fn query(name: &str, qtype: u16, flags: u16) -> Vec<u8> {
        let mut q = vec![0x12, 0x34];
        q.extend(flags.to_be_bytes());
        q.extend([0, 1, 0, 0, 0, 0, 0, 0]);
        for label in name.split('.').filter(|l| !l.is_empty()) {
            q.push(label.len() as u8);
            q.extend(label.as_bytes());
        }
        q.push(0);
        q.extend(qtype.to_be_bytes());
        q.extend(1u16.to_be_bytes());
        q
    }

    #[test]
    fn real_answers_and_their_rcodes() {
        assert!(is_sorted_unique(RCODES));
        // (sample, tshark dns.id, dns.flags.rcode, dns.qry.name, dns.qry.type)
        let cases = [
            (samples::dns_query(), 0xdca2, 0, "www.l.google.com", 28),
            (
                samples::dns_nxdomain(),
                0xb562,
                3,
                "*.teams.microsoft.com",
                1,
            ),
            (
                samples::dns_nxdomain_long_name(),
                0x8b54,
                3,
                "gmr02c.16.0.fhkfhsdkfhsk.tunnel.example.com",
                1,
            ),
            (
                samples::dns_servfail(),
                0xfac7,
                2,
                "sigfail.verteiltesysteme.net",
                1,
            ),
        ];
        for (bytes, id, rc, name, qtype) in cases {
            let m = parse(&bytes).unwrap();
            let q = m.question.as_ref().unwrap();
            assert_eq!((m.id, m.response, m.rcode), (id, true, rc), "{name}");
            assert_eq!((q.name.as_str(), q.qtype), (name, qtype));
            assert_eq!(m.outcome().unwrap().severity.is_failure(), rc != 0);
        }
        assert_eq!(rcode(3).to_string(), "NXDOMAIN (3)");
        // dns_invert_query.pcapng 2: NOTIMP to an inverse query (opcode 1), no question.
        let m = parse(&samples::dns_notimp()).unwrap();
        assert_eq!((m.opcode, m.rcode, m.question.clone()), (1, 4, None));
        assert_eq!(m.outcome().unwrap().code.name(), Some("NOTIMP"));
        // dns_fragmented.pcap 50: over TCP, weberlab.de DNSKEY, four answers.
        let tcp = samples::dns_tcp_response();
        let Some(Frame::Message(msg)) = frames(&tcp, Framing::Dns).next() else {
            panic!("one whole message");
        };
        let m = parse(msg).unwrap();
        assert_eq!((m.id, m.answers), (0x80e4, 4));
        assert_eq!(m.question.unwrap().name, "weberlab.de");
    }

    #[test]
    fn dc_locator_names_and_their_failures() {
        let cases = [
            (
                "_ldap._tcp.dc._msdcs.corp.example",
                Locator::DomainController,
                None,
            ),
            (
                "_LDAP._TCP.PDC._MSDCS.corp.example",
                Locator::PrimaryDc,
                None,
            ),
            ("_ldap._tcp.gc._msdcs.example", Locator::GlobalCatalog, None),
            (
                "_ldap._tcp.Branch-1._sites.dc._msdcs.corp.example",
                Locator::DomainController,
                Some("Branch-1"),
            ),
            (
                "_kerberos._tcp.dc._msdcs.corp.example",
                Locator::KerberosDc,
                None,
            ),
            ("_kerberos._udp.corp.example", Locator::Kerberos, None),
            (
                "_kerberos._tcp.HQ._sites.corp.example",
                Locator::Kerberos,
                Some("HQ"),
            ),
            ("_kpasswd._tcp.corp.example", Locator::Kpasswd, None),
            ("_gc._tcp.example", Locator::Gc, None),
            ("_ldap._tcp.corp.example", Locator::Ldap, None),
            (
                "_ldap._tcp.4f904480-7c78-11cf-b057-00aa006b4f8f.domains._msdcs.example",
                Locator::DomainGuid,
                None,
            ),
        ];
        for (name, kind, site) in cases {
            let got = locator_name(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!((got.kind, got.site.as_deref()), (kind, site), "{name}");
        }
        for name in [
            "www.example.com",
            "_ldap._tcp",
            "_sip._tcp.example.com",
            "dc._msdcs.x",
        ] {
            assert_eq!(locator_name(name), None, "{name}");
        }
        // NXDOMAIN for a locator name is a locator failure; for another name an error.
        let mut answer = query("_ldap._tcp.dc._msdcs.corp.example", 33, 0x8183);
        let o = parse(&answer).unwrap().outcome().unwrap();
        assert_eq!((o.severity, o.code.value), (Severity::LocatorFailure, 3));
        answer = query("www.corp.example", 1, 0x8183);
        assert_eq!(
            parse(&answer).unwrap().outcome().unwrap().severity,
            Severity::Error
        );
        assert_eq!(
            parse(&query("x.example", 1, 0x0100)).unwrap().outcome(),
            None
        );
    }

    #[test]
    fn compression_pointers_are_followed_backwards_only() {
        // A response whose second name points back into the first.
        let mut m = query("host.corp.example", 1, 0x8180);
        let at = m.len();
        m.extend([3, b'w', b'w', b'w', 0xc0, 17]); // www + pointer to "corp.example"
        assert_eq!(read_name(&m, at), Some(("www.corp.example".into(), at + 6)));
        // A pointer to itself, or forward, is refused; so is a chain too long.
        let mut looped = m.clone();
        looped.extend([0xc0, at as u8 + 6]);
        assert_eq!(read_name(&looped, at + 6), None);
        let mut forward = vec![0u8; 12];
        forward.extend([0xc0, 14, 1, b'a', 0]);
        assert_eq!(read_name(&forward, 12), None);
        // 64-byte labels and names over 255 bytes are refused.
        let mut bad = vec![0u8; 12];
        bad.push(64);
        bad.extend([b'a'; 64]);
        bad.push(0);
        assert_eq!(read_name(&bad, 12), None);
        let long = ["abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"; 5].join(".");
        assert_eq!(parse(&query(&long, 1, 0)).unwrap().question, None);
        // A crafted name cannot carry terminal escapes.
        let evil = query("a\u{1b}[2J.example", 1, 0x0100);
        assert_eq!(
            parse(&evil).unwrap().question.unwrap().name,
            "a\u{fffd}[2J.example"
        );
        // Cut anywhere: a header only, or nothing.
        let full = samples::dns_nxdomain();
        for cut in 0..full.len() {
            match parse(&full[..cut]) {
                None => assert!(cut < HEADER_LEN),
                Some(m) => {
                    if let Some(q) = m.question {
                        assert_eq!(q.name, "*.teams.microsoft.com");
                    }
                }
            }
        }
    }
}
