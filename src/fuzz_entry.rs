//! Entry points for fuzzing: each takes arbitrary bytes, drives one input path of the
//! library the way the binary does, and panics only when an invariant breaks.
//!
//! The cargo-fuzz targets in `fuzz/` and the property tests in `tests/integration/fuzz_mirror.rs` call
//! these same functions, so what the fuzzer explores is what CI checks on every run.

use std::io::Cursor;
use std::sync::OnceLock;

use crate::capture::{FileReader, LinkType, PacketSource, RawPacket};
use crate::decode::{self, Decoded};
use crate::flow::expiry::Expiry;
use crate::inspect::outcome;
use crate::pipeline::{Analyzer, SummaryOptions};
use crate::summary::Summary;
use crate::table::{ServiceTable, Transport};

/// Expiry settings tight enough that flows end, close and get evicted on small inputs.
fn tight_expiry() -> Expiry {
    Expiry {
        idle_timeout_ns: Some(2_000_000_000),
        closed_grace_ns: Some(100_000_000),
        max_flows: Some(8),
    }
}

/// The built-in table, parsed once per process rather than once per input.
fn builtin_table() -> &'static ServiceTable {
    static TABLE: OnceLock<ServiceTable> = OnceLock::new();
    TABLE.get_or_init(ServiceTable::builtin)
}

fn options() -> SummaryOptions {
    SummaryOptions {
        top_hosts: 3,
        sources: vec!["fuzz".to_string()],
        filter: None,
    }
}

/// Checks what every summary must satisfy: the lines add up to the totals.
pub fn assert_reconciles(summary: &Summary, packets: u64) {
    assert_eq!(summary.totals.packets, packets, "every packet is counted");
    assert_eq!(
        summary.line_sums(),
        (summary.totals.packets, summary.totals.bytes),
        "lines add up to the totals"
    );
}

/// Decodes one frame under the link type chosen by `selector` (an index into
/// [`LinkType::SUPPORTED`], or an unsupported type past its end; with its high bit set
/// the frame counts as cut by the snaplen), then runs the same frame through the whole
/// analyzer twice (as two packets of one flow) and checks the summary.
pub fn decode_frame(selector: u8, data: &[u8]) {
    let supported = &LinkType::SUPPORTED;
    let link_type = supported
        .get(selector as usize % (supported.len() + 1))
        .copied()
        .unwrap_or(LinkType(147));
    if let Decoded::Ip(ip) = decode::decode(link_type, data) {
        // The payload the decoder points at lies inside the frame.
        let payload = ip.payload(data);
        assert!(payload.len() <= data.len());
    }
    let mut analyzer = Analyzer::new(builtin_table(), tight_expiry());
    // The high bit of the selector says the frame was cut by the snaplen.
    let orig_len = data.len() as u32 + u32::from(selector >> 7) * 100;
    for ts_ns in [0, 1_000] {
        analyzer.process(&RawPacket {
            ts_ns,
            orig_len,
            link_type,
            data,
        });
    }
    let summary = analyzer.finish(&options()).expect("no sink to fail");
    assert_reconciles(&summary, 2);
}

/// Reads `bytes` as a capture file (pcap or pcapng, any byte order) and summarises every
/// packet it yields before the end or the first damage, as `wiretally read` does.
/// Returns the number of packets read.
pub fn read_capture(bytes: &[u8]) -> u64 {
    let Ok(mut reader) = FileReader::new("fuzz", Box::new(Cursor::new(bytes.to_vec()))) else {
        return 0;
    };
    let mut analyzer = Analyzer::new(builtin_table(), tight_expiry());
    let mut packets = 0u64;
    loop {
        match reader.next_packet() {
            Ok(Some(packet)) => {
                // A record never claims more captured bytes than the file holds.
                assert!(packet.data.len() <= bytes.len());
                analyzer.process(&packet);
                packets += 1;
            }
            Ok(None) => break,
            Err(e) => {
                assert!(
                    e.is_partial(),
                    "after the header, only damage or a cut: {e}"
                );
                break;
            }
        }
        assert!(reader.position() <= bytes.len() as u64);
    }
    let summary = analyzer.finish(&options()).expect("no sink to fail");
    assert_reconciles(&summary, packets);
    packets
}

/// Loads `bytes` as a port table, both as markdown and as CSV; a table that loads answers
/// every port of both transports with an entry it has.
pub fn load_table(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    for table in [
        ServiceTable::from_markdown("fuzz", text),
        ServiceTable::from_csv("fuzz", text),
    ]
    .into_iter()
    .flatten()
    {
        let entries = table.entries().len();
        for transport in [Transport::Tcp, Transport::Udp] {
            for port in 0..=u16::MAX {
                if let Some(index) = table.lookup().port(transport, port).entry() {
                    assert!((index as usize) < entries);
                }
            }
        }
    }
}

/// The invariant of every outcome parser's text: printable and bounded.
fn assert_printable(s: &str) {
    assert!(
        outcome::text::is_printable(s),
        "not printable or too long: {s:?}"
    );
}

/// Checks the strings and lists of a Kerberos message.
fn check_kerberos(m: &outcome::kerberos::KerberosMessage) {
    for s in [&m.cname, &m.sname, &m.realm, &m.crealm, &m.e_text]
        .into_iter()
        .flatten()
    {
        assert_printable(s);
    }
    assert!(m.etypes.len() <= outcome::text::MAX_ITEMS);
    let _ = (m.outcome(), m.rc4_only());
}

/// Checks the account strings of an NTLM message.
fn check_ntlm(m: &outcome::ntlmssp::NtlmMessage) {
    use outcome::ntlmssp::NtlmMessage;
    match m {
        NtlmMessage::Authenticate(a) => {
            for s in [&a.user, &a.domain, &a.workstation] {
                assert_printable(s);
            }
            assert_printable(&a.account());
        }
        NtlmMessage::Challenge(c) => {
            for s in [
                &c.target,
                &c.nb_domain,
                &c.nb_computer,
                &c.dns_domain,
                &c.dns_computer,
            ]
            .into_iter()
            .flatten()
            {
                assert_printable(s);
            }
        }
        NtlmMessage::Negotiate(n) => {
            for s in [&n.domain, &n.workstation].into_iter().flatten() {
                assert_printable(s);
            }
        }
    }
}

/// Checks the NTLM and Kerberos messages a security blob carried.
fn check_auth(
    ntlm: Option<&outcome::ntlmssp::NtlmMessage>,
    kerberos: Option<&outcome::kerberos::KerberosMessage>,
) {
    if let Some(n) = ntlm {
        check_ntlm(n);
    }
    if let Some(k) = kerberos {
        check_kerberos(k);
    }
}

/// The whole messages of `data` under `framing`, each lying inside `data`.
fn framed(data: &[u8], framing: outcome::stream::Framing) -> Vec<&[u8]> {
    use outcome::stream::{Frame, frames};
    let mut out = Vec::new();
    for frame in frames(data, framing) {
        if let Frame::Message(m) = frame {
            assert!(m.len() <= data.len());
            out.push(m);
        } else if let Frame::Session(s) = frame {
            let _ = s.outcome();
        }
    }
    out
}

/// One Kerberos message as a UDP datagram, the messages of a Kerberos/TCP stream, and a
/// Kerberos message inside a GSS-API blob.
pub fn outcome_kerberos(data: &[u8]) {
    use outcome::kerberos;
    for m in std::iter::once(data).chain(framed(data, outcome::stream::Framing::Kerberos)) {
        if let Some(k) = kerberos::parse(m) {
            check_kerberos(&k);
        }
    }
    if let Some(k) = kerberos::find_in_gss(data) {
        check_kerberos(&k);
    }
}

/// The SMB messages of a stream under both NetBIOS framings, and `data` as one message.
pub fn outcome_smb(data: &[u8]) {
    use outcome::smb::{self, Smb1Body, Smb2Body, SmbMessage};
    use outcome::stream::Framing;
    let mut messages = vec![data];
    messages.extend(framed(data, Framing::DirectTcp));
    messages.extend(framed(data, Framing::NetBios));
    for m in messages {
        match smb::parse(m) {
            Some(SmbMessage::Smb2(chain)) => {
                assert!(!chain.is_empty() && chain.len() <= outcome::text::MAX_ITEMS);
                for msg in &chain {
                    let _ = msg.outcome();
                    if let Some(p) = msg.pipe_payload() {
                        assert!(p.len() <= m.len());
                        outcome_dcerpc(p);
                    }
                    match &msg.body {
                        Smb2Body::TreeConnectRequest { path: s }
                        | Smb2Body::CreateRequest { name: s } => assert_printable(s),
                        Smb2Body::SessionSetupRequest { ntlm, kerberos, .. }
                        | Smb2Body::SessionSetupResponse { ntlm, kerberos, .. } => {
                            check_auth(ntlm.as_deref(), kerberos.as_deref());
                        }
                        Smb2Body::NegotiateRequest { dialects, .. } => {
                            assert!(dialects.len() <= outcome::text::MAX_ITEMS)
                        }
                        _ => {}
                    }
                }
            }
            Some(SmbMessage::Smb1(msg)) => {
                let _ = (msg.outcome(), msg.offers_smb2());
                match &msg.body {
                    Smb1Body::NegotiateRequest { dialects } => {
                        assert!(dialects.len() <= outcome::text::MAX_ITEMS);
                        dialects.iter().for_each(|d| assert_printable(d));
                    }
                    Smb1Body::TreeConnectRequest { path: s }
                    | Smb1Body::NtCreateRequest { name: s } => assert_printable(s),
                    Smb1Body::SessionSetupRequest {
                        ntlm,
                        account,
                        domain,
                    } => {
                        check_auth(ntlm.as_deref(), None);
                        [account, domain]
                            .into_iter()
                            .flatten()
                            .for_each(|s| assert_printable(s));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// The LDAP messages of a stream (BER framing), and `data` as one CLDAP datagram.
pub fn outcome_ldap(data: &[u8]) {
    use outcome::ldap::{self, LdapOp};
    for m in std::iter::once(data).chain(framed(data, outcome::stream::Framing::Ber)) {
        let Some(msg) = ldap::parse(m) else { continue };
        let _ = msg.outcome();
        if let Some(r) = msg.result() {
            assert_printable(&r.diagnostic);
            assert_printable(&r.matched_dn);
        }
        match &msg.op {
            LdapOp::SearchRequest { base, equals } => {
                assert_printable(base);
                assert!(equals.len() <= outcome::text::MAX_ITEMS);
            }
            LdapOp::SearchResultEntry { object, attributes } => {
                assert_printable(object);
                assert!(attributes.len() <= outcome::text::MAX_ITEMS);
            }
            LdapOp::BindRequest { name, .. } => assert_printable(name),
            _ => {}
        }
    }
}

/// `data` as a DNS datagram, and as a DNS/TCP stream.
pub fn outcome_dns(data: &[u8]) {
    use outcome::dns;
    for m in std::iter::once(data).chain(framed(data, outcome::stream::Framing::Dns)) {
        if let Some(msg) = dns::parse(m) {
            let _ = msg.outcome();
            if let Some(q) = &msg.question {
                assert_printable(&q.name);
            }
        }
    }
}

/// `data` as one DCE/RPC PDU, and as a stream of them.
pub fn outcome_dcerpc(data: &[u8]) {
    use outcome::dcerpc::{self, RpcPdu};
    for m in std::iter::once(data).chain(framed(data, outcome::stream::Framing::DceRpc)) {
        let Some(msg) = dcerpc::parse(m) else {
            continue;
        };
        let _ = (msg.outcome(), msg.ntlm_account());
        match &msg.pdu {
            RpcPdu::Bind { contexts, .. } => assert!(contexts.len() <= outcome::text::MAX_ITEMS),
            RpcPdu::BindAck {
                results,
                secondary_address,
                ..
            } => {
                assert!(results.len() <= outcome::text::MAX_ITEMS);
                assert_printable(secondary_address);
            }
            _ => {}
        }
        if let Some(auth) = &msg.auth {
            check_auth(auth.ntlm.as_deref(), auth.kerberos.as_deref());
        }
    }
}

/// Drives two [`StreamBuf`](outcome::stream::StreamBuf)s (one per direction, a small
/// cap) with segments that `data` describes, cut from a known stream: 4 bytes of initial
/// sequence number, then per segment a control byte (bit 0 direction, bit 1 cut by the
/// snaplen, bit 2 finish), a 16-bit offset and an 8-bit length. What a buffer delivers
/// must be exactly the stream's bytes from its start, never more than the cap; then its
/// bytes go through every framing.
pub fn outcome_stream(data: &[u8]) {
    use outcome::stream::{Framing, StreamBuf};
    const CAP: usize = 600;
    let truth = |i: usize| (i.wrapping_mul(31) ^ (i >> 8)) as u8;
    let Some((isn, mut rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let isn = u32::from_be_bytes(*isn);
    let mut bufs = [StreamBuf::new(CAP), StreamBuf::new(CAP)];
    let mut first = [None::<usize>; 2];
    while let Some((seg, tail)) = rest.split_first_chunk::<4>() {
        rest = tail;
        let dir = usize::from(seg[0] & 1);
        let offset = usize::from(u16::from_be_bytes([seg[1], seg[2]]));
        let len = usize::from(seg[3]);
        let payload: Vec<u8> = (offset..offset + len).map(truth).collect();
        let seq = isn.wrapping_add(offset as u32);
        let buf = &mut bufs[dir];
        let cut = seg[0] & 2 != 0;
        let pushed = if cut {
            &payload[..len / 2]
        } else {
            &payload[..]
        };
        if buf.start().is_none() && !pushed.is_empty() {
            first[dir] = Some(offset);
        }
        if cut {
            buf.push_cut(seq, pushed, len);
        } else {
            buf.push(seq, pushed);
        }
        if seg[0] & 4 != 0 {
            buf.finish();
        }
        assert!(buf.bytes().len() <= CAP);
    }
    for (buf, start) in bufs.iter().zip(first) {
        if let Some(start) = start {
            for (i, &b) in buf.bytes().iter().enumerate() {
                assert_eq!(b, truth(start + i), "byte {i} from the start");
            }
        } else {
            assert!(buf.bytes().is_empty());
        }
        for framing in [
            Framing::Kerberos,
            Framing::Dns,
            Framing::NetBios,
            Framing::DirectTcp,
            Framing::Ber,
            Framing::DceRpc,
        ] {
            framed(buf.bytes(), framing);
        }
    }
}
