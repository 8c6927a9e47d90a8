//! (wasm32, feature `server`) The serverless export surface: JSON in, JSON out, through a plain
//! C ABI, so `server/` can instantiate the module synchronously from embedded bytes with no
//! imports, no `fs`, no `Buffer`, no timers.
//!
//! `gb_alloc(n)` reserves `n` bytes for the input; `gb_step(ptr, n)` reads the input JSON
//! (`{start: {trigger, settings}, now, random}` or `{state, answer, now, random}`), frees it,
//! and leaves the answer (`{op, state}` or `{done}`; `{error}` for unreadable input) for
//! `gb_out_ptr()` / `gb_out_len()` until the next call.

use std::cell::RefCell;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::sync::run::{Answer, Run, Step, Trigger};
use crate::sync::Settings;

thread_local! {
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reserves `n` bytes for an input and returns where.
#[no_mangle]
pub extern "C" fn gb_alloc(n: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(n.max(1));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

#[derive(Deserialize)]
struct Start {
    trigger: Trigger,
    #[serde(default)]
    settings: Settings,
}

#[derive(Deserialize)]
struct Input {
    #[serde(default)]
    start: Option<Start>,
    /// The run's state as the JSON text this module returned (opaque to JS, so no 64-bit
    /// number passes through a JS number).
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    answer: Option<Answer>,
    now: i64,
    #[serde(default)]
    random: f64,
}

fn answer(run: Run, step: Step) -> Value {
    match step {
        Step::Op(op) => json!({ "op": op, "state": serde_json::to_string(&run).expect("a run serializes") }),
        Step::Done(outcome) => json!({ "done": outcome }),
    }
}

fn handle(text: &str) -> Value {
    let input: Input = match serde_json::from_str(text) {
        Ok(i) => i,
        Err(e) => return json!({ "error": format!("unreadable input: {e}") }),
    };
    match (input.start, input.state, input.answer) {
        (Some(s), _, _) => {
            let (run, step) = Run::start(s.trigger, s.settings, input.now, input.random);
            answer(run, step)
        }
        (None, Some(state), Some(a)) => match serde_json::from_str::<Run>(&state) {
            Ok(mut run) => {
                let step = run.step(a, input.now, input.random);
                answer(run, step)
            }
            Err(e) => json!({ "error": format!("unreadable state: {e}") }),
        },
        _ => json!({ "error": "give either start, or state and answer" }),
    }
}

/// Runs one step on the `n` input bytes at `ptr` (which it frees); returns the output length.
///
/// # Safety
/// `ptr` must come from `gb_alloc(n)` and hold `n` written bytes.
#[no_mangle]
pub unsafe extern "C" fn gb_step(ptr: *mut u8, n: usize) -> usize {
    let bytes = Vec::from_raw_parts(ptr, n, n.max(1));
    let out = match std::str::from_utf8(&bytes) {
        Ok(text) => handle(text),
        Err(_) => json!({ "error": "input is not UTF-8" }),
    };
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        *o = out.to_string().into_bytes();
        o.len()
    })
}

/// Where the last output is.
#[no_mangle]
pub extern "C" fn gb_out_ptr() -> *const u8 {
    OUT.with(|o| o.borrow().as_ptr())
}
