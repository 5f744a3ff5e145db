//! SMB answers: the NT status of every SMB2/3 response that failed, and of the
//! negotiation, logon, tree connect and create steps that worked, with the NTLM or
//! Kerberos account of the session, the share and the name opened; SMB1 replies;
//! NetBIOS session refusals; the session facts (dialect, signing, encryption); and the
//! DCE/RPC inside named pipes.

use crate::inspect::outcome::Severity;
use crate::inspect::outcome::answers::{FlowAnswers, SmbSession};
use crate::inspect::outcome::smb::{
    self, SESSION_FLAG_ENCRYPT_DATA, SIGNING_REQUIRED, Smb1Body, Smb1Message, Smb2Body,
    Smb2Message, SmbMessage, command, smb1_command,
};
use crate::inspect::outcome::stream::{Frame, Framing, SessionPacket, frames};
use crate::summary::outcome::AppProtocol;

use super::answer::{Names, Pending, PendingList, count, name, ntlm_account, principal};
use super::dcerpc::{self, RpcState};

/// Named pipes whose DCE/RPC is followed per flow.
const MAX_PIPES: usize = 8;

/// STATUS_PENDING: an interim answer, the final one follows.
const STATUS_PENDING: i64 = 0x0000_0103;
/// STATUS_NOT_FOUND.
const STATUS_NOT_FOUND: i64 = 0xC000_0225;
/// FSCTL_DFS_GET_REFERRALS and its _EX form ([MS-SMB2] 2.2.31).
const FSCTL_DFS_GET_REFERRALS: u32 = 0x0006_0194;
const FSCTL_DFS_GET_REFERRALS_EX: u32 = 0x0006_01B0;
/// What a DFS referral request is about, in the report.
const DFS_REFERRAL: &str = "DFS referral";

/// SMB1's dialect, as [`SmbSession::dialect`] records it.
const SMB1_DIALECT: u16 = 0x0001;

/// What an SMB connection remembers.
#[derive(Debug, Default)]
pub struct SmbState {
    requests: PendingList<u64>,
    /// The account of the last session setup.
    account: Option<Box<str>>,
    /// READ requests by message id: the file they read.
    reads: Vec<(u64, [u8; 16])>,
    /// DCE/RPC per named pipe (by FileId).
    pipes: Vec<([u8; 16], RpcState)>,
    /// SMB1 requests by MID.
    smb1: PendingList<u16>,
    /// The interface a bind inside a named pipe just asked for.
    pub named: Option<u16>,
}

impl SmbState {
    fn pipe(&mut self, file: [u8; 16]) -> &mut RpcState {
        let at = match self.pipes.iter().position(|(f, _)| *f == file) {
            Some(at) => at,
            None => {
                if self.pipes.len() >= MAX_PIPES {
                    self.pipes.remove(0);
                }
                self.pipes.push((file, RpcState::default()));
                self.pipes.len() - 1
            }
        };
        &mut self.pipes[at].1
    }
}

/// Reads one NetBIOS session message (or session packet).
pub fn read_frame(
    state: &mut SmbState,
    answers: &mut FlowAnswers,
    names: &Names,
    frame: Frame<'_>,
) {
    match frame {
        Frame::Message(msg) => read(state, answers, names, msg),
        Frame::Session(packet @ SessionPacket::Negative(_)) => {
            if let Some(outcome) = packet.outcome() {
                count(
                    answers,
                    AppProtocol::Smb,
                    "NetBIOS session request",
                    &outcome,
                    None,
                    None,
                );
            }
        }
        _ => {}
    }
}

fn session(answers: &mut FlowAnswers) -> &mut SmbSession {
    answers.smb.get_or_insert_with(SmbSession::default)
}

fn read(state: &mut SmbState, answers: &mut FlowAnswers, names: &Names, msg: &[u8]) {
    match smb::parse(msg) {
        Some(SmbMessage::Smb2(messages)) => {
            for m in &messages {
                smb2(state, answers, names, m);
            }
        }
        Some(SmbMessage::Smb1(m)) => smb1(state, answers, &m),
        Some(SmbMessage::Encrypted { .. }) => session(answers).encrypted = true,
        Some(SmbMessage::Compressed { .. }) | None => {}
    }
}

/// Whether the success of a command is worth counting (the steps that set a session
/// up); failures of every command are.
fn counts_success(cmd: u16) -> bool {
    matches!(
        cmd,
        command::NEGOTIATE | command::SESSION_SETUP | command::TREE_CONNECT | command::CREATE
    )
}

fn smb2(state: &mut SmbState, answers: &mut FlowAnswers, names: &Names, m: &Smb2Message<'_>) {
    if !m.is_response() {
        let (account, about) = match &m.body {
            Smb2Body::SessionSetupRequest { ntlm, kerberos, .. } => {
                let account = ntlm_account(ntlm.as_deref()).or_else(|| {
                    kerberos
                        .as_ref()
                        .and_then(|k| principal(&k.cname, &k.realm))
                });
                if account.is_some() {
                    state.account = account.clone();
                }
                (account, None)
            }
            Smb2Body::TreeConnectRequest { path } => (None, name(path)),
            Smb2Body::CreateRequest { name: opened } => (None, name(opened)),
            Smb2Body::IoctlRequest { ctl_code, .. }
                if matches!(
                    *ctl_code,
                    FSCTL_DFS_GET_REFERRALS | FSCTL_DFS_GET_REFERRALS_EX
                ) =>
            {
                (None, Some(DFS_REFERRAL.into()))
            }
            Smb2Body::ReadRequest { file_id } => {
                if state.reads.len() >= 64 {
                    state.reads.remove(0);
                }
                state.reads.push((m.message_id, *file_id));
                (None, None)
            }
            _ => (None, None),
        };
        if let Some(operation) = m.command_name() {
            state.requests.push(Pending {
                key: m.message_id,
                operation,
                account,
                about,
            });
        }
        if let (Some(data), Some(file)) = (m.pipe_payload(), file_of(&m.body)) {
            pipe(state, answers, names, file, data);
        }
        return;
    }
    match &m.body {
        Smb2Body::NegotiateResponse {
            dialect,
            security_mode,
            ..
        } => {
            let s = session(answers);
            s.dialect = Some(*dialect);
            s.signing_required = security_mode & SIGNING_REQUIRED != 0;
        }
        Smb2Body::SessionSetupResponse { session_flags, .. }
            if session_flags & SESSION_FLAG_ENCRYPT_DATA != 0 =>
        {
            session(answers).encrypted = true;
        }
        _ => {}
    }
    if let Some(data) = m.pipe_payload() {
        let file = match &m.body {
            Smb2Body::ReadResponse { .. } => state
                .reads
                .iter()
                .find(|(id, _)| *id == m.message_id)
                .map(|(_, f)| *f),
            body => file_of(body),
        };
        if let Some(file) = file {
            pipe(state, answers, names, file, data);
        }
    }
    let Some(mut outcome) = m.outcome() else {
        return;
    };
    // An interim STATUS_PENDING answer leaves the request waiting for its final one.
    if outcome.code.value == STATUS_PENDING {
        return;
    }
    let request = state.requests.take(&m.message_id);
    let dfs = request
        .as_ref()
        .is_some_and(|r| r.about.as_deref() == Some(DFS_REFERRAL));
    if dfs && outcome.code.value == STATUS_NOT_FOUND {
        // No DFS namespace behind the share: clients ask on every connection.
        outcome.severity = Severity::Routine;
    }
    if !outcome.severity.is_failure() && !counts_success(m.command) {
        return;
    }
    let operation = m
        .command_name()
        .or(request.as_ref().map(|r| r.operation))
        .unwrap_or("SMB2 command");
    let (account, about) = request.map_or((None, None), |r| (r.account, r.about));
    let account = account.or_else(|| state.account.clone());
    count(
        answers,
        AppProtocol::Smb,
        operation,
        &outcome,
        account,
        about,
    );
}

/// The FileId a request or an IOCTL response names.
fn file_of(body: &Smb2Body<'_>) -> Option<[u8; 16]> {
    match body {
        Smb2Body::WriteRequest { file_id, .. }
        | Smb2Body::IoctlRequest { file_id, .. }
        | Smb2Body::IoctlResponse { file_id, .. }
        | Smb2Body::ReadRequest { file_id } => Some(*file_id),
        _ => None,
    }
}

/// Reads the DCE/RPC PDUs a named pipe carried.
fn pipe(
    state: &mut SmbState,
    answers: &mut FlowAnswers,
    names: &Names,
    file: [u8; 16],
    data: &[u8],
) {
    if data.first() != Some(&5) {
        return;
    }
    let rpc = state.pipe(file);
    for frame in frames(data, Framing::DceRpc) {
        match frame {
            Frame::Message(pdu) => dcerpc::read(rpc, answers, names, pdu),
            _ => break,
        }
    }
    if let Some(named) = rpc.named.take() {
        state.named = Some(named);
    }
}

/// The name of an SMB1 command this module reads.
fn smb1_name(cmd: u8) -> &'static str {
    match cmd {
        smb1_command::NEGOTIATE => "SMB1 NEGOTIATE",
        smb1_command::SESSION_SETUP_ANDX => "SMB1 SESSION_SETUP_ANDX",
        smb1_command::TREE_CONNECT_ANDX => "SMB1 TREE_CONNECT_ANDX",
        smb1_command::NT_CREATE_ANDX => "SMB1 NT_CREATE_ANDX",
        _ => "SMB1 command",
    }
}

fn smb1(state: &mut SmbState, answers: &mut FlowAnswers, m: &Smb1Message) {
    if !m.is_response() {
        let (account, about) = match &m.body {
            Smb1Body::SessionSetupRequest {
                ntlm,
                account,
                domain,
            } => {
                let plain = match (account.as_deref(), domain.as_deref()) {
                    (Some(a), Some(d)) if !a.is_empty() && !d.is_empty() => {
                        Some(format!("{d}\\{a}").into_boxed_str())
                    }
                    (Some(a), _) => name(a),
                    _ => None,
                };
                (ntlm_account(ntlm.as_deref()).or(plain), None)
            }
            Smb1Body::TreeConnectRequest { path } => (None, name(path)),
            Smb1Body::NtCreateRequest { name: opened } => (None, name(opened)),
            _ => (None, None),
        };
        state.smb1.push(Pending {
            key: m.mid,
            operation: smb1_name(m.command),
            account,
            about,
        });
        return;
    }
    if let Smb1Body::NegotiateResponse { dialect_index } = m.body {
        if dialect_index != 0xffff {
            session(answers).dialect = Some(SMB1_DIALECT);
        }
    }
    let Some(outcome) = m.outcome() else { return };
    let request = state.smb1.take(&m.mid);
    let interesting = matches!(
        m.command,
        smb1_command::NEGOTIATE
            | smb1_command::SESSION_SETUP_ANDX
            | smb1_command::TREE_CONNECT_ANDX
            | smb1_command::NT_CREATE_ANDX
    );
    if !outcome.severity.is_failure() && !interesting {
        return;
    }
    let (account, about) = request.map_or((None, None), |r| (r.account, r.about));
    count(
        answers,
        AppProtocol::Smb,
        smb1_name(m.command),
        &outcome,
        account,
        about,
    );
}
