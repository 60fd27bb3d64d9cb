//! `hook_loop`: runs hooks of a realistic charm on one unit store, for the
//! store-growth target and for timing whole hook processes.
//!
//! ```text
//! cargo run --release -p charm-reactive --example hook_loop -- STORE_DIR [--hooks N] [--report 100,1000,10000] [--segment-size BYTES]
//! ```
//!
//! Each hook is `update-status` (the first is `install`) through `run_hook`, on a
//! store opened once per run (as one process per hook does when `--hooks 1`), with
//! the engine's in-memory Juju. The charm changes something every hook, as a real
//! one does: it toggles a flag, sets and clears a flag through a trigger, bumps a
//! counter and a timestamp in the key/value store, records a status history
//! entry that rotates through 20 keys, and every seventh hook a changed pod spec
//! (about 2 KiB) through `data_changed`. Twenty idle handlers watch flags that
//! never change.
//!
//! At each `--report` count (and at the end) it prints one line: hooks run,
//! the store directory's size in bytes (every file: sled's log, snapshots,
//! blobs, the generation file), sled's own `size_on_disk`, and the mean time
//! per hook since the previous line. `--segment-size` is sled's segment size
//! for a new store (`OpenOptions::segment_size`; an existing one keeps its own).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context as _};
use charm_reactive::backend::{MemoryBackend, Model};
use charm_reactive::store::{OpenOptions, Store};
use charm_reactive::{run_hook, Context, Handler, HookInfo, Registry, Trigger};

const UNIT: &str = "app/0";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut store_dir = None;
    let mut hooks = 1usize;
    let mut report = Vec::new();
    let mut options = OpenOptions::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--hooks" => hooks = args.next().context("--hooks N")?.parse()?,
            "--segment-size" => {
                options.segment_size = args.next().context("--segment-size BYTES")?.parse()?
            }
            "--report" => {
                for n in args.next().context("--report N,N,...")?.split(',') {
                    report.push(n.parse::<usize>()?);
                }
            }
            _ if store_dir.is_none() => store_dir = Some(PathBuf::from(arg)),
            _ => bail!("unexpected argument {arg:?}"),
        }
    }
    let store_dir =
        store_dir.context("usage: hook_loop STORE_DIR [--hooks N] [--report N,N,...]")?;
    let registry = Arc::new(registry()?);
    let store = Store::open_with(&store_dir, &options)?;
    let mut since = Instant::now();
    let mut last = 0usize;
    for i in 1..=hooks {
        let name = if store.generation() == 0 {
            "install"
        } else {
            "update-status"
        };
        let outcome = run_hook(
            Arc::clone(&registry),
            &store,
            HookInfo::new(name, UNIT),
            &mut MemoryBackend::new(Model::new(UNIT)),
        );
        if let Some(e) = outcome.error {
            bail!("hook {i} failed: {e}");
        }
        if report.contains(&i) || i == hooks {
            let per_hook = since.elapsed() / u32::try_from(i - last)?;
            println!(
                "hooks={} store_bytes={} sled_size_on_disk={} per_hook_us={}",
                store.generation(),
                dir_size(&store_dir)?,
                store.size_on_disk()?,
                per_hook.as_micros()
            );
            since = Instant::now();
            last = i;
        }
    }
    Ok(())
}

/// The charm: a few busy handlers and twenty idle ones.
fn registry() -> anyhow::Result<Registry> {
    let mut builder = Registry::builder()
        .handler(Handler::new("install", install).when_not(["app.installed"]))
        .handler(Handler::new("update_status", update_status).hook(["update-status"]))
        .handler(Handler::new("checked", checked).when_all(["status.checked"]))
        .handler(Handler::new("spec_changed", spec_changed).when_all(["spec.changed"]))
        .trigger(Trigger::when("status.checked").set_flag("status.reported"));
    for i in 0..20 {
        builder = builder.handler(
            Handler::new(format!("idle_{i}"), |_: &mut Context<'_>| Ok(()))
                .when_all([format!("never.{i}")])
                .when_not(["app.installed"]),
        );
    }
    Ok(builder.build()?)
}

fn install(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    ctx.set_flag("app.installed");
    ctx.kv().set("installed-by", "hook_loop")?;
    Ok(())
}

fn update_status(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let counter: u64 = ctx.kv().get("checks")?.unwrap_or(0);
    ctx.toggle_flag("tick.odd", counter % 2 == 1);
    ctx.set_flag("status.checked");
    Ok(())
}

fn checked(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    ctx.clear_flag("status.checked");
    ctx.clear_flag("status.reported");
    let counter: u64 = ctx.kv().get("checks")?.unwrap_or(0) + 1;
    ctx.kv().set("checks", &counter)?;
    ctx.kv().set(
        "last-check",
        &format!("2024-01-01T00:00:{:02}Z #{counter}", counter % 60),
    )?;
    ctx.kv().set(
        &format!("history/{}", counter % 20),
        &(counter, "active", "ready"),
    )?;
    if ctx.data_changed("pod-spec", &pod_spec(counter / 7))? {
        ctx.set_flag("spec.changed");
    }
    Ok(())
}

fn spec_changed(ctx: &mut Context<'_>) -> anyhow::Result<()> {
    let counter: u64 = ctx.kv().get("checks")?.unwrap_or(0);
    ctx.kv().set("pod-spec", &pod_spec(counter / 7))?;
    ctx.clear_flag("spec.changed");
    Ok(())
}

/// A pod spec of about 2 KiB that changes with `version`.
fn pod_spec(version: u64) -> String {
    let mut spec = format!("version: 3\ncontainers:\n  - name: consumer\n    image: consumer:{version}\n    envConfig:\n");
    for i in 0..40 {
        spec.push_str(&format!(
            "      SETTING_{i:02}: \"value-{i}-of-version-{version}\"\n"
        ));
    }
    spec
}

/// Bytes of every file under `dir`.
fn dir_size(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
