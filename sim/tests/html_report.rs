//! `jujusim run --html`: the page is checked in a real browser (headless
//! Chromium): its DOM after the page's script ran has a lane per unit and a block
//! per hook, the filters of the URL fragment hide what they should, a hook's log
//! opens, and the screenshot is not blank.
//!
//! Chromium comes from Debian's `chromium` package (.ci/run installs it). Without
//! it the browser half is skipped with a message, unless `JUJUSIM_REQUIRE_BROWSER=1`
//! (CI sets it), which makes a missing browser a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::write_charm;

const DISPATCH: &str = r#"#!/bin/sh
hook=$(basename "$JUJU_DISPATCH_PATH")
juju-log "Invoking reactive handler: reactive/logger.py:10:configure"
juju-log -l DEBUG "tracer: set flag logger.ready"
if [ "$hook" = config-changed ]; then juju-log -l DEBUG "tracer: cleared flag config.changed"; fi
status-set active "ready in $hook"
"#;

/// A two-unit charm, a config change and an assertion: a small real run.
fn scenario(dir: &Path) -> PathBuf {
    write_charm(
        &dir.join("logger"),
        "name: logger\n",
        Some("options:\n  level: {type: string, default: info}\n"),
        DISPATCH,
        &[],
    );
    let file = dir.join("logger.yaml");
    std::fs::write(
        &file,
        "juju-version: \"2.8.0\"\napplications:\n  logger: {charm: ./logger, units: 2}\nsteps:\n  - deploy: logger\n  - wait: settled\n  - config: {app: logger, set: {level: debug}}\n  - wait: settled\n  - assert: {unit: logger/0, status: active, leader: true}\n",
    )
    .unwrap();
    file
}

fn jujusim(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jujusim"))
        .args(args)
        .env("JUJUSIM_HOOK_TOOL", env!("CARGO_BIN_EXE_jujusim-hook-tool"))
        .output()
        .unwrap()
}

/// Writes the page and returns it with the number of hooks the run made.
fn report(dir: &Path) -> (PathBuf, usize) {
    let file = scenario(dir);
    let page = dir.join("report.html");
    let o = jujusim(&[
        "run".as_ref(),
        file.as_os_str(),
        "--json".as_ref(),
        "--html".as_ref(),
        page.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let hooks = json["model"]["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["hooks"].as_array().unwrap().len())
        .sum();
    (page, hooks)
}

#[test]
fn the_page_is_self_contained_and_holds_every_lane_and_hook() {
    let dir = tempfile::tempdir().unwrap();
    let (page, hooks) = report(dir.path());
    // minijinja's HTML escaping writes `/` as `&#x2f;`.
    let html = std::fs::read_to_string(&page)
        .unwrap()
        .replace("&#x2f;", "/");
    assert!(hooks >= 8, "two units ran their start-up hooks: {hooks}");
    assert_eq!(html.matches("class=\"hook ").count(), hooks);
    for lane in ["controller", "logger/0", "logger/1"] {
        assert!(
            html.contains(&format!("data-unit=\"{lane}\"")),
            "lane {lane}"
        );
    }
    assert!(html.contains("+logger.ready"), "flags set are shown");
    assert!(
        html.contains("&minus;config.changed"),
        "flags cleared are shown"
    );
    assert!(
        html.contains("st-active"),
        "statuses are coloured by status"
    );
    assert!(html.contains("m-leader"), "leadership is a marker");
    assert!(
        html.contains("m-pass"),
        "the assertion's verdict is a marker"
    );
    for remote in ["http://", "https://", "src=\"//"] {
        assert!(!html.contains(remote), "no network: found {remote}");
    }
}

/// Debian's Chromium, or `$CHROMIUM`.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(p.into());
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Runs headless Chromium with the flags this machine's closed network needs.
fn headless(browser: &Path, profile: &Path, args: &[String]) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

#[test]
fn a_real_browser_renders_lanes_filters_and_a_hook_log() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("JUJUSIM_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "JUJUSIM_REQUIRE_BROWSER=1 but no chromium: apt-get install chromium"
        );
        eprintln!("skipped: no chromium (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (page, hooks) = report(dir.path());
    let url = format!("file://{}", page.display());

    // The DOM after the script ran: filters from the fragment, one hook opened.
    let o = headless(
        &browser,
        &dir.path().join("profile"),
        &[
            "--dump-dom".into(),
            format!("{url}#unit=logger/1&hook=config-*&open=0"),
        ],
    );
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(
        dom.contains("<div class=\"grid\""),
        "no page in:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        dom.matches("class=\"hook ").count(),
        hooks,
        "a block per hook"
    );
    let lane = |unit: &str| {
        let at = dom
            .find(&format!("data-unit=\"{unit}\""))
            .expect("lane present");
        dom[..at].rsplit('<').next().unwrap().to_string() + &dom[at..at + 120]
    };
    assert!(
        lane("logger/0").contains("hidden"),
        "unit filter hides logger/0: {}",
        lane("logger/0")
    );
    assert!(
        !lane("logger/1").contains("hidden"),
        "logger/1 stays: {}",
        lane("logger/1")
    );
    assert!(!lane("controller").contains("hidden"));
    let visible_hooks: Vec<&str> = dom
        .split("<div class=\"hook ")
        .skip(1)
        .filter(|b| !b.split('>').next().unwrap().contains("hidden"))
        .collect();
    assert!(
        !visible_hooks.is_empty(),
        "config-changed hooks stay visible"
    );
    for b in &visible_hooks {
        assert!(
            b.contains("data-hook=\"config-changed\""),
            "hook filter: {}",
            &b[..b.len().min(200)]
        );
    }
    let details = dom.split("id=\"details\">").nth(1).expect("details panel");
    assert!(
        details.contains("running \"install\" hook"),
        "open=0 shows the first hook's log: {}",
        &details[..details.len().min(300)]
    );

    // A screenshot that is not blank: many pixels away from the background.
    let shot = dir.path().join("shot.png");
    let o = headless(
        &browser,
        &dir.path().join("profile"),
        &[format!("--screenshot={}", shot.display()), url],
    );
    assert!(shot.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let inked = pixels
        .iter()
        .filter(|p| p[..3].iter().any(|&c| c < 200))
        .count();
    let colours: std::collections::HashSet<&[u8]> = pixels.iter().copied().collect();
    assert!(
        inked * 100 > pixels.len() * 3,
        "a blank page: {inked} of {} pixels inked",
        pixels.len()
    );
    assert!(colours.len() > 20, "only {} colours", colours.len());
}
