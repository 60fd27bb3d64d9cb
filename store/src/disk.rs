//! Which resource failed when the disk refuses a store operation.
//!
//! A full disk, an exhausted quota, a read-only filesystem and a failing device
//! each have their own cause and remedy, and none of them is damage to the
//! store: sled applies a commit entirely or not at all, so the store is left at
//! its last commit. Reporting them as damage would send an operator to throw a
//! good store away, so [`StoreError::classified`] turns the errors that carry
//! one of these errnos into [`StoreError::Disk`].

use std::fmt;
use std::io;

use crate::StoreError;

/// Linux's errno values of the faults told apart.
const EIO: i32 = 5;
const EROFS: i32 = 30;
const ENOSPC: i32 = 28;
const EDQUOT: i32 = 122;

/// The resource that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiskFault {
    /// The filesystem is full (`ENOSPC`).
    NoSpace,
    /// The user's disk quota is exhausted (`EDQUOT`).
    Quota,
    /// The filesystem is mounted read-only (`EROFS`).
    ReadOnly,
    /// The device or filesystem reported an I/O error (`EIO`).
    Device,
}

impl DiskFault {
    /// The fault an I/O error reports, if it is one of these.
    pub fn of(error: &io::Error) -> Option<DiskFault> {
        match error.raw_os_error()? {
            ENOSPC => Some(DiskFault::NoSpace),
            EDQUOT => Some(DiskFault::Quota),
            EROFS => Some(DiskFault::ReadOnly),
            EIO => Some(DiskFault::Device),
            _ => None,
        }
    }

    /// The errno's name, as `dmesg` and `strace` show it.
    pub fn errno(self) -> &'static str {
        match self {
            DiskFault::NoSpace => "ENOSPC",
            DiskFault::Quota => "EDQUOT",
            DiskFault::ReadOnly => "EROFS",
            DiskFault::Device => "EIO",
        }
    }

    /// What the operator should do.
    pub fn remedy(self) -> &'static str {
        match self {
            DiskFault::NoSpace => {
                "free space on that filesystem (`df` on the store's path shows it); \
                 Juju retries the hook, which then runs against the intact store"
            }
            DiskFault::Quota => {
                "raise the quota of the unit's user or free some of its files \
                 (`quota -v` shows it); Juju retries the hook, which then runs against the intact store"
            }
            DiskFault::ReadOnly => {
                "remount the filesystem read-write; a filesystem the kernel remounted \
                 read-only after disk errors says so in `dmesg`: check the device first"
            }
            DiskFault::Device => {
                "check the device (`dmesg`, the disk's SMART status, the volume's health); \
                 once it is sound, check the store with `charm-reactive store verify` before \
                 the unit's next hook"
            }
        }
    }
}

impl fmt::Display for DiskFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DiskFault::NoSpace => "the filesystem is full",
            DiskFault::Quota => "the disk quota is exhausted",
            DiskFault::ReadOnly => "the filesystem is read-only",
            DiskFault::Device => "the disk reported an I/O error",
        })
    }
}

/// The I/O error inside a sled error, if any.
fn sled_io(error: &sled::Error) -> Option<&io::Error> {
    match error {
        sled::Error::Io(e) => Some(e),
        _ => None,
    }
}

impl StoreError {
    /// This error as [`StoreError::Disk`] when the disk refused the operation
    /// with `ENOSPC`, `EDQUOT`, `EROFS` or `EIO`; otherwise unchanged.
    pub fn classified(self) -> StoreError {
        let (path, op, fault) = match &self {
            StoreError::Io { path, op, source } => {
                (path, *op, sled_io(source).and_then(DiskFault::of))
            }
            StoreError::Open { path, source } => {
                (path, "open", sled_io(source).and_then(DiskFault::of))
            }
            StoreError::File { path, source, .. } => (path, "file", DiskFault::of(source)),
            StoreError::LockFile { path, source, .. } => (path, "lock", DiskFault::of(source)),
            _ => return self,
        };
        let Some(fault) = fault else { return self };
        let (path, op) = (path.clone(), op);
        let detail = self.to_string();
        StoreError::Disk {
            path,
            op,
            fault,
            detail,
        }
    }

    /// The disk fault behind this error, if it is one.
    pub fn disk_fault(&self) -> Option<DiskFault> {
        match self {
            StoreError::Disk { fault, .. } => Some(*fault),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn each_errno_has_its_own_fault_and_damage_is_not_suggested() {
        for (errno, fault) in [
            (ENOSPC, DiskFault::NoSpace),
            (EDQUOT, DiskFault::Quota),
            (EROFS, DiskFault::ReadOnly),
            (EIO, DiskFault::Device),
        ] {
            let e = StoreError::Open {
                path: PathBuf::from("/s"),
                source: sled::Error::Io(io::Error::from_raw_os_error(errno)),
            }
            .classified();
            assert_eq!(e.disk_fault(), Some(fault));
            let text = e.to_string();
            assert!(
                text.contains("/s") && text.contains(fault.errno()),
                "{text}"
            );
            assert!(text.contains(fault.remedy()), "{text}");
            assert!(
                !text.contains("damaged") && !text.contains("empty store"),
                "{text}"
            );
        }
        let other = StoreError::File {
            path: PathBuf::from("/s"),
            file: PathBuf::from("/s/x"),
            source: io::Error::from_raw_os_error(13),
        }
        .classified();
        assert!(matches!(other, StoreError::File { .. }));
    }
}
