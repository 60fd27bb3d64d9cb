//! [`Event`]: what Juju runs on the unit: a hook, a relation hook or an action.

use serde_json::Value;

/// One hook or action.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A hook that is not about a relation, by name (`install`, `config-changed`,
    /// `data-storage-attached`, ...).
    Hook(String),
    /// A relation hook.
    Relation {
        /// Which one.
        kind: RelationHook,
        /// The relation's id number (the state's [`crate::Relation::id`]).
        id: u32,
        /// `JUJU_REMOTE_UNIT`: required for joined and departed, absent for
        /// created and broken, optional for changed (absent: the remote
        /// application's bag changed).
        remote_unit: Option<String>,
        /// `JUJU_DEPARTING_UNIT` (relation-departed, Juju ≥ 2.8): the remote
        /// unit or this unit.
        departing_unit: Option<String>,
    },
    /// An action with its parameters (a JSON object).
    Action {
        /// The action's name.
        name: String,
        /// Its parameters (`action-get`).
        params: Value,
    },
}

/// The five relation hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationHook {
    /// `<endpoint>-relation-created` (Juju ≥ 2.8).
    Created,
    /// `<endpoint>-relation-joined`.
    Joined,
    /// `<endpoint>-relation-changed`.
    Changed,
    /// `<endpoint>-relation-departed`.
    Departed,
    /// `<endpoint>-relation-broken`.
    Broken,
}

impl RelationHook {
    /// The hook name's suffix, `created` etc.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationHook::Created => "created",
            RelationHook::Joined => "joined",
            RelationHook::Changed => "changed",
            RelationHook::Departed => "departed",
            RelationHook::Broken => "broken",
        }
    }
}

impl Event {
    /// Any hook by name, for hooks without a constructor of their own.
    pub fn hook(name: impl Into<String>) -> Event {
        Event::Hook(name.into())
    }

    /// `install`.
    pub fn install() -> Event {
        Event::hook("install")
    }

    /// `start`.
    pub fn start() -> Event {
        Event::hook("start")
    }

    /// `config-changed`.
    pub fn config_changed() -> Event {
        Event::hook("config-changed")
    }

    /// `upgrade-charm`.
    pub fn upgrade_charm() -> Event {
        Event::hook("upgrade-charm")
    }

    /// `leader-elected` (the state must say leader).
    pub fn leader_elected() -> Event {
        Event::hook("leader-elected")
    }

    /// `leader-settings-changed` (the state must say not leader).
    pub fn leader_settings_changed() -> Event {
        Event::hook("leader-settings-changed")
    }

    /// `update-status`.
    pub fn update_status() -> Event {
        Event::hook("update-status")
    }

    /// `stop`.
    pub fn stop() -> Event {
        Event::hook("stop")
    }

    /// `remove` (Juju ≥ 2.8).
    pub fn remove() -> Event {
        Event::hook("remove")
    }

    fn relation(
        kind: RelationHook,
        id: u32,
        remote_unit: Option<&str>,
        departing_unit: Option<&str>,
    ) -> Event {
        Event::Relation {
            kind,
            id,
            remote_unit: remote_unit.map(str::to_owned),
            departing_unit: departing_unit.map(str::to_owned),
        }
    }

    /// `<endpoint>-relation-created` for relation `id` (Juju ≥ 2.8).
    pub fn relation_created(id: u32) -> Event {
        Event::relation(RelationHook::Created, id, None, None)
    }

    /// `<endpoint>-relation-joined`: `remote_unit` has joined (it must be in
    /// the relation's remote units).
    pub fn relation_joined(id: u32, remote_unit: &str) -> Event {
        Event::relation(RelationHook::Joined, id, Some(remote_unit), None)
    }

    /// `<endpoint>-relation-changed`: `remote_unit`'s bag changed.
    pub fn relation_changed(id: u32, remote_unit: &str) -> Event {
        Event::relation(RelationHook::Changed, id, Some(remote_unit), None)
    }

    /// `<endpoint>-relation-changed` for the remote application's bag (no remote unit).
    pub fn relation_app_changed(id: u32) -> Event {
        Event::relation(RelationHook::Changed, id, None, None)
    }

    /// `<endpoint>-relation-departed`: `remote_unit` leaves this unit's view.
    /// List it in the input state's relation (with its bag, which the hook can
    /// still read); it is out of `relation-list` during the hook and out of the
    /// output state. `departing_unit` (Juju ≥ 2.8) is `remote_unit` when the
    /// remote unit goes away, or this unit when this unit is the one leaving.
    pub fn relation_departed(id: u32, remote_unit: &str, departing_unit: Option<&str>) -> Event {
        Event::relation(
            RelationHook::Departed,
            id,
            Some(remote_unit),
            departing_unit,
        )
    }

    /// `<endpoint>-relation-broken`: the relation is gone (no remote units
    /// during the hook; absent from the output state).
    pub fn relation_broken(id: u32) -> Event {
        Event::relation(RelationHook::Broken, id, None, None)
    }

    /// An action with parameters (a JSON object, e.g. `json!({"force": true})`).
    pub fn action(name: impl Into<String>, params: Value) -> Event {
        Event::Action {
            name: name.into(),
            params,
        }
    }
}
