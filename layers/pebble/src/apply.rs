//! Applying a layer idempotently: a replan restarts every service whose
//! configuration changed, so a charm that replans on every hook restarts
//! nothing but still pays a change per hook and cannot tell a real update
//! from a no-op. [`apply_layer`] replans only when the plan really changed.

use crate::client::Client;
use crate::error::Result;
use crate::types::Change;

/// What [`apply_layer`] did.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Applied {
    /// The plan already contained the layer and every startup-enabled service
    /// was running: nothing was replanned.
    Unchanged,
    /// The plan changed (or an enabled service was down) and the replan change ran.
    Replanned(Box<Change>),
}

impl Applied {
    /// Whether a replan ran.
    pub fn replanned(&self) -> bool {
        matches!(self, Applied::Replanned(_))
    }
}

/// Combines `layer_yaml` into the layer `label` and replans only if the
/// combined plan differs from the one before, or if a startup-enabled service
/// is not running (a replan of an earlier hook that failed half-way).
pub fn apply_layer(client: &Client, label: &str, layer_yaml: &str) -> Result<Applied> {
    let before = client.plan()?;
    client.add_layer(label, layer_yaml, true)?;
    let after = client.plan()?;
    let all_up = client
        .services(&[])?
        .iter()
        .all(|s| s.startup != "enabled" || s.is_running());
    if before == after && all_up {
        return Ok(Applied::Unchanged);
    }
    Ok(Applied::Replanned(Box::new(client.replan()?)))
}
