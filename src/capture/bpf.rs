//! A classic-BPF interpreter for programs compiled by libpcap.
//!
//! libpcap compiles the filter expression; this runs the compiled instructions in safe
//! Rust. Running them here rather than through `pcap_offline_filter` lets a frame's wire
//! length (`orig_len`) differ from its captured length, so `greater`/`less` and `len`
//! tests see the true length on snaplen-truncated captures, as tcpdump and tshark do
//! (the `pcap` crate's helper passes the captured length for both). Semantics follow
//! libpcap's `bpf_filter`: a load outside the captured bytes, a division by zero or a
//! jump out of the program rejects the frame.

/// One decoded instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instruction {
    /// Operation code.
    pub code: u16,
    /// Jump offset when true.
    pub jt: u8,
    /// Jump offset when false.
    pub jf: u8,
    /// Constant operand.
    pub k: u32,
}

/// A compiled program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    instructions: Vec<Instruction>,
}

const CLASS_LD: u16 = 0x00;
const CLASS_LDX: u16 = 0x01;
const CLASS_ST: u16 = 0x02;
const CLASS_STX: u16 = 0x03;
const CLASS_ALU: u16 = 0x04;
const CLASS_JMP: u16 = 0x05;
const CLASS_RET: u16 = 0x06;
const CLASS_MISC: u16 = 0x07;

const SIZE_W: u16 = 0x00;
const SIZE_H: u16 = 0x08;
const SIZE_B: u16 = 0x10;

const MODE_IMM: u16 = 0x00;
const MODE_ABS: u16 = 0x20;
const MODE_IND: u16 = 0x40;
const MODE_MEM: u16 = 0x60;
const MODE_LEN: u16 = 0x80;
const MODE_MSH: u16 = 0xa0;

const SRC_X: u16 = 0x08;
const RVAL_A: u16 = 0x10;
const RVAL_X: u16 = 0x08;
const MISC_TXA: u16 = 0x80;
const MEMORY_WORDS: usize = 16;

impl Program {
    /// A program from its instructions.
    pub fn new(instructions: Vec<Instruction>) -> Program {
        Program { instructions }
    }

    /// Reads the instructions of a libpcap program. The `pcap` crate exposes them only
    /// through `Display` (`code jt jf k`), which is parsed once per compiled filter.
    pub fn from_pcap(program: &pcap::BpfProgram) -> Option<Program> {
        let mut instructions = Vec::with_capacity(program.get_instructions().len());
        for insn in program.get_instructions() {
            let text = insn.to_string();
            let mut parts = text.split_whitespace();
            let mut next = || parts.next().and_then(|p| p.parse::<u64>().ok());
            let (code, jt, jf, k) = (next()?, next()?, next()?, next()?);
            instructions.push(Instruction {
                code: u16::try_from(code).ok()?,
                jt: u8::try_from(jt).ok()?,
                jf: u8::try_from(jf).ok()?,
                k: u32::try_from(k).ok()?,
            });
        }
        Some(Program { instructions })
    }

    /// Whether the frame passes: `data` is what was captured, `wire_len` its length on
    /// the wire.
    pub fn matches(&self, data: &[u8], wire_len: u32) -> bool {
        self.run(data, wire_len) != 0
    }

    fn run(&self, p: &[u8], wire_len: u32) -> u32 {
        let mut a: u32 = 0;
        let mut x: u32 = 0;
        let mut mem = [0u32; MEMORY_WORDS];
        let mut pc = 0usize;
        loop {
            let Some(&Instruction { code, jt, jf, k }) = self.instructions.get(pc) else {
                return 0;
            };
            pc += 1;
            match code & 0x07 {
                CLASS_RET => {
                    return match code & 0x18 {
                        RVAL_A => a,
                        RVAL_X => x,
                        _ => k,
                    };
                }
                CLASS_LD => {
                    a = match code & 0xe0 {
                        MODE_IMM => k,
                        MODE_LEN => wire_len,
                        MODE_MEM => match mem.get(k as usize) {
                            Some(v) => *v,
                            None => return 0,
                        },
                        MODE_ABS => match load(p, u64::from(k), code & 0x18) {
                            Some(v) => v,
                            None => return 0,
                        },
                        MODE_IND => match load(p, u64::from(x) + u64::from(k), code & 0x18) {
                            Some(v) => v,
                            None => return 0,
                        },
                        _ => return 0,
                    };
                }
                CLASS_LDX => {
                    x = match code & 0xe0 {
                        MODE_IMM => k,
                        MODE_LEN => wire_len,
                        MODE_MEM => match mem.get(k as usize) {
                            Some(v) => *v,
                            None => return 0,
                        },
                        MODE_MSH => match p.get(k as usize) {
                            Some(b) => u32::from(b & 0x0f) << 2,
                            None => return 0,
                        },
                        _ => return 0,
                    };
                }
                CLASS_ST | CLASS_STX => {
                    let value = if code & 0x07 == CLASS_ST { a } else { x };
                    match mem.get_mut(k as usize) {
                        Some(slot) => *slot = value,
                        None => return 0,
                    }
                }
                CLASS_ALU => {
                    let operand = if code & SRC_X != 0 { x } else { k };
                    a = match code & 0xf0 {
                        0x00 => a.wrapping_add(operand),
                        0x10 => a.wrapping_sub(operand),
                        0x20 => a.wrapping_mul(operand),
                        0x30 => match a.checked_div(operand) {
                            Some(v) => v,
                            None => return 0,
                        },
                        0x40 => a | operand,
                        0x50 => a & operand,
                        0x60 => a.checked_shl(operand).unwrap_or(0),
                        0x70 => a.checked_shr(operand).unwrap_or(0),
                        0x80 => a.wrapping_neg(),
                        0x90 => match a.checked_rem(operand) {
                            Some(v) => v,
                            None => return 0,
                        },
                        0xa0 => a ^ operand,
                        _ => return 0,
                    };
                }
                CLASS_JMP => {
                    let operand = if code & SRC_X != 0 { x } else { k };
                    let taken = match code & 0xf0 {
                        0x00 => {
                            pc = pc.saturating_add(k as usize);
                            continue;
                        }
                        0x10 => a == operand,
                        0x20 => a > operand,
                        0x30 => a >= operand,
                        0x40 => a & operand != 0,
                        _ => return 0,
                    };
                    pc += usize::from(if taken { jt } else { jf });
                }
                CLASS_MISC => {
                    if code & 0xf8 == MISC_TXA {
                        a = x;
                    } else {
                        x = a;
                    }
                }
                _ => return 0,
            }
        }
    }
}

/// A big-endian load of 4, 2 or 1 bytes at `at`, if all of them were captured.
#[inline]
fn load(p: &[u8], at: u64, size: u16) -> Option<u32> {
    let at = usize::try_from(at).ok()?;
    match size {
        SIZE_W => p
            .get(at..at.checked_add(4)?)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        SIZE_H => p
            .get(at..at.checked_add(2)?)
            .map(|b| u32::from(u16::from_be_bytes([b[0], b[1]]))),
        SIZE_B => p.get(at).map(|b| u32::from(*b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::LinkType;
    use wiretally_synth::frames::Link;
    use wiretally_synth::scenarios::{DEMO_START_NS, demo, small_mix};

    fn compile(expr: &str, lt: LinkType) -> (pcap::BpfProgram, Program) {
        let dead = pcap::Capture::dead(pcap::Linktype(lt.0 as i32)).unwrap();
        let prog = dead.compile(expr, true).unwrap();
        let ours = Program::from_pcap(&prog).unwrap();
        (prog, ours)
    }

    #[test]
    fn agrees_with_libpcap_on_whole_frames() {
        let frames = demo();
        let mut vlan = small_mix(Link::Vlan(20), 1, DEMO_START_NS).into_frames();
        vlan.extend(frames);
        for expr in [
            "tcp",
            "udp port 53",
            "tcp[tcpflags] & tcp-syn != 0",
            "host 10.10.0.10 and not port 445",
            "ip6",
            "arp or icmp",
            "vlan 20",
            "ip proto 50 or ip proto 47",
            "portrange 49152-65535",
            "greater 1000",
            "less 100",
            "net 10.10.2.0/24",
            "ip[2:2] > 576",
        ] {
            let (lib, ours) = compile(expr, LinkType::ETHERNET);
            let mut hits = 0;
            for f in &vlan {
                let want = lib.filter(&f.data);
                assert_eq!(ours.matches(&f.data, f.data.len() as u32), want, "{expr}");
                hits += usize::from(want);
            }
            assert!(hits > 0 || expr == "less 100", "{expr} matched nothing");
        }
    }

    #[test]
    fn length_tests_use_the_wire_length() {
        let (_, greater) = compile("greater 1000", LinkType::ETHERNET);
        let frame = &demo()[0].data;
        assert!(!greater.matches(&frame[..frame.len().min(96)], 96));
        assert!(greater.matches(&frame[..frame.len().min(96)], 1500));
    }

    #[test]
    fn hostile_programs_do_not_panic() {
        let insn = |code, jt, jf, k| Instruction { code, jt, jf, k };
        let programs = [
            vec![insn(0x20, 0, 0, u32::MAX)],                // ld [huge]
            vec![insn(0x60, 0, 0, 99), insn(0x16, 0, 0, 0)], // ld M[99]
            vec![insn(0x3c, 0, 0, 0), insn(0x16, 0, 0, 0)],  // div x (0)
            vec![insn(0x05, 0, 0, u32::MAX)],                // ja far
            vec![insn(0x15, 200, 200, 0)],                   // jeq past the end
            vec![insn(0x02, 0, 0, 16)],                      // st M[16]
            vec![insn(0x6c, 0, 0, 0), insn(0x16, 0, 0, 0)],  // lsh x
        ];
        for p in programs {
            assert!(!Program::new(p).matches(&[1, 2, 3], 3));
        }
    }
}
