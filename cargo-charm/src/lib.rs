//! `cargo charm`: scaffolds charm-reactive charms and packs them into the
//! `.charm` files Juju deploys.
//!
//! * [`scaffold`]: `cargo charm new` / `init`, a charm crate that tests,
//!   simulates and packs with no edits.
//! * [`pack`]: `cargo charm pack`, from [`cargo`] build to `.charm`, with
//!   [`charmcraft`] (the project and the files charmcraft derives from it),
//!   [`glibc`] (will the binary start on its [`base`]?), [`hooks`] (the
//!   `hooks/` entries older Juju runs), [`manifest`] and [`archive`]
//!   (reproducible zip bytes).

pub mod archive;
pub mod base;
pub mod cargo;
pub mod charmcraft;
pub mod glibc;
pub mod hooks;
pub mod manifest;
pub mod pack;
pub mod scaffold;
