//! `charm-reactive graph`: a charm's handler-flag graph, from its
//! [`Description`]. Flags are ellipses, handlers boxes, layers and triggers
//! their own shapes; an edge from a flag to a handler is a condition (`when`,
//! or a dashed `not`), an edge from a handler, layer or trigger to a flag is a
//! `set` (green) or `clear` (red).
//!
//! ```
//! use charm_reactive::{describe::*, graph::Graph};
//! let d = Description {
//!     handlers: vec![HandlerDescription {
//!         id: "src/main.rs:3:configure".into(),
//!         conditions: vec![ConditionDescription { kind: "when_all".into(), args: vec!["db.ready".into()] }],
//!         effects: FlagEffects { sets: vec!["app.configured".into()], ..FlagEffects::default() },
//!     }],
//!     ..Description::default()
//! };
//! let g = Graph::of(&d);
//! assert_eq!(g.edges.len(), 2);
//! assert!(g.dot().contains("\"flag:db.ready\" -> \"handler:src/main.rs:3:configure\""));
//! ```

use std::fmt::Write;

use serde::Serialize;

use crate::describe::Description;

/// The graph: nodes and edges, serialisable as JSON.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Graph {
    /// Nodes, each once.
    pub nodes: Vec<Node>,
    /// Edges.
    pub edges: Vec<Edge>,
}

/// A node.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// Unique: `flag:<name>`, `handler:<id>`, `layer:<name>`, `trigger:<n>`.
    pub id: String,
    /// `flag`, `handler`, `layer` or `trigger`.
    pub kind: &'static str,
    /// What is shown.
    pub label: String,
}

/// An edge.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// `when`, `when_any`, `not`, `hook`, `set` or `clear`.
    pub kind: &'static str,
}

impl Graph {
    /// The graph of `d`.
    pub fn of(d: &Description) -> Graph {
        let mut g = Graph::default();
        for h in &d.handlers {
            let hid = g.node("handler", &h.id, short_id(&h.id));
            for c in &h.conditions {
                let kind = match c.kind.as_str() {
                    "when_all" => "when",
                    "when_any" => "when_any",
                    "when_not" | "when_not_all" => "not",
                    _ => continue,
                };
                for f in &c.args {
                    let fid = g.node("flag", f, f.clone());
                    g.edge(&fid, &hid, kind);
                }
            }
            for f in &h.effects.sets {
                let fid = g.node("flag", f, f.clone());
                g.edge(&hid, &fid, "set");
            }
            for f in &h.effects.clears {
                let fid = g.node("flag", f, f.clone());
                g.edge(&hid, &fid, "clear");
            }
        }
        for (i, t) in d.triggers.iter().enumerate() {
            let tid = g.node("trigger", &i.to_string(), format!("on {} {}", t.on, t.flag));
            let fid = g.node("flag", &t.flag, t.flag.clone());
            g.edge(&fid, &tid, "when");
            for f in &t.sets {
                let fid = g.node("flag", f, f.clone());
                g.edge(&tid, &fid, "set");
            }
            for f in &t.clears {
                let fid = g.node("flag", f, f.clone());
                g.edge(&tid, &fid, "clear");
            }
        }
        for l in &d.layers {
            let lid = g.node("layer", &l.name, format!("layer {}", l.name));
            for f in &l.flags.sets {
                let fid = g.node("flag", f, f.clone());
                g.edge(&lid, &fid, "set");
            }
        }
        g
    }

    fn node(&mut self, kind: &'static str, name: &str, label: String) -> String {
        let id = format!("{kind}:{name}");
        if !self.nodes.iter().any(|n| n.id == id) {
            self.nodes.push(Node {
                id: id.clone(),
                kind,
                label,
            });
        }
        id
    }

    fn edge(&mut self, from: &str, to: &str, kind: &'static str) {
        self.edges.push(Edge {
            from: from.to_string(),
            to: to.to_string(),
            kind,
        });
    }

    /// Graphviz DOT.
    pub fn dot(&self) -> String {
        let mut s = String::from("digraph charm {\n  rankdir=LR;\n");
        for n in &self.nodes {
            let shape = match n.kind {
                "flag" => "ellipse",
                "handler" => "box",
                "layer" => "component",
                _ => "diamond",
            };
            let _ = writeln!(
                s,
                "  {} [label={}, shape={shape}];",
                quote(&n.id),
                quote(&n.label)
            );
        }
        for e in &self.edges {
            let style = match e.kind {
                "set" => "color=darkgreen, label=\"set\"",
                "clear" => "color=red, label=\"clear\"",
                "not" => "style=dashed, label=\"not\"",
                "when_any" => "style=dotted, label=\"any\"",
                _ => "label=\"when\"",
            };
            let _ = writeln!(s, "  {} -> {} [{style}];", quote(&e.from), quote(&e.to));
        }
        s.push_str("}\n");
        s
    }

    /// An SVG drawing of the graph, laid out by the `layout-rs` crate (a
    /// Graphviz-like layout in Rust, so no Graphviz install is needed).
    pub fn svg(&self) -> Result<String, String> {
        let dot = self.dot();
        let mut parser = layout::gv::DotParser::new(&dot);
        let tree = parser.process().map_err(|e| format!("DOT: {e}"))?;
        let mut builder = layout::gv::GraphBuilder::new();
        builder.visit_graph(&tree);
        let mut graph = builder.get();
        let mut svg = layout::backends::svg::SVGWriter::new();
        graph.do_it(false, false, false, &mut svg);
        Ok(svg.finalize())
    }
}

/// `src/main.rs:15:configure` -> `configure` (with an endpoint suffix kept).
fn short_id(id: &str) -> String {
    let mut parts = id.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(_), Some(rest)) => rest.to_string(),
        _ => id.to_string(),
    }
}

/// A DOT string literal.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
