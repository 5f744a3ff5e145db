//! Port and payload disagreeing: what a flow's payload looks like, and whether that is a
//! protocol other than the one its server port is known for.

use crate::flow::FlowState;
use crate::inspect::fingerprint::Fingerprint;

/// What a flow looks like: the client's first payload when it is recognised, else the
/// server's, else `Unrecognized` when either sent a payload; None without payload.
pub fn looks_like(state: &FlowState, server: usize) -> Option<Fingerprint> {
    let client = state.payload_fingerprint(1 - server);
    let served = state.payload_fingerprint(server);
    let recognised = |f: Option<Fingerprint>| f.filter(|f| *f != Fingerprint::Unrecognized);
    recognised(client)
        .or(recognised(served))
        .or(client)
        .or(served)
}

/// The mismatch of a flow on `port`, if its payload contradicts what the port carries.
pub fn mismatch(ip_proto: u8, port: u16, seen: Option<Fingerprint>) -> Option<Fingerprint> {
    let expected = Fingerprint::expected(ip_proto, port)?;
    let seen = seen?;
    let strict = expected == [Fingerprint::Dns];
    let contradicts = if seen == Fingerprint::Unrecognized {
        strict
    } else {
        !expected.contains(&seen)
    };
    contradicts.then_some(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatches() {
        use Fingerprint::*;
        assert_eq!(mismatch(6, 443, Some(Ssh)), Some(Ssh));
        assert_eq!(mismatch(6, 443, Some(Tls)), None);
        assert_eq!(mismatch(6, 443, Some(Unrecognized)), None);
        assert_eq!(mismatch(6, 3389, Some(Http)), Some(Http));
        assert_eq!(mismatch(17, 53, Some(Unrecognized)), Some(Unrecognized));
        assert_eq!(mismatch(17, 53, Some(Dns)), None);
        assert_eq!(mismatch(17, 53, None), None);
        assert_eq!(mismatch(6, 40000, Some(Ssh)), None);
    }
}
