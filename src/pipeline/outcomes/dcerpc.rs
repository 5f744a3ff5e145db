//! DCE/RPC answers, on a flow of its own or inside SMB named pipes: the result of every
//! presentation context a bind or alter_context asked for, bind_nak reasons, and each
//! call's answer (a response, or a fault with its status) named by its interface and
//! operation. The account of an NTLM authentication in the PDUs goes with them.

use crate::inspect::outcome::Outcome;
use crate::inspect::outcome::answers::FlowAnswers;
use crate::inspect::outcome::code::{Protocol, Severity};
use crate::inspect::outcome::dcerpc::{self, RpcPdu, context_result, provider_reason};
use crate::inspect::rpc::interfaces::Uuid;
use crate::inspect::rpc::pdu::PFC_FIRST_FRAG;
use crate::summary::outcome::AppProtocol;

use super::answer::{Names, Pending, PendingList, count, name};

/// Presentation contexts remembered per flow.
const MAX_CONTEXTS: usize = 32;

/// What a DCE/RPC association remembers: the contexts asked for by the last bind, the
/// contexts accepted, the calls awaiting answers and the account that authenticated.
#[derive(Debug, Default)]
pub struct RpcState {
    asked: Vec<(u16, Uuid, u16)>,
    bound: Vec<(u16, Uuid, u16)>,
    calls: PendingList<u32>,
    account: Option<Box<str>>,
    /// The interface (index into the interface table) a bind just asked for, for the
    /// caller to name the flow by (the first that is not DCOM plumbing).
    pub named: Option<u16>,
}

impl RpcState {
    fn interface_of(&self, context: u16) -> Option<(Uuid, u16)> {
        self.bound
            .iter()
            .rev()
            .find(|(id, _, _)| *id == context)
            .map(|(_, uuid, major)| (*uuid, *major))
    }
}

/// Reads one PDU (whole, header included).
pub fn read(state: &mut RpcState, answers: &mut FlowAnswers, names: &Names, pdu: &[u8]) {
    let Some(m) = dcerpc::parse(pdu) else {
        return;
    };
    if let Some(account) = m.ntlm_account().and_then(|a| name(&a)) {
        state.account = Some(account);
    }
    let first = m.header.flags & PFC_FIRST_FRAG != 0;
    match &m.pdu {
        RpcPdu::Bind { contexts, .. } => {
            state.asked = contexts
                .iter()
                .map(|c| (c.id, c.interface.uuid, c.interface.major))
                .collect();
            let known: Vec<u16> = contexts
                .iter()
                .filter_map(|c| names.interfaces.find(&c.interface.uuid, c.interface.major))
                .collect();
            state.named = known
                .iter()
                .copied()
                .find(|i| names.interfaces.get(*i).is_some_and(|x| !x.is_plumbing()))
                .or_else(|| known.first().copied());
        }
        RpcPdu::BindAck { results, .. } => {
            let asked = std::mem::take(&mut state.asked);
            let any_accepted = results.iter().any(|r| r.result == 0);
            for (i, r) in results.iter().enumerate() {
                let context = asked.get(i).copied();
                let about = context.map(|(_, uuid, major)| names.interface(&uuid, major));
                let code = context_result(r.result);
                let (detail, severity) = match r.result {
                    0 => {
                        if let Some(c) = context {
                            if state.bound.len() >= MAX_CONTEXTS {
                                state.bound.remove(0);
                            }
                            state.bound.push(c);
                        }
                        (None, Severity::Success)
                    }
                    // Bind-time feature negotiation, and a transfer syntax refused
                    // while another context of the same bind was accepted (NDR64
                    // offered beside NDR): normal steps.
                    3 => (None, Severity::Routine),
                    _ if any_accepted => (Some(provider_reason(r.reason)), Severity::Routine),
                    _ => (
                        Some(provider_reason(r.reason)),
                        code.severity().max(Severity::Error),
                    ),
                };
                let outcome = Outcome {
                    protocol: Protocol::DceRpc,
                    code,
                    detail,
                    severity,
                };
                count(
                    answers,
                    AppProtocol::Dcerpc,
                    "bind",
                    &outcome,
                    state.account.clone(),
                    about.map(String::into_boxed_str),
                );
            }
        }
        RpcPdu::BindNak { .. } => {
            let asked = std::mem::take(&mut state.asked);
            let about = asked
                .first()
                .map(|(_, uuid, major)| names.interface(uuid, *major).into_boxed_str());
            if let Some(outcome) = m.outcome() {
                count(
                    answers,
                    AppProtocol::Dcerpc,
                    "bind_nak",
                    &outcome,
                    state.account.clone(),
                    about,
                );
            }
        }
        RpcPdu::Request {
            context_id, opnum, ..
        } if first => {
            let about = state
                .interface_of(*context_id)
                .map(|(uuid, major)| names.operation(&uuid, major, *opnum))
                .unwrap_or_else(|| format!("context {context_id} opnum {opnum}"));
            state.calls.push(Pending {
                key: m.header.call_id,
                operation: "call",
                account: None,
                about: Some(about.into_boxed_str()),
            });
        }
        RpcPdu::Response { .. } | RpcPdu::Fault { .. } if first => {
            let Some(outcome) = m.outcome() else { return };
            let about = state.calls.take(&m.header.call_id).and_then(|c| c.about);
            count(
                answers,
                AppProtocol::Dcerpc,
                "call",
                &outcome,
                state.account.clone(),
                about,
            );
        }
        _ => {}
    }
}
