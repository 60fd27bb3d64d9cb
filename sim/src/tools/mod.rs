//! Juju's hook tools, served by the simulator.
//!
//! Each tool runs against the model and the running hook's context with the
//! syntax, output formats, exit codes and error texts of Juju's `jujuc`
//! commands (HOOK-TOOLS.md §1-2): usage errors exit 2, runtime errors exit 1,
//! both with `ERROR <message>` on stderr.

mod action;
pub mod args;
mod basic;
pub mod commands;
mod k8s;
pub mod output;
mod relation;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::hookctx::HookContext;
use crate::model::Model;
use crate::protocol::{Request, Response};
use crate::timeline::{Kind, Source, Timeline};
use crate::version::JujuVersion;
use args::Parsed;
use output::Format;

/// A tool failure.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// Bad flags or arguments: exit 2.
    #[error("{0}")]
    Usage(String),
    /// The command failed: exit 1.
    #[error("{0}")]
    Run(String),
}

/// What a tool invocation produced.
#[derive(Debug)]
enum Step {
    /// Output for stdout.
    Out(String),
    /// The tool reads stdin and the request did not carry it.
    NeedsStdin,
}

type ToolResult = Result<Step, ToolError>;

/// The names of the hook tools present in `version` (the symlinks the agent makes).
pub fn tool_names(version: JujuVersion) -> Vec<&'static str> {
    commands::names(version)
}

/// Everything a tool may touch.
pub struct ToolEnv<'a> {
    /// The model (immediate writes such as `status-set` go here).
    pub model: &'a mut Model,
    /// The timeline (`juju-log`, `status-set`).
    pub timeline: &'a mut Timeline,
    /// The running hook.
    pub ctx: &'a mut HookContext,
    /// The caller's working directory.
    pub cwd: PathBuf,
    /// The caller's stdin, when sent.
    pub stdin: Option<String>,
}

/// Serves one request. The caller has checked the context id.
pub fn serve(
    model: &mut Model,
    timeline: &mut Timeline,
    ctx: &mut HookContext,
    req: &Request,
) -> Response {
    let mut env = ToolEnv {
        model,
        timeline,
        ctx,
        cwd: PathBuf::from(&req.cwd),
        stdin: req.stdin.clone(),
    };
    let version = env.model.juju_version;
    let Some(command) = commands::find(&req.command).filter(|c| c.exists_in(version)) else {
        // Juju's jujuc server refuses the request itself ("bad request").
        return Response::Done {
            code: 1,
            stdout: String::new(),
            stderr: format!("error: bad request: unknown command: {}\n", req.command),
        };
    };
    let flags: Vec<&commands::Flag> = command.flags_in(version).collect();
    let result = match args::parse(&req.args, &flags) {
        Ok(args::Outcome::Help) => Ok(Step::Out(env.help(command))),
        Ok(args::Outcome::Args(p)) => env.dispatch(&req.command, &p),
        Err(e) => Err(e),
    };
    let (code, stdout, stderr) = match result {
        Ok(Step::NeedsStdin) => return Response::NeedsStdin,
        Ok(Step::Out(out)) => (0, out, String::new()),
        Err(ToolError::Usage(m)) => (2, String::new(), format!("ERROR {m}\n")),
        Err(ToolError::Run(m)) => (1, String::new(), format!("ERROR {m}\n")),
    };
    let shown = std::iter::once(req.command.as_str())
        .chain(req.args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let verdict = if code == 0 {
        String::new()
    } else {
        format!(" -> exit {code}: {}", stderr.trim_end())
    };
    env.emit(
        "TRACE",
        "jujusim.hook-tool",
        Kind::Tool,
        &format!("{shown}{verdict}"),
    );
    Response::Done {
        code,
        stdout,
        stderr,
    }
}

impl ToolEnv<'_> {
    /// `<command> --help`, with the hook's relation as the default of `-r`.
    fn help(&self, command: &commands::Command) -> String {
        let relation = self
            .ctx
            .relation_id
            .and_then(|id| self.model.relation(id))
            .map(|r| r.key_for(&self.ctx.app))
            .unwrap_or_default();
        command.help(self.model.juju_version, &relation, "")
    }

    fn dispatch(&mut self, name: &str, args: &Parsed) -> ToolResult {
        match name {
            "juju-log" => self.juju_log(args),
            "status-set" => self.status_set(args),
            "status-get" => self.status_get(args),
            "config-get" => self.config_get(args),
            "is-leader" => self.is_leader_tool(args),
            "leader-get" => self.leader_get(args),
            "leader-set" => self.leader_set(args),
            "application-version-set" => self.application_version_set(args),
            "goal-state" => self.goal_state(args),
            "network-get" => self.network_get(args),
            "unit-get" => self.unit_get(args),
            "open-port" => self.port(args, true),
            "close-port" => self.port(args, false),
            "opened-ports" => self.opened_ports(args),
            "action-get" => self.action_get(args),
            "action-set" => self.action_set(args),
            "action-fail" => self.action_fail(args),
            "action-log" => self.action_log(args),
            "relation-ids" => self.relation_ids(args),
            "relation-list" => self.relation_list(args),
            "relation-get" => self.relation_get(args),
            "relation-set" => self.relation_set(args),
            "pod-spec-set" => self.spec_set(args, "pod"),
            "k8s-spec-set" => self.spec_set(args, "k8s"),
            "state-get" => self.state_get(args),
            "state-set" => self.state_set(args),
            "state-delete" => self.state_delete(args),
            // A command of Juju's that the simulator does not model yet: say so plainly.
            other => Err(ToolError::Run(format!(
                "jujusim does not simulate {other} yet"
            ))),
        }
    }

    /// Adds a timeline record for the running hook's unit, advancing the clock by 1 ms.
    fn emit(&mut self, level: &str, module: &str, kind: Kind, message: &str) {
        let src = Source::unit(&self.ctx.unit, Some(&self.ctx.hook));
        self.timeline
            .push(self.model.clock_ms, &src, level, module, kind, message);
        self.model.clock_ms += 1;
    }

    /// Leadership as the hook sees it: sticky false once seen false.
    fn is_leader(&mut self) -> bool {
        if self.ctx.minion {
            return false;
        }
        let l = self.model.is_leader(&self.ctx.unit);
        if !l {
            self.ctx.minion = true;
        }
        l
    }

    /// Renders `v` with the `--format` and `-o` of `p`.
    fn output(&self, p: &Parsed, default: Format, v: &Value) -> ToolResult {
        let format = Format::parse(p.value("format"), default)?;
        let text = output::render(format, v);
        match p.value("o") {
            Some(path) => {
                let path = self.resolve(path);
                std::fs::write(&path, text)
                    .map_err(|e| ToolError::Run(format!("{}: {e}", path.display())))?;
                Ok(Step::Out(String::new()))
            }
            None => Ok(Step::Out(text)),
        }
    }

    /// A path relative to the caller's cwd.
    fn resolve(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.cwd.join(p)
        }
    }

    /// Reads `--file` input: `-` is stdin (asking for it if needed).
    fn read_file_arg(&self, path: &str) -> Result<Option<String>, ToolError> {
        if path == "-" {
            return Ok(self.stdin.clone());
        }
        let p = self.resolve(path);
        std::fs::read_to_string(&p)
            .map(Some)
            .map_err(|e| ToolError::Run(format!("open {}: {e}", p.display())))
    }

    /// The settings a setter (`relation-set`, `state-set`) writes: the YAML map
    /// of `--file` (`-` for stdin) overlaid with the `key=value` arguments, a
    /// `None` value deleting its key. `Ok(None)` when stdin must be read first.
    fn settings_arg(
        &self,
        p: &Parsed,
    ) -> Result<Option<BTreeMap<String, Option<String>>>, ToolError> {
        let cli = parse_key_values(&p.positional)?;
        let mut writes = match p.value("file") {
            Some(f) => match self.read_file_arg(f)? {
                Some(text) => parse_settings_yaml(&text)?,
                None => return Ok(None),
            },
            None => BTreeMap::new(),
        };
        writes.extend(cli.into_iter().map(|(k, v)| (k, Some(v))));
        Ok(Some(writes))
    }
}

/// No positional arguments beyond `max`: juju/cmd's `CheckEmpty`.
fn check_extra(positional: &[String], max: usize) -> Result<(), ToolError> {
    if positional.len() > max {
        let rest: Vec<String> = positional[max..].iter().map(|a| format!("{a:?}")).collect();
        return Err(ToolError::Usage(format!(
            "unrecognized args: [{}]",
            rest.join(" ")
        )));
    }
    Ok(())
}

/// juju/utils `keyvalues.Parse`: `key=value` pairs, trimmed, no duplicates.
fn parse_key_values(pairs: &[String]) -> Result<BTreeMap<String, String>, ToolError> {
    let mut out = BTreeMap::new();
    for p in pairs {
        let Some((k, v)) = p.split_once('=') else {
            return Err(ToolError::Usage(format!(
                "expected \"key=value\", got {p:?}"
            )));
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(ToolError::Usage(format!(
                "expected \"key=value\", got {p:?}"
            )));
        }
        if out.insert(k.to_string(), v.trim().to_string()).is_some() {
            return Err(ToolError::Usage(format!(
                "key {k:?} specified more than once"
            )));
        }
    }
    Ok(out)
}

/// A YAML map of settings (`--file`), scalars stringified, null as deletion.
fn parse_settings_yaml(text: &str) -> Result<BTreeMap<String, Option<String>>, ToolError> {
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let v: BTreeMap<String, Value> = serde_saphyr::from_str(text)
        .map_err(|e| ToolError::Run(format!("cannot parse settings: {e}")))?;
    Ok(v.into_iter()
        .map(|(k, v)| {
            let s = match v {
                Value::Null => None,
                Value::String(s) => Some(s),
                other => Some(other.to_string()),
            };
            (k, s)
        })
        .collect())
}
