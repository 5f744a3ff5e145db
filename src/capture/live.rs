//! Live capture on an interface through libpcap: opening with the options a sniffer needs,
//! frames as [`RawPacket`]s, libpcap's counters, and errors that say what to do.

use super::source::RawPacket;
use crate::decode::LinkType;
use crate::summary::CaptureStats;

/// How to open the interface.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Interface name.
    pub interface: String,
    /// Promiscuous mode.
    pub promisc: bool,
    /// Bytes kept of each frame.
    pub snaplen: u32,
    /// Kernel capture buffer in bytes (libpcap's default when `None`).
    pub buffer_size: Option<u32>,
    /// BPF filter, compiled by libpcap for the interface.
    pub filter: Option<String>,
}

/// Why a live capture could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The interface does not exist.
    #[error("no capture interface named '{name}'; interfaces: {available}")]
    NoSuchInterface {
        /// The name asked for.
        name: String,
        /// The names that exist, comma-separated.
        available: String,
    },
    /// Capturing needs privileges this process lacks.
    #[error(
        "no permission to capture on {interface} ({message}); run as root, or grant the binary the capability: sudo setcap cap_net_raw,cap_net_admin=eip {binary}"
    )]
    Permission {
        /// The interface.
        interface: String,
        /// libpcap's message.
        message: String,
        /// Path of this binary, for the setcap line.
        binary: String,
    },
    /// The filter does not compile for the interface.
    #[error("filter '{expression}' does not compile on {interface}: {message}")]
    Filter {
        /// The expression.
        expression: String,
        /// The interface.
        interface: String,
        /// libpcap's message.
        message: String,
    },
    /// The interface went away or down during the capture.
    #[error("capture on {interface} stopped: {message}")]
    Stopped {
        /// The interface.
        interface: String,
        /// libpcap's message.
        message: String,
    },
    /// Any other libpcap failure.
    #[error("cannot capture on {interface}: {message}")]
    Other {
        /// The interface.
        interface: String,
        /// libpcap's message.
        message: String,
    },
}

/// What one read from the interface gave.
pub enum LiveRead<'a> {
    /// A frame.
    Packet(RawPacket<'a>),
    /// No frame within the read timeout (time to refresh the view or check for a stop).
    Idle,
}

/// Read timeout handed to libpcap (buffer flush interval where immediate mode is absent).
const READ_TIMEOUT_MS: i32 = 100;
/// Pause when no frame is waiting: bounds the added latency and the idle CPU use.
const IDLE_SLEEP: std::time::Duration = std::time::Duration::from_millis(5);

/// An open live capture.
pub struct LiveCapture {
    interface: String,
    capture: pcap::Capture<pcap::Active>,
    link_type: LinkType,
}

fn is_permission_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("permission") || m.contains("not permitted") || m.contains("privilege")
}

impl LiveCapture {
    /// Opens the interface (checking first that it exists).
    pub fn open(opts: &LiveOptions) -> Result<LiveCapture, LiveError> {
        let other = |message: String| LiveError::Other {
            interface: opts.interface.clone(),
            message,
        };
        let devices = pcap::Device::list().map_err(|e| other(e.to_string()))?;
        let Some(device) = devices.iter().find(|d| d.name == opts.interface).cloned() else {
            return Err(LiveError::NoSuchInterface {
                name: opts.interface.clone(),
                available: devices
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let mut inactive = pcap::Capture::from_device(device)
            .map_err(|e| other(e.to_string()))?
            .promisc(opts.promisc)
            .snaplen(i32::try_from(opts.snaplen).unwrap_or(i32::MAX))
            .immediate_mode(true)
            .timeout(READ_TIMEOUT_MS)
            .precision(pcap::Precision::Nano);
        if let Some(size) = opts.buffer_size {
            inactive = inactive.buffer_size(i32::try_from(size).unwrap_or(i32::MAX));
        }
        let capture = inactive.open().map_err(|e| {
            let message = e.to_string();
            if is_permission_error(&message) {
                LiveError::Permission {
                    interface: opts.interface.clone(),
                    message,
                    binary: std::env::current_exe()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|_| "wiretally".into()),
                }
            } else {
                other(message)
            }
        })?;
        // Non-blocking reads: on Linux a blocking read on a quiet link can wait forever
        // (the read timeout only starts with the first packet), which would freeze the
        // view and ignore Ctrl-C. When nothing is waiting, `read_next` sleeps briefly instead.
        let mut capture = capture.setnonblock().map_err(|e| other(e.to_string()))?;
        if let Some(expression) = &opts.filter {
            capture
                .filter(expression, true)
                .map_err(|e| LiveError::Filter {
                    expression: expression.clone(),
                    interface: opts.interface.clone(),
                    message: e.to_string(),
                })?;
        }
        let link_type = LinkType(u32::try_from(capture.get_datalink().0).unwrap_or(u32::MAX));
        Ok(LiveCapture {
            interface: opts.interface.clone(),
            capture,
            link_type,
        })
    }

    /// The interface's link type.
    pub fn link_type(&self) -> LinkType {
        self.link_type
    }

    /// Waits for the next frame, at most the read timeout.
    pub fn read_next(&mut self) -> Result<LiveRead<'_>, LiveError> {
        match self.capture.next_packet() {
            Ok(p) => {
                let ts = p.header.ts;
                // With nanosecond precision libpcap puts nanoseconds in tv_usec.
                let ts_ns = ts
                    .tv_sec
                    .saturating_mul(1_000_000_000)
                    .saturating_add(ts.tv_usec);
                Ok(LiveRead::Packet(RawPacket {
                    ts_ns,
                    orig_len: p.header.len,
                    link_type: self.link_type,
                    data: p.data,
                }))
            }
            Err(pcap::Error::TimeoutExpired) => {
                std::thread::sleep(IDLE_SLEEP);
                Ok(LiveRead::Idle)
            }
            Err(e) => Err(LiveError::Stopped {
                interface: self.interface.clone(),
                message: e.to_string(),
            }),
        }
    }

    /// libpcap's counters so far.
    pub fn stats(&mut self) -> Option<CaptureStats> {
        self.capture.stats().ok().map(|s| CaptureStats {
            received: u64::from(s.received),
            dropped: u64::from(s.dropped),
            if_dropped: u64::from(s.if_dropped),
        })
    }
}
