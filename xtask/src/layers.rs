//! The layer check: dependencies between workspace crates point down only.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The layer of each workspace crate (ARCHITECTURE §2). Crates of the same
/// layer may depend on each other; an edge to a higher layer is an error.
/// A workspace crate missing from this table is an error too, so that a new
/// crate cannot slip past the check.
pub(crate) fn layer_of(package: &str) -> Option<u32> {
    Some(match package {
        "tornado-util" | "tornado-escape" | "tornado-httputil" | "tornado-template"
        | "tornado-locale" | "tornado-options" | "tornado-log" => 0,
        "tornado-ioloop" => 1,
        "tornado-iostream" | "tornado-netutil" => 2,
        "tornado-tcpserver" | "tornado-tcpclient" | "tornado-process" => 3,
        "tornado-http1connection" => 4,
        "tornado-httpserver" | "tornado-httpclient" => 5,
        "tornado-web" => 6,
        "tornado-websocket" | "tornado-auth" => 7,
        "tornado-testing" | "tornado-autoreload" => 8,
        "tornado" => 9,
        // Tools and demos sit above everything.
        "xtask" | "tcpecho" => 10,
        _ => return None,
    })
}

/// Reads `cargo metadata` and checks every edge between workspace crates.
pub(crate) fn check(root: &Path) -> Result<(), String> {
    eprintln!("==> layer check");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed invalid JSON: {e}"))?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata has no packages")?;
    let mut problems = Vec::new();
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let Some(layer) = layer_of(name) else {
            problems.push(format!(
                "`{name}` has no layer: add it to xtask/src/layers.rs"
            ));
            continue;
        };
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            // Only path dependencies are workspace crates; dev-dependencies
            // may reach up (tests of a low layer may use a higher one).
            if dep["path"].is_null() || dep["kind"].as_str() == Some("dev") {
                continue;
            }
            let dep_name = dep["name"].as_str().unwrap_or_default();
            match layer_of(dep_name) {
                Some(dep_layer) if dep_layer > layer => problems.push(format!(
                    "`{name}` (layer {layer}) depends on `{dep_name}` (layer {dep_layer})"
                )),
                Some(_) => {}
                None => problems.push(format!(
                    "`{name}` depends on `{dep_name}`, which has no layer"
                )),
            }
        }
    }
    if problems.is_empty() {
        eprintln!("    {} crates, every edge points down", packages.len());
        Ok(())
    } else {
        Err(format!("layer check failed:\n  {}", problems.join("\n  ")))
    }
}

#[cfg(test)]
mod tests {
    use super::layer_of;

    #[test]
    fn pure_crates_sit_below_the_loop() {
        assert!(layer_of("tornado-template") < layer_of("tornado-ioloop"));
        assert!(layer_of("tornado-web") > layer_of("tornado-httpserver"));
        assert_eq!(layer_of("not-a-crate"), None);
    }
}
