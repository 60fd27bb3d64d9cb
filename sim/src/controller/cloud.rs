//! The "cloud": Kubernetes pods behind units, pod spec changes that replace
//! units of a stateless application, leadership leases, relation clean-up.

use super::{Controller, SimError};
use crate::charm::DeploymentKind;
use crate::hookctx::PendingSpec;
use crate::model::{Life, ModelType, PodSpec};

impl Controller {
    /// Applies a committed pod spec of `app`, set by `unit`.
    ///
    /// Kubernetes creates pods for units that have none. When the spec differs
    /// from the previous one, a Deployment (stateless) rolls every pod: each new
    /// pod has a new UID, so Juju creates a NEW unit for it and the unit whose
    /// pod vanished starts dying (HOOK-TOOLS.md §6). A StatefulSet keeps pod
    /// names, so its units stay.
    pub(super) fn apply_pod_spec(
        &mut self,
        app_name: &str,
        unit: &str,
        spec: &PendingSpec,
    ) -> Result<(), SimError> {
        let k8s = self.model.kind == ModelType::Kubernetes;
        let Some(app) = self.model.applications.get_mut(app_name) else {
            return Ok(());
        };
        let first = app.pod_spec.is_none();
        let changed = app.pod_spec.as_ref().is_none_or(|s| s.value != spec.value);
        app.pod_spec = Some(PodSpec {
            text: spec.text.clone(),
            value: spec.value.clone(),
            set_by: unit.into(),
        });
        if !changed {
            self.log_controller(
                "DEBUG",
                "juju.worker.caasunitprovisioner",
                &format!("application {app_name:?}: pod spec set by {unit} is unchanged"),
            );
            return Ok(());
        }
        app.pod_spec_changes += 1;
        let changes = app.pod_spec_changes;
        let deployment = app.deployment;
        let kind = match deployment {
            DeploymentKind::Stateless => "Deployment",
            DeploymentKind::Stateful => "StatefulSet",
        };
        self.log_controller(
            "INFO",
            "juju.worker.caasunitprovisioner",
            &format!("application {app_name:?}: pod spec change {changes} committed by {unit}"),
        );
        if !k8s {
            return Ok(());
        }
        let alive: Vec<(String, bool)> = self
            .model
            .app_units(app_name)
            .iter()
            .filter(|u| u.life == Life::Alive)
            .map(|u| (u.name.clone(), u.has_pod))
            .collect();
        for (name, has_pod) in &alive {
            if !has_pod {
                if let Some(u) = self.model.unit_mut(name) {
                    u.has_pod = true;
                }
                self.log_controller(
                    "INFO",
                    "juju.worker.caasunitprovisioner",
                    &format!("{kind} {app_name}: pod created for unit {name}"),
                );
            }
        }
        let with_pods: Vec<String> = alive
            .into_iter()
            .filter(|(_, p)| *p)
            .map(|(n, _)| n)
            .collect();
        if first || with_pods.is_empty() {
            return Ok(());
        }
        if deployment == DeploymentKind::Stateful {
            self.log_controller(
                "INFO",
                "juju.worker.caasunitprovisioner",
                &format!("{kind} {app_name}: pods restarted with the new spec; units keep their identity"),
            );
            return Ok(());
        }
        for old in with_pods {
            let new = self.add_unit(app_name)?;
            if let Some(u) = self.model.unit_mut(&new) {
                u.has_pod = true;
            }
            if let Some(u) = self.model.unit_mut(&old) {
                u.replaced_by = Some(new.clone());
            }
            self.log_controller(
                "INFO",
                "juju.worker.caasunitprovisioner",
                &format!("{kind} {app_name}: pod of {old} replaced by a new pod: new unit {new}; {old} is dying"),
            );
            self.remove_unit(&old)?;
            if let Some(a) = self.model.applications.get_mut(app_name) {
                a.replacements += 1;
            }
            let chain = self
                .settle_replacements
                .entry(app_name.to_string())
                .or_default();
            if chain.is_empty() {
                chain.push(old.clone());
            }
            chain.push(new);
            let count = chain.len() as u32 - 1;
            if count > self.opts.max_replacements {
                return Err(SimError::ReplacementLoop {
                    app: app_name.into(),
                    count,
                    chain: chain.join(" -> "),
                });
            }
        }
        Ok(())
    }

    /// Moves every lease to the current virtual time; a free lease goes to the
    /// lowest-numbered live unit whose tracker runs, and a leadership change
    /// bumps the leader-settings version (minions then run
    /// `leader-settings-changed`).
    pub(super) fn tick_leases(&mut self) {
        let now = self.model.clock_ms;
        let apps: Vec<String> = self.model.applications.keys().cloned().collect();
        for app_name in apps {
            let holder = self.model.applications[&app_name].lease.holder.clone();
            let tracking = holder
                .as_deref()
                .and_then(|h| self.model.unit(h))
                .is_some_and(|u| u.tracker_running);
            let lost = self
                .model
                .applications
                .get_mut(&app_name)
                .and_then(|a| a.lease.advance(now, tracking));
            if let Some(lost) = lost {
                self.log_controller(
                    "INFO",
                    "juju.worker.lease",
                    &format!("{app_name} leadership lease of {lost} expired"),
                );
            }
            if self.model.applications[&app_name].lease.holder.is_some() {
                continue;
            }
            let candidate = self
                .model
                .app_units(&app_name)
                .iter()
                .find(|u| u.life == Life::Alive && u.tracker_running)
                .map(|u| u.name.clone());
            if let Some(c) = candidate {
                if let Some(a) = self.model.applications.get_mut(&app_name) {
                    a.lease.claim(&c, now);
                    a.leader_settings_version += 1;
                }
                self.log_unit(
                    &c,
                    "INFO",
                    "juju.worker.leadership",
                    &format!("{c} promoted to leadership of {app_name}"),
                );
            }
        }
    }

    /// When the next lease lapses that some live unit waits for.
    pub(super) fn next_lease_expiry(&self) -> Option<u64> {
        self.model
            .applications
            .values()
            .filter(|a| {
                let waiting = self
                    .model
                    .app_units(&a.name)
                    .iter()
                    .any(|u| u.life == Life::Alive && u.tracker_running);
                let holder_tracks = a
                    .lease
                    .holder
                    .as_deref()
                    .and_then(|h| self.model.unit(h))
                    .is_some_and(|u| u.tracker_running);
                waiting && !holder_tracks
            })
            .filter_map(|a| a.lease.expires_at())
            .min()
    }

    /// A dying relation is removed once no unit is left in it.
    pub(super) fn gc_relations(&mut self) {
        let units = &self.model.units;
        for rel in self
            .model
            .relations
            .iter_mut()
            .filter(|r| r.dying && !r.removed)
        {
            let pending = units.iter().any(|u| {
                !u.removed
                    && rel.endpoint_of(&u.app).is_some()
                    && u.uniter
                        .relations
                        .get(&rel.id)
                        .is_some_and(|l| l.created && !l.broken)
            });
            if rel.scope.is_empty() && !pending {
                rel.removed = true;
            }
        }
    }
}
