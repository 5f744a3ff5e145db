//! NTSTATUS values ([MS-ERREF] 2.3.1) that SMB servers, Kerberos e-data and DCE/RPC
//! answers carry, with the names MS-ERREF gives them, plain meanings for those people
//! meet when logons and file access fail, and a severity. Values were checked against
//! MS-ERREF as published (via its transcription in a public NTSTATUS table). A code the
//! table does not hold prints as hexadecimal.

use super::code::{Code, Entry, Severity, Space};

use Severity::{AccessDenied, AccountProblem, ClockSkew, Error, LogonFailure, Routine, Success};

/// The NTSTATUS of `value`, named when the table knows it.
pub fn code(value: u32) -> Code {
    Code::new(Space::NtStatus, i64::from(value), TABLE)
}

/// STATUS_SUCCESS.
pub const SUCCESS: u32 = 0x0000_0000;
/// STATUS_PENDING: an interim response; the final one follows.
pub const PENDING: u32 = 0x0000_0103;
/// STATUS_BUFFER_OVERFLOW: more data than the buffer (a pipe message continues).
pub const BUFFER_OVERFLOW: u32 = 0x8000_0005;
/// STATUS_MORE_PROCESSING_REQUIRED: an authentication round trip continues.
pub const MORE_PROCESSING_REQUIRED: u32 = 0xC000_0016;

const fn e(value: u32, name: &'static str, meaning: Option<&'static str>, s: Severity) -> Entry {
    Entry::new(value as i64, name, meaning, s)
}

/// The table, sorted by value.
#[rustfmt::skip]
pub const TABLE: &[Entry] = &[
    e(0x0000_0000, "STATUS_SUCCESS", None, Success),
    e(0x0000_0103, "STATUS_PENDING", Some("the operation continues; an interim answer"), Routine),
    e(0x0000_0107, "STATUS_SOME_NOT_MAPPED", Some("some names or SIDs could not be translated"), Routine),
    e(0x0000_010C, "STATUS_NOTIFY_ENUM_DIR", Some("too many changes to report; the client re-reads the directory"), Routine),
    e(0x8000_0005, "STATUS_BUFFER_OVERFLOW", Some("more data than fits the buffer; the rest follows (normal on named pipes)"), Routine),
    e(0x8000_0006, "STATUS_NO_MORE_FILES", Some("the end of a directory listing"), Routine),
    e(0x8000_001A, "STATUS_NO_MORE_ENTRIES", Some("the end of an enumeration"), Routine),
    e(0x8000_002D, "STATUS_STOPPED_ON_SYMLINK", Some("the path crosses a symbolic link the client must resolve"), Error),
    e(0xC000_0001, "STATUS_UNSUCCESSFUL", None, Error),
    e(0xC000_0002, "STATUS_NOT_IMPLEMENTED", Some("the server does not implement the request"), Error),
    e(0xC000_0003, "STATUS_INVALID_INFO_CLASS", None, Error),
    e(0xC000_0008, "STATUS_INVALID_HANDLE", Some("the handle (file id, session, tree) is not valid"), Error),
    e(0xC000_000D, "STATUS_INVALID_PARAMETER", Some("the server rejected a parameter of the request"), Error),
    e(0xC000_000F, "STATUS_NO_SUCH_FILE", Some("no such file"), Error),
    e(0xC000_0010, "STATUS_INVALID_DEVICE_REQUEST", Some("the request does not apply to this file or device"), Error),
    e(0xC000_0011, "STATUS_END_OF_FILE", Some("a read past the end of the file (normal at the end of sequential reads)"), Routine),
    e(0xC000_0016, "STATUS_MORE_PROCESSING_REQUIRED", Some("the authentication exchange continues (a normal step)"), Routine),
    e(0xC000_0022, "STATUS_ACCESS_DENIED", Some("access denied: the account lacks the permission"), AccessDenied),
    e(0xC000_0023, "STATUS_BUFFER_TOO_SMALL", None, Error),
    e(0xC000_0024, "STATUS_OBJECT_TYPE_MISMATCH", None, Error),
    e(0xC000_0033, "STATUS_OBJECT_NAME_INVALID", Some("the name is not a valid file name"), Error),
    e(0xC000_0034, "STATUS_OBJECT_NAME_NOT_FOUND", Some("no file or pipe of that name"), Error),
    e(0xC000_0035, "STATUS_OBJECT_NAME_COLLISION", Some("a file of that name already exists"), Error),
    e(0xC000_003A, "STATUS_OBJECT_PATH_NOT_FOUND", Some("a folder on the path does not exist"), Error),
    e(0xC000_003B, "STATUS_OBJECT_PATH_SYNTAX_BAD", None, Error),
    e(0xC000_0043, "STATUS_SHARING_VIOLATION", Some("another open of the file does not allow this access"), Error),
    e(0xC000_004F, "STATUS_EAS_NOT_SUPPORTED", None, Error),
    e(0xC000_0054, "STATUS_FILE_LOCK_CONFLICT", None, Error),
    e(0xC000_0055, "STATUS_LOCK_NOT_GRANTED", None, Error),
    e(0xC000_0056, "STATUS_DELETE_PENDING", Some("the file is being deleted"), Error),
    e(0xC000_005E, "STATUS_NO_LOGON_SERVERS", Some("no domain controller was available to check the logon"), Error),
    e(0xC000_0061, "STATUS_PRIVILEGE_NOT_HELD", Some("the account lacks a required privilege"), AccessDenied),
    e(0xC000_0064, "STATUS_NO_SUCH_USER", Some("no such account"), LogonFailure),
    e(0xC000_006A, "STATUS_WRONG_PASSWORD", Some("wrong password"), LogonFailure),
    e(0xC000_006C, "STATUS_PASSWORD_RESTRICTION", Some("the new password does not meet the password policy"), Error),
    e(0xC000_006D, "STATUS_LOGON_FAILURE", Some("wrong user name or password"), LogonFailure),
    e(0xC000_006E, "STATUS_ACCOUNT_RESTRICTION", Some("an account restriction refused the logon (e.g. blank password, logon type)"), LogonFailure),
    e(0xC000_006F, "STATUS_INVALID_LOGON_HOURS", Some("the account may not log on at this time"), LogonFailure),
    e(0xC000_0070, "STATUS_INVALID_WORKSTATION", Some("the account may not log on from this computer"), LogonFailure),
    e(0xC000_0071, "STATUS_PASSWORD_EXPIRED", Some("the password has expired"), AccountProblem),
    e(0xC000_0072, "STATUS_ACCOUNT_DISABLED", Some("the account is disabled"), AccountProblem),
    e(0xC000_0073, "STATUS_NONE_MAPPED", Some("none of the names or SIDs could be translated"), Error),
    e(0xC000_007F, "STATUS_DISK_FULL", None, Error),
    e(0xC000_009A, "STATUS_INSUFFICIENT_RESOURCES", Some("the server ran out of resources (memory, sessions, handles)"), Error),
    e(0xC000_00A5, "STATUS_BAD_IMPERSONATION_LEVEL", None, Error),
    e(0xC000_00AC, "STATUS_PIPE_NOT_AVAILABLE", Some("no instance of the named pipe is available"), Error),
    e(0xC000_00AD, "STATUS_INVALID_PIPE_STATE", None, Error),
    e(0xC000_00AE, "STATUS_PIPE_BUSY", Some("every instance of the named pipe is busy"), Error),
    e(0xC000_00B0, "STATUS_PIPE_DISCONNECTED", Some("the server end of the pipe closed"), Error),
    e(0xC000_00B1, "STATUS_PIPE_CLOSING", None, Error),
    e(0xC000_00B5, "STATUS_IO_TIMEOUT", None, Error),
    e(0xC000_00BA, "STATUS_FILE_IS_A_DIRECTORY", Some("the name is a folder, not a file"), Error),
    e(0xC000_00BB, "STATUS_NOT_SUPPORTED", Some("the server does not support the request"), Error),
    e(0xC000_00BE, "STATUS_BAD_NETWORK_PATH", Some("the network path was not found"), Error),
    e(0xC000_00C3, "STATUS_INVALID_NETWORK_RESPONSE", None, Error),
    e(0xC000_00C4, "STATUS_UNEXPECTED_NETWORK_ERROR", None, Error),
    e(0xC000_00C9, "STATUS_NETWORK_NAME_DELETED", Some("the share or session went away"), Error),
    e(0xC000_00CA, "STATUS_NETWORK_ACCESS_DENIED", Some("access to the share denied"), AccessDenied),
    e(0xC000_00CC, "STATUS_BAD_NETWORK_NAME", Some("no share of that name on the server"), Error),
    e(0xC000_00CE, "STATUS_TOO_MANY_SESSIONS", None, Error),
    e(0xC000_00D0, "STATUS_REQUEST_NOT_ACCEPTED", Some("the server accepts no more connections (connection limit)"), Error),
    e(0xC000_00DF, "STATUS_NO_SUCH_DOMAIN", Some("the domain does not exist or cannot be reached"), Error),
    e(0xC000_0101, "STATUS_DIRECTORY_NOT_EMPTY", None, Error),
    e(0xC000_0103, "STATUS_NOT_A_DIRECTORY", Some("a name on the path is a file, not a folder"), Error),
    e(0xC000_0120, "STATUS_CANCELLED", Some("the request was cancelled"), Routine),
    e(0xC000_0121, "STATUS_CANNOT_DELETE", None, Error),
    e(0xC000_0128, "STATUS_FILE_CLOSED", None, Error),
    e(0xC000_0133, "STATUS_TIME_DIFFERENCE_AT_DC", Some("the clocks of this computer and the domain controller differ too much"), ClockSkew),
    e(0xC000_014B, "STATUS_PIPE_BROKEN", Some("the named pipe was closed by the other end"), Error),
    e(0xC000_015B, "STATUS_LOGON_TYPE_NOT_GRANTED", Some("the account is not allowed this kind of logon (user rights)"), LogonFailure),
    e(0xC000_018B, "STATUS_NO_TRUST_SAM_ACCOUNT", Some("the domain controller has no computer account for this machine"), LogonFailure),
    e(0xC000_018D, "STATUS_TRUSTED_RELATIONSHIP_FAILURE", Some("the trust between this computer and the domain failed"), LogonFailure),
    e(0xC000_0192, "STATUS_NETLOGON_NOT_STARTED", None, Error),
    e(0xC000_0193, "STATUS_ACCOUNT_EXPIRED", Some("the account has expired"), AccountProblem),
    e(0xC000_0199, "STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT", Some("a computer account was used as a user logon"), LogonFailure),
    e(0xC000_0203, "STATUS_USER_SESSION_DELETED", Some("the server ended the session; the client must set up a new one"), Error),
    e(0xC000_020C, "STATUS_CONNECTION_DISCONNECTED", None, Error),
    e(0xC000_0224, "STATUS_PASSWORD_MUST_CHANGE", Some("the password must be changed before the first logon"), AccountProblem),
    e(0xC000_0225, "STATUS_NOT_FOUND", Some("not found"), Error),
    e(0xC000_0233, "STATUS_DOMAIN_CONTROLLER_NOT_FOUND", Some("no domain controller could be found"), Error),
    e(0xC000_0234, "STATUS_ACCOUNT_LOCKED_OUT", Some("the account is locked out (too many wrong passwords)"), AccountProblem),
    e(0xC000_0236, "STATUS_CONNECTION_REFUSED", None, Error),
    e(0xC000_0257, "STATUS_PATH_NOT_COVERED", Some("the path is on another DFS server (a referral follows)"), Routine),
    e(0xC000_035C, "STATUS_NETWORK_SESSION_EXPIRED", Some("the session's Kerberos ticket expired; the client re-authenticates"), Routine),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::outcome::code::is_sorted_unique;

    #[test]
    fn table_is_sorted_and_names_the_important_codes() {
        assert!(is_sorted_unique(TABLE));
        assert!(TABLE.iter().all(|e| e.name.starts_with("STATUS_")));
        assert_eq!(code(0xC000_006D).name(), Some("STATUS_LOGON_FAILURE"));
        assert_eq!(code(0xC000_0234).severity(), Severity::AccountProblem);
        assert_eq!(code(MORE_PROCESSING_REQUIRED).severity(), Severity::Routine);
        assert_eq!(code(0xC000_0022).severity(), Severity::AccessDenied);
        assert_eq!(code(0xC0DE_0001).to_string(), "0xC0DE0001");
    }
}
