//! The layers of ARCHITECTURE.md, held by a test: the module graph has no cycles, the
//! rules and domain types know neither HTTP nor the database, and the application layer
//! does not know HTTP. Read from the source (`use crate::…` paths, test modules left out).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module as the layers see it: the top-level module, or for `http` its submodule.
fn module_of(relative: &str) -> Option<String> {
    let trimmed = relative.trim_end_matches(".rs");
    let mut parts: Vec<&str> = trimmed.split('/').collect();
    if matches!(parts.last(), Some(&"mod") | Some(&"lib") | Some(&"main")) {
        parts.pop();
    }
    match parts.as_slice() {
        [] => None,
        ["http", sub, ..] => Some(format!("http/{sub}")),
        [top, ..] => Some(top.to_string()),
    }
}

fn references(source: &str) -> BTreeSet<String> {
    // Tests may reach anywhere.
    let code = source.split("#[cfg(test)]").next().unwrap_or(source);
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let first: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if first.is_empty() {
            continue;
        }
        if first == "http" {
            let after = rest["http".len()..].strip_prefix("::").unwrap_or("");
            // `crate::http::{api, csrf}` names several submodules at once.
            let names: Vec<String> = match after.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(|n| n.trim().split("::").next().unwrap_or("").to_string())
                    .collect(),
                None => vec![after
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect()],
            };
            for name in names {
                found.insert(match name.as_str() {
                    "" | "self" => "http".to_string(),
                    // A capitalised name is an item of `http` itself (`AppState`).
                    n if n.starts_with(|c: char| c.is_ascii_uppercase()) => "http".to_string(),
                    n => format!("http/{n}"),
                });
            }
        } else {
            found.insert(first);
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let relative = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .to_string();
            let Some(module) = module_of(&relative) else {
                continue;
            };
            let source = std::fs::read_to_string(&path).unwrap();
            let edges = graph.entry(module.clone()).or_default();
            for target in references(&source) {
                if target != module {
                    edges.insert(target);
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    walk(graph, start, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn the_module_graph_has_no_cycles() {
    let graph = graph();
    assert!(graph.contains_key("app") && graph.contains_key("http/api"));
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_from(&graph, m))
        .map(|c| format!("{} → {}", c.join(" → "), c[0]))
        .collect();
    assert!(
        cycles.is_empty(),
        "cycles between modules:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn rules_and_domain_know_neither_http_nor_the_database_and_app_does_not_know_http() {
    let graph = graph();
    let mut wrong = Vec::new();
    for (module, forbidden) in [
        ("policy", &["http", "db", "app", "startup"][..]),
        ("domain", &["http", "db", "app", "startup", "policy"][..]),
        ("app", &["http", "startup"][..]),
    ] {
        for target in graph.get(module).into_iter().flatten() {
            let top = target.split('/').next().unwrap_or(target);
            if forbidden.contains(&top) {
                wrong.push(format!("{module} uses {target}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
