//! Readable names of EtherTypes and IP protocols, for report lines.

/// The name of a non-IP EtherType the reports list, or None for one without a name here.
pub fn ether_type_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0x0806 => "ARP",
        0x8035 => "RARP",
        0x809b => "AppleTalk",
        0x80f3 => "AARP",
        0x8137 => "IPX",
        0x8808 => "Ethernet flow control",
        0x8809 => "LACP",
        0x8863 => "PPPoE discovery",
        0x8864 => "PPPoE session",
        0x886f => "Microsoft NLB heartbeat",
        0x888e => "802.1X EAPOL",
        0x8892 => "PROFINET",
        0x88cc => "LLDP",
        0x88e5 => "MACsec",
        0x88f7 => "PTP",
        0x8906 => "FCoE",
        0x8914 => "FIP",
        0x9000 => "Ethernet loopback",
        0x893a => "IEEE 1905",
        0x88e1 => "HomePlug",
        0x8899 => "Realtek",
        0x22f0 => "AVTP",
        _ => return None,
    })
}

/// A short name for an IP protocol number (`TCP`, `OSPF`, `IP protocol 253`).
pub fn ip_proto_name(p: u8) -> String {
    let name = match p {
        0 => "HOPOPT",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPv4-in-IP",
        6 => "TCP",
        8 => "EGP",
        9 => "IGP",
        17 => "UDP",
        41 => "IPv6-in-IP",
        46 => "RSVP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "ICMPv6",
        59 => "IPv6-NoNxt",
        88 => "EIGRP",
        89 => "OSPF",
        103 => "PIM",
        112 => "VRRP",
        115 => "L2TP",
        132 => "SCTP",
        136 => "UDPLite",
        _ => return format!("IP protocol {p}"),
    };
    name.to_string()
}
