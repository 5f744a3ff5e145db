//! Where flow updates run: inline on the reading thread, or on a worker thread fed in
//! batches, so reading and decoding (one core) overlap with the flow table (the other).
//! The worker applies events in the order they were sent, so both give identical results.

use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use crate::decode::icmp::IcmpReason;
use crate::decode::{FragmentKey, IpSummary};
use crate::flow::expiry::Expiry;
use crate::flow::observer::PacketObserver;
use crate::flow::{FlowKey, FlowTable, KeyedPacket, RetiredFlow};
use crate::inspect::outcome::answers::FlowAnswers;
use crate::inspect::rpc::RpcId;

/// Events sent per batch to the worker.
const EVENTS_PER_BATCH: usize = 4096;
/// Batches in flight between the threads.
const BATCHES_IN_FLIGHT: usize = 4;

/// One flow-table update.
#[derive(Debug, Clone)]
/// Kept small (the common case is `Keyed`): events are copied in batches between threads.
enum FlowEvent {
    Keyed(KeyedPacket),
    Packet(Box<(IpSummary, i64, u32, u8)>),
    LaterFragment(FragmentKey, i64, u32),
    IcmpError(Box<(IpSummary, IcmpReason)>),
    ServerName(Box<(IpSummary, Box<str>)>),
    Answers(Box<(IpSummary, FlowAnswers)>),
    Rpc(FlowKey, RpcId, Option<u8>),
}

impl FlowEvent {
    #[inline]
    fn apply(self, table: &mut FlowTable) {
        match self {
            FlowEvent::Keyed(packet) => table.add_keyed(packet),
            FlowEvent::Packet(boxed) => {
                let (ip, ts, len, fp) = *boxed;
                table.add_packet_with_payload(&ip, ts, len, fp);
            }
            FlowEvent::LaterFragment(series, ts, len) => table.add_later_fragment(&series, ts, len),
            FlowEvent::IcmpError(boxed) => {
                let (quoted, reason) = *boxed;
                table.add_icmp_error(&quoted, reason);
            }
            FlowEvent::ServerName(named) => {
                let (ip, name) = *named;
                table.add_server_name(&ip, name);
            }
            FlowEvent::Rpc(key, id, sender) => {
                table.set_rpc_from(&key, id, sender.map(usize::from));
            }
            FlowEvent::Answers(more) => {
                let (ip, answers) = *more;
                table.add_answers(&ip, answers);
            }
        }
    }
}

/// A flow table with these settings.
fn table(expiry: Expiry, observer: Option<Box<dyn PacketObserver>>) -> FlowTable {
    let table = FlowTable::with_expiry(expiry);
    match observer {
        Some(observer) => table.with_observer(observer),
        None => table,
    }
}

/// A worker thread that owns the flow table.
struct Worker {
    batch: Vec<FlowEvent>,
    to_worker: SyncSender<Vec<FlowEvent>>,
    recycled: Receiver<Vec<FlowEvent>>,
    /// Flows the worker retired, in the order it retired them.
    retired: Receiver<Vec<RetiredFlow>>,
    handle: JoinHandle<FlowTable>,
}

/// The flow table, inline or behind a worker thread.
pub enum FlowStage {
    /// Updates run on the caller's thread.
    Inline(Box<FlowTable>),
    /// Updates run on a worker thread.
    Threaded(Box<WorkerHandle>),
}

/// Opaque handle to the worker (boxed to keep [`FlowStage`] small).
pub struct WorkerHandle(Option<Worker>);

impl FlowStage {
    /// Updates on the calling thread (showing every packet to `observer` when given).
    pub fn inline(expiry: Expiry, observer: Option<Box<dyn PacketObserver>>) -> FlowStage {
        FlowStage::Inline(Box::new(table(expiry, observer)))
    }

    /// Updates on a new worker thread; falls back to inline if no thread can be started.
    pub fn threaded(expiry: Expiry, sizes: Option<Box<dyn PacketObserver>>) -> FlowStage {
        let (to_worker, from_reader) = sync_channel::<Vec<FlowEvent>>(BATCHES_IN_FLIGHT);
        let (recycle, recycled) = sync_channel::<Vec<FlowEvent>>(BATCHES_IN_FLIGHT + 2);
        // Unbounded: the reader drains it on every batch it sends, and a bounded channel
        // could leave both threads waiting on each other.
        let (send_retired, retired) = channel::<Vec<RetiredFlow>>();
        let fallback = sizes.as_ref().map(|o| o.clone_box());
        let spawned = std::thread::Builder::new()
            .name("wiretally-flows".into())
            .spawn(move || {
                let mut table = table(expiry, sizes);
                for mut batch in from_reader {
                    for event in batch.drain(..) {
                        event.apply(&mut table);
                    }
                    let _ = recycle.try_send(batch);
                    if table.has_retired() {
                        let _ = send_retired.send(table.take_retired());
                    }
                }
                table
            });
        match spawned {
            Ok(handle) => FlowStage::Threaded(Box::new(WorkerHandle(Some(Worker {
                batch: Vec::with_capacity(EVENTS_PER_BATCH),
                to_worker,
                recycled,
                retired,
                handle,
            })))),
            Err(_) => FlowStage::inline(expiry, fallback),
        }
    }

    /// Takes the flows retired so far (with a worker: those it has already handed back),
    /// in the order they ended.
    pub fn take_retired(&mut self) -> Vec<RetiredFlow> {
        match self {
            FlowStage::Inline(table) => table.take_retired(),
            FlowStage::Threaded(worker) => match worker.0.as_ref() {
                Some(w) => w.retired.try_iter().flatten().collect(),
                None => Vec::new(),
            },
        }
    }

    #[inline]
    fn send(&mut self, event: FlowEvent) {
        match self {
            FlowStage::Inline(table) => event.apply(table),
            FlowStage::Threaded(worker) => {
                let Some(w) = worker.0.as_mut() else {
                    return;
                };
                w.batch.push(event);
                if w.batch.len() >= EVENTS_PER_BATCH {
                    let next = w
                        .recycled
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(EVENTS_PER_BATCH));
                    let full = std::mem::replace(&mut w.batch, next);
                    // The worker only stops when this side hangs up, so sending succeeds.
                    let _ = w.to_worker.send(full);
                }
            }
        }
    }

    /// Counts a packet that carries its own flow identity.
    #[inline]
    pub fn add_packet(&mut self, ip: &IpSummary, ts: i64, len: u32) {
        self.add_packet_with_payload(ip, ts, len, 0);
    }

    /// Counts a packet whose payload has fingerprint code `fp`.
    #[inline]
    pub fn add_packet_with_payload(&mut self, ip: &IpSummary, ts: i64, len: u32, fp: u8) {
        let event = match KeyedPacket::of(ip, ts, len, fp) {
            Some(keyed) => FlowEvent::Keyed(keyed),
            None => FlowEvent::Packet(Box::new((*ip, ts, len, fp))),
        };
        self.send(event);
    }

    /// Tells flow `key` which DCE/RPC interface it carries.
    pub fn set_rpc(&mut self, key: &FlowKey, id: RpcId) {
        self.send(FlowEvent::Rpc(*key, id, None));
    }

    /// Tells flow `key` its interface, learned from a bind that endpoint `sender` sent.
    pub fn set_rpc_by_bind(&mut self, key: &FlowKey, id: RpcId, sender: usize) {
        self.send(FlowEvent::Rpc(*key, id, Some(sender as u8)));
    }

    /// Notes the TLS server name a packet's flow asked for.
    pub fn add_server_name(&mut self, ip: &IpSummary, name: Box<str>) {
        self.send(FlowEvent::ServerName(Box::new((*ip, name))));
    }

    /// Adds what the outcome parsers read in a packet to its flow.
    pub fn add_answers(&mut self, ip: &IpSummary, answers: FlowAnswers) {
        self.send(FlowEvent::Answers(Box::new((*ip, answers))));
    }

    /// Counts a later fragment.
    #[inline]
    pub fn add_later_fragment(&mut self, series: &FragmentKey, ts: i64, len: u32) {
        self.send(FlowEvent::LaterFragment(*series, ts, len));
    }

    /// Notes an ICMP error on the flow whose packet it quotes.
    #[inline]
    pub fn add_icmp_error(&mut self, quoted: &IpSummary, reason: IcmpReason) {
        self.send(FlowEvent::IcmpError(Box::new((*quoted, reason))));
    }

    /// Waits for all updates and returns the table, with the flows retired and not yet
    /// taken, in the order they ended.
    pub fn into_table(self) -> (FlowTable, Vec<RetiredFlow>) {
        match self {
            FlowStage::Inline(mut table) => {
                table.flush();
                let retired = table.take_retired();
                (*table, retired)
            }
            FlowStage::Threaded(mut worker) => {
                let w = worker.0.take().expect("worker present until joined");
                if !w.batch.is_empty() {
                    let _ = w.to_worker.send(w.batch);
                }
                drop(w.to_worker);
                match w.handle.join() {
                    Ok(mut table) => {
                        table.flush();
                        let mut retired: Vec<RetiredFlow> =
                            w.retired.try_iter().flatten().collect();
                        retired.append(&mut table.take_retired());
                        (table, retired)
                    }
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        }
    }
}
