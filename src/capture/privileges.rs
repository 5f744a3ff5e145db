//! Giving up root once the capture is open: the packets a sniffer parses come from anyone,
//! so the code that parses them should hold no more privilege than an ordinary user.

use nix::unistd::{Gid, Uid, User};

/// Why privileges could not be dropped (the run stops rather than go on as root).
#[derive(Debug, thiserror::Error)]
pub enum DropError {
    /// No such user in the password database.
    #[error(
        "cannot drop root privileges: no user named '{0}' (choose one with --user, or keep root with --no-drop)"
    )]
    NoSuchUser(String),
    /// The password database could not be read.
    #[error("cannot drop root privileges: cannot look up user '{name}': {cause}")]
    Lookup {
        /// The user asked for.
        name: String,
        /// What failed (part of the message, not a separate cause, so it shows once).
        cause: nix::Error,
    },
    /// The user asked for is root itself.
    #[error(
        "cannot drop root privileges: user '{0}' has uid 0 (choose another with --user, or say --no-drop)"
    )]
    IsRoot(String),
    /// A set*id call failed.
    #[error("cannot drop root privileges to '{name}': {call} failed: {cause}")]
    Call {
        /// The user asked for.
        name: String,
        /// The call that failed.
        call: &'static str,
        /// The error it returned (part of the message, so it shows once).
        cause: nix::Error,
    },
    /// Root could be regained after the drop, so the drop did not hold.
    #[error("cannot drop root privileges to '{0}': root could be regained afterwards")]
    NotPermanent(String),
}

/// What [`drop_root`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    /// The process was not running as root; nothing to drop.
    NotRoot,
    /// Now running as this user, uid and gid.
    To {
        /// User name.
        name: String,
        /// Its uid.
        uid: u32,
        /// Its primary gid.
        gid: u32,
    },
}

/// When the effective user is root, switches the whole process (real, effective and saved
/// ids, and the supplementary groups to the user's own) to `name`, permanently, and checks
/// that root cannot be regained. Open files and the open capture stay usable. A process
/// that is not root (running with file capabilities instead) keeps them: there is no root
/// to drop.
pub fn drop_root(name: &str) -> Result<Dropped, DropError> {
    if !Uid::effective().is_root() {
        return Ok(Dropped::NotRoot);
    }
    let user = User::from_name(name)
        .map_err(|cause| DropError::Lookup {
            name: name.to_string(),
            cause,
        })?
        .ok_or_else(|| DropError::NoSuchUser(name.to_string()))?;
    if user.uid.is_root() {
        return Err(DropError::IsRoot(name.to_string()));
    }
    let call = |call: &'static str| {
        move |cause| DropError::Call {
            name: name.to_string(),
            call,
            cause,
        }
    };
    // Groups first: once the uid is gone, they can no longer be changed. The user's own
    // supplementary groups, as tcpdump's -Z sets them.
    let c_name =
        std::ffi::CString::new(name).map_err(|_| DropError::NoSuchUser(name.to_string()))?;
    nix::unistd::initgroups(&c_name, user.gid).map_err(call("initgroups"))?;
    nix::unistd::setgid(user.gid).map_err(call("setgid"))?;
    nix::unistd::setuid(user.uid).map_err(call("setuid"))?;
    if nix::unistd::setuid(Uid::from_raw(0)).is_ok()
        || nix::unistd::setgid(Gid::from_raw(0)).is_ok()
    {
        return Err(DropError::NotPermanent(name.to_string()));
    }
    Ok(Dropped::To {
        name: name.to_string(),
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
    })
}
