//! juju/gnuflag's parser, as jujuc commands run it: `--name=value`, `--name value`,
//! `-x value`, `-xvalue`, bundled one-letter booleans (`-ab`), positional arguments
//! interspersed, `--` ends the options, and an undefined `-h`/`--help` asks for help.
//! Every jujuc command's flags are "known as" options (juju's `jujucmd.Info`).

use std::collections::BTreeMap;

use super::commands::{dashed, Flag};
use super::ToolError;

/// Parsed arguments.
#[derive(Debug, Default)]
pub struct Parsed {
    values: BTreeMap<String, String>,
    bools: BTreeMap<String, bool>,
    /// Positional arguments in order.
    pub positional: Vec<String>,
}

impl Parsed {
    /// The last value given for the flag whose first name is `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Whether the boolean flag `name` is true.
    pub fn flag(&self, name: &str) -> bool {
        self.bools.get(name).copied().unwrap_or(false)
    }
}

/// What parsing found.
#[derive(Debug)]
pub enum Outcome {
    /// The arguments.
    Args(Parsed),
    /// `-h` or `--help`: print the usage and exit 0.
    Help,
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Parses `args` against `flags`.
pub fn parse(args: &[String], flags: &[&Flag]) -> Result<Outcome, ToolError> {
    let mut out = Parsed::default();
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        if a == "--" {
            out.positional.extend(rest.cloned());
            break;
        }
        if a == "-" || !a.starts_with('-') {
            out.positional.push(a.clone());
            continue;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some(("", _)) => {
                    return Err(ToolError::Usage(format!("empty option in argument {a:?}")))
                }
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            if !take(&mut out, name, inline, &mut rest, flags)? {
                return Ok(Outcome::Help);
            }
            continue;
        }
        // One-letter flags, possibly bundled; a value-taking one eats the rest.
        for (i, c) in a[1..].char_indices() {
            let name = c.to_string();
            let tail = &a[1 + i + c.len_utf8()..];
            let spec = flags.iter().find(|f| f.names.contains(&name));
            let takes_value = spec.is_some_and(|f| f.takes_value() || tail.starts_with('='));
            let inline = (takes_value && !tail.is_empty()).then(|| tail.to_string());
            if !take(&mut out, &name, inline.clone(), &mut rest, flags)? {
                return Ok(Outcome::Help);
            }
            if inline.is_some() {
                break;
            }
        }
    }
    Ok(Outcome::Args(out))
}

/// Records one flag occurrence; `Ok(false)` when it asks for help.
fn take<'a>(
    out: &mut Parsed,
    name: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = &'a String>,
    flags: &[&Flag],
) -> Result<bool, ToolError> {
    let Some(spec) = flags.iter().find(|f| f.names.iter().any(|n| n == name)) else {
        if name == "help" || name == "h" {
            return Ok(false);
        }
        return Err(ToolError::Usage(format!(
            "option provided but not defined: {}",
            dashed(name)
        )));
    };
    let key = spec.key().to_string();
    if !spec.takes_value() && inline.is_none() {
        out.bools.insert(key, true);
        return Ok(true);
    }
    let v = match inline.or_else(|| rest.next().cloned()) {
        Some(v) => v,
        None => {
            return Err(ToolError::Usage(format!(
                "option needs an argument: {}",
                dashed(name)
            )))
        }
    };
    if spec.takes_value() {
        out.values.insert(key, v);
    } else {
        let b = parse_bool(&v).ok_or_else(|| {
            ToolError::Usage(format!(
                "invalid value {v:?} for option {}: strconv.ParseBool: parsing {v:?}: invalid syntax",
                dashed(name)
            ))
        })?;
        out.bools.insert(key, b);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::super::commands::find;
    use super::*;
    use crate::version::JujuVersion;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn run(cmd: &str, a: &[&str]) -> Result<Outcome, ToolError> {
        let c = find(cmd).unwrap();
        let flags: Vec<&Flag> = c.flags_in(JujuVersion::new(3, 6, 0)).collect();
        parse(&s(a), &flags)
    }

    fn args(cmd: &str, a: &[&str]) -> Parsed {
        match run(cmd, a).unwrap() {
            Outcome::Args(p) => p,
            Outcome::Help => panic!("help"),
        }
    }

    #[test]
    fn gnuflag_forms() {
        let p = args(
            "relation-get",
            &["-r", "db:1", "--format=json", "key", "--app=True", "u/0"],
        );
        assert_eq!(p.value("r"), Some("db:1"));
        assert_eq!(p.value("format"), Some("json"));
        assert!(p.flag("app"));
        assert_eq!(p.positional, s(&["key", "u/0"]));
        let p = args("relation-get", &["--relation=2", "--", "-x"]);
        assert_eq!(p.value("r"), Some("2"));
        assert_eq!(p.positional, s(&["-x"]));
        let p = args("relation-get", &["-rdb:3", "-"]);
        assert_eq!(p.value("r"), Some("db:3"));
        assert_eq!(p.positional, s(&["-"]));
    }

    #[test]
    fn help_and_errors() {
        assert!(matches!(
            run("relation-set", &["--help"]),
            Ok(Outcome::Help)
        ));
        assert!(matches!(run("is-leader", &["-h"]), Ok(Outcome::Help)));
        // An earlier bad option wins over a later --help, as in gnuflag.
        let e = run("is-leader", &["--app", "--help"]).unwrap_err();
        assert_eq!(e.to_string(), "option provided but not defined: --app");
        let e = run("relation-get", &["-r"]).unwrap_err();
        assert_eq!(e.to_string(), "option needs an argument: -r");
        let e = run("juju-log", &["-x"]).unwrap_err();
        assert_eq!(e.to_string(), "option provided but not defined: -x");
        assert!(matches!(e, ToolError::Usage(_)));
        // The value of -r is "--help", not a request for help.
        let p = args("relation-get", &["-r", "--help"]);
        assert_eq!(p.value("r"), Some("--help"));
    }
}
