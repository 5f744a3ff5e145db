//! SMB messages, one NetBIOS session message at a time (see
//! [`Framing::NetBios`](super::stream::Framing::NetBios) and
//! [`DirectTcp`](super::stream::Framing::DirectTcp)): SMB2/3 ([MS-SMB2] 2.2) with
//! compounded chains, its transform header (encrypted: nothing more to read) and
//! compression header (noted, not decompressed), and SMB1 ([MS-CIFS], [MS-SMB]) far
//! enough to see a negotiation, a logon, a tree connect and the names a client opens.
//!
//! From SMB2: each message's command, status, flags and ids; the NEGOTIATE dialect and
//! signing requirement; the SESSION_SETUP account (NTLM AUTHENTICATE, raw or in SPNEGO,
//! see [`ntlmssp`]) and the session flags of the answer (guest,
//! encryption), with any Kerberos message in the security blob; the TREE_CONNECT path and
//! share type; the CREATE name; and the payload bytes of named-pipe traffic (WRITE
//! requests, READ responses, FSCTL_PIPE_TRANSCEIVE), borrowed, for the DCE/RPC parser.
//! Offsets inside a message count from its own header, and every one is checked against
//! the message's bytes.

use super::code::{Outcome, Protocol};
use super::kerberos::{self, KerberosMessage};
use super::ntlmssp::{self, NtlmMessage};
use super::ntstatus;
use super::text::{self, MAX_ITEMS};

/// The SMB2 protocol id.
pub const SMB2_MAGIC: [u8; 4] = [0xfe, b'S', b'M', b'B'];
/// The SMB2 transform header's protocol id (an encrypted message).
pub const TRANSFORM_MAGIC: [u8; 4] = [0xfd, b'S', b'M', b'B'];
/// The SMB2 compression transform header's protocol id.
pub const COMPRESSION_MAGIC: [u8; 4] = [0xfc, b'S', b'M', b'B'];
/// The SMB1 protocol id.
pub const SMB1_MAGIC: [u8; 4] = [0xff, b'S', b'M', b'B'];

/// Length of the SMB2 header.
pub const SMB2_HEADER_LEN: usize = 64;
/// Length of the SMB1 header.
pub const SMB1_HEADER_LEN: usize = 32;

/// SMB2 commands ([MS-SMB2] 2.2.1.2).
pub mod command {
    /// NEGOTIATE.
    pub const NEGOTIATE: u16 = 0x0000;
    /// SESSION_SETUP.
    pub const SESSION_SETUP: u16 = 0x0001;
    /// LOGOFF.
    pub const LOGOFF: u16 = 0x0002;
    /// TREE_CONNECT.
    pub const TREE_CONNECT: u16 = 0x0003;
    /// TREE_DISCONNECT.
    pub const TREE_DISCONNECT: u16 = 0x0004;
    /// CREATE.
    pub const CREATE: u16 = 0x0005;
    /// CLOSE.
    pub const CLOSE: u16 = 0x0006;
    /// FLUSH.
    pub const FLUSH: u16 = 0x0007;
    /// READ.
    pub const READ: u16 = 0x0008;
    /// WRITE.
    pub const WRITE: u16 = 0x0009;
    /// LOCK.
    pub const LOCK: u16 = 0x000a;
    /// IOCTL.
    pub const IOCTL: u16 = 0x000b;
    /// CANCEL.
    pub const CANCEL: u16 = 0x000c;
    /// ECHO.
    pub const ECHO: u16 = 0x000d;
    /// QUERY_DIRECTORY.
    pub const QUERY_DIRECTORY: u16 = 0x000e;
    /// CHANGE_NOTIFY.
    pub const CHANGE_NOTIFY: u16 = 0x000f;
    /// QUERY_INFO.
    pub const QUERY_INFO: u16 = 0x0010;
    /// SET_INFO.
    pub const SET_INFO: u16 = 0x0011;
    /// OPLOCK_BREAK.
    pub const OPLOCK_BREAK: u16 = 0x0012;

    /// The command's name as [MS-SMB2] spells it.
    pub fn name(command: u16) -> Option<&'static str> {
        const NAMES: [&str; 19] = [
            "NEGOTIATE",
            "SESSION_SETUP",
            "LOGOFF",
            "TREE_CONNECT",
            "TREE_DISCONNECT",
            "CREATE",
            "CLOSE",
            "FLUSH",
            "READ",
            "WRITE",
            "LOCK",
            "IOCTL",
            "CANCEL",
            "ECHO",
            "QUERY_DIRECTORY",
            "CHANGE_NOTIFY",
            "QUERY_INFO",
            "SET_INFO",
            "OPLOCK_BREAK",
        ];
        NAMES.get(usize::from(command)).copied()
    }
}

/// SMB2_FLAGS_SERVER_TO_REDIR: a response.
pub const FLAGS_SERVER_TO_REDIR: u32 = 0x0000_0001;
/// SMB2_FLAGS_ASYNC_COMMAND: the header carries an AsyncId instead of a TreeId.
pub const FLAGS_ASYNC_COMMAND: u32 = 0x0000_0002;
/// SMB2_FLAGS_SIGNED.
pub const FLAGS_SIGNED: u32 = 0x0000_0008;

/// SMB2_NEGOTIATE_SIGNING_ENABLED.
pub const SIGNING_ENABLED: u16 = 0x0001;
/// SMB2_NEGOTIATE_SIGNING_REQUIRED.
pub const SIGNING_REQUIRED: u16 = 0x0002;
/// SMB2_GLOBAL_CAP_ENCRYPTION.
pub const CAP_ENCRYPTION: u32 = 0x0000_0040;

/// SMB2_SESSION_FLAG_IS_GUEST: logged on as guest.
pub const SESSION_FLAG_IS_GUEST: u16 = 0x0001;
/// SMB2_SESSION_FLAG_IS_NULL: an anonymous session.
pub const SESSION_FLAG_IS_NULL: u16 = 0x0002;
/// SMB2_SESSION_FLAG_ENCRYPT_DATA: the session's traffic is encrypted.
pub const SESSION_FLAG_ENCRYPT_DATA: u16 = 0x0004;

/// SMB2_SHAREFLAG_ENCRYPT_DATA.
pub const SHAREFLAG_ENCRYPT_DATA: u32 = 0x0000_0008;

/// FSCTL_PIPE_TRANSCEIVE: a write and a read on a named pipe in one request.
pub const FSCTL_PIPE_TRANSCEIVE: u32 = 0x0011_C017;

/// The name of an SMB2 dialect revision ([MS-SMB2] 2.2.3).
pub fn dialect_name(dialect: u16) -> Option<&'static str> {
    Some(match dialect {
        0x0202 => "SMB 2.0.2",
        0x0210 => "SMB 2.1",
        0x0300 => "SMB 3.0",
        0x0302 => "SMB 3.0.2",
        0x0311 => "SMB 3.1.1",
        0x02ff => "SMB 2.???",
        _ => return None,
    })
}

/// The name of a TREE_CONNECT response's share type.
pub fn share_type_name(share_type: u8) -> Option<&'static str> {
    Some(match share_type {
        1 => "disk",
        2 => "pipe",
        3 => "print",
        _ => return None,
    })
}

/// What one NetBIOS session message holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmbMessage<'a> {
    /// SMB2/3 messages: one, or a compounded chain (at most [`MAX_ITEMS`]).
    Smb2(Vec<Smb2Message<'a>>),
    /// An SMB1 message.
    Smb1(Smb1Message),
    /// An SMB3 transform header: the message is encrypted, nothing more can be read.
    Encrypted {
        /// The session whose key encrypts it.
        session_id: u64,
    },
    /// An SMB 3.1.1 compression transform header: noted, not decompressed.
    Compressed {
        /// The compression algorithm ([MS-SMB2] 2.2.42).
        algorithm: u16,
    },
}

/// One SMB2 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smb2Message<'a> {
    /// Command.
    pub command: u16,
    /// NT status (meaningful in responses; a request carries its channel sequence here).
    pub status: u32,
    /// Header flags.
    pub flags: u32,
    /// MessageId.
    pub message_id: u64,
    /// SessionId.
    pub session_id: u64,
    /// TreeId (synchronous messages).
    pub tree_id: Option<u32>,
    /// AsyncId (asynchronous messages: interim and final answers to a pending request).
    pub async_id: Option<u64>,
    /// What the body holds.
    pub body: Smb2Body<'a>,
}

/// What an SMB2 message's body holds, as far as the outcome needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Smb2Body<'a> {
    /// NEGOTIATE request: the dialects offered (at most [`MAX_ITEMS`]).
    NegotiateRequest {
        /// Dialect revisions.
        dialects: Vec<u16>,
        /// SecurityMode.
        security_mode: u16,
    },
    /// NEGOTIATE response.
    NegotiateResponse {
        /// The dialect chosen.
        dialect: u16,
        /// SecurityMode (signing enabled, required).
        security_mode: u16,
        /// Capabilities.
        capabilities: u32,
    },
    /// SESSION_SETUP request.
    SessionSetupRequest {
        /// SecurityMode.
        security_mode: u8,
        /// The NTLM message in the security blob, if there is one.
        ntlm: Option<Box<NtlmMessage>>,
        /// The Kerberos message in the security blob, if there is one.
        kerberos: Option<Box<KerberosMessage>>,
    },
    /// SESSION_SETUP response.
    SessionSetupResponse {
        /// SessionFlags (guest, null, encrypt data).
        session_flags: u16,
        /// The NTLM message in the security blob (a CHALLENGE), if there is one.
        ntlm: Option<Box<NtlmMessage>>,
        /// The Kerberos message in the security blob (AP-REP or KRB-ERROR), if any.
        kerberos: Option<Box<KerberosMessage>>,
    },
    /// TREE_CONNECT request.
    TreeConnectRequest {
        /// The share path (`\\server\share`).
        path: String,
    },
    /// TREE_CONNECT response.
    TreeConnectResponse {
        /// ShareType (1 disk, 2 pipe, 3 print).
        share_type: u8,
        /// ShareFlags.
        share_flags: u32,
        /// MaximalAccess.
        maximal_access: u32,
    },
    /// CREATE request.
    CreateRequest {
        /// The name opened (relative to the share; a pipe name on IPC$).
        name: String,
    },
    /// CREATE response.
    CreateResponse {
        /// The FileId opened.
        file_id: [u8; 16],
    },
    /// READ request.
    ReadRequest {
        /// The FileId read.
        file_id: [u8; 16],
    },
    /// READ response: the data (on a pipe, DCE/RPC PDUs).
    ReadResponse {
        /// The data read, as far as it was captured within the message.
        data: &'a [u8],
    },
    /// WRITE request: the data (on a pipe, DCE/RPC PDUs).
    WriteRequest {
        /// The FileId written.
        file_id: [u8; 16],
        /// The data written.
        data: &'a [u8],
    },
    /// IOCTL request.
    IoctlRequest {
        /// CtlCode.
        ctl_code: u32,
        /// The FileId.
        file_id: [u8; 16],
        /// The input buffer.
        input: &'a [u8],
    },
    /// IOCTL response.
    IoctlResponse {
        /// CtlCode.
        ctl_code: u32,
        /// The FileId.
        file_id: [u8; 16],
        /// The output buffer.
        output: &'a [u8],
    },
    /// An ERROR response (the body of a failed request).
    Error,
    /// Another command, or a body too short to read.
    Other,
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn file_id(b: &[u8], at: usize) -> Option<[u8; 16]> {
    b.get(at..at + 16)?.try_into().ok()
}

/// The `len` bytes at `offset` of `msg` (offsets count from the message's header), cut to
/// what was captured; empty when the offset lies outside.
fn buffer(msg: &[u8], offset: usize, len: usize) -> &[u8] {
    let end = offset.saturating_add(len).min(msg.len());
    msg.get(offset..end).unwrap_or(&[])
}

/// Parses one NetBIOS session message's payload (the header already removed).
pub fn parse(msg: &[u8]) -> Option<SmbMessage<'_>> {
    let magic: [u8; 4] = msg.get(..4)?.try_into().ok()?;
    match magic {
        SMB2_MAGIC => {
            let mut out = Vec::new();
            let mut at = 0usize;
            while out.len() < MAX_ITEMS {
                let rest = msg.get(at..)?;
                let next = le32(rest, 20).unwrap_or(0) as usize;
                // NextCommand: the offset of the next message, 8-aligned, or 0 for the last.
                let this = if next == 0 {
                    rest
                } else if next >= SMB2_HEADER_LEN && next % 8 == 0 {
                    rest.get(..next).unwrap_or(rest)
                } else {
                    return (!out.is_empty()).then_some(SmbMessage::Smb2(out));
                };
                match smb2(this) {
                    Some(m) => out.push(m),
                    None => break,
                }
                if next == 0 || next > rest.len() {
                    break;
                }
                at += next;
            }
            (!out.is_empty()).then_some(SmbMessage::Smb2(out))
        }
        TRANSFORM_MAGIC => Some(SmbMessage::Encrypted {
            session_id: le64(msg, 44)?,
        }),
        COMPRESSION_MAGIC => Some(SmbMessage::Compressed {
            algorithm: le16(msg, 8)?,
        }),
        SMB1_MAGIC => smb1(msg).map(SmbMessage::Smb1),
        _ => None,
    }
}

/// One SMB2 message (a compound member cut to its own length).
fn smb2(msg: &[u8]) -> Option<Smb2Message<'_>> {
    if msg.get(..4)? != SMB2_MAGIC || le16(msg, 4)? != 64 {
        return None;
    }
    let flags = le32(msg, 16)?;
    let asynchronous = flags & FLAGS_ASYNC_COMMAND != 0;
    let command = le16(msg, 12)?;
    let mut m = Smb2Message {
        command,
        status: le32(msg, 8)?,
        flags,
        message_id: le64(msg, 24)?,
        session_id: le64(msg, 40)?,
        tree_id: if asynchronous { None } else { le32(msg, 36) },
        async_id: if asynchronous { le64(msg, 32) } else { None },
        body: Smb2Body::Other,
    };
    let response = flags & FLAGS_SERVER_TO_REDIR != 0;
    m.body = body(msg, command, response, m.status).unwrap_or(Smb2Body::Other);
    Some(m)
}

/// The body of one SMB2 message, by command and direction.
fn body(msg: &[u8], command: u16, response: bool, status: u32) -> Option<Smb2Body<'_>> {
    const B: usize = SMB2_HEADER_LEN;
    let size = le16(msg, B)?;
    // The ERROR response ([MS-SMB2] 2.2.2, StructureSize 9) replaces the body of a failed
    // command; a SESSION_SETUP that continues, and data cut by STATUS_BUFFER_OVERFLOW,
    // keep theirs.
    let failed = status >= 0x8000_0000 && status != ntstatus::BUFFER_OVERFLOW;
    if response && size == 9 && failed && command != command::SESSION_SETUP {
        return Some(Smb2Body::Error);
    }
    Some(match (command, response, size) {
        (command::NEGOTIATE, false, 36) => {
            let count = usize::from(le16(msg, B + 2)?).min(MAX_ITEMS);
            let dialects = (0..count)
                .map_while(|i| le16(msg, B + 36 + 2 * i))
                .collect();
            Smb2Body::NegotiateRequest {
                dialects,
                security_mode: le16(msg, B + 4)?,
            }
        }
        (command::NEGOTIATE, true, 65) => Smb2Body::NegotiateResponse {
            security_mode: le16(msg, B + 2)?,
            dialect: le16(msg, B + 4)?,
            capabilities: le32(msg, B + 24)?,
        },
        (command::SESSION_SETUP, false, 25) => {
            let offset = usize::from(le16(msg, B + 12)?);
            let len = usize::from(le16(msg, B + 14)?);
            let blob = buffer(msg, offset, len);
            Smb2Body::SessionSetupRequest {
                security_mode: *msg.get(B + 3)?,
                ntlm: ntlmssp::find(blob).map(Box::new),
                kerberos: kerberos::find_in_gss(blob).map(Box::new),
            }
        }
        (command::SESSION_SETUP, true, 9) => {
            let offset = usize::from(le16(msg, B + 4)?);
            let len = usize::from(le16(msg, B + 6)?);
            let blob = buffer(msg, offset, len);
            Smb2Body::SessionSetupResponse {
                session_flags: le16(msg, B + 2)?,
                ntlm: ntlmssp::find(blob).map(Box::new),
                kerberos: kerberos::find_in_gss(blob).map(Box::new),
            }
        }
        (command::TREE_CONNECT, false, 9) => {
            let offset = usize::from(le16(msg, B + 4)?);
            let len = usize::from(le16(msg, B + 6)?);
            Smb2Body::TreeConnectRequest {
                path: text::from_utf16le(msg.get(offset..offset + len)?),
            }
        }
        (command::TREE_CONNECT, true, 16) => Smb2Body::TreeConnectResponse {
            share_type: *msg.get(B + 2)?,
            share_flags: le32(msg, B + 4)?,
            maximal_access: le32(msg, B + 12)?,
        },
        (command::CREATE, false, 57) => {
            let offset = usize::from(le16(msg, B + 44)?);
            let len = usize::from(le16(msg, B + 46)?);
            Smb2Body::CreateRequest {
                name: text::from_utf16le(msg.get(offset..offset + len)?),
            }
        }
        (command::CREATE, true, 89) => Smb2Body::CreateResponse {
            file_id: file_id(msg, B + 64)?,
        },
        (command::READ, false, 49) => Smb2Body::ReadRequest {
            file_id: file_id(msg, B + 16)?,
        },
        (command::READ, true, 17) => {
            let offset = usize::from(*msg.get(B + 2)?);
            let len = le32(msg, B + 4)? as usize;
            Smb2Body::ReadResponse {
                data: buffer(msg, offset, len),
            }
        }
        (command::WRITE, false, 49) => {
            let offset = usize::from(le16(msg, B + 2)?);
            let len = le32(msg, B + 4)? as usize;
            Smb2Body::WriteRequest {
                file_id: file_id(msg, B + 16)?,
                data: buffer(msg, offset, len),
            }
        }
        (command::IOCTL, false, 57) => Smb2Body::IoctlRequest {
            ctl_code: le32(msg, B + 4)?,
            file_id: file_id(msg, B + 8)?,
            input: buffer(
                msg,
                le32(msg, B + 24)? as usize,
                le32(msg, B + 28)? as usize,
            ),
        },
        (command::IOCTL, true, 49) => Smb2Body::IoctlResponse {
            ctl_code: le32(msg, B + 4)?,
            file_id: file_id(msg, B + 8)?,
            output: buffer(
                msg,
                le32(msg, B + 32)? as usize,
                le32(msg, B + 36)? as usize,
            ),
        },
        _ => Smb2Body::Other,
    })
}

impl<'a> Smb2Message<'a> {
    /// Whether the message is a response.
    pub fn is_response(&self) -> bool {
        self.flags & FLAGS_SERVER_TO_REDIR != 0
    }

    /// Whether the message is signed.
    pub fn is_signed(&self) -> bool {
        self.flags & FLAGS_SIGNED != 0
    }

    /// The command's name.
    pub fn command_name(&self) -> Option<&'static str> {
        command::name(self.command)
    }

    /// A response's outcome: its NT status, with the Kerberos error a SESSION_SETUP
    /// blob carried as detail when there is one.
    pub fn outcome(&self) -> Option<Outcome> {
        if !self.is_response() {
            return None;
        }
        let detail = match &self.body {
            Smb2Body::SessionSetupResponse {
                kerberos: Some(k), ..
            } => k.error_code.map(kerberos::error_code),
            _ => None,
        };
        Some(Outcome::new(
            Protocol::Smb,
            ntstatus::code(self.status),
            detail,
        ))
    }

    /// The account of a SESSION_SETUP request's NTLM AUTHENTICATE (`DOMAIN\user`).
    pub fn ntlm_account(&self) -> Option<String> {
        match &self.body {
            Smb2Body::SessionSetupRequest { ntlm: Some(n), .. } => match n.as_ref() {
                NtlmMessage::Authenticate(a) => Some(a.account()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The bytes a named pipe carries in this message, for the DCE/RPC parser: a WRITE
    /// request's data, a READ response's data, or an FSCTL_PIPE_TRANSCEIVE's input or
    /// output. (Whether the file is a pipe is for the caller to know, from the tree.)
    pub fn pipe_payload(&self) -> Option<&'a [u8]> {
        match self.body {
            Smb2Body::WriteRequest { data, .. } | Smb2Body::ReadResponse { data } => Some(data),
            Smb2Body::IoctlRequest {
                ctl_code: FSCTL_PIPE_TRANSCEIVE,
                input,
                ..
            } => Some(input),
            Smb2Body::IoctlResponse {
                ctl_code: FSCTL_PIPE_TRANSCEIVE,
                output,
                ..
            } => Some(output),
            _ => None,
        }
        .filter(|d| !d.is_empty())
    }
}

/// SMB1 commands this module reads.
pub mod smb1_command {
    /// SMB_COM_NEGOTIATE.
    pub const NEGOTIATE: u8 = 0x72;
    /// SMB_COM_SESSION_SETUP_ANDX.
    pub const SESSION_SETUP_ANDX: u8 = 0x73;
    /// SMB_COM_TREE_CONNECT_ANDX.
    pub const TREE_CONNECT_ANDX: u8 = 0x75;
    /// SMB_COM_NT_CREATE_ANDX.
    pub const NT_CREATE_ANDX: u8 = 0xa2;
}

/// SMB_FLAGS_REPLY.
pub const SMB1_FLAGS_REPLY: u8 = 0x80;
/// SMB_FLAGS2_NT_STATUS: the status field is an NTSTATUS.
pub const SMB1_FLAGS2_NT_STATUS: u16 = 0x4000;
/// SMB_FLAGS2_UNICODE: strings are UTF-16LE.
pub const SMB1_FLAGS2_UNICODE: u16 = 0x8000;
/// SMB_FLAGS2_EXTENDED_SECURITY.
pub const SMB1_FLAGS2_EXTENDED_SECURITY: u16 = 0x0800;

/// One SMB1 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smb1Message {
    /// Command.
    pub command: u8,
    /// Status: an NTSTATUS when FLAGS2_NT_STATUS is set, else the DOS error class (low
    /// byte) and code (high 16 bits).
    pub status: u32,
    /// Flags (the reply bit).
    pub flags: u8,
    /// Flags2 (NT status, Unicode, extended security).
    pub flags2: u16,
    /// TID.
    pub tid: u16,
    /// UID.
    pub uid: u16,
    /// MID.
    pub mid: u16,
    /// What the body holds.
    pub body: Smb1Body,
}

/// What an SMB1 message's body holds, as far as the outcome needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Smb1Body {
    /// NEGOTIATE request: the dialect strings offered (at most [`MAX_ITEMS`]).
    NegotiateRequest {
        /// The dialects, in order.
        dialects: Vec<String>,
    },
    /// NEGOTIATE response: which dialect the server chose (0xFFFF: none).
    NegotiateResponse {
        /// The index into the request's dialects.
        dialect_index: u16,
    },
    /// SESSION_SETUP_ANDX request.
    SessionSetupRequest {
        /// The NTLM message of an extended-security blob.
        ntlm: Option<Box<NtlmMessage>>,
        /// The account name of a plain (non-extended) logon; empty for anonymous.
        account: Option<String>,
        /// The domain of a plain logon.
        domain: Option<String>,
    },
    /// SESSION_SETUP_ANDX response.
    SessionSetupResponse {
        /// Action: bit 0 set when logged on as guest.
        action: u16,
        /// The NTLM message of the blob (a CHALLENGE).
        ntlm: Option<Box<NtlmMessage>>,
        /// The Kerberos message of the blob (AP-REP or KRB-ERROR).
        kerberos: Option<Box<KerberosMessage>>,
    },
    /// TREE_CONNECT_ANDX request.
    TreeConnectRequest {
        /// The share path.
        path: String,
    },
    /// NT_CREATE_ANDX request.
    NtCreateRequest {
        /// The name opened.
        name: String,
    },
    /// Another command, or a body too short to read.
    Other,
}

impl Smb1Message {
    /// Whether the message is a reply.
    pub fn is_response(&self) -> bool {
        self.flags & SMB1_FLAGS_REPLY != 0
    }

    /// Whether the status is an NTSTATUS.
    pub fn nt_status(&self) -> bool {
        self.flags2 & SMB1_FLAGS2_NT_STATUS != 0
    }

    /// Whether the client offers SMB2 in a NEGOTIATE request (`SMB 2.002`, `SMB 2.???`).
    pub fn offers_smb2(&self) -> bool {
        matches!(&self.body, Smb1Body::NegotiateRequest { dialects }
            if dialects.iter().any(|d| d.starts_with("SMB 2.")))
    }

    /// A reply's outcome, when its status is an NTSTATUS; with the Kerberos error of a
    /// SESSION_SETUP blob as detail.
    pub fn outcome(&self) -> Option<Outcome> {
        if !self.is_response() || !self.nt_status() {
            return None;
        }
        let detail = match &self.body {
            Smb1Body::SessionSetupResponse {
                kerberos: Some(k), ..
            } => k.error_code.map(kerberos::error_code),
            _ => None,
        };
        Some(Outcome::new(
            Protocol::Smb,
            ntstatus::code(self.status),
            detail,
        ))
    }
}

/// Reads a NUL-terminated string of the SMB1 bytes at `at` (UTF-16LE aligned to an even
/// offset from the header when `unicode`); returns it and the offset after it.
fn smb1_string(msg: &[u8], mut at: usize, unicode: bool) -> Option<(String, usize)> {
    if unicode {
        at += at % 2;
        let raw = text::until_nul16(msg.get(at..)?);
        Some((text::from_utf16le(raw), at + raw.len() + 2))
    } else {
        let raw = text::until_nul(msg.get(at..)?);
        Some((text::from_oem(raw), at + raw.len() + 1))
    }
}

/// One SMB1 message.
fn smb1(msg: &[u8]) -> Option<Smb1Message> {
    if msg.len() < SMB1_HEADER_LEN + 1 {
        return None;
    }
    let command = msg[4];
    let flags = msg[9];
    let flags2 = le16(msg, 10)?;
    let mut m = Smb1Message {
        command,
        status: le32(msg, 5)?,
        flags,
        flags2,
        tid: le16(msg, 24)?,
        uid: le16(msg, 28)?,
        mid: le16(msg, 30)?,
        body: Smb1Body::Other,
    };
    m.body =
        smb1_body(msg, command, flags & SMB1_FLAGS_REPLY != 0, flags2).unwrap_or(Smb1Body::Other);
    Some(m)
}

fn smb1_body(msg: &[u8], command: u8, reply: bool, flags2: u16) -> Option<Smb1Body> {
    let unicode = flags2 & SMB1_FLAGS2_UNICODE != 0;
    let words_at = SMB1_HEADER_LEN + 1;
    let word_count = usize::from(msg[SMB1_HEADER_LEN]);
    let word = |i: usize| le16(msg, words_at + 2 * i);
    let count_at = words_at + 2 * word_count;
    let byte_count = usize::from(le16(msg, count_at)?);
    let bytes_at = count_at + 2;
    let bytes = buffer(msg, bytes_at, byte_count);
    Some(match (command, reply, word_count) {
        (smb1_command::NEGOTIATE, false, 0) => {
            // Each dialect: the buffer format 0x02, then a NUL-terminated OEM string.
            let dialects = bytes
                .split(|&b| b == 0)
                .filter_map(|d| d.strip_prefix(&[0x02]))
                .map(text::from_oem)
                .take(MAX_ITEMS)
                .collect();
            Smb1Body::NegotiateRequest { dialects }
        }
        (smb1_command::NEGOTIATE, true, _) if word_count >= 1 => Smb1Body::NegotiateResponse {
            dialect_index: word(0)?,
        },
        (smb1_command::SESSION_SETUP_ANDX, false, 12) => {
            let blob = buffer(msg, bytes_at, usize::from(word(7)?));
            Smb1Body::SessionSetupRequest {
                ntlm: ntlmssp::find(blob).map(Box::new),
                account: None,
                domain: None,
            }
        }
        (smb1_command::SESSION_SETUP_ANDX, false, 13) => {
            // OEM and Unicode passwords (skipped, never kept), then the account and domain.
            let skip = usize::from(word(7)?) + usize::from(word(8)?);
            let (account, next) = smb1_string(msg, bytes_at + skip, unicode)?;
            let (domain, _) = smb1_string(msg, next, unicode)?;
            Smb1Body::SessionSetupRequest {
                ntlm: None,
                account: Some(account),
                domain: Some(domain),
            }
        }
        (smb1_command::SESSION_SETUP_ANDX, true, 3 | 4) => {
            let blob = if word_count == 4 {
                buffer(msg, bytes_at, usize::from(word(3)?))
            } else {
                &[]
            };
            Smb1Body::SessionSetupResponse {
                action: word(2)?,
                ntlm: ntlmssp::find(blob).map(Box::new),
                kerberos: kerberos::find_in_gss(blob).map(Box::new),
            }
        }
        (smb1_command::TREE_CONNECT_ANDX, false, 4) => {
            let password = usize::from(word(3)?);
            let (path, _) = smb1_string(msg, bytes_at + password, unicode)?;
            Smb1Body::TreeConnectRequest { path }
        }
        (smb1_command::NT_CREATE_ANDX, false, 24) => {
            // NameLength is the word-unaligned field after AndX (4) and a reserved byte.
            let name_len = usize::from(le16(msg, words_at + 5)?);
            let at = if unicode {
                bytes_at + bytes_at % 2
            } else {
                bytes_at
            };
            let raw = buffer(msg, at, name_len);
            let name = if unicode {
                text::from_utf16le(text::until_nul16(raw))
            } else {
                text::from_oem(text::until_nul(raw))
            };
            Smb1Body::NtCreateRequest { name }
        }
        _ => Smb1Body::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::outcome::samples;
    use crate::inspect::outcome::stream::{Frame, Framing, frames};
    use crate::inspect::outcome::{Severity, kerberos::Kind};

    /// The one session message of a direct-TCP sample.
    fn message(bytes: &[u8]) -> Vec<u8> {
        match frames(bytes, Framing::DirectTcp).next() {
            Some(Frame::Message(m)) => m.to_vec(),
            other => panic!("{other:?}"),
        }
    }

    fn smb2_chain(bytes: &[u8]) -> Vec<Smb2Message<'_>> {
        match parse(bytes) {
            Some(SmbMessage::Smb2(chain)) => chain,
            other => panic!("{other:?}"),
        }
    }

    fn statuses(chain: &[Smb2Message]) -> Vec<(u16, u32)> {
        chain.iter().map(|m| (m.command, m.status)).collect()
    }

    #[test]
    fn real_compounded_create_requests_and_responses() {
        // smb_deletefile.pcap 1: CREATE Luca\Downloads + QUERY_DIRECTORY + CLOSE
        // (tshark smb2.cmd 5,14,6).
        let req = message(&samples::smb2_compound_create_request());
        let chain = smb2_chain(&req);
        assert_eq!(
            chain.iter().map(|m| m.command).collect::<Vec<_>>(),
            [5, 14, 6]
        );
        assert!(
            chain
                .iter()
                .all(|m| !m.is_response() && m.outcome().is_none())
        );
        assert_eq!(
            chain[0].body,
            Smb2Body::CreateRequest {
                name: "Luca\\Downloads".into()
            }
        );
        // 2: its answers, all STATUS_SUCCESS; the CREATE response names a FileId.
        let resp = message(&samples::smb2_compound_create_response());
        let chain = smb2_chain(&resp);
        assert_eq!(statuses(&chain), [(5, 0), (14, 0), (6, 0)]);
        assert!(matches!(chain[0].body, Smb2Body::CreateResponse { .. }));
        assert_eq!(chain[0].outcome().unwrap().severity, Severity::Success);
        // 26: the directory query found nothing (tshark smb2.nt_status 0xc000000f).
        let r = message(&samples::smb2_find_no_such_file());
        let chain = smb2_chain(&r);
        assert_eq!(statuses(&chain), [(5, 0), (14, 0xc000_000f), (6, 0)]);
        assert_eq!(chain[1].body, Smb2Body::Error);
        let o = chain[1].outcome().unwrap();
        assert_eq!(o.code.to_string(), "STATUS_NO_SUCH_FILE (0xC000000F)");
        // 35: every member failed with STATUS_OBJECT_NAME_NOT_FOUND.
        let r = message(&samples::smb2_create_name_not_found());
        assert_eq!(
            statuses(&smb2_chain(&r)),
            [(5, 0xc000_0034), (8, 0xc000_0034), (6, 0xc000_0034)]
        );
        // 20 and 48: STATUS_PENDING (async) and STATUS_NO_MORE_FILES, both routine.
        let r = message(&samples::smb2_notify_pending());
        let chain = smb2_chain(&r);
        assert_eq!(statuses(&chain), [(15, 0x103)]);
        assert!(chain[0].async_id.is_some() && chain[0].tree_id.is_none());
        assert_eq!(chain[0].outcome().unwrap().severity, Severity::Routine);
        let r = message(&samples::smb2_find_no_more_files());
        let o = smb2_chain(&r)[0].outcome().unwrap();
        assert_eq!((o.code.value, o.severity), (0x8000_0006, Severity::Routine));
    }

    #[test]
    fn real_session_setup_response_with_kerberos() {
        // kerberos.pcap 10: SESSION_SETUP response, STATUS_SUCCESS, session flags 0,
        // an AP-REP in the SPNEGO blob.
        let r = message(&samples::smb2_session_setup_response());
        let chain = smb2_chain(&r);
        let m = &chain[0];
        assert_eq!((m.command, m.status), (command::SESSION_SETUP, 0));
        let Smb2Body::SessionSetupResponse {
            session_flags,
            kerberos: Some(k),
            ntlm: None,
        } = &m.body
        else {
            panic!("{:?}", m.body);
        };
        assert_eq!((*session_flags, k.kind), (0, Some(Kind::ApRep)));
        assert_eq!(m.outcome().unwrap().severity, Severity::Success);
    }

    #[test]
    fn real_smb1_negotiation_logon_and_tree_connect() {
        // smbv1.pcap 1: six dialects, the last NT LM 0.12; 2: index 5 chosen.
        let req = message(&samples::smb1_negotiate_request());
        let Some(SmbMessage::Smb1(n)) = parse(&req) else {
            panic!();
        };
        let Smb1Body::NegotiateRequest { dialects } = &n.body else {
            panic!("{:?}", n.body);
        };
        assert_eq!(dialects.len(), 6);
        assert_eq!(dialects.last().map(String::as_str), Some("NT LM 0.12"));
        assert!(!n.offers_smb2());
        let resp = message(&samples::smb1_negotiate_response());
        let Some(SmbMessage::Smb1(r)) = parse(&resp) else {
            panic!();
        };
        assert_eq!(r.body, Smb1Body::NegotiateResponse { dialect_index: 5 });
        assert_eq!(r.outcome().unwrap().code.value, 0);
        // 3: an anonymous plain logon (tshark: User: anonymous).
        let s = message(&samples::smb1_session_setup_request());
        let Some(SmbMessage::Smb1(s)) = parse(&s) else {
            panic!();
        };
        assert_eq!(
            s.body,
            Smb1Body::SessionSetupRequest {
                ntlm: None,
                account: Some(String::new()),
                domain: Some(String::new())
            }
        );
        // 5: Tree Connect AndX Request, Path: \\10.128.0.243\IPC$.
        let t = message(&samples::smb1_tree_connect_request());
        let Some(SmbMessage::Smb1(t)) = parse(&t) else {
            panic!();
        };
        assert_eq!(
            t.body,
            Smb1Body::TreeConnectRequest {
                path: "\\\\10.128.0.243\\IPC$".into()
            }
        );
        // smb_frags.pcap 7: STATUS_MORE_PROCESSING_REQUIRED carrying KRB_AP_ERR_SKEW
        // (tshark: KRB Error: KRB5KRB_AP_ERR_SKEW, smb.nt_status 0xc0000016).
        let r = message(&samples::smb1_session_setup_response_skew());
        let Some(SmbMessage::Smb1(r)) = parse(&r) else {
            panic!();
        };
        let o = r.outcome().unwrap();
        assert_eq!(o.code.value, 0xc000_0016);
        assert_eq!(o.detail.and_then(|d| d.name()), Some("KRB_AP_ERR_SKEW"));
        assert_eq!(o.severity, Severity::ClockSkew);
        assert_eq!(o.meaning(), Some("clocks more than 5 minutes apart"));
    }

    /// An SMB2 message as [MS-SMB2] lays it out: header, then `body`.
    fn smb2_msg(command: u16, response: bool, status: u32, body: &[u8]) -> Vec<u8> {
        let mut m = SMB2_MAGIC.to_vec();
        m.extend(64u16.to_le_bytes());
        m.extend(0u16.to_le_bytes());
        m.extend(status.to_le_bytes());
        m.extend(command.to_le_bytes());
        m.extend(1u16.to_le_bytes());
        m.extend(u32::from(response).to_le_bytes());
        m.extend(0u32.to_le_bytes()); // NextCommand
        m.extend(7u64.to_le_bytes()); // MessageId
        m.extend(0u32.to_le_bytes());
        m.extend(3u32.to_le_bytes()); // TreeId
        m.extend(0x11u64.to_le_bytes()); // SessionId
        m.extend([0; 16]);
        m.extend(body);
        m
    }

    #[test]
    fn negotiation_logon_tree_and_pipes() {
        // NEGOTIATE response: 3.1.1, signing required.
        let mut body = vec![0u8; 64];
        body[..2].copy_from_slice(&65u16.to_le_bytes());
        body[2..4].copy_from_slice(&(SIGNING_ENABLED | SIGNING_REQUIRED).to_le_bytes());
        body[4..6].copy_from_slice(&0x0311u16.to_le_bytes());
        let m = smb2_msg(command::NEGOTIATE, true, 0, &body);
        let chain = smb2_chain(&m);
        let Smb2Body::NegotiateResponse {
            dialect,
            security_mode,
            ..
        } = chain[0].body
        else {
            panic!();
        };
        assert_eq!(
            (dialect_name(dialect), security_mode & SIGNING_REQUIRED),
            (Some("SMB 3.1.1"), 2)
        );

        // SESSION_SETUP request with an NTLM AUTHENTICATE, then a logon failure.
        let ntlm = samples::ntlm_authenticate("CORP", "bob", "PC7", 200);
        let mut body = vec![0u8; 24];
        body[..2].copy_from_slice(&25u16.to_le_bytes());
        body[12..14].copy_from_slice(&88u16.to_le_bytes());
        body[14..16].copy_from_slice(&(ntlm.len() as u16).to_le_bytes());
        body.extend(&ntlm);
        let m = smb2_msg(command::SESSION_SETUP, false, 0, &body);
        assert_eq!(
            smb2_chain(&m)[0].ntlm_account().as_deref(),
            Some("CORP\\bob")
        );
        let mut body = vec![0u8; 8];
        body[..2].copy_from_slice(&9u16.to_le_bytes());
        let m = smb2_msg(command::SESSION_SETUP, true, 0xc000_006d, &body);
        let o = smb2_chain(&m)[0].outcome().unwrap();
        assert_eq!(
            (o.severity, o.meaning()),
            (Severity::LogonFailure, Some("wrong user name or password"))
        );

        // TREE_CONNECT request and response.
        let path: Vec<u8> = "\\\\dc01\\IPC$"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut body = vec![9u8, 0, 0, 0, 72, 0, path.len() as u8, 0];
        body.extend(&path);
        let m = smb2_msg(command::TREE_CONNECT, false, 0, &body);
        assert_eq!(
            smb2_chain(&m)[0].body,
            Smb2Body::TreeConnectRequest {
                path: "\\\\dc01\\IPC$".into()
            }
        );
        let body = [16u8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x01, 0x1f, 0];
        let m = smb2_msg(command::TREE_CONNECT, true, 0, &body);
        let Smb2Body::TreeConnectResponse { share_type, .. } = smb2_chain(&m)[0].body else {
            panic!();
        };
        assert_eq!(share_type_name(share_type), Some("pipe"));

        // A DCE/RPC bind written to a pipe, and read back through an IOCTL transceive.
        let pdu = [5u8, 0, 11, 3, 0x10, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0];
        let mut body = vec![0u8; 48];
        body[..2].copy_from_slice(&49u16.to_le_bytes());
        body[2..4].copy_from_slice(&112u16.to_le_bytes());
        body[4..8].copy_from_slice(&16u32.to_le_bytes());
        body.extend(pdu);
        let m = smb2_msg(command::WRITE, false, 0, &body);
        assert_eq!(smb2_chain(&m)[0].pipe_payload(), Some(&pdu[..]));
        let mut body = vec![0u8; 48];
        body[..2].copy_from_slice(&49u16.to_le_bytes());
        body[4..8].copy_from_slice(&FSCTL_PIPE_TRANSCEIVE.to_le_bytes());
        body[32..36].copy_from_slice(&112u32.to_le_bytes());
        body[36..40].copy_from_slice(&16u32.to_le_bytes());
        body.extend(pdu);
        let m = smb2_msg(command::IOCTL, true, ntstatus::BUFFER_OVERFLOW, &body);
        let chain = smb2_chain(&m);
        assert_eq!(chain[0].pipe_payload(), Some(&pdu[..]));
        assert_eq!(chain[0].outcome().unwrap().severity, Severity::Routine);

        // Encrypted and compressed messages say so and stop.
        let mut t = TRANSFORM_MAGIC.to_vec();
        t.extend([0; 40]);
        t.extend(0x99u64.to_le_bytes());
        assert_eq!(parse(&t), Some(SmbMessage::Encrypted { session_id: 0x99 }));
        let mut c = COMPRESSION_MAGIC.to_vec();
        c.extend([0, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(parse(&c), Some(SmbMessage::Compressed { algorithm: 2 }));
    }

    #[test]
    fn cut_and_garbage_messages_never_panic_or_invent() {
        let samples_ = [
            message(&samples::smb2_compound_create_request()),
            message(&samples::smb2_compound_create_response()),
            message(&samples::smb2_session_setup_response()),
            message(&samples::smb1_session_setup_response_skew()),
        ];
        for s in &samples_ {
            for cut in 0..s.len() {
                if let Some(SmbMessage::Smb2(chain)) = parse(&s[..cut]) {
                    assert!(chain.len() <= 3);
                }
            }
            let mut x = s.clone();
            for i in 0..x.len() {
                x[i] = x[i].wrapping_add(0x55);
                let _ = parse(&x);
                x[i] = x[i].wrapping_sub(0x55);
            }
        }
        // A chain stops where NextCommand points past the end.
        let mut m = smb2_msg(command::ECHO, false, 0, &[4, 0, 0, 0, 0, 0, 0, 0]);
        m[20..24].copy_from_slice(&72u32.to_le_bytes());
        let mut twice = m.clone();
        twice.extend(&m);
        twice.extend(&m);
        assert!(matches!(parse(&twice), Some(SmbMessage::Smb2(c)) if c.len() == 3));
        assert_eq!(parse(b"\xfeSMB"), None);
        assert_eq!(parse(b"GET / HTTP/1.1"), None);
    }
}
