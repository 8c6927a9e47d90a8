//! Generated files must match their source of truth, the endpoint catalog.
//!
//! `config/requests.json` and the manifest's `modules.common.requests` are generated from
//! `ghl_bridge::catalog`. Run `BLESS=1 cargo test --test generated` to rewrite them after a
//! catalog change; without it a drift fails this test.

use std::path::Path;

use ghl_bridge::catalog;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

fn bless() -> bool {
    std::env::var_os("BLESS").is_some()
}

#[test]
fn requests_json_is_generated_from_the_catalog() {
    let path = root().join("config/requests.json");
    let want = pretty(&catalog::requests_json());
    if bless() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "config/requests.json differs from the catalog: run `BLESS=1 cargo test --test generated`");
}

#[test]
fn manifest_declares_exactly_the_shipped_templates() {
    let path = root().join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut manifest: Value = serde_json::from_str(&text).unwrap();
    if bless() {
        manifest["modules"]["common"]["requests"] = catalog::manifest_requests();
        std::fs::write(&path, pretty(&manifest)).unwrap();
    }
    let declared = manifest["modules"]["common"]["requests"].as_object().expect("modules.common.requests");
    let generated = catalog::requests_json();
    let templates = generated.as_object().unwrap();
    for name in templates.keys() {
        assert!(declared.contains_key(name), "template {name} is not declared in manifest.json: run `BLESS=1 cargo test --test generated`");
    }
    for name in declared.keys() {
        assert!(templates.contains_key(name), "manifest.json declares {name}, which requests.json lacks");
    }
    assert_eq!(manifest["platform-version"], "3.0");
    assert!(manifest["modules"]["contact"]["location"]["contact_entity_menu"]["url"].is_string());
}
