//! Connection-oriented DCE/RPC PDUs (\[C706\] 12.6, [MS-RPCE] 2.2.2) for their outcome,
//! built on the common-header reader of [`rpc::pdu`](crate::inspect::rpc::pdu) (whose
//! callers are unchanged): every presentation context of a `bind` or `alter_context`
//! (interface, version, transfer syntaxes), the per-context results of a `bind_ack` or
//! `alter_context_resp` (acceptance, user or provider rejection with its reason,
//! negotiate ack), the reject reason of a `bind_nak`, the status of a `fault`, the
//! context id and opnum of a `request` (so a caller maps them to an interface and, with
//! [`OperationTable`](crate::inspect::rpc::OperationTable), to a method name), and the
//! auth verifier with the NTLM or Kerberos message it carries. One PDU at a time, as
//! [`Framing::DceRpc`](super::stream::Framing::DceRpc) cuts them, or as an SMB pipe's
//! payload holds them.

use super::code::{Code, Entry, Outcome, Protocol, Severity, Space};
use super::kerberos::{self, KerberosMessage};
use super::ntlmssp::{self, NtlmMessage};
use super::ntstatus;
use super::text::{self, MAX_ITEMS};
use crate::inspect::rpc::interfaces::Uuid;
use crate::inspect::rpc::pdu::{
    self, Context, HEADER_LEN, Header, ndr_uuid, ptype, u16_at, u32_at,
};

/// PDU types beyond those [`rpc::pdu::ptype`](crate::inspect::rpc::pdu::ptype) names.
pub mod more_ptype {
    /// fault: a call failed.
    pub const FAULT: u8 = 3;
    /// bind_nak: the association was refused.
    pub const BIND_NAK: u8 = 13;
    /// alter_context_resp.
    pub const ALTER_CONTEXT_RESP: u8 = 15;
    /// rpc_auth_3: the third leg of a three-leg authentication (NTLM AUTHENTICATE).
    pub const AUTH3: u8 = 16;
}

/// PFC_OBJECT_UUID: a request carries an object UUID after its opnum.
pub const PFC_OBJECT_UUID: u8 = 0x80;

/// A transfer syntax: UUID and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// The syntax UUID (NDR 8a885d04-..., NDR64 71710533-..., or a bind-time feature
    /// negotiation UUID).
    pub uuid: Uuid,
    /// The version (major in the low 16 bits).
    pub version: u32,
}

/// One presentation context of a bind or alter_context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentationContext {
    /// p_cont_id: the id requests use to name this context.
    pub id: u16,
    /// The abstract syntax: the interface and its version.
    pub interface: Context,
    /// The transfer syntaxes offered (at most [`MAX_ITEMS`]).
    pub transfer_syntaxes: Vec<Syntax>,
}

/// The result of one presentation context in a bind_ack or alter_context_resp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextResult {
    /// 0 acceptance, 1 user_rejection, 2 provider_rejection, 3 negotiate_ack.
    pub result: u16,
    /// The provider reason of a rejection (or the bind-time feature bits of a
    /// negotiate_ack).
    pub reason: u16,
    /// The transfer syntax accepted.
    pub transfer: Syntax,
}

/// The auth verifier at the end of a PDU ([MS-RPCE] 2.2.2.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthVerifier {
    /// auth_type (9 SPNEGO, 10 NTLM, 14 Schannel, 16 Kerberos, 68 Netlogon).
    pub auth_type: u8,
    /// auth_level (1 none ... 5 integrity, 6 privacy).
    pub auth_level: u8,
    /// auth_context_id.
    pub context_id: u32,
    /// The NTLM message in the auth value, if any.
    pub ntlm: Option<Box<NtlmMessage>>,
    /// The Kerberos message in the auth value, if any.
    pub kerberos: Option<Box<KerberosMessage>>,
}

/// The name of an auth_type ([MS-RPCE] 2.2.1.1.7).
pub fn auth_type_name(auth_type: u8) -> Option<&'static str> {
    Some(match auth_type {
        0 => "RPC_C_AUTHN_NONE",
        9 => "RPC_C_AUTHN_GSS_NEGOTIATE",
        10 => "RPC_C_AUTHN_WINNT",
        14 => "RPC_C_AUTHN_GSS_SCHANNEL",
        16 => "RPC_C_AUTHN_GSS_KERBEROS",
        68 => "RPC_C_AUTHN_NETLOGON",
        255 => "RPC_C_AUTHN_DEFAULT",
        _ => return None,
    })
}

/// The name of an auth_level ([MS-RPCE] 2.2.1.1.8).
pub fn auth_level_name(level: u8) -> Option<&'static str> {
    Some(match level {
        1 => "RPC_C_AUTHN_LEVEL_NONE",
        2 => "RPC_C_AUTHN_LEVEL_CONNECT",
        3 => "RPC_C_AUTHN_LEVEL_CALL",
        4 => "RPC_C_AUTHN_LEVEL_PKT",
        5 => "RPC_C_AUTHN_LEVEL_PKT_INTEGRITY",
        6 => "RPC_C_AUTHN_LEVEL_PKT_PRIVACY",
        _ => return None,
    })
}

/// What one PDU says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcPdu {
    /// bind (or alter_context, with `alter` set): the contexts asked for.
    Bind {
        /// Whether this is an alter_context on an existing association.
        alter: bool,
        /// assoc_group_id.
        assoc_group: u32,
        /// The contexts (at most [`MAX_ITEMS`]).
        contexts: Vec<PresentationContext>,
    },
    /// bind_ack (or alter_context_resp, with `alter` set): the result of each context.
    BindAck {
        /// Whether this answers an alter_context.
        alter: bool,
        /// assoc_group_id.
        assoc_group: u32,
        /// The secondary address (the server's port, as a string).
        secondary_address: String,
        /// The results, in the order of the request's contexts (at most [`MAX_ITEMS`]).
        results: Vec<ContextResult>,
    },
    /// bind_nak: the association refused.
    BindNak {
        /// provider_reject_reason.
        reason: u16,
    },
    /// request: a call.
    Request {
        /// p_cont_id: which bound context (interface) the call is on.
        context_id: u16,
        /// The operation number.
        opnum: u16,
        /// The object UUID (DCOM calls), when the PDU carries one.
        object: Option<Uuid>,
    },
    /// response: a call's answer.
    Response {
        /// p_cont_id.
        context_id: u16,
    },
    /// fault: a call failed.
    Fault {
        /// p_cont_id.
        context_id: u16,
        /// The status.
        status: u32,
    },
    /// rpc_auth_3: the last leg of an NTLM authentication.
    Auth3,
    /// Another PDU type, or a body too short to read.
    Other,
}

/// One PDU: its header, what it says, and its auth verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcMessage {
    /// The common header.
    pub header: Header,
    /// What it says.
    pub pdu: RpcPdu,
    /// The auth verifier, when the PDU has one and it was captured.
    pub auth: Option<AuthVerifier>,
}

fn syntax(b: &[u8], at: usize, le: bool) -> Option<Syntax> {
    Some(Syntax {
        uuid: ndr_uuid(b, at, le)?,
        version: u32_at(b, at + 16, le)?,
    })
}

/// Parses one PDU (as far as it was captured: a bind cut short yields the contexts it
/// holds whole).
pub fn parse(bytes: &[u8]) -> Option<RpcMessage> {
    let h = pdu::header(bytes)?;
    let end = bytes.len().min(usize::from(h.frag_len));
    let b = &bytes[..end];
    let le = h.little_endian;
    let body = match h.ptype {
        ptype::BIND | ptype::ALTER_CONTEXT => bind(b, le, h.ptype == ptype::ALTER_CONTEXT),
        ptype::BIND_ACK | more_ptype::ALTER_CONTEXT_RESP => {
            bind_ack(b, le, h.ptype == more_ptype::ALTER_CONTEXT_RESP)
        }
        more_ptype::BIND_NAK => u16_at(b, HEADER_LEN, le).map(|reason| RpcPdu::BindNak { reason }),
        ptype::REQUEST => u16_at(b, HEADER_LEN + 4, le).and_then(|context_id| {
            let object = if h.flags & PFC_OBJECT_UUID != 0 {
                Some(ndr_uuid(b, HEADER_LEN + 8, le)?)
            } else {
                None
            };
            Some(RpcPdu::Request {
                context_id,
                opnum: u16_at(b, HEADER_LEN + 6, le)?,
                object,
            })
        }),
        ptype::RESPONSE => {
            u16_at(b, HEADER_LEN + 4, le).map(|context_id| RpcPdu::Response { context_id })
        }
        more_ptype::FAULT => u16_at(b, HEADER_LEN + 4, le).and_then(|context_id| {
            Some(RpcPdu::Fault {
                context_id,
                status: u32_at(b, HEADER_LEN + 8, le)?,
            })
        }),
        more_ptype::AUTH3 => Some(RpcPdu::Auth3),
        _ => None,
    }
    .unwrap_or(RpcPdu::Other);
    Some(RpcMessage {
        auth: auth_verifier(b, &h),
        header: h,
        pdu: body,
    })
}

/// The contexts of a bind or alter_context.
fn bind(b: &[u8], le: bool, alter: bool) -> Option<RpcPdu> {
    let assoc_group = u32_at(b, HEADER_LEN + 4, le)?;
    let count = usize::from(*b.get(HEADER_LEN + 8)?);
    let mut contexts = Vec::new();
    let mut at = HEADER_LEN + 12;
    for _ in 0..count.min(MAX_ITEMS) {
        let (Some(id), Some(&n)) = (u16_at(b, at, le), b.get(at + 2)) else {
            break;
        };
        let Some(abstract_syntax) = syntax(b, at + 4, le) else {
            break;
        };
        let n = usize::from(n);
        let transfers: Option<Vec<Syntax>> = (0..n)
            .map(|i| syntax(b, at + 24 + 20 * i, le))
            .take(MAX_ITEMS)
            .collect();
        let Some(transfer_syntaxes) = transfers else {
            break; // cut inside this context: keep the whole ones before it
        };
        contexts.push(PresentationContext {
            id,
            interface: Context {
                uuid: abstract_syntax.uuid,
                major: abstract_syntax.version as u16,
                minor: (abstract_syntax.version >> 16) as u16,
            },
            transfer_syntaxes,
        });
        at += 24 + 20 * n;
    }
    Some(RpcPdu::Bind {
        alter,
        assoc_group,
        contexts,
    })
}

/// The results of a bind_ack or alter_context_resp.
fn bind_ack(b: &[u8], le: bool, alter: bool) -> Option<RpcPdu> {
    let assoc_group = u32_at(b, HEADER_LEN + 4, le)?;
    let addr_len = usize::from(u16_at(b, HEADER_LEN + 8, le)?);
    let addr_at = HEADER_LEN + 10;
    let address = b.get(addr_at..addr_at + addr_len)?;
    let secondary_address = text::from_oem(text::until_nul(address));
    // The result list starts at the next 4-byte boundary.
    let mut at = (addr_at + addr_len).next_multiple_of(4);
    let count = usize::from(*b.get(at)?);
    at += 4;
    let results = (0..count.min(MAX_ITEMS))
        .map_while(|i| {
            let r = at + 24 * i;
            Some(ContextResult {
                result: u16_at(b, r, le)?,
                reason: u16_at(b, r + 2, le)?,
                transfer: syntax(b, r + 4, le)?,
            })
        })
        .collect();
    Some(RpcPdu::BindAck {
        alter,
        assoc_group,
        secondary_address,
        results,
    })
}

/// The auth verifier: 8 bytes of auth_type, level, pad length, reserved and context id
/// before the auth value, which ends the PDU.
fn auth_verifier(b: &[u8], h: &Header) -> Option<AuthVerifier> {
    if h.auth_len == 0 {
        return None;
    }
    let at = usize::from(h.frag_len).checked_sub(usize::from(h.auth_len) + 8)?;
    if at < HEADER_LEN {
        return None;
    }
    let head = b.get(at..at + 8)?;
    let value_end = (at + 8 + usize::from(h.auth_len)).min(b.len());
    let value = b.get(at + 8..value_end).unwrap_or(&[]);
    let auth_type = head[0];
    let (ntlm, kerberos) = match auth_type {
        9 | 10 => (
            ntlmssp::find(value).map(Box::new),
            kerberos::find_in_gss(value).map(Box::new),
        ),
        16 => (None, kerberos::find_in_gss(value).map(Box::new)),
        _ => (None, None),
    };
    Some(AuthVerifier {
        auth_type,
        auth_level: head[1],
        context_id: u32_at(head, 4, h.little_endian)?,
        ntlm,
        kerberos,
    })
}

impl RpcMessage {
    /// The outcome of an answer: a bind_ack's (success when any context was accepted,
    /// else the first rejection with its provider reason; none when no result was
    /// captured), a bind_nak's reason, a fault's status, success for a response.
    pub fn outcome(&self) -> Option<Outcome> {
        let (code, detail) = match &self.pdu {
            RpcPdu::BindAck { results, .. } if results.is_empty() => return None,
            RpcPdu::BindAck { results, .. } => {
                if results.iter().any(|r| r.result == 0) {
                    (context_result(0), None)
                } else {
                    let r = results
                        .iter()
                        .find(|r| r.result != 3)
                        .unwrap_or(&results[0]);
                    (context_result(r.result), Some(provider_reason(r.reason)))
                }
            }
            RpcPdu::BindNak { reason } => (reject_reason(*reason), None),
            RpcPdu::Fault { status, .. } => (fault_status(*status), None),
            RpcPdu::Response { .. } => (fault_status(0), None),
            _ => return None,
        };
        Some(Outcome::new(Protocol::DceRpc, code, detail))
    }

    /// The account of an NTLM AUTHENTICATE in the auth verifier (an auth3, or a bind or
    /// alter_context that carries it), as `DOMAIN\user`.
    pub fn ntlm_account(&self) -> Option<String> {
        match self.auth.as_ref()?.ntlm.as_deref()? {
            NtlmMessage::Authenticate(a) => Some(a.account()),
            _ => None,
        }
    }

    /// The interface bound as context `id` by this bind or alter_context.
    pub fn context(&self, id: u16) -> Option<&PresentationContext> {
        match &self.pdu {
            RpcPdu::Bind { contexts, .. } => contexts.iter().find(|c| c.id == id),
            _ => None,
        }
    }
}

/// A presentation context result.
pub fn context_result(value: u16) -> Code {
    Code::new(Space::RpcContextResult, i64::from(value), CONTEXT_RESULTS)
}

/// A rejected context's provider reason.
pub fn provider_reason(value: u16) -> Code {
    Code::new(Space::RpcProviderReason, i64::from(value), PROVIDER_REASONS)
}

/// A bind_nak's provider reject reason.
pub fn reject_reason(value: u16) -> Code {
    Code::new(Space::RpcRejectReason, i64::from(value), REJECT_REASONS)
}

/// A fault status: an NCA status, a Win32 error or an HRESULT from the RPC table, or an
/// NTSTATUS the NTSTATUS table names.
pub fn fault_status(value: u32) -> Code {
    let rpc = Code::new(Space::RpcStatus, i64::from(value), FAULT_STATUSES);
    if rpc.entry.is_none() && value >= 0xC000_0000 {
        let nt = ntstatus::code(value);
        if nt.entry.is_some() {
            return nt;
        }
    }
    rpc
}

const fn e(value: i64, name: &'static str, meaning: Option<&'static str>, s: Severity) -> Entry {
    Entry::new(value, name, meaning, s)
}

use Severity::{AccessDenied, Error, Routine, Success};

/// Presentation context results (\[C706\] 12.6.3.1 p_cont_def_result_t, [MS-RPCE] 2.2.2.4).
#[rustfmt::skip]
pub const CONTEXT_RESULTS: &[Entry] = &[
    e(0, "acceptance", None, Success),
    e(1, "user_rejection", Some("the server rejected the interface"), Error),
    e(2, "provider_rejection", Some("the RPC runtime rejected the interface or its transfer syntax"), Error),
    e(3, "negotiate_ack", Some("bind-time feature negotiation (a normal step)"), Routine),
];

/// Provider reasons of a rejected context (\[C706\] 12.6.3.1 p_provider_reason_t).
#[rustfmt::skip]
pub const PROVIDER_REASONS: &[Entry] = &[
    e(0, "reason_not_specified", None, Error),
    e(1, "abstract_syntax_not_supported", Some("the server does not offer this interface (or version)"), Error),
    e(2, "proposed_transfer_syntaxes_not_supported", Some("none of the transfer syntaxes offered (NDR, NDR64) is supported (normal for an NDR64 offer to a server without it)"), Error),
    e(3, "local_limit_exceeded", None, Error),
];

/// Reject reasons of a bind_nak (\[C706\] 12.6.3.1, [MS-RPCE] 2.2.2.5 adds 8 and 9).
#[rustfmt::skip]
pub const REJECT_REASONS: &[Entry] = &[
    e(0, "reason_not_specified", None, Error),
    e(1, "temporary_congestion", Some("the server is too busy"), Error),
    e(2, "local_limit_exceeded", Some("the server has reached a limit (associations, memory)"), Error),
    e(3, "called_paddr_unknown", None, Error),
    e(4, "protocol_version_not_supported", None, Error),
    e(5, "default_context_not_supported", None, Error),
    e(6, "user_data_not_readable", None, Error),
    e(7, "no_psap_available", None, Error),
    e(8, "authentication_type_not_recognized", Some("the server does not support the authentication type asked for"), Error),
    e(9, "invalid_checksum", None, Error),
];

/// Fault statuses: \[C706\] appendix E NCA codes, the Win32 codes [MS-RPCE] 3.1.1.5.5
/// maps them to and Windows servers send, and the DCOM HRESULTs seen in faults (values
/// and names as Wireshark's DCE/RPC dissector and MS-ERREF give them), sorted.
#[rustfmt::skip]
pub const FAULT_STATUSES: &[Entry] = &[
    e(0x0000_0000, "success", None, Success),
    e(0x0000_0001, "nca_s_fault_other", None, Error),
    e(0x0000_0005, "nca_s_fault_access_denied", Some("access denied (ERROR_ACCESS_DENIED): the caller may not make this call"), AccessDenied),
    e(0x0000_06B5, "RPC_S_UNKNOWN_IF", Some("the server does not offer this interface"), Error),
    e(0x0000_06BB, "RPC_S_SERVER_TOO_BUSY", Some("the RPC server is too busy"), Error),
    e(0x0000_06BE, "RPC_S_CALL_FAILED", None, Error),
    e(0x0000_06C0, "RPC_S_PROTOCOL_ERROR", None, Error),
    e(0x0000_06C2, "RPC_S_UNSUPPORTED_TRANS_SYN", Some("the server does not support the transfer syntax"), Error),
    e(0x0000_06CD, "RPC_S_UNKNOWN_AUTHN_TYPE", Some("the server does not support the authentication type"), Error),
    e(0x0000_06D1, "RPC_S_PROCNUM_OUT_OF_RANGE", Some("the interface has no such operation (opnum) on this server"), Error),
    e(0x0000_06D8, "nca_s_fault_cant_perform", Some("EPT_S_CANT_PERFORM_OP: the server cannot perform the operation"), Error),
    e(0x0000_06D9, "EPT_S_NOT_REGISTERED", Some("the endpoint mapper knows no endpoint for the interface (its service is not running)"), Error),
    e(0x0000_06F7, "nca_s_fault_ndr", Some("RPC_X_BAD_STUB_DATA: the server could not read the call's arguments"), Error),
    e(0x0000_0721, "nca_s_fault_sec_pkg_error", Some("RPC_S_SEC_PKG_ERROR: the security package failed"), Error),
    e(0x1C00_0001, "nca_s_fault_int_div_by_zero", None, Error),
    e(0x1C00_0002, "nca_s_fault_addr_error", None, Error),
    e(0x1C00_0003, "nca_s_fault_fp_div_zero", None, Error),
    e(0x1C00_0004, "nca_s_fault_fp_underflow", None, Error),
    e(0x1C00_0005, "nca_s_fault_fp_overflow", None, Error),
    e(0x1C00_0006, "nca_s_fault_invalid_tag", None, Error),
    e(0x1C00_0007, "nca_s_fault_invalid_bound", None, Error),
    e(0x1C00_0008, "nca_rpc_version_mismatch", None, Error),
    e(0x1C00_0009, "nca_unspec_reject", None, Error),
    e(0x1C00_000A, "nca_s_bad_actid", None, Error),
    e(0x1C00_000B, "nca_who_are_you_failed", None, Error),
    e(0x1C00_000C, "nca_manager_not_entered", None, Error),
    e(0x1C00_000D, "nca_s_fault_cancel", Some("the call was cancelled"), Error),
    e(0x1C00_000E, "nca_s_fault_ill_inst", None, Error),
    e(0x1C00_000F, "nca_s_fault_fp_error", None, Error),
    e(0x1C00_0010, "nca_s_fault_int_overflow", None, Error),
    e(0x1C00_0014, "nca_s_fault_pipe_empty", None, Error),
    e(0x1C00_0015, "nca_s_fault_pipe_closed", None, Error),
    e(0x1C00_0016, "nca_s_fault_pipe_order", None, Error),
    e(0x1C00_0017, "nca_s_fault_pipe_discipline", None, Error),
    e(0x1C00_0018, "nca_s_fault_pipe_comm_error", None, Error),
    e(0x1C00_0019, "nca_s_fault_pipe_memory", None, Error),
    e(0x1C00_001A, "nca_s_fault_context_mismatch", Some("the context handle is not valid on this server (e.g. after a restart)"), Error),
    e(0x1C00_001B, "nca_s_fault_remote_no_memory", Some("the server ran out of memory"), Error),
    e(0x1C00_001C, "nca_invalid_pres_context_id", Some("the call names a presentation context the association did not bind"), Error),
    e(0x1C00_001D, "nca_unsupported_authn_level", Some("the server requires another authentication level (e.g. packet privacy)"), Error),
    e(0x1C00_001F, "nca_invalid_checksum", None, Error),
    e(0x1C00_0020, "nca_invalid_crc", None, Error),
    e(0x1C00_0021, "ncs_s_fault_user_defined", None, Error),
    e(0x1C00_0022, "nca_s_fault_tx_open_failed", None, Error),
    e(0x1C00_0023, "nca_s_fault_codeset_conv_error", None, Error),
    e(0x1C00_0024, "nca_s_fault_object_not_found", None, Error),
    e(0x1C00_0025, "nca_s_fault_no_client_stub", None, Error),
    e(0x1C01_0002, "nca_op_rng_error", Some("RPC_S_PROCNUM_OUT_OF_RANGE: the interface has no such operation (opnum)"), Error),
    e(0x1C01_0003, "nca_unk_if", Some("RPC_S_UNKNOWN_IF: the server does not offer this interface"), Error),
    e(0x1C01_0006, "nca_wrong_boot_time", None, Error),
    e(0x1C01_0009, "nca_s_you_crashed", None, Error),
    e(0x1C01_000B, "nca_proto_error", Some("RPC_S_PROTOCOL_ERROR"), Error),
    e(0x1C01_0013, "nca_out_args_too_big", None, Error),
    e(0x1C01_0014, "nca_server_too_busy", Some("RPC_S_SERVER_TOO_BUSY: the server is too busy"), Error),
    e(0x1C01_0017, "nca_unsupported_type", None, Error),
    e(0x8000_4001, "E_NOTIMPL", None, Error),
    e(0x8000_4003, "E_POINTER", None, Error),
    e(0x8000_4004, "E_ABORT", None, Error),
    e(0x8000_FFFF, "E_UNEXPECTED", None, Error),
    e(0x8001_0105, "RPC_E_SERVERFAULT", Some("the server raised an exception while executing the call"), Error),
    e(0x8001_0108, "RPC_E_DISCONNECTED", None, Error),
    e(0x8001_0113, "RPC_E_INVALID_IPID", None, Error),
    e(0x8001_011F, "RPC_E_TIMEOUT", None, Error),
    e(0x8007_0005, "E_ACCESSDENIED", Some("access denied"), AccessDenied),
    e(0x8007_000E, "E_OUTOFMEMORY", None, Error),
    e(0x8007_0057, "E_INVALIDARG", None, Error),
    e(0x8007_06D1, "RPC_S_PROCNUM_OUT_OF_RANGE", Some("the interface has no such operation (opnum) on this server"), Error),
    e(0x8007_0776, "OR_INVALID_OXID", None, Error),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::outcome::code::is_sorted_unique;
    use crate::inspect::outcome::samples;
    use crate::inspect::rpc::interfaces::parse_uuid;
    use wiretally_synth::dcerpc as write;

    const NDR64: &str = "71710533-beba-4937-8319-b5dbef9ccc36";

    #[test]
    fn tables_are_sorted() {
        for t in [
            CONTEXT_RESULTS,
            PROVIDER_REASONS,
            REJECT_REASONS,
            FAULT_STATUSES,
        ] {
            assert!(is_sorted_unique(t));
        }
        assert_eq!(fault_status(5).severity(), Severity::AccessDenied);
        assert_eq!(
            fault_status(0x1c01_0002).to_string(),
            "nca_op_rng_error (0x1C010002)"
        );
        assert_eq!(
            fault_status(0xc000_0022).name(),
            Some("STATUS_ACCESS_DENIED")
        );
        assert_eq!(fault_status(0x1234_5678).to_string(), "0x12345678");
    }

    #[test]
    fn real_bind_ack_with_a_rejected_ndr64_offer() {
        // kerberos.pcap 22 (tshark dcerpc.cn_ack_result 2,0,3, dcerpc.cn_ack_reason 2,
        // 3 results: Provider rejection, Acceptance, Negotiate ACK).
        let m = parse(&samples::dcerpc_bind_ack()).unwrap();
        assert_eq!((m.header.ptype, m.header.call_id), (ptype::BIND_ACK, 2));
        let RpcPdu::BindAck {
            results,
            secondary_address,
            alter: false,
            ..
        } = &m.pdu
        else {
            panic!("{:?}", m.pdu);
        };
        assert_eq!(secondary_address, "49155");
        let pairs: Vec<(u16, u16)> = results.iter().map(|r| (r.result, r.reason)).collect();
        assert_eq!(pairs, [(2, 2), (0, 0), (3, 3)]);
        assert_eq!(results[1].transfer.uuid, parse_uuid(NDR64).unwrap());
        assert_eq!(m.outcome().unwrap().severity, Severity::Success);
        // Its auth verifier: SPNEGO at packet privacy, a Kerberos AP-REP inside.
        let auth = m.auth.as_ref().unwrap();
        assert_eq!((auth.auth_type, auth.auth_level), (9, 6));
        assert_eq!(
            auth.kerberos.as_ref().and_then(|k| k.kind),
            Some(kerberos::Kind::ApRep)
        );
    }

    #[test]
    fn real_alter_context_and_its_answer() {
        // 23: Alter_context, 1 context item: DRSUAPI V4.0 (64bit NDR).
        let m = parse(&samples::dcerpc_alter_context()).unwrap();
        let RpcPdu::Bind {
            alter: true,
            contexts,
            ..
        } = &m.pdu
        else {
            panic!("{:?}", m.pdu);
        };
        assert_eq!(contexts.len(), 1);
        let c = &contexts[0];
        assert_eq!(
            c.interface.uuid,
            parse_uuid("e3514235-4b06-11d1-ab04-00c04fc2dcd2").unwrap()
        );
        assert_eq!((c.id, c.interface.major, c.interface.minor), (1, 4, 0));
        assert_eq!(c.transfer_syntaxes[0].uuid, parse_uuid(NDR64).unwrap());
        assert_eq!(m.context(1).map(|c| c.interface.major), Some(4));
        // 64: Alter_context_resp, 1 result: Acceptance (tshark dcerpc.cn_ack_result 0).
        let m = parse(&samples::dcerpc_alter_context_resp()).unwrap();
        let RpcPdu::BindAck {
            alter: true,
            results,
            ..
        } = &m.pdu
        else {
            panic!("{:?}", m.pdu);
        };
        assert_eq!(results.iter().map(|r| r.result).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn binds_requests_faults_and_naks() {
        let drs = write::Context {
            uuid: parse_uuid("e3514235-4b06-11d1-ab04-00c04fc2dcd2").unwrap(),
            major: 4,
            minor: 0,
        };
        let samr = write::Context {
            uuid: parse_uuid("12345778-1234-abcd-ef00-0123456789ac").unwrap(),
            major: 1,
            minor: 0,
        };
        for le in [true, false] {
            let pdu = write::bind(ptype::BIND, 9, le, &[drs, samr]);
            let m = parse(&pdu).unwrap();
            let RpcPdu::Bind { contexts, .. } = &m.pdu else {
                panic!();
            };
            assert_eq!(
                contexts
                    .iter()
                    .map(|c| c.interface.major)
                    .collect::<Vec<_>>(),
                [4, 1]
            );
            assert!(contexts.iter().all(|c| c.transfer_syntaxes.len() == 1));
            assert_eq!(m.outcome(), None);
            // Cut anywhere: whole contexts only.
            for cut in 0..pdu.len() {
                if let Some(RpcMessage {
                    pdu: RpcPdu::Bind { contexts: got, .. },
                    ..
                }) = parse(&pdu[..cut])
                {
                    assert!(contexts.starts_with(&got), "cut {cut}");
                }
            }
            let req = write::request(4, le, 12, &[0; 8]);
            let m = parse(&req).unwrap();
            assert_eq!(
                m.pdu,
                RpcPdu::Request {
                    context_id: 0,
                    opnum: 12,
                    object: None
                }
            );
        }
        // A fault: nca_s_fault_access_denied; a bind_nak: authentication type not recognised.
        let mut body = vec![0u8; 16];
        body[8..12].copy_from_slice(&5u32.to_le_bytes());
        let fault = write::pdu(more_ptype::FAULT, 3, 7, true, &body);
        let o = parse(&fault).unwrap().outcome().unwrap();
        assert_eq!(
            (o.code.name(), o.severity),
            (Some("nca_s_fault_access_denied"), Severity::AccessDenied)
        );
        let nak = write::pdu(more_ptype::BIND_NAK, 3, 1, false, &[0, 8, 0, 0]);
        let o = parse(&nak).unwrap().outcome().unwrap();
        assert_eq!(o.code.name(), Some("authentication_type_not_recognized"));
        // A bind_ack that accepts nothing fails with its provider reason.
        let mut body = vec![0u8; 8];
        body.extend([0, 0, 0, 0]); // no secondary address, padding
        body.extend([1, 0, 0, 0]);
        body.extend([2, 0, 1, 0]);
        body.extend([0; 20]);
        let ack = write::pdu(ptype::BIND_ACK, 3, 1, true, &body);
        let o = parse(&ack).unwrap().outcome().unwrap();
        assert_eq!(o.code.name(), Some("provider_rejection"));
        assert_eq!(
            parse(&ack[..30]).unwrap().outcome(),
            None,
            "no result captured"
        );
        assert_eq!(
            o.detail.and_then(|d| d.name()),
            Some("abstract_syntax_not_supported")
        );
    }

    #[test]
    fn an_auth3_names_the_ntlm_account() {
        let ntlm = samples::ntlm_authenticate("CORP", "dave", "WS9", 120);
        let mut body = vec![0u8; 4];
        body.extend([10, 2, 0, 0, 0, 0, 0, 0]);
        body.extend(&ntlm);
        let mut pdu = write::pdu(more_ptype::AUTH3, 3, 5, true, &body);
        pdu[10..12].copy_from_slice(&(ntlm.len() as u16).to_le_bytes());
        let m = parse(&pdu).unwrap();
        assert_eq!(m.pdu, RpcPdu::Auth3);
        assert_eq!(m.ntlm_account().as_deref(), Some("CORP\\dave"));
        assert_eq!(
            auth_type_name(m.auth.as_ref().unwrap().auth_type),
            Some("RPC_C_AUTHN_WINNT")
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = wiretally_synth::Rng::new(11);
        for _ in 0..3000 {
            let len = 16 + (rng.next_u64() % 120) as usize;
            let mut b: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            b[0] = 5;
            b[1] = 0;
            b[2] = (rng.next_u64() % 17) as u8;
            b[4] = 0x10;
            b[6] = 0;
            b[7] = 0;
            b[8] = len as u8;
            b[9] = 0;
            if let Some(m) = parse(&b) {
                let _ = m.outcome();
            }
        }
    }
}
