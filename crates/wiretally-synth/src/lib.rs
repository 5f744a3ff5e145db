//! Synthetic traffic for fixtures, tests and benchmarks: deterministic frame builders
//! (TCP sessions, UDP exchanges, fragments, tunnels, non-IP frames), capture writers
//! (classic pcap in either byte order and resolution, pcapng) and the named scenarios
//! behind `fixtures/`. Everything is seeded: the same call writes the same bytes.

pub mod bulk;
pub mod churn;
pub mod dcerpc;
pub mod frames;
pub mod numbers;
pub mod rpc_traffic;
pub mod scatter;
pub mod scenarios;
pub mod writer;

/// A small deterministic PRNG (SplitMix64): fixtures must not change between runs or
/// machines, and the generator needs nothing stronger.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// An ephemeral client port (49152-65535, the Windows default range).
    pub fn ephemeral_port(&mut self) -> u16 {
        self.range(49152, 65535) as u16
    }
}

/// One frame to write: time, full frame bytes; writers apply the snaplen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Nanoseconds since the epoch.
    pub ts_ns: i64,
    /// The whole frame as it was on the wire.
    pub data: Vec<u8>,
}
