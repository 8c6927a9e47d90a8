//! Devhost's configuration: the default installation's iparams, the behaviour options (the
//! platform behaviour that cannot be verified here, as named variants with the documented
//! behaviour as default), limits, timeouts and the clock.
//!
//! Sources, later ones winning: built-in defaults → `devhost.example.json` (committed) →
//! `devhost.local.json` (git-ignored, real secrets) or `--config FILE` → environment
//! variables (`GHL_TOKEN`, `GHL_LOCATION_ID`, `FS_API_KEY`, `FS_DOMAIN`, mapped to iparams by
//! the config's `env` table) → `--set option=value` on the command line. Options can also be
//! overridden at run time per installation through the control API.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::faults::FaultRule;

/// Content-Security-Policy variants for app pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Csp {
    /// No CSP header (what `fdk run` does; the production iframe's CSP is unknown).
    #[default]
    None,
    /// A strict same-origin CSP that still allows WebAssembly (`'wasm-unsafe-eval'`) and what
    /// Crayons needs: the `blob:` module scripts its (Stencil's) lazy loader makes when
    /// `eval` is refused, and `fetch` of the `data:` icons it draws.
    Strict,
    /// The same CSP without `'wasm-unsafe-eval'`: `WebAssembly.instantiate` is refused.
    NoWasm,
}

impl Csp {
    /// The header value, if any.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Csp::None => None,
            Csp::Strict => Some(
                "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' data:; frame-ancestors 'self'",
            ),
            Csp::NoWasm => Some(
                "default-src 'self'; script-src 'self' 'unsafe-inline' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' data:; frame-ancestors 'self'",
            ),
        }
    }
}

/// How switching contacts on the host page behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SwitchMode {
    /// The iframe stays; `app.deactivated` then `app.activated` fire with the new contact.
    #[default]
    InPage,
    /// The whole page (and the app) reloads.
    Reload,
}

/// How `showConfirm` is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ConfirmMode {
    /// At once: the label queued through the control API, else the save label.
    #[default]
    Auto,
    /// A person clicks a button on the host page (unless a label was queued); no answer within
    /// `confirm_timeout_ms` rejects.
    Manual,
}

/// The shape of a platform rejection (`invokeTemplate` promise rejected by the platform, not
/// by the upstream API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectShape {
    /// `status` of the rejection.
    pub status: u16,
    /// `response` of the rejection (a string, like every response).
    pub response: String,
    /// `errorSource`, left out when `null`.
    #[serde(default, rename = "errorSource")]
    pub error_source: Option<String>,
    /// `headers` of the rejection.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl RejectShape {
    fn platform(status: u16, message: &str) -> Self {
        RejectShape {
            status,
            response: serde_json::json!({ "message": message }).to_string(),
            error_source: Some("PLATFORM".into()),
            headers: BTreeMap::new(),
        }
    }
}

/// Behaviour options. Every field has the documented (or best-guess) behaviour as default; see
/// `devhost/UNVERIFIED.md` for what each variant stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// CSP sent with app and installation pages.
    pub csp: Csp,
    /// `sandbox` attribute of the app iframe (none by default).
    pub iframe_sandbox: Option<String>,
    /// Contact switching on the host page.
    pub switch_mode: SwitchMode,
    /// How `showConfirm` is answered.
    pub confirm_mode: ConfirmMode,
    /// `showConfirm` timeout in manual mode, ms (documented: 10 s).
    pub confirm_timeout_ms: u64,
    /// Whether `client.data.get('currentHost')` wraps its answer as `{currentHost: {…}}`.
    pub current_host_wrapped: bool,
    /// The request method's execution timeout, ms (documented: 15 s; 20/25/30 s on request).
    pub request_timeout_ms: u64,
    /// Factor applied to `retryDelay` waits (1.0 = as configured; tests use less).
    pub retry_delay_scale: f64,
    /// Request-method calls allowed per installation per quota window (documented: 50/min).
    pub rate_limit_per_window: u32,
    /// `client.db` operations allowed per installation per quota window (documented: 50/min).
    pub db_ops_per_window: u32,
    /// The quota window, ms of devhost's clock (documented: one minute).
    pub quota_window_ms: u64,
    /// Largest request payload (body + context + query), bytes (documented: 100 KB).
    pub max_request_bytes: usize,
    /// Largest upstream response body, bytes (documented: 6 MB).
    pub max_response_bytes: usize,
    /// Accept `protocol: "http"` in templates.
    pub allow_http: bool,
    /// Rejection when the execution timeout passes.
    pub reject_timeout: RejectShape,
    /// Rejection when the connection fails or is reset (after retries).
    pub reject_network: RejectShape,
    /// Rejection when the installation exceeds the request-method rate limit.
    pub reject_rate_limit: RejectShape,
    /// Rejection when the request payload is too large.
    pub reject_request_too_large: RejectShape,
    /// Rejection when the upstream response is too large.
    pub reject_response_too_large: RejectShape,
    /// Status and `errorSource` of rejections for template errors (not found, not declared, bad
    /// placement); `response` is replaced by `{"message": <the error>}`.
    pub reject_template: RejectShape,
    /// `errorSource` on rejections that carry an upstream non-2xx answer (`null` leaves it out).
    pub upstream_error_source: Option<String>,
    /// Whether rejections also carry `attempts`.
    pub reject_attempts_field: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            csp: Csp::None,
            iframe_sandbox: None,
            switch_mode: SwitchMode::InPage,
            confirm_mode: ConfirmMode::Auto,
            confirm_timeout_ms: 10_000,
            current_host_wrapped: true,
            request_timeout_ms: 15_000,
            retry_delay_scale: 1.0,
            rate_limit_per_window: 50,
            db_ops_per_window: 50,
            quota_window_ms: 60_000,
            max_request_bytes: 100 * 1024,
            max_response_bytes: 6 * 1024 * 1024,
            allow_http: false,
            reject_timeout: RejectShape::platform(504, "Timeout error while processing the request."),
            reject_network: RejectShape::platform(502, "Error while connecting to the host."),
            reject_rate_limit: RejectShape::platform(429, "You have exceeded the limit of requests per minute."),
            reject_request_too_large: RejectShape::platform(413, "Request payload size exceeds the limit of 100 KB."),
            reject_response_too_large: RejectShape::platform(502, "Response size exceeds the limit of 6 MB."),
            reject_template: RejectShape { response: String::new(), ..RejectShape::platform(400, "") },
            upstream_error_source: Some("APP".into()),
            reject_attempts_field: false,
        }
    }
}

impl Options {
    /// These options with a JSON object of overrides applied (unknown keys are an error).
    pub fn merged(&self, overrides: &Value) -> Result<Options, String> {
        let mut base = serde_json::to_value(self).map_err(|e| e.to_string())?;
        merge(&mut base, overrides);
        serde_json::from_value(base).map_err(|e| format!("invalid options: {e}"))
    }
}

/// Deep-merges `patch` into `base` (objects merge, anything else replaces).
pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// Credentials for forwarding GHL templates to the real API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealGhl {
    /// The Private Integration / OAuth location token.
    pub token: String,
    /// The location (sub-account) id.
    pub location_id: String,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The repository root: `manifest.json`, `app/`, `config/`, `node_modules/`.
    pub root: PathBuf,
    /// Port to bind on 127.0.0.1 (0 = any free port).
    pub port: u16,
    /// The stand-ins' seed file, if given.
    pub seed: Option<PathBuf>,
    /// Iparams of every installation until its installation page saves others.
    pub iparams: Map<String, Value>,
    /// Names of the secure iparams.
    pub secure_iparams: BTreeSet<String>,
    /// `client.data.get('loggedInUser')`.
    pub logged_in_user: Value,
    /// Modules listed in `currentHost.subscribed_modules`.
    pub subscribed_modules: Vec<String>,
    /// Behaviour options.
    pub options: Options,
    /// Faults active for the whole run (every installation unless a rule names one).
    pub faults: Vec<FaultRule>,
    /// Forward GHL templates to the real API (from `GHL_TOKEN` + `GHL_LOCATION_ID`).
    pub real_ghl: Option<RealGhl>,
    /// Where the file part of this configuration came from (for the startup banner).
    pub source: Option<PathBuf>,
}

/// The config file's shape (`devhost.example.json`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    #[serde(rename = "_comment")]
    _comment: Value,
    iparams: Map<String, Value>,
    secure_iparams: Vec<String>,
    env: BTreeMap<String, String>,
    logged_in_user: Option<Value>,
    subscribed_modules: Option<Vec<String>>,
    options: Value,
    faults: Vec<FaultRule>,
}

/// Iparam names the environment variables fill by default.
pub const DEFAULT_ENV: &[(&str, &str)] =
    &[("GHL_TOKEN", "ghl_token"), ("GHL_LOCATION_ID", "ghl_location_id"), ("FS_API_KEY", "fs_api_key"), ("FS_DOMAIN", "fs_domain")];

impl Config {
    /// Built-in defaults rooted at `root` (no file, no environment): what tests start from.
    pub fn defaults(root: PathBuf) -> Config {
        let iparams: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "ghl_token": "pit-demo-token",
            "ghl_location_id": "loc_demo_0001",
            "fs_domain": "demo.myfreshworks.com",
            "fs_api_key": "fs-demo-key"
        }))
        .unwrap_or_default();
        Config {
            root,
            port: 8700,
            seed: None,
            iparams,
            secure_iparams: ["ghl_token", "fs_api_key"].iter().map(|s| s.to_string()).collect(),
            logged_in_user: serde_json::json!({
                "id": 1001,
                "display_name": "Dana Devhost",
                "email": "dana@devhost.test",
                "is_active": true,
                "job_title": "Sales rep",
                "time_zone": "UTC",
                "abilities": [],
                "role_id": 1,
                "territory_ids": [],
                "account_id": 1
            }),
            subscribed_modules: ["contact", "sales_account", "deal", "appointment", "task"].iter().map(|s| s.to_string()).collect(),
            options: Options::default(),
            faults: Vec::new(),
            real_ghl: None,
            source: None,
        }
    }

    /// Loads the configuration: `file` if given, else `devhost.local.json` or
    /// `devhost.example.json` in `root`, then the environment `env`.
    pub fn load(root: PathBuf, file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut cfg = Config::defaults(root.clone());
        let path = match file {
            Some(f) => Some(f.to_path_buf()),
            None => ["devhost.local.json", "devhost.example.json"].iter().map(|n| root.join(n)).find(|p| p.is_file()),
        };
        let mut env_map: BTreeMap<String, String> = DEFAULT_ENV.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if let Some(path) = &path {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let file: FileConfig = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            cfg.apply_file(file, &mut env_map)?;
            cfg.source = Some(path.clone());
        }
        for (var, iparam) in &env_map {
            if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                cfg.iparams.insert(iparam.clone(), Value::String(v));
            }
        }
        if let (Some(token), Some(location_id)) = (env("GHL_TOKEN").filter(|v| !v.is_empty()), env("GHL_LOCATION_ID").filter(|v| !v.is_empty())) {
            cfg.real_ghl = Some(RealGhl { token, location_id });
        }
        Ok(cfg)
    }

    fn apply_file(&mut self, file: FileConfig, env_map: &mut BTreeMap<String, String>) -> Result<(), String> {
        for (k, v) in file.iparams {
            self.iparams.insert(k, v);
        }
        self.secure_iparams.extend(file.secure_iparams);
        env_map.extend(file.env);
        if let Some(u) = file.logged_in_user {
            self.logged_in_user = u;
        }
        if let Some(m) = file.subscribed_modules {
            self.subscribed_modules = m;
        }
        if !file.options.is_null() {
            self.options = self.options.merged(&file.options)?;
        }
        self.faults = file.faults;
        Ok(())
    }

    /// Applies `--set name=value` (value parsed as JSON when it parses, else taken as a string).
    pub fn set_option(&mut self, assignment: &str) -> Result<(), String> {
        let (name, raw) = assignment.split_once('=').ok_or_else(|| format!("--set expects name=value, got '{assignment}'"))?;
        let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
        let mut patch = Map::new();
        patch.insert(name.to_string(), value);
        self.options = self.options.merged(&Value::Object(patch))?;
        Ok(())
    }

    /// The repository root: `--root`, else the parent of this crate's directory.
    pub fn default_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options_merge_and_reject_unknown_keys() {
        let o = Options::default();
        let m = o.merged(&json!({"csp": "no-wasm", "reject_timeout": {"status": 408}})).unwrap();
        assert_eq!(m.csp, Csp::NoWasm);
        assert_eq!(m.reject_timeout.status, 408);
        assert_eq!(m.reject_timeout.error_source.as_deref(), Some("PLATFORM"), "merge keeps the rest");
        assert!(o.merged(&json!({"cps": "none"})).is_err());
        assert!(o.merged(&json!({"switch_mode": "sideways"})).is_err());
    }

    #[test]
    fn env_overrides_file_and_enables_real_ghl() {
        let dir = std::env::temp_dir().join(format!("devhost-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.json");
        std::fs::write(&file, r#"{"iparams":{"ghl_token":"from-file","extra":"x"},"secure_iparams":["extra"],"options":{"switch_mode":"reload"}}"#).unwrap();
        let env = |k: &str| match k {
            "GHL_TOKEN" => Some("from-env".to_string()),
            "GHL_LOCATION_ID" => Some("loc-env".to_string()),
            _ => None,
        };
        let c = Config::load(dir.clone(), Some(&file), &env).unwrap();
        assert_eq!(c.iparams["ghl_token"], "from-env");
        assert_eq!(c.iparams["ghl_location_id"], "loc-env");
        assert_eq!(c.iparams["extra"], "x");
        assert!(c.secure_iparams.contains("extra") && c.secure_iparams.contains("ghl_token"));
        assert_eq!(c.options.switch_mode, SwitchMode::Reload);
        assert_eq!(c.real_ghl, Some(RealGhl { token: "from-env".into(), location_id: "loc-env".into() }));
        let none = Config::load(dir.clone(), Some(&file), &|_| None).unwrap();
        assert_eq!(none.real_ghl, None);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn set_option_parses_json_or_string() {
        let mut c = Config::defaults(PathBuf::from("."));
        c.set_option("request_timeout_ms=250").unwrap();
        c.set_option("csp=no-wasm").unwrap();
        assert_eq!((c.options.request_timeout_ms, c.options.csp), (250, Csp::NoWasm));
        assert!(c.set_option("nonsense").is_err());
    }

    #[test]
    fn example_file_parses() {
        let path = Config::default_root().join("devhost.example.json");
        let c = Config::load(Config::default_root(), Some(&path), &|_| None).unwrap();
        assert!(c.secure_iparams.contains("ghl_token"));
        assert_eq!(c.options, Options::default(), "the example documents the defaults");
    }
}
