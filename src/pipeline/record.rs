//! Flow records: one line per flow for `--flows` ([`FlowRecord`]), built from a flow's
//! key, state and classification, and the [`FlowSink`] that takes them.

use std::io;

use serde::Serialize;

use crate::classify::conn::ConnState;
use crate::classify::{Classification, ServerRule};
use crate::decode;
use crate::flow::expiry::FlowEnd;
use crate::flow::{FlowKey, FlowState};
use crate::inspect::fingerprint::Fingerprint;
use crate::summary::{LineMatch, LineTransport, ns_to_secs};
use crate::table::{EntryScope, ServiceTable, Specificity};

/// One flow as written by `--flows`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowRecord {
    /// `tcp`, `udp`, `sctp` or `ip`.
    pub transport: &'static str,
    /// IP protocol number.
    pub ip_proto: u8,
    /// Client address.
    pub client: String,
    /// Client port (absent for protocols without ports).
    pub client_port: Option<u16>,
    /// Server address.
    pub server: String,
    /// Server port.
    pub server_port: Option<u16>,
    /// Service label, or null for unknown traffic.
    pub service: Option<String>,
    /// The system services of the service's table entry, one item each (a name may hold
    /// `; ` itself). NDJSON and CSV write them as one text, joined by `; ` (empty when
    /// none); Parquet as a list.
    #[serde(serialize_with = "joined_services")]
    pub system_services: Vec<String>,
    /// `exact`, `range`, `ip_proto` or `none`.
    #[serde(rename = "match")]
    pub match_kind: &'static str,
    /// Which rule picked the server side.
    pub server_rule: &'static str,
    /// First packet, seconds since the epoch.
    pub first_ts: f64,
    /// Last packet, seconds since the epoch.
    pub last_ts: f64,
    /// Packets client -> server.
    pub packets_c2s: u64,
    /// Bytes client -> server.
    pub bytes_c2s: u64,
    /// Packets server -> client.
    pub packets_s2c: u64,
    /// Bytes server -> client.
    pub bytes_s2c: u64,
    /// Why the record was written: `idle_timeout`, `closed`, `evicted` or `capture_end`.
    pub ended_by: &'static str,
    /// How the connection went (see the README: `established`, `rejected`, ...).
    pub conn_state: &'static str,
    /// TCP SYNs the client sent again.
    pub syn_retransmissions: u8,
    /// The ICMP error that named this flow (e.g. `admin_prohibited`), if any.
    pub icmp: Option<&'static str>,
    /// TCP SYN -> SYN/ACK at the capture point, milliseconds.
    pub syn_ack_ms: Option<f64>,
    /// TCP SYN/ACK -> ACK at the capture point, milliseconds.
    pub ack_ms: Option<f64>,
    /// What the client's first payload looks like (`tls`, `http`, ..., `unrecognized`;
    /// null when it sent none).
    pub client_payload: Option<&'static str>,
    /// What the server's first payload looks like.
    pub server_payload: Option<&'static str>,
    /// The TLS server name (SNI) the client asked for, when captured.
    pub server_name: Option<String>,
    /// The DCE/RPC interface the flow carried (`drsuapi`, ...), when known.
    pub rpc_interface: Option<String>,
    /// How it was identified: `endpoint_mapper`, `bind` or `named_pipe`.
    pub rpc_identified_by: Option<&'static str>,
    /// The worst answer the server gave on the flow (`KDC_ERR_PREAUTH_FAILED`,
    /// `STATUS_LOGON_FAILURE`, `invalidCredentials`, `NXDOMAIN`, ...), when the outcome
    /// parsers read one.
    pub outcome: Option<String>,
    /// Its class: `logon_failure`, `account_restricted`, `access_denied`, `clock_skew`,
    /// `dc_locator_failure`, `error`, `routine` or `ok`.
    pub outcome_class: Option<&'static str>,
    /// Answers read on the flow.
    pub answers: u64,
    /// The account the flow's messages named (Kerberos principal, NTLM `DOMAIN\user`,
    /// LDAP bind name).
    pub account: Option<String>,
    /// SMB: the dialect the server chose (`SMB 3.1.1`, ...).
    pub smb_dialect: Option<String>,
    /// SMB: whether the server required signing.
    pub smb_signing_required: Option<bool>,
    /// SMB: whether the session's traffic was encrypted.
    pub smb_encrypted: Option<bool>,
}

/// The text form of [`FlowRecord::system_services`]: the names joined by `; `.
fn joined_services<S: serde::Serializer>(services: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&services.join("; "))
}

/// Where flow records go (the `--flows` writer): each flow as it ends, then the flows
/// still open at the end of the run.
pub trait FlowSink: Send {
    /// Takes one record.
    fn write(&mut self, record: &FlowRecord) -> io::Result<()>;

    /// Called once after the last record (flush and close).
    fn finish(self: Box<Self>) -> io::Result<()> {
        Ok(())
    }
}

impl<F: FnMut(&FlowRecord) -> io::Result<()> + Send> FlowSink for F {
    fn write(&mut self, record: &FlowRecord) -> io::Result<()> {
        self(record)
    }
}

pub(crate) struct RecordFields {
    service: Option<String>,
    system_services: Vec<String>,
    match_kind: &'static str,
    rule: ServerRule,
}

pub(crate) fn c_fields(c: &Classification, table: &ServiceTable) -> RecordFields {
    let entry = c.entry.map(|e| table.entry(e));
    RecordFields {
        service: entry.map(|e| e.label.clone()),
        system_services: entry.map_or_else(Vec::new, |e| e.system_services.clone()),
        match_kind: match (entry.map(|e| e.scope), c.specificity) {
            (None, _) => "none",
            (Some(EntryScope::IpProto(_)), _) => LineMatch::IpProto.as_str(),
            (_, Specificity::Range) => LineMatch::Range.as_str(),
            _ => LineMatch::Exact.as_str(),
        },
        rule: c.rule,
    }
}

pub(crate) fn flow_record(
    key: &FlowKey,
    state: &FlowState,
    f: &RecordFields,
    server: usize,
    end: FlowEnd,
) -> FlowRecord {
    let client = 1 - server;
    let ports = key.has_ports();
    let (syn_ack, ack) = state.handshake_us();
    FlowRecord {
        transport: LineTransport::of_ip_proto(key.proto).as_str(),
        ip_proto: key.proto,
        client: decode::addr_to_string(key.v6, &key.addr[client]),
        client_port: ports.then_some(key.port[client]),
        server: decode::addr_to_string(key.v6, &key.addr[server]),
        server_port: ports.then_some(key.port[server]),
        service: f.service.clone(),
        system_services: f.system_services.clone(),
        match_kind: f.match_kind,
        server_rule: f.rule.as_str(),
        first_ts: ns_to_secs(state.first_ts),
        last_ts: ns_to_secs(state.last_ts),
        packets_c2s: state.packets[client],
        bytes_c2s: state.bytes[client],
        packets_s2c: state.packets[server],
        bytes_s2c: state.bytes[server],
        ended_by: end.as_str(),
        conn_state: ConnState::of(key, state, server).as_str(),
        syn_retransmissions: state.syns().saturating_sub(1),
        icmp: state.icmp().map(|r| r.name()),
        syn_ack_ms: syn_ack.map(|us| f64::from(us) / 1000.0),
        ack_ms: ack.map(|us| f64::from(us) / 1000.0),
        client_payload: state.payload_fingerprint(client).map(Fingerprint::name),
        server_payload: state.payload_fingerprint(server).map(Fingerprint::name),
        server_name: None,
        rpc_interface: None,
        rpc_identified_by: None,
        outcome: None,
        outcome_class: None,
        answers: 0,
        account: None,
        smb_dialect: None,
        smb_signing_required: None,
        smb_encrypted: None,
    }
}

/// Puts what the outcome parsers read on a flow into its record.
pub(crate) fn add_answers(
    record: &mut FlowRecord,
    answers: &crate::inspect::outcome::answers::FlowAnswers,
) {
    if let Some(worst) = answers.worst() {
        record.outcome = Some(worst.name.to_string());
        record.outcome_class = Some(worst.class.as_str());
    }
    record.answers = answers.count();
    if answers.dns_error() && matches!(record.conn_state, "answered" | "established" | "closed") {
        record.conn_state = ConnState::AnsweredWithError.as_str();
    }
    record.account = answers.account().map(str::to_string);
    if let Some(smb) = answers.smb {
        record.smb_dialect = smb
            .dialect
            .map(|d| crate::inspect::outcome::answers::dialect_name(d).into_owned());
        record.smb_signing_required = Some(smb.signing_required);
        record.smb_encrypted = Some(smb.encrypted);
    }
}
