//! `devhost`: serve the simulated Freshsales contact page, the app and the API stand-ins.
//!
//! ```text
//! cargo run -p devhost -- [--port 8700|0] [--seed FILE] [--config FILE] [--root DIR] [--set option=value]… [--no-sync]
//! ```
//! The first line on stdout is `devhost listening on http://127.0.0.1:PORT/`.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use devhost::config::Config;
use devhost::AppState;

const USAGE: &str = "usage: devhost [--port N (default 8700, 0 = any free port)] [--seed FILE] [--config FILE] [--root DIR] [--set option=value]...

Serves a simulated Freshsales Suite contact page with the app in its sidebar, the request
proxy and the GHL / Freshsales stand-ins, on 127.0.0.1 only.

Configuration: --config FILE, else devhost.local.json, else devhost.example.json (in the root);
environment GHL_TOKEN, GHL_LOCATION_ID, FS_API_KEY, FS_DOMAIN override iparams. With GHL_TOKEN
and GHL_LOCATION_ID set, GHL templates go to the real API. Options (see devhost/UNVERIFIED.md)
can be set with --set, e.g. --set csp=no-wasm --set switch_mode=reload --set request_timeout_ms=2000.

The background sync (server/server.js in the emulated serverless sandbox, one node child
process) runs when server/pkg/core.js is built; --no-sync turns it off.";

struct Args {
    port: Option<u16>,
    seed: Option<PathBuf>,
    config: Option<PathBuf>,
    root: Option<PathBuf>,
    sets: Vec<String>,
    no_sync: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { port: None, seed: None, config: None, root: None, sets: Vec::new(), no_sync: false };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next()).ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => args.port = Some(value()?.parse().map_err(|_| "--port needs a number".to_string())?),
            "--seed" => args.seed = Some(value()?.into()),
            "--config" => args.config = Some(value()?.into()),
            "--root" => args.root = Some(value()?.into()),
            "--set" => args.sets.push(value()?),
            "--no-sync" => args.no_sync = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{other}'\n\n{USAGE}")),
        }
    }
    Ok(args)
}

fn setup() -> Result<(Config, Option<serde_json::Value>, bool), String> {
    let args = parse_args()?;
    let root = args.root.unwrap_or_else(Config::default_root);
    let mut config = Config::load(root, args.config.as_deref(), &|k| std::env::var(k).ok())?;
    if let Some(p) = args.port {
        config.port = p;
    }
    for s in &args.sets {
        config.set_option(s)?;
    }
    let seed = match &args.seed {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    config.seed = args.seed;
    Ok((config, seed, args.no_sync))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (config, seed, no_sync) = match setup() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("devhost: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("devhost: cannot listen on 127.0.0.1:{}: {e}", config.port);
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(config.port);
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let (upstreams, standins) = match devhost::upstreams(seed.as_ref(), &config, now_ms) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("devhost: seed: {e}");
            std::process::exit(2);
        }
    };
    let source = config.source.as_ref().map_or_else(|| "built-in defaults".to_string(), |p| p.display().to_string());
    let root = config.root.display().to_string();
    let state = Arc::new(AppState::new(config, upstreams).with_standins(standins));
    let sync = if no_sync {
        "off (--no-sync)".to_string()
    } else {
        match devhost::sync::SyncChild::start(&state.config.root, &format!("http://127.0.0.1:{port}"), devhost::sync::SCHEDULE_EVERY_MS, state.clock.now_ms()) {
            Ok(child) => {
                let _ = state.sync.set(child);
                devhost::sync::spawn_ticker(state.clone());
                format!("on (server/server.js in the sandbox; schedule every {} s of devhost's clock)", devhost::sync::SCHEDULE_EVERY_MS / 1000)
            }
            Err(e) => format!("off: {e}"),
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "devhost listening on http://127.0.0.1:{port}/");
        let _ = writeln!(out, "  contact page:  http://127.0.0.1:{port}/?install=demo");
        let _ = writeln!(out, "  settings page: http://127.0.0.1:{port}/install?install=demo");
        let _ = writeln!(out, "  control API:   http://127.0.0.1:{port}/__devhost/control/health");
        let _ = writeln!(out, "  app root: {root}; config: {source}");
        let _ = writeln!(out, "  background sync: {sync}");
        let _ = writeln!(out, "  GHL: {}", if state.real_ghl.is_some() { "real API (services.leadconnectorhq.com)" } else { "stand-in" });
        let _ = out.flush();
    }
    if let Err(e) = axum::serve(listener, devhost::router(state)).await {
        eprintln!("devhost: server error: {e}");
        std::process::exit(1);
    }
}
