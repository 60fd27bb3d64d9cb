//! The per-unit store of charm-reactive.
//!
//! A [`Store`] is a sled database on disk, owned by one unit and locked by one
//! process at a time. A hook reads and writes it through a [`Transaction`]: reads
//! see the committed state plus the transaction's own writes, and
//! [`Transaction::commit`] applies every write as one atomic sled batch followed by
//! one flush. A transaction that is dropped without commit changes nothing on disk,
//! which is how a failing hook commits nothing.
//!
//! Keys are strings chosen by the caller, in the namespaces of [`layout`]. Values
//! written with [`Transaction::set`] are serde values encoded with postcard behind
//! a one-byte format version ([`codec`]).
//!
//! A store that lost committed data (sled recovers a truncated or garbage
//! database as an older or empty one) is refused at open with
//! [`StoreError::Corrupt`], never used or reset silently; [`Store::verify`],
//! [`Store::export`] and [`Store::import`] back the `charm-reactive store` command.
//!
//! ```
//! # fn main() -> Result<(), charm_reactive_store::StoreError> {
//! let dir = tempfile::tempdir().unwrap();
//! let store = charm_reactive_store::Store::open(dir.path().join("unit.sled"))?;
//! let mut tx = store.transaction();
//! tx.set("kv/port", &8080u16)?;
//! tx.commit()?;
//! assert_eq!(store.transaction().get::<u16>("kv/port")?, Some(8080));
//! # Ok(()) }
//! ```

pub mod codec;
mod dir;
pub mod disk;
mod error;
pub mod export;
mod failure;
pub mod hex;
pub mod layout;
mod lock;
mod sidecar;
mod sled_conf;
mod snapshot;
mod store;
mod transaction;
mod undo;
pub mod verify;

pub use codec::FORMAT_VERSION;
pub use disk::DiskFault;
pub use error::StoreError;
pub use export::Export;
pub use snapshot::Snapshot;
pub use store::{OpenOptions, Store, DEFAULT_SEGMENT_SIZE, SLED_SEGMENT_SIZE};
pub use transaction::{CommitStats, Transaction};
pub use verify::VerifyReport;
