//! Why the harness refuses to run an event: inputs Juju could never produce, or
//! a failure of the harness itself (never of the charm: a failing hook is an
//! [`crate::Output`] with an error).

use std::path::PathBuf;

use charm_reactive::store::StoreError;

/// An inconsistent input, or a harness failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// `metadata.yaml` or `config.yaml` cannot be read or parsed.
    #[error("cannot read the charm's {file}: {reason}")]
    CharmFile {
        /// `metadata.yaml`, `config.yaml` or a path.
        file: String,
        /// Why.
        reason: String,
    },
    /// The state's unit name is not `<application>/<number>`.
    #[error("unit name {0:?} is not <application>/<number>")]
    InvalidUnitName(String),
    /// The state's Juju version does not parse.
    #[error("Juju version {0:?} is not <major>.<minor>[.<patch>]")]
    InvalidJujuVersion(String),
    /// A hook name Juju never runs (a typo, most likely).
    #[error("Juju has no hook {0:?}; for a relation hook use Event::relation_*, for an action Event::action")]
    UnknownHook(String),
    /// A relation hook given by name: the harness needs the relation id.
    #[error("{0:?} is a relation hook: use Event::relation_created/joined/changed/departed/broken with the relation id")]
    RelationHookByName(String),
    /// A relation (in the state or the event) whose endpoint metadata.yaml does not declare.
    #[error("relation {id} has endpoint {endpoint:?}, which metadata.yaml does not declare (it declares: {declared})")]
    EndpointNotInMetadata {
        /// The endpoint.
        endpoint: String,
        /// The relation id.
        id: u32,
        /// The declared endpoints, comma-separated.
        declared: String,
    },
    /// Two relations of the state share one id.
    #[error("two relations have id {0}: Juju relation ids are unique in a model")]
    DuplicateRelationId(u32),
    /// The event names a relation id the state does not have.
    #[error(
        "event {event} is for relation id {id}, which is not in the state (relations: {known})"
    )]
    UnknownRelation {
        /// The event's hook name.
        event: String,
        /// The id.
        id: u32,
        /// The state's relation ids, comma-separated.
        known: String,
    },
    /// A relation hook that needs a remote unit was given none.
    #[error("{event} needs a remote unit")]
    MissingRemoteUnit {
        /// The event's hook name.
        event: String,
    },
    /// A remote unit given to relation-created or relation-broken, which Juju
    /// runs without one.
    #[error("{event} has no remote unit in Juju (JUJU_REMOTE_UNIT is empty)")]
    UnexpectedRemoteUnit {
        /// The event's hook name.
        event: String,
    },
    /// The event's remote unit is not among the relation's remote units.
    #[error(
        "{event}: remote unit {unit:?} is not in relation {endpoint}:{id} (its units: {units})"
    )]
    RemoteUnitNotInRelation {
        /// The event's hook name.
        event: String,
        /// The unit.
        unit: String,
        /// The relation's endpoint.
        endpoint: String,
        /// The relation's id.
        id: u32,
        /// The relation's remote units, comma-separated.
        units: String,
    },
    /// A remote unit listed in a relation belongs to another application.
    #[error("relation {endpoint}:{id}: remote unit {unit:?} is not a unit of the remote application {remote_app:?}")]
    RemoteUnitOfOtherApp {
        /// The unit.
        unit: String,
        /// The relation's remote application.
        remote_app: String,
        /// The relation's endpoint.
        endpoint: String,
        /// The relation's id.
        id: u32,
    },
    /// The departing unit of a `relation-departed` is neither the remote unit
    /// nor this unit.
    #[error("{event}: departing unit {unit:?} must be the remote unit {remote_unit:?} or this unit {local_unit:?}")]
    DepartingUnitNotInRelation {
        /// The event's hook name.
        event: String,
        /// The departing unit.
        unit: String,
        /// The event's remote unit.
        remote_unit: String,
        /// This unit.
        local_unit: String,
    },
    /// A departing unit given to a hook other than `relation-departed`.
    #[error("{event}: only relation-departed has a departing unit")]
    DepartingUnitOutsideDeparted {
        /// The event's hook name.
        event: String,
    },
    /// A feature of a newer Juju than the state's.
    #[error("{what} needs Juju {needs} or later; the state says Juju {version}")]
    NeedsNewerJuju {
        /// What was asked for.
        what: String,
        /// The first version that has it.
        needs: &'static str,
        /// The state's version.
        version: String,
    },
    /// A peer relation whose remote application is not this application.
    #[error("peer relation {endpoint}:{id}: the remote application must be this application {local_app:?}, not {remote_app:?}")]
    PeerRemoteApp {
        /// The endpoint.
        endpoint: String,
        /// The id.
        id: u32,
        /// The given remote application.
        remote_app: String,
        /// This application.
        local_app: String,
    },
    /// A peer relation with remote application data: peers share one
    /// application bag, `local_app_data`.
    #[error("peer relation {endpoint}:{id}: peers share one application bag; put its data in local_app_data, not remote_app_data")]
    PeerRemoteAppData {
        /// The endpoint.
        endpoint: String,
        /// The id.
        id: u32,
    },
    /// An `app:` flag among the unit flags: application flags live in leader settings.
    #[error("unit flag {0:?} is an application flag: use State::with_app_flag")]
    AppFlagInUnitFlags(String),
    /// A raw leader setting that an application flag or value of the state also writes.
    #[error("leader setting {0:?} is also written by the state's application flags or values")]
    LeaderSettingConflict(String),
    /// `leader-elected` for a unit that is not the leader, or
    /// `leader-settings-changed` for one that is.
    #[error("{event} with leader = {leader}: Juju runs leader-elected on the new leader and leader-settings-changed on the others")]
    LeadershipMismatch {
        /// The event's hook name.
        event: String,
        /// The state's leader bit.
        leader: bool,
    },
    /// An action no handler takes (`#[action("name")]`).
    #[error("no handler takes action {name:?} (handlers take: {known})")]
    UnknownAction {
        /// The action.
        name: String,
        /// The actions handlers take, comma-separated.
        known: String,
    },
    /// Action parameters that are not a JSON object.
    #[error("action {name:?}: parameters must be a JSON object, got {params}")]
    ActionParamsNotObject {
        /// The action.
        name: String,
        /// What was given.
        params: serde_json::Value,
    },
    /// A config key `config.yaml` does not declare.
    #[error("config option {0:?} is not declared in config.yaml")]
    UnknownConfigOption(String),
    /// A config value of the wrong type for its option.
    #[error("config option {key:?} is of type {expected}, got {value}")]
    ConfigType {
        /// The option.
        key: String,
        /// Its declared type.
        expected: String,
        /// The value given.
        value: serde_json::Value,
    },
    /// A stored value that does not decode as the requested type.
    #[error("{what} cannot be decoded: {reason}")]
    Decode {
        /// Which value.
        what: String,
        /// Why.
        reason: String,
    },
    /// The temporary unit store could not be created or read.
    #[error("unit store: {0}")]
    Store(#[from] StoreError),
    /// The temporary directory (unit store, charm directory) could not be created.
    #[error("cannot create the hook's temporary files in {dir}: {source}")]
    TempDir {
        /// Where.
        dir: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
