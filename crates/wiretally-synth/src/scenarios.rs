//! The named fixtures in `fixtures/`: what each holds is written next to it in
//! `fixtures/README.md`, generated from the descriptions here so the two never drift.

use std::io::{self, Write};
use std::net::IpAddr;
use std::path::Path;

use super::frames::{self, Host, Link, MS, Trace};
use super::writer::{PcapOptions, write_pcap, write_pcapng};
use super::{Frame, Rng};
use crate::numbers::LinkType;

/// 2026-01-05 09:00:00 UTC: the demo's start.
pub const DEMO_START_NS: i64 = 1_767_603_600 * 1_000_000_000;
const SEC: i64 = 1_000_000_000;

/// How a fixture is stored.
pub enum Content {
    /// Classic pcap.
    Pcap(PcapOptions, Vec<Frame>),
    /// pcapng with interfaces of the given link types; frames name their interface.
    PcapNg(Vec<LinkType>, Vec<(u32, Frame)>),
    /// Bytes as they are (damaged files).
    Bytes(Vec<u8>),
}

/// A fixture: file name, what it holds and tests, and its content.
pub struct Fixture {
    /// File name inside `fixtures/`.
    pub name: &'static str,
    /// One line for the README.
    pub description: &'static str,
    /// The capture.
    pub content: Content,
}

impl Fixture {
    /// The file's bytes.
    pub fn bytes(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        match &self.content {
            Content::Pcap(opts, frames) => write_pcap(&mut out, *opts, frames)?,
            Content::PcapNg(ifaces, frames) => write_pcapng(&mut out, ifaces, frames)?,
            Content::Bytes(b) => out.extend(b),
        }
        Ok(out)
    }
}

/// Ten packets, two flows: a DNS query/answer (53/udp) and an SMB session (445/tcp,
/// handshake, one request/response, teardown). `n` varies the client so several mixes can
/// share a file without sharing flows.
pub fn small_mix(link: Link, n: u8, start: i64) -> Trace {
    let client = Host::parse(&format!("192.168.{n}.10"));
    let server = Host::parse(&format!("192.168.{n}.1"));
    let mut t = Trace::new(link);
    t.udp_exchange(
        start,
        &client,
        &server,
        51000 + u16::from(n),
        53,
        45,
        Some(120),
        2 * MS,
    );
    t.tcp_session(
        start + 10 * MS,
        &client,
        &server,
        52000 + u16::from(n),
        445,
        &[(200, 300)],
        2 * MS,
    );
    t
}

fn pcap(link: LinkType, frames: Vec<Frame>) -> Content {
    Content::Pcap(PcapOptions::new(link), frames)
}

/// Every fixture, in README order.
pub fn all() -> Vec<Fixture> {
    let s = DEMO_START_NS;
    let mut list = vec![Fixture {
        name: "demo.pcap",
        description: "Five minutes of a Windows domain (Ethernet, some VLAN 20 and IPv6): DNS, Kerberos, LDAP, SMB, RPC endpoint mapper then dynamic 49667/tcp, NetBIOS, RDP, HTTPS, NTP, WinRM, GRE and ESP, SSH/mDNS/WS-Discovery as unknown, 8443 and 27017 as range-only, a blocked and a rejected connection, ARP/LLDP/ICMP. What `make demo` shows.",
        content: pcap(LinkType::ETHERNET, demo()),
    }];
    for (name, description, link, lt) in [
        (
            "link-sll.pcap",
            "small mix (DNS + SMB session, 10 packets, 2 flows) on Linux cooked v1 (LINKTYPE 113)",
            Link::Sll,
            LinkType::LINUX_SLL,
        ),
        (
            "link-sll2.pcap",
            "small mix on Linux cooked v2 (LINKTYPE 276)",
            Link::Sll2,
            LinkType::LINUX_SLL2,
        ),
        (
            "link-raw.pcap",
            "small mix on raw IP (LINKTYPE_RAW 101)",
            Link::Raw,
            LinkType::RAW,
        ),
        (
            "link-ipv4.pcap",
            "small mix on LINKTYPE_IPV4 (228)",
            Link::Raw,
            LinkType::IPV4,
        ),
        (
            "link-null.pcap",
            "small mix on BSD loopback (LINKTYPE_NULL 0, little-endian family)",
            Link::Null,
            LinkType::NULL,
        ),
        (
            "link-loop.pcap",
            "small mix on OpenBSD loopback (LINKTYPE_LOOP 108, big-endian family)",
            Link::Loop,
            LinkType::LOOP,
        ),
        (
            "link-80211-radiotap.pcap",
            "small mix as 802.11 QoS data frames behind radiotap (LINKTYPE 127), LLC/SNAP",
            Link::Radiotap,
            LinkType::IEEE802_11_RADIOTAP,
        ),
        (
            "link-ppi.pcap",
            "small mix as 802.11 data frames behind PPI (LINKTYPE 192)",
            Link::Ppi,
            LinkType::PPI,
        ),
        (
            "link-frame-relay.pcap",
            "small mix on Frame Relay (LINKTYPE 107, NLPID 0xcc)",
            Link::FrameRelay,
            LinkType::FRELAY,
        ),
        (
            "link-unsupported.pcap",
            "small mix under a link type wiretally does not decode (USER0, 147): 10 undecodable frames, named",
            Link::Raw,
            LinkType(147),
        ),
    ] {
        list.push(Fixture {
            name,
            description,
            content: pcap(lt, small_mix(link, 1, s).into_frames()),
        });
    }
    let mut tagged = small_mix(Link::Vlan(20), 1, s);
    for (n, link) in [
        (2, Link::QinQ(100, 20)),
        (3, Link::Mpls(1001)),
        (4, Link::Pppoe(0x1234)),
    ] {
        for f in small_mix(link, n, s + i64::from(n) * SEC).into_frames() {
            tagged.push_frame(f.ts_ns, f.data);
        }
    }
    list.push(Fixture {
        name: "encap-vlan-qinq-mpls-pppoe.pcap",
        description: "four small mixes (40 packets, 8 flows) behind 802.1Q, QinQ, MPLS and PPPoE: the tags are peeled for the flow key",
        content: pcap(LinkType::ETHERNET, tagged.into_frames()),
    });
    let mut opts = PcapOptions::new(LinkType::ETHERNET);
    opts.nanos = true;
    opts.big_endian = true;
    list.push(Fixture {
        name: "pcap-ns-bigendian.pcap",
        description: "small mix in a big-endian, nanosecond-resolution classic pcap",
        content: Content::Pcap(opts, small_mix(Link::Ethernet, 1, s + 123).into_frames()),
    });
    list.push(Fixture { name: "fragments.pcap", description: "IPv4 and IPv6 fragmented UDP (Kerberos 88/udp reply in 3 fragments, DNS over IPv6 answer in 2), a ping in 2 fragments (both on the ICMP line) and one later fragment whose first was never captured: 10 packets, 2 flows, 1 fragment_unmatched", content: pcap(LinkType::ETHERNET, fragments()) });
    list.push(Fixture { name: "midflow.pcap", description: "capture started mid-flow: an RDP session (3389/tcp) whose first frame is the server's, no SYN; the server side comes from the table, not from who spoke first", content: pcap(LinkType::ETHERNET, midflow()) });
    list.push(Fixture { name: "both-ports-known.pcap", description: "flows where both ports are in the table (138->137/udp, 139<->445/tcp mid-flow) or equal (500<->500/udp): lower port, then first destination decide", content: pcap(LinkType::ETHERNET, both_ports()) });
    let mut snap = PcapOptions::new(LinkType::ETHERNET);
    snap.snaplen = 96;
    let mut bulk = small_mix(Link::Ethernet, 1, s);
    bulk.tcp_session(
        s + SEC,
        &Host::parse("192.168.1.10"),
        &Host::parse("192.168.1.20"),
        53000,
        445,
        &[(300, 20_000)],
        2 * MS,
    );
    list.push(Fixture { name: "snaplen96.pcap", description: "small mix plus a 20 kB SMB read captured with snaplen 96 (tcpdump -s 96): bytes are counted from orig_len", content: Content::Pcap(snap, bulk.into_frames()) });
    let mut tiny = PcapOptions::new(LinkType::ETHERNET);
    tiny.snaplen = 36;
    list.push(Fixture { name: "snaplen36.pcap", description: "small mix with snaplen 36: the TCP/UDP header is cut before the ports, so all 10 frames are undecodable with that reason", content: Content::Pcap(tiny, small_mix(Link::Ethernet, 1, s).into_frames()) });
    list.push(Fixture { name: "cutoff.pcap", description: "small mix whose last record is cut off 7 bytes short: 9 packets are summarised and a warning names byte offset 1295", content: Content::Bytes(cutoff()) });
    list.push(Fixture { name: "non-ip.pcap", description: "ARP, LLDP, STP (802.3 LLC), ICMP and ICMPv6 echo, IGMP and OSPF: only IGMP and OSPF form (unknown, IP-protocol) flows", content: pcap(LinkType::ETHERNET, non_ip()) });
    list.push(Fixture { name: "two-interfaces.pcapng", description: "pcapng with an Ethernet and a Linux cooked interface (different link types, which libpcap refuses): two small mixes, 20 packets, 4 flows", content: two_interfaces() });
    list.push(Fixture { name: "conn-states.pcap", description: "one flow per connection state: closed (445), reset by the server (3389) and by the client (5985), rejected by RST (139), unanswered with 2 SYN retransmissions (88/tcp), handshake incomplete (443), refused by ICMP admin-prohibited (135/tcp), ICMP port unreachable (161/udp), host unreachable (123/udp), TTL exceeded (389/tcp), ICMPv6 admin-prohibited (445 over IPv6), UDP answered (53) and unanswered (514), a broadcast (137 to .255), and an ICMP error quoting a packet never captured", content: pcap(LinkType::ETHERNET, conn_states()) });
    list.push(Fixture { name: "blocked-dc.pcap", description: "a client and a domain controller behind a firewall: DNS (53/udp) and LDAP (389/tcp) work and the endpoint mapper (135/tcp) answers, but Kerberos 88/tcp and 88/udp go unanswered, the dynamic RPC port 49668/tcp is dropped and SMB 445 is rejected by RST: the failed-connections report names exactly those four", content: pcap(LinkType::ETHERNET, blocked_dc()) });
    list.push(Fixture { name: "fingerprints.pcap", description: "first payloads of every recognised protocol on their usual ports (TLS, HTTP, HTTP/2, SSH, SMB2, DNS, Kerberos, LDAP, RDP, DCE/RPC, NTP, QUIC, SMTP, POP3, IMAP, FTP), TLS with SNI portal.example.com on 8443 (range-only), random bytes on 700/tcp and 40001/udp (unrecognized), and three mismatches: SSH on 443, plain HTTP on 3389, non-DNS on 53/udp", content: pcap(LinkType::ETHERNET, fingerprinted()) });
    list.push(Fixture { name: "rpc-dynamic.pcap", description: "dynamic RPC named by interface: client 10.70.1.50 asks the endpoint mapper of DC 10.70.0.10 (little-endian, answer in two DCE/RPC fragments over 70-byte TCP segments) and gets drsuapi on 49667 and netlogon on 49668, then binds drsuapi on 49667 (named by bind) and talks on 49668 with an interface no table knows (named netlogon by the endpoint mapper); client 10.70.1.51 asks DC 10.70.0.11 (big-endian) and gets drsuapi on 49670, whose two connections go unanswered (the blocked-dynamic-RPC diagnosis); client 10.70.1.52 binds IRemUnknown2, IWbemServices and an unknown interface on 10.70.0.10:49669 without asking the mapper (named IWbemServices), opens \\pipe\\srvsvc over SMB (445) and binds ISystemActivator on 135; an unnamed connection to 49700 stays under the range entry", content: pcap(LinkType::ETHERNET, rpc_dynamic()) });
    let mut rpc_snap = PcapOptions::new(LinkType::ETHERNET);
    rpc_snap.snaplen = 100;
    list.push(Fixture { name: "rpc-snaplen100.pcap", description: "the flows of rpc-dynamic.pcap captured with snaplen 100: the endpoint mapper's towers and the binds' contexts are cut off, so nothing is named by interface (no misattribution) and every dynamic flow stays under the range entry", content: Content::Pcap(rpc_snap, rpc_dynamic()) });
    list.push(Fixture { name: "tunnels.pcap", description: "IPv4-in-IPv4 and IPv6-in-IPv4 tunnels (unwrapped: counted as the inner SMB and DNS flows), a fragmented 4in4 Kerberos reply (both fragments join the inner 88/udp flow) and GRE (not unwrapped: counted as GRE 47)", content: pcap(LinkType::ETHERNET, tunnels()) });
    list
}

/// Writes every fixture and the README into `dir`.
pub fn write_all(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut readme = String::from(
        "# Fixtures\n\nGenerated by `make fixtures` (`cargo run -p wiretally-synth --bin wiretally-gen -- fixtures fixtures`, \
         see `crates/wiretally-synth/`); \
         deterministic, so regenerating changes no byte. Each line: file, what it holds and what it tests.\n\n",
    );
    for f in all() {
        std::fs::write(dir.join(f.name), f.bytes()?)?;
        readme.push_str(&format!("- `{}`: {}\n", f.name, f.description));
    }
    let mut file = std::fs::File::create(dir.join("README.md"))?;
    file.write_all(readme.as_bytes())
}

fn fragments() -> Vec<Frame> {
    let s = DEMO_START_NS;
    let client = Host::parse("10.20.0.5");
    let kdc = Host::parse("10.20.0.10");
    let mut t = Trace::new(Link::Ethernet);
    // Kerberos AS exchange over UDP; the 4000-byte reply (a fat PAC) is fragmented.
    t.push_ip(
        s,
        &client,
        &kdc,
        &frames::udp_ip(
            client.ip,
            kdc.ip,
            50100,
            88,
            &frames::payload(88, true, 300, 1),
        ),
    );
    let reply = frames::udp_segment(
        kdc.ip,
        client.ip,
        88,
        50100,
        &frames::payload(88, false, 4000, 2),
    );
    let (IpAddr::V4(k4), IpAddr::V4(c4)) = (kdc.ip, client.ip) else {
        unreachable!()
    };
    t.push_ip_series(
        s + 2 * MS,
        10_000,
        &kdc,
        &client,
        &frames::ipv4_fragments(k4.octets(), c4.octets(), 17, 0x4242, &reply, 1480),
    );
    // DNS over IPv6 with a 1800-byte answer in two fragments.
    let c6 = Host::parse("2001:db8:20::5");
    let d6 = Host::parse("2001:db8:20::10");
    t.push_ip(
        s + 5 * MS,
        &c6,
        &d6,
        &frames::udp_ip(c6.ip, d6.ip, 50200, 53, &frames::payload(53, true, 40, 3)),
    );
    let answer = frames::udp_segment(
        d6.ip,
        c6.ip,
        53,
        50200,
        &frames::payload(53, false, 1800, 4),
    );
    let (IpAddr::V6(d), IpAddr::V6(c)) = (d6.ip, c6.ip) else {
        unreachable!()
    };
    t.push_ip_series(
        s + 7 * MS,
        10_000,
        &d6,
        &c6,
        &frames::ipv6_fragments(d.octets(), c.octets(), 17, 0x0bad_cafe, &answer, 1232),
    );
    // A 2000-byte ping in two fragments: both count on the ICMP line.
    let mut ping = vec![8, 0, 0, 0, 0x12, 0x34, 0, 1];
    ping.extend(frames::payload(0, true, 2000, 6));
    t.push_ip_series(
        s + 8 * MS,
        10_000,
        &client,
        &kdc,
        &frames::ipv4_fragments(c4.octets(), k4.octets(), 1, 0x4444, &ping, 1480),
    );
    // A later fragment of a series whose first fragment the capture missed.
    let orphan = frames::udp_segment(
        kdc.ip,
        client.ip,
        88,
        50101,
        &frames::payload(88, false, 3000, 5),
    );
    let series = frames::ipv4_fragments(k4.octets(), c4.octets(), 17, 0x4343, &orphan, 1480);
    t.push_ip(s + 9 * MS, &kdc, &client, &series[1]);
    t.into_frames()
}

fn conn_states() -> Vec<Frame> {
    use crate::numbers::tcp_flags::{ACK, RST, SYN};
    let s = DEMO_START_NS;
    let c = Host::parse("10.50.1.10");
    let srv = Host::parse("10.50.0.20");
    let router = Host::parse("10.50.0.1");
    let mut t = Trace::new(Link::Ethernet);
    t.tcp_session(s, &c, &srv, 50001, 445, &[(200, 400)], 2 * MS);
    // Established, then reset by the server, and by the client.
    for (at, cport, port, server_resets) in
        [(SEC, 50002, 3389, true), (2 * SEC, 50003, 5985, false)]
    {
        let at = s + at;
        t.tcp_segment(at, &c, &srv, cport, port, SYN, &[]);
        t.tcp_segment(at + MS, &srv, &c, port, cport, SYN | ACK, &[]);
        t.tcp_segment(at + 2 * MS, &c, &srv, cport, port, ACK, &[]);
        t.tcp_segment(at + 3 * MS, &c, &srv, cport, port, ACK, b"hello");
        if server_resets {
            t.tcp_segment(at + 4 * MS, &srv, &c, port, cport, RST | ACK, &[]);
        } else {
            t.tcp_segment(at + 4 * MS, &c, &srv, cport, port, RST | ACK, &[]);
        }
    }
    t.tcp_rejected(s + 3 * SEC, &c, &srv, 50004, 139, MS);
    t.tcp_unanswered(s + 4 * SEC, &c, &srv, 50005, 88, 2);
    // Handshake incomplete: the SYN/ACK is never acknowledged.
    t.tcp_segment(s + 12 * SEC, &c, &srv, 50006, 443, SYN, &[]);
    t.tcp_segment(s + 12 * SEC + MS, &srv, &c, 443, 50006, SYN | ACK, &[]);
    let tcp = |cport: u16, port: u16| frames::tcp_ip(c.ip, srv.ip, cport, port, SYN, 1, 0, &[]);
    let udp = |cport: u16, port: u16| frames::udp_ip(c.ip, srv.ip, cport, port, b"request");
    for (at, packet, reason, from) in [
        (13, tcp(50007, 135), (3, 13), &router),
        (14, udp(50008, 161), (3, 3), &srv),
        (15, udp(50009, 123), (3, 1), &router),
        (16, tcp(50010, 389), (11, 0), &router),
    ] {
        t.refused_by_icmp(s + at * SEC, &c, &srv, from, &packet, reason, MS);
    }
    let c6 = Host::parse("2001:db8:50::10");
    let srv6 = Host::parse("2001:db8:50::20");
    let router6 = Host::parse("2001:db8:50::1");
    let syn6 = frames::tcp_ip(c6.ip, srv6.ip, 50011, 445, SYN, 1, 0, &[]);
    t.refused_by_icmp(s + 17 * SEC, &c6, &srv6, &router6, &syn6, (1, 1), MS);
    t.udp_exchange(s + 18 * SEC, &c, &srv, 50012, 53, 40, Some(120), MS);
    t.udp_exchange(s + 19 * SEC, &c, &srv, 50013, 514, 80, None, MS);
    let broadcast = Host::parse("10.50.1.255");
    t.udp_exchange(s + 20 * SEC, &c, &broadcast, 137, 137, 50, None, MS);
    // An error about a packet the capture never saw.
    let unseen = frames::udp_ip(c.ip, srv.ip, 50014, 69, b"tftp");
    let error = frames::icmp_error_ip(router.ip, c.ip, 3, 10, &unseen);
    t.push_ip(s + 21 * SEC, &router, &c, &error);
    t.into_frames()
}

/// A TCP connection that carries `first` from the client (or, for greeting protocols,
/// from the server when `server_first`), then `reply` the other way, then closes.
#[allow(clippy::too_many_arguments)]
fn tcp_exchange(
    t: &mut Trace,
    at: i64,
    client: &Host,
    server: &Host,
    (cport, sport): (u16, u16),
    first: &[u8],
    reply: &[u8],
    server_first: bool,
) {
    use crate::numbers::tcp_flags::{ACK, FIN, SYN};
    t.tcp_segment(at, client, server, cport, sport, SYN, &[]);
    t.tcp_segment(at + MS, server, client, sport, cport, SYN | ACK, &[]);
    t.tcp_segment(at + 2 * MS, client, server, cport, sport, ACK, &[]);
    let (a, b) = if server_first {
        (server, client)
    } else {
        (client, server)
    };
    let (pa, pb) = if server_first {
        (sport, cport)
    } else {
        (cport, sport)
    };
    t.tcp_segment(at + 3 * MS, a, b, pa, pb, ACK, first);
    t.tcp_segment(at + 4 * MS, b, a, pb, pa, ACK, reply);
    t.tcp_segment(at + 5 * MS, client, server, cport, sport, FIN | ACK, &[]);
    t.tcp_segment(at + 6 * MS, server, client, sport, cport, FIN | ACK, &[]);
    t.tcp_segment(at + 7 * MS, client, server, cport, sport, ACK, &[]);
}

fn fingerprinted() -> Vec<Frame> {
    let s = DEMO_START_NS;
    let c = Host::parse("10.70.1.10");
    let srv = Host::parse("10.70.0.30");
    let mut t = Trace::new(Link::Ethernet);
    let mut rng = Rng::new(70);
    let mut random = |n: usize| (0..n).map(|_| rng.next_u64() as u8).collect::<Vec<u8>>();
    let server_hello = [
        0x16, 0x03, 0x03, 0x00, 0x31, 0x02, 0x00, 0x00, 0x2d, 0x03, 0x03,
    ];
    let mut smb2 = vec![0, 0, 0, 0x44, 0xfe, b'S', b'M', b'B'];
    smb2.extend([0u8; 64]);
    let ldap_bind = [
        0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00,
    ];
    let rdp_cr = [3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0];
    let mut dce_bind = vec![5, 0, 11, 3, 0x10, 0, 0, 0, 72, 0, 0, 0, 1, 0, 0, 0];
    dce_bind.extend([0u8; 56]);
    let tcp: Vec<(u16, Vec<u8>, Vec<u8>, bool)> = vec![
        (
            443,
            frames::tls_client_hello("www.example.net"),
            server_hello.to_vec(),
            false,
        ),
        (
            8443,
            frames::tls_client_hello("portal.example.com"),
            server_hello.to_vec(),
            false,
        ),
        (
            80,
            b"GET / HTTP/1.1\r\nHost: intranet\r\n\r\n".to_vec(),
            b"HTTP/1.1 200 OK\r\n\r\n".to_vec(),
            false,
        ),
        (
            8080,
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
            vec![0, 0, 0, 4, 0, 0, 0, 0, 0],
            false,
        ),
        (
            22,
            b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
            b"SSH-2.0-OpenSSH_9.2\r\n".to_vec(),
            false,
        ),
        (445, smb2.clone(), smb2.clone(), false),
        (389, ldap_bind.to_vec(), ldap_bind.to_vec(), false),
        (3389, rdp_cr.to_vec(), rdp_cr.to_vec(), false),
        (135, dce_bind.clone(), dce_bind.clone(), false),
        (
            25,
            b"220 mail.example.com ESMTP ready\r\n".to_vec(),
            b"EHLO client\r\n".to_vec(),
            true,
        ),
        (
            110,
            b"+OK POP3 server ready\r\n".to_vec(),
            b"USER a\r\n".to_vec(),
            true,
        ),
        (
            143,
            b"* OK IMAP4rev1 ready\r\n".to_vec(),
            b"a1 CAPABILITY\r\n".to_vec(),
            true,
        ),
        (
            21,
            b"220 FTP server ready\r\n".to_vec(),
            b"USER anonymous\r\n".to_vec(),
            true,
        ),
        (700, random(200), random(300), false),
        // The mismatches: SSH on 443, plain HTTP on 3389.
        (
            443,
            b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
            b"SSH-2.0-OpenSSH_9.2\r\n".to_vec(),
            false,
        ),
        (
            3389,
            b"GET / HTTP/1.1\r\nHost: jump\r\n\r\n".to_vec(),
            b"HTTP/1.1 404 Not Found\r\n\r\n".to_vec(),
            false,
        ),
    ];
    for (i, (port, first, reply, server_first)) in tcp.iter().enumerate() {
        let at = s + i as i64 * SEC;
        tcp_exchange(
            &mut t,
            at,
            &c,
            &srv,
            (53000 + i as u16, *port),
            first,
            reply,
            *server_first,
        );
    }
    let mut dns = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    dns.extend(b"\x06portal\x07example\x03com\x00\x00\x01\x00\x01");
    let mut krb = vec![0x6a, 0x81, 0x20, 0x30, 0x81, 0x1d];
    krb.extend([0xa1u8; 0x1d]);
    let mut ntp = vec![0x23, 0, 6, 0xec];
    ntp.extend([0u8; 44]);
    let mut quic = vec![0xc3, 0, 0, 0, 1, 8];
    quic.extend([0xaau8; 8]);
    quic.push(0);
    quic.extend([0u8; 1185]);
    let udp: Vec<(u16, Vec<u8>)> = vec![
        (53, dns),
        (88, krb),
        (123, ntp),
        (443, quic),
        (40001, random(120)),
        // The mismatch: something that is not DNS on 53.
        (53, random(80)),
    ];
    for (i, (port, payload)) in udp.iter().enumerate() {
        let at = s + (20 + i as i64) * SEC;
        let cport = 54000 + i as u16;
        t.push_ip(
            at,
            &c,
            &srv,
            &frames::udp_ip(c.ip, srv.ip, cport, *port, payload),
        );
    }
    t.into_frames()
}

fn blocked_dc() -> Vec<Frame> {
    let s = DEMO_START_NS;
    let client = Host::parse("10.60.1.50");
    let dc = Host::parse("10.60.0.10");
    let mut t = Trace::new(Link::Ethernet);
    for i in 0..3u16 {
        let at = s + i64::from(i) * 10 * SEC;
        t.udp_exchange(at, &client, &dc, 51000 + i, 53, 40, Some(120), MS);
        t.udp_exchange(at + 100 * MS, &client, &dc, 51100 + i, 88, 1400, None, MS);
        t.tcp_unanswered(at + 200 * MS, &client, &dc, 51200 + i, 88, 2);
    }
    for i in 0..2u16 {
        let at = s + 40 * SEC + i64::from(i) * 10 * SEC;
        t.tcp_session(at, &client, &dc, 52000 + i, 389, &[(300, 2500)], MS);
        let epm = t.tcp_session(at + SEC, &client, &dc, 52100 + i, 135, &[(160, 150)], MS);
        t.tcp_unanswered(epm + 10 * MS, &client, &dc, 52200 + i, 49668, 2);
        t.tcp_rejected(at + 8 * SEC, &client, &dc, 52300 + i, 445, MS);
    }
    t.into_frames()
}

fn rpc_dynamic() -> Vec<Frame> {
    use super::rpc_traffic::{bound_session, context, epm_lookup, pipe_session, unknown_interface};
    let s = DEMO_START_NS;
    let dc1 = Host::parse("10.70.0.10");
    let dc2 = Host::parse("10.70.0.11");
    let a = Host::parse("10.70.1.50");
    let b = Host::parse("10.70.1.51");
    let c = Host::parse("10.70.1.52");
    let drsuapi = context("e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4);
    let netlogon = context("12345678-1234-abcd-ef00-01234567cffb", 1);
    let mut t = Trace::new(Link::Ethernet);
    // Client A: the mapper answers two towers (one with the DC's address, one with
    // 0.0.0.0, meaning the mapper's own), fragmented and split mid-PDU.
    let towers = [
        (drsuapi, 49667, [10, 70, 0, 10]),
        (netlogon, 49668, [0, 0, 0, 0]),
    ];
    let end = epm_lookup(&mut t, s, &a, &dc1, 50100, true, &towers, 60, 70);
    let end = bound_session(&mut t, end + 10 * MS, &a, &dc1, (50101, 49667), &[drsuapi]);
    bound_session(
        &mut t,
        end + 10 * MS,
        &a,
        &dc1,
        (50102, 49668),
        &[unknown_interface()],
    );
    // Client B: a big-endian lookup on DC2, then a firewall drops the dynamic port.
    let towers = [(drsuapi, 49670, [10, 70, 0, 11])];
    let end = epm_lookup(
        &mut t,
        s + 2 * SEC,
        &b,
        &dc2,
        50200,
        false,
        &towers,
        4000,
        1460,
    );
    let end = t.tcp_unanswered(end + 10 * MS, &b, &dc2, 50201, 49670, 2);
    t.tcp_unanswered(end + SEC, &b, &dc2, 50202, 49670, 2);
    // Client C: no lookup captured; binds name the interfaces.
    let wmi = [
        context("00000143-0000-0000-c000-000000000046", 0),
        context("9556dc99-828c-11cf-a37e-00aa003240c7", 0),
        unknown_interface(),
    ];
    let end = bound_session(&mut t, s + 4 * SEC, &c, &dc1, (50300, 49669), &wmi);
    let end = pipe_session(&mut t, end + 10 * MS, &c, &dc1, 50301, "srvsvc");
    let activator = [context("000001a0-0000-0000-c000-000000000046", 0)];
    let end = bound_session(&mut t, end + 10 * MS, &c, &dc1, (50302, 135), &activator);
    // Nothing names this one.
    t.tcp_session(end + 10 * MS, &c, &dc1, 50303, 49700, &[(200, 400)], MS);
    t.into_frames()
}

fn midflow() -> Vec<Frame> {
    let s = DEMO_START_NS;
    let client = Host::parse("10.30.0.50");
    let jump = Host::parse("10.30.0.5");
    let mut t = Trace::new(Link::Ethernet);
    // Full session, then drop the handshake and the client's first data segment so the
    // capture starts with the server's reply.
    t.tcp_session(
        s,
        &client,
        &jump,
        50000,
        3389,
        &[(400, 3000), (200, 6000)],
        3 * MS,
    );
    t.into_frames().into_iter().skip(4).collect()
}

fn both_ports() -> Vec<Frame> {
    let s = DEMO_START_NS;
    let a = Host::parse("10.40.0.1");
    let b = Host::parse("10.40.0.2");
    let mut t = Trace::new(Link::Ethernet);
    // NetBIOS: 138 -> 137 (both exact): lower port 137 is the server.
    t.udp_exchange(s, &a, &b, 138, 137, 50, Some(90), MS);
    // SMB/NetBIOS session mid-flow between 445 and 139, first packet 445 -> 139.
    for i in 0..3 {
        t.push_ip(
            s + (10 + i) * MS,
            &a,
            &b,
            &frames::tcp_ip(
                a.ip,
                b.ip,
                445,
                139,
                crate::numbers::tcp_flags::ACK,
                1,
                1,
                &[0; 100],
            ),
        );
    }
    // IKE 500 <-> 500: equal ports, the first packet's destination (b) is the server.
    t.udp_exchange(s + 20 * MS, &a, &b, 500, 500, 300, Some(280), MS);
    t.into_frames()
}

fn cutoff() -> Vec<u8> {
    let mut bytes = Vec::new();
    let frames = small_mix(Link::Ethernet, 1, DEMO_START_NS).into_frames();
    write_pcap(&mut bytes, PcapOptions::new(LinkType::ETHERNET), &frames)
        .expect("writing to a Vec");
    bytes.truncate(bytes.len() - 7);
    bytes
}

fn non_ip() -> Vec<Frame> {
    let s = DEMO_START_NS;
    let a = Host::parse("10.50.0.1");
    let b = Host::parse("10.50.0.2");
    let a6 = Host::parse("2001:db8:50::1");
    let b6 = Host::parse("2001:db8:50::2");
    let mut t = Trace::new(Link::Ethernet);
    for i in 0..3 {
        t.push_frame(
            s + i * MS,
            frames::arp_request(&a, [10, 50, 0, 2 + i as u8]),
        );
    }
    t.push_frame(s + 10 * MS, frames::lldp(&a));
    t.push_frame(s + 11 * MS, frames::lldp(&b));
    t.push_frame(s + 12 * MS, frames::stp_bpdu(&a));
    t.push_frame(s + 13 * MS, frames::stp_bpdu(&a));
    t.push_ip(
        s + 20 * MS,
        &a,
        &b,
        &frames::echo_request_ip(a.ip, b.ip, 1, 1),
    );
    t.push_ip(
        s + 21 * MS,
        &a,
        &b,
        &frames::echo_request_ip(a.ip, b.ip, 1, 2),
    );
    t.push_ip(
        s + 22 * MS,
        &a6,
        &b6,
        &frames::echo_request_ip(a6.ip, b6.ip, 1, 1),
    );
    let igmp_group = Host::parse("224.0.0.22");
    t.push_ip(
        s + 30 * MS,
        &a,
        &igmp_group,
        &frames::proto_ip(
            a.ip,
            igmp_group.ip,
            2,
            &[0x22, 0, 0xf9, 0x02, 0, 0, 0, 1, 4, 0, 0, 0, 239, 1, 1, 1],
        ),
    );
    let ospf_group = Host::parse("224.0.0.5");
    for i in 0..2 {
        t.push_ip(
            s + (40 + i) * MS,
            &a,
            &ospf_group,
            &frames::proto_ip(
                a.ip,
                ospf_group.ip,
                89,
                &[2, 1, 0, 44, 10, 50, 0, 1, 0, 0, 0, 0],
            ),
        );
    }
    t.into_frames()
}

fn two_interfaces() -> Content {
    let eth = small_mix(Link::Ethernet, 1, DEMO_START_NS).into_frames();
    let sll = small_mix(Link::Sll, 2, DEMO_START_NS + 500 * MS).into_frames();
    let mut frames: Vec<(u32, Frame)> = eth
        .into_iter()
        .map(|f| (0, f))
        .chain(sll.into_iter().map(|f| (1, f)))
        .collect();
    frames.sort_by_key(|(_, f)| f.ts_ns);
    Content::PcapNg(vec![LinkType::ETHERNET, LinkType::LINUX_SLL], frames)
}

fn tunnels() -> Vec<Frame> {
    let s = DEMO_START_NS;
    let r1 = Host::parse("198.51.100.1");
    let r2 = Host::parse("198.51.100.2");
    let mut t = Trace::new(Link::Ethernet);
    // 4in4: the inner small mix's frames, each IP packet wrapped in an outer IPv4 header.
    let inner = small_mix(Link::Raw, 1, s).into_frames();
    for f in &inner {
        t.push_ip(
            f.ts_ns,
            &r1,
            &r2,
            &frames::proto_ip(r1.ip, r2.ip, 4, &f.data),
        );
    }
    // 6in4: an IPv6 DNS exchange inside IPv4.
    let c6 = Host::parse("2001:db8:60::5");
    let d6 = Host::parse("2001:db8:60::53");
    let q = frames::udp_ip(c6.ip, d6.ip, 50300, 53, &frames::payload(53, true, 40, 9));
    let a = frames::udp_ip(
        d6.ip,
        c6.ip,
        53,
        50300,
        &frames::payload(53, false, 140, 10),
    );
    t.push_ip(
        s + 50 * MS,
        &r1,
        &r2,
        &frames::proto_ip(r1.ip, r2.ip, 41, &q),
    );
    t.push_ip(
        s + 52 * MS,
        &r2,
        &r1,
        &frames::proto_ip(r2.ip, r1.ip, 41, &a),
    );
    // A fragmented 4in4 packet: a 2000-byte Kerberos reply inside the tunnel, the outer
    // header split in two. Both fragments belong to the inner 88/udp flow.
    let client = Host::parse("192.168.7.10");
    let kdc = Host::parse("192.168.7.1");
    let reply = frames::udp_ip(
        kdc.ip,
        client.ip,
        88,
        50400,
        &frames::payload(88, false, 2000, 11),
    );
    let (IpAddr::V4(o1), IpAddr::V4(o2)) = (r2.ip, r1.ip) else {
        unreachable!()
    };
    t.push_ip_series(
        s + 55 * MS,
        10_000,
        &r2,
        &r1,
        &frames::ipv4_fragments(o1.octets(), o2.octets(), 4, 0x5151, &reply, 1480),
    );
    // GRE (IPv4 payload, protocol type 0x0800): stays a GRE flow.
    for (i, f) in inner.iter().take(4).enumerate() {
        let mut gre = vec![0x00, 0x00, 0x08, 0x00];
        gre.extend(&f.data);
        t.push_ip(
            s + (60 + i as i64) * MS,
            &r1,
            &r2,
            &frames::proto_ip(r1.ip, r2.ip, 47, &gre),
        );
    }
    t.into_frames()
}

/// The demo capture: a few thousand packets of a Windows domain.
pub fn demo() -> Vec<Frame> {
    let s = DEMO_START_NS;
    let mut rng = Rng::new(0x5eed_0001);
    let dc1 = Host::parse("10.10.0.10");
    let dc2 = Host::parse("10.10.0.11");
    let fs1 = Host::parse("10.10.0.20");
    let web = Host::parse("10.10.0.30");
    let jump = Host::parse("10.10.0.40");
    let linux = Host::parse("10.10.0.50");
    let closed = Host::parse("10.10.0.60");
    let mongo = Host::parse("10.10.0.70");
    let rras = Host::parse("10.10.0.1");
    let branch = Host::parse("198.51.100.7");
    let dc1_v6 = Host::parse("2001:db8:10::10");
    let fs1_v6 = Host::parse("2001:db8:10::20");
    let bcast = Host::parse("10.10.1.255");
    let mdns = Host::parse("224.0.0.251");
    let wsd = Host::parse("239.255.255.250");

    let mut t = Trace::new(Link::Ethernet);
    let mut vlan = Trace::new(Link::Vlan(20));
    let rtt = 400_000; // 0.4 ms on the LAN

    for i in 0..24u8 {
        let on_vlan = i >= 18;
        let client = if on_vlan {
            Host::parse(&format!("10.10.2.{}", 100 + i))
        } else {
            Host::parse(&format!("10.10.1.{}", 100 + i))
        };
        let tr = if on_vlan { &mut vlan } else { &mut t };
        let mut at = s + i64::from(i) * 9 * SEC + rng.range(0, 900) as i64 * MS;
        // Logon: DNS SRV lookups, DC locator ping, Kerberos AS and TGS.
        for _ in 0..rng.range(3, 6) {
            tr.udp_exchange(
                at,
                &client,
                &dc1,
                rng.ephemeral_port(),
                53,
                rng.range(38, 70) as usize,
                Some(rng.range(90, 260) as usize),
                rtt,
            );
            at += rng.range(5, 40) as i64 * MS;
        }
        tr.udp_exchange(
            at,
            &client,
            &dc1,
            rng.ephemeral_port(),
            389,
            210,
            Some(160),
            rtt,
        );
        at += 20 * MS;
        tr.udp_exchange(
            at,
            &client,
            &dc1,
            rng.ephemeral_port(),
            88,
            280,
            Some(1400),
            rtt,
        );
        at += 30 * MS;
        at = tr.tcp_session(
            at,
            &client,
            &dc1,
            rng.ephemeral_port(),
            88,
            &[(1500, 1600)],
            rtt,
        ) + 10 * MS;
        at = tr.tcp_session(
            at,
            &client,
            &dc1,
            rng.ephemeral_port(),
            389,
            &[(300, 2500), (250, 1800)],
            rtt,
        ) + 10 * MS;
        // Group policy over SMB from the DC, then the user's file share.
        at = tr.tcp_session(
            at,
            &client,
            &dc1,
            rng.ephemeral_port(),
            445,
            &[(400, 400), (300, 6000)],
            rtt,
        ) + 50 * MS;
        let read = rng.range(20_000, 120_000) as usize;
        at = tr.tcp_session(
            at,
            &client,
            &fs1,
            rng.ephemeral_port(),
            445,
            &[(400, 400), (200, read), (20_000, 200)],
            rtt,
        ) + 20 * MS;
        // RPC: endpoint mapper, then the dynamic port it names.
        at = tr.tcp_session(
            at,
            &client,
            &dc1,
            rng.ephemeral_port(),
            135,
            &[(160, 150)],
            rtt,
        ) + 5 * MS;
        at = tr.tcp_session(
            at,
            &client,
            &dc1,
            rng.ephemeral_port(),
            49667,
            &[(900, 1100), (600, 700)],
            rtt,
        ) + 10 * MS;
        tr.udp_exchange(at, &client, &dc1, 123, 123, 48, Some(48), rtt);
        at += 100 * MS;
        tr.udp_exchange(at, &client, &bcast, 137, 137, 50, None, rtt);
        tr.udp_exchange(at + 300 * MS, &client, &bcast, 138, 138, 230, None, rtt);
        tr.udp_exchange(at + 400 * MS, &client, &mdns, 5353, 5353, 60, None, rtt);
        tr.udp_exchange(
            at + 450 * MS,
            &client,
            &wsd,
            rng.ephemeral_port(),
            3702,
            600,
            None,
            rtt,
        );
        tr.udp_exchange(
            at + 480 * MS,
            &client,
            &wsd,
            rng.ephemeral_port(),
            1900,
            130,
            None,
            rtt,
        );
        at += SEC;
        match i % 6 {
            0 => {
                tr.tcp_session(
                    at,
                    &client,
                    &jump,
                    rng.ephemeral_port(),
                    3389,
                    &[(800, 4000), (300, 30_000), (300, 25_000)],
                    rtt,
                );
            }
            1 => {
                tr.tcp_session(
                    at,
                    &client,
                    &web,
                    rng.ephemeral_port(),
                    443,
                    &[(517, 4200), (900, 15_000)],
                    rtt,
                );
            }
            2 => {
                tr.tcp_session(
                    at,
                    &client,
                    &fs1,
                    rng.ephemeral_port(),
                    5985,
                    &[(2200, 1800), (1500, 4000)],
                    rtt,
                );
                tr.tcp_session(
                    at + 2 * SEC,
                    &client,
                    &linux,
                    rng.ephemeral_port(),
                    22,
                    &[(40, 40), (1200, 3000)],
                    rtt,
                );
            }
            3 => {
                tr.tcp_session(
                    at,
                    &client,
                    &web,
                    rng.ephemeral_port(),
                    8443,
                    &[(517, 3000), (600, 9000)],
                    rtt,
                );
                tr.tcp_session(
                    at + SEC,
                    &client,
                    &mongo,
                    rng.ephemeral_port(),
                    27017,
                    &[(300, 5000)],
                    rtt,
                );
            }
            4 => {
                tr.tcp_unanswered(at, &client, &dc2, rng.ephemeral_port(), 49668, 2);
                tr.tcp_rejected(
                    at + 5 * SEC,
                    &client,
                    &closed,
                    rng.ephemeral_port(),
                    445,
                    rtt,
                );
            }
            _ => {
                tr.tcp_session(
                    at,
                    &client,
                    &web,
                    rng.ephemeral_port(),
                    443,
                    &[(517, 4200)],
                    rtt,
                );
            }
        }
        // Echo to the DC, ARP for the gateway.
        tr.push_ip(
            at + 3 * SEC,
            &client,
            &dc1,
            &frames::echo_request_ip(client.ip, dc1.ip, u16::from(i), 1),
        );
        tr.push_ip(
            at + 3 * SEC + rtt,
            &dc1,
            &client,
            &frames::echo_request_ip(dc1.ip, client.ip, u16::from(i), 1),
        );
        tr.push_frame(at + 4 * SEC, frames::arp_request(&client, [10, 10, 0, 1]));
    }
    // IPv6 clients: DNS and SMB over IPv6.
    for i in 0..4u8 {
        let c6 = Host::parse(&format!("2001:db8:10:1::{}", 0x65 + i));
        let at = s + 30 * SEC + i64::from(i) * 20 * SEC;
        t.udp_exchange(
            at,
            &c6,
            &dc1_v6,
            rng.ephemeral_port(),
            53,
            60,
            Some(180),
            rtt,
        );
        t.tcp_session(
            at + 10 * MS,
            &c6,
            &fs1_v6,
            rng.ephemeral_port(),
            445,
            &[(400, 400), (200, 40_000)],
            rtt,
        );
    }
    // Site-to-site tunnel: GRE keepalives and an ESP stream.
    for k in 0..20 {
        let (from, to) = if k % 2 == 0 {
            (&rras, &branch)
        } else {
            (&branch, &rras)
        };
        t.push_ip(
            s + k * 10 * SEC,
            from,
            to,
            &frames::proto_ip(
                from.ip,
                to.ip,
                47,
                &[
                    0, 0, 0x08, 0x00, 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 47, 0, 0, 10, 10, 0, 1, 198,
                    51, 100, 7,
                ],
            ),
        );
    }
    for k in 0..60 {
        let (from, to) = if k % 3 == 0 {
            (&branch, &rras)
        } else {
            (&rras, &branch)
        };
        let mut esp = vec![0x00, 0x00, 0x10, 0x01];
        esp.extend((k as u32 + 1).to_be_bytes());
        esp.extend(frames::payload(
            0,
            true,
            200 + (k as usize * 37) % 900,
            k as u64,
        ));
        t.push_ip(
            s + 5 * SEC + k * 4 * SEC,
            from,
            to,
            &frames::proto_ip(from.ip, to.ip, 50, &esp),
        );
    }
    for k in 0..10 {
        t.push_frame(s + k * 30 * SEC, frames::lldp(&rras));
    }
    let mut all = t.into_frames();
    all.extend(vlan.into_frames());
    all.sort_by_key(|f| f.ts_ns);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_deterministic() {
        let a: Vec<Vec<u8>> = all().iter().map(|f| f.bytes().unwrap()).collect();
        let b: Vec<Vec<u8>> = all().iter().map(|f| f.bytes().unwrap()).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn demo_is_a_few_thousand_packets() {
        let n = demo().len();
        assert!((2000..10_000).contains(&n), "{n}");
    }
}
