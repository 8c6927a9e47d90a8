//! The `devhost` binary: one command, first stdout line is the URL, serves the contact page.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn starts_prints_its_url_and_serves() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let child = Command::new(env!("CARGO_BIN_EXE_devhost"))
        .args(["--port", "0", "--root", fixtures, "--set", "csp=no-wasm"])
        .env_remove("GHL_TOKEN")
        .env_remove("GHL_LOCATION_ID")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("devhost starts");
    let mut child = Kill(child);
    let mut first = String::new();
    BufReader::new(child.0.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let port: u16 = first
        .strip_prefix("devhost listening on http://127.0.0.1:")
        .and_then(|r| r.trim_end().strip_suffix('/'))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
    let health = http_get(port, "/__devhost/control/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#""csp":"no-wasm""#), "--set applies: {health}");
    let page = http_get(port, "/contacts/1?install=bin");
    assert!(page.starts_with("HTTP/1.1 200") && page.contains("app-frame"), "{page}");
}

#[test]
fn bad_arguments_exit_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_devhost")).args(["--set", "csp=sideways"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid options"));
    let out = Command::new(env!("CARGO_BIN_EXE_devhost")).arg("--frobnicate").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: devhost"));
}
