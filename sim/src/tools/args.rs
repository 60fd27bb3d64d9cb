//! A small command-line parser with juju/cmd (gnuflag) conventions:
//! `--name=value`, `--name value`, `-x value`, `-x=value`, boolean flags with
//! an optional `=true|false`, positional arguments interspersed, `--` ends flags.

use std::collections::BTreeMap;

use super::ToolError;

/// One flag a tool accepts.
#[derive(Clone, Copy, Debug)]
pub struct FlagSpec {
    /// Names without dashes; the first is the canonical key (`["r", "relation"]`).
    pub names: &'static [&'static str],
    /// Takes a value (otherwise boolean).
    pub takes_value: bool,
}

/// A value-taking flag.
pub const fn value(names: &'static [&'static str]) -> FlagSpec {
    FlagSpec {
        names,
        takes_value: true,
    }
}

/// A boolean flag.
pub const fn boolean(names: &'static [&'static str]) -> FlagSpec {
    FlagSpec {
        names,
        takes_value: false,
    }
}

/// The `--format` and `-o/--output` pair most read tools take.
pub const FORMAT: FlagSpec = value(&["format"]);
/// `-o/--output`.
pub const OUTPUT: FlagSpec = value(&["o", "output"]);

/// Parsed arguments.
#[derive(Debug, Default)]
pub struct Parsed {
    values: BTreeMap<&'static str, String>,
    bools: BTreeMap<&'static str, bool>,
    /// Positional arguments in order.
    pub positional: Vec<String>,
}

impl Parsed {
    /// The last value given for the flag whose canonical name is `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Whether the boolean flag `name` is true.
    pub fn flag(&self, name: &str) -> bool {
        self.bools.get(name).copied().unwrap_or(false)
    }
}

fn dashed(name: &str) -> String {
    if name.chars().count() == 1 {
        format!("-{name}")
    } else {
        format!("--{name}")
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Parses `args` against `specs`.
pub fn parse(args: &[String], specs: &[FlagSpec]) -> Result<Parsed, ToolError> {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.positional.extend(args[i..].iter().cloned());
            break;
        }
        let body = if let Some(b) = a.strip_prefix("--") {
            b
        } else if let Some(b) = a.strip_prefix('-').filter(|b| !b.is_empty()) {
            b
        } else {
            out.positional.push(a.clone());
            continue;
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let kind = if name.chars().count() == 1 {
            "flag"
        } else {
            "option"
        };
        let spec = specs
            .iter()
            .find(|s| s.names.contains(&name))
            .ok_or_else(|| {
                ToolError::Usage(format!("{kind} provided but not defined: {}", dashed(name)))
            })?;
        let key = spec.names[0];
        if spec.takes_value {
            let v = match inline {
                Some(v) => v,
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].clone()
                }
                None => {
                    return Err(ToolError::Usage(format!(
                        "{kind} needs an argument: {}",
                        dashed(name)
                    )))
                }
            };
            out.values.insert(key, v);
        } else {
            let v = match inline {
                None => true,
                Some(v) => parse_bool(&v).ok_or_else(|| {
                    ToolError::Usage(format!(
                        "invalid value {v:?} for {kind} {}: invalid boolean value",
                        dashed(name)
                    ))
                })?,
            };
            out.bools.insert(key, v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn gnuflag_forms() {
        let specs = [value(&["r", "relation"]), boolean(&["app"]), FORMAT];
        let p = parse(
            &s(&["-r", "db:1", "--format=json", "key", "--app=True", "u/0"]),
            &specs,
        )
        .unwrap();
        assert_eq!(p.value("r"), Some("db:1"));
        assert_eq!(p.value("format"), Some("json"));
        assert!(p.flag("app"));
        assert_eq!(p.positional, s(&["key", "u/0"]));
        let p = parse(&s(&["--relation=2", "--", "-x"]), &specs).unwrap();
        assert_eq!(p.value("r"), Some("2"));
        assert_eq!(p.positional, s(&["-x"]));
    }

    #[test]
    fn errors_are_usage_errors() {
        let e = parse(&s(&["--app"]), &[]).unwrap_err();
        assert_eq!(e.to_string(), "option provided but not defined: --app");
        let e = parse(&s(&["-r"]), &[value(&["r"])]).unwrap_err();
        assert_eq!(e.to_string(), "flag needs an argument: -r");
        assert!(matches!(e, ToolError::Usage(_)));
    }
}
