//! The table of Juju's hook commands (`commands.yaml`): which versions have each one, the
//! flags it parses and the `--help` text juju/cmd prints for it.
//!
//! The flags listed here are the ones the tools parse, so `--help` and the parser cannot
//! disagree about a command's options.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::version::JujuVersion;

/// How gnuflag prints a flag's default in `--help` (it depends on the flag's Go type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagKind {
    /// A boolean flag: `--app  (= false)`.
    Bool,
    /// A Go `string` flag: `--format (= "")`.
    String,
    /// An integer flag: `--revision  (= 0)`.
    Int,
    /// A custom value (a file, an output format): `--file  (= )`.
    Var,
    /// A relation id whose default is the hook's own relation: `-r, --relation  (= db:1)`.
    Relation,
    /// A storage id whose default is the hook's own storage: `-s  (= data/0)`.
    Storage,
}

/// One flag of a command (all its names share one value, as in gnuflag).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    /// Names without dashes; one letter is `-x`, longer is `--name`.
    pub names: Vec<String>,
    /// The flag's value type.
    pub kind: FlagKind,
    /// The default as printed by `--help` (booleans: `false`).
    #[serde(default)]
    pub default: Option<String>,
    /// The usage line.
    pub usage: String,
    /// The first version that has the flag (the command errors on it before).
    #[serde(default)]
    pub since: Option<JujuVersion>,
}

impl Flag {
    /// The flag takes a value (every kind but `Bool`).
    pub fn takes_value(&self) -> bool {
        self.kind != FlagKind::Bool
    }

    /// The name the parsed value is stored under (the first name).
    pub fn key(&self) -> &str {
        &self.names[0]
    }
}

/// One hook command.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Command {
    /// The command's name.
    pub name: String,
    /// Positional arguments as `Usage:` shows them.
    #[serde(default)]
    pub args: String,
    /// The `Summary:`.
    pub purpose: String,
    /// The `Details:`.
    #[serde(default)]
    pub doc: String,
    /// The `Examples:`.
    #[serde(default)]
    pub examples: String,
    /// `See also:` entries.
    #[serde(default)]
    pub see_also: Vec<String>,
    /// juju/cmd's output formats, the default first (adds `--format` and `-o, --output`).
    #[serde(default)]
    pub output: Vec<String>,
    /// The command's own flags.
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// First version with the command.
    #[serde(default)]
    pub since: Option<JujuVersion>,
    /// First version without it.
    #[serde(default)]
    pub until: Option<JujuVersion>,
}

static TABLE: OnceLock<Vec<Command>> = OnceLock::new();

/// Every command of the table, in name order.
pub fn all() -> &'static [Command] {
    TABLE.get_or_init(|| {
        let mut v: Vec<Command> = serde_saphyr::from_str(include_str!("commands.yaml"))
            // The table is compiled in; the unit test below parses it.
            .expect("commands.yaml is a valid command table");
        for c in &mut v {
            c.add_output_flags();
        }
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    })
}

/// The command called `name`, if Juju has one by that name in any version.
pub fn find(name: &str) -> Option<&'static Command> {
    all().iter().find(|c| c.name == name)
}

/// The names of the commands an agent of `version` installs.
pub fn names(version: JujuVersion) -> Vec<&'static str> {
    all()
        .iter()
        .filter(|c| c.exists_in(version))
        .map(|c| c.name.as_str())
        .collect()
}

impl Command {
    /// juju/cmd's `Output.AddFlags`: `--format` and `-o, --output`.
    fn add_output_flags(&mut self) {
        let Some(default) = self.output.first().cloned() else {
            return;
        };
        let mut formats = self.output.clone();
        formats.sort();
        self.flags.push(Flag {
            names: vec!["format".into()],
            kind: FlagKind::Var,
            default: Some(default),
            usage: format!("Specify output format ({})", formats.join("|")),
            since: None,
        });
        self.flags.push(Flag {
            names: vec!["o".into(), "output".into()],
            kind: FlagKind::String,
            default: None,
            usage: "Specify an output file".into(),
            since: None,
        });
    }

    /// Whether an agent of `version` has this command.
    pub fn exists_in(&self, version: JujuVersion) -> bool {
        self.since.is_none_or(|s| version >= s) && self.until.is_none_or(|u| version < u)
    }

    /// The flags the command parses on `version`.
    pub fn flags_in(&self, version: JujuVersion) -> impl Iterator<Item = &Flag> {
        self.flags
            .iter()
            .filter(move |f| f.since.is_none_or(|s| version >= s))
    }

    /// What `<command> --help` prints (juju/cmd `Info.Help` with gnuflag's
    /// `PrintDefaults`), `relation` and `storage` being the hook's defaults for
    /// `-r` and `-s`.
    pub fn help(&self, version: JujuVersion, relation: &str, storage: &str) -> String {
        let mut flags: Vec<&Flag> = self.flags_in(version).collect();
        let mut out = format!("Usage: {}", self.name);
        if !flags.is_empty() {
            out.push_str(" [options]");
        }
        if !self.args.is_empty() {
            out.push(' ');
            out.push_str(&self.args);
        }
        out.push('\n');
        if !self.purpose.is_empty() {
            out.push_str(&format!("\nSummary:\n{}\n", self.purpose.trim()));
        }
        if !flags.is_empty() {
            out.push_str("\nOptions:\n");
            // Groups print in the order of their shortest name.
            flags.sort_by(|a, b| a.names[0].cmp(&b.names[0]));
            for f in flags {
                out.push_str(&print_default(f, relation, storage));
            }
        }
        if !self.doc.is_empty() {
            out.push_str(&format!("\nDetails:\n{}\n", self.doc.trim()));
        }
        if !self.examples.is_empty() {
            out.push_str(&format!("\nExamples:\n{}", self.examples));
        }
        if !self.see_also.is_empty() {
            out.push_str("\nSee also:\n");
            for s in &self.see_also {
                out.push_str(&format!(" - {s}\n"));
            }
        }
        out
    }
}

/// One flag as gnuflag's `PrintDefaults` prints it.
fn print_default(f: &Flag, relation: &str, storage: &str) -> String {
    let names: Vec<String> = f.names.iter().map(|n| dashed(n)).collect();
    let names = names.join(", ");
    let default = match f.kind {
        FlagKind::Bool => f.default.clone().unwrap_or_else(|| "false".into()),
        FlagKind::Int => f.default.clone().unwrap_or_else(|| "0".into()),
        FlagKind::Relation => relation.to_string(),
        FlagKind::Storage => storage.to_string(),
        FlagKind::String | FlagKind::Var => f.default.clone().unwrap_or_default(),
    };
    if f.kind == FlagKind::String {
        format!("{names} (= {})\n    {}\n", go_quote(&default), f.usage)
    } else {
        format!("{names}  (= {default})\n    {}\n", f.usage)
    }
}

/// `-x` for a one-letter name, `--name` otherwise (gnuflag's `flagWithMinus`).
pub fn dashed(name: &str) -> String {
    if name.chars().count() == 1 {
        format!("-{name}")
    } else {
        format!("--{name}")
    }
}

/// Go's `%q` for the printable strings flag defaults are.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_names_are_unique() {
        let v = all();
        assert!(v.len() >= 45, "{} commands", v.len());
        for w in v.windows(2) {
            assert_ne!(w[0].name, w[1].name);
        }
    }

    #[test]
    fn relation_set_help_is_jujus() {
        let c = find("relation-set").unwrap();
        let h = c.help(JujuVersion::new(3, 6, 0), "db:1", "");
        let head = "Usage: relation-set [options] key=value [key=value ...]\n\
                    \nSummary:\nSet relation settings.\n\
                    \nOptions:\n\
                    --app  (= false)\n    pick whether you are setting \"application\" settings or \"unit\" settings\n\
                    --file  (= )\n    file containing key-value pairs\n\
                    --format (= \"\")\n    deprecated format flag\n\
                    -r, --relation  (= db:1)\n    specify a relation by id\n\
                    \nDetails:\n\"relation-set\" writes";
        assert!(h.starts_with(head), "{h}");
        assert!(h.ends_with("relation-set -r server:3 username=jim password=12345\n"));
    }

    #[test]
    fn output_flags_and_versions() {
        let c = find("goal-state").unwrap();
        let h = c.help(JujuVersion::new(3, 6, 0), "", "");
        assert!(h.contains(
            "--format  (= yaml)\n    Specify output format (json|yaml)\n-o, --output (= \"\")\n"
        ));
        let v40 = JujuVersion::new(4, 0, 0);
        assert!(!names(v40).contains(&"leader-set"));
        assert!(names(JujuVersion::new(3, 6, 0)).contains(&"leader-set"));
        let rel = find("relation-get").unwrap();
        assert_eq!(rel.flags_in(JujuVersion::new(2, 5, 0)).count(), 3);
        assert_eq!(rel.flags_in(JujuVersion::new(2, 7, 0)).count(), 4);
    }
}
