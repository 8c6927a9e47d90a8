//! Forwarding GHL templates to the real API (`services.leadconnectorhq.com`) when `GHL_TOKEN`
//! and `GHL_LOCATION_ID` are set. The only path in devhost that reaches the internet; tests
//! never configure it. Built with the `real-ghl` feature (on by default); without it the
//! configuration is reported and ignored.

use crate::config;
use crate::upstream::{UpstreamRequest, UpstreamResponse, GHL_HOST};

/// A client for the real GHL API.
pub struct RealGhl {
    #[cfg(feature = "real-ghl")]
    client: reqwest::Client,
}

#[cfg(feature = "real-ghl")]
impl RealGhl {
    /// A client (rustls, no redirects: the API does not redirect, and an Authorization header
    /// must not follow one).
    pub fn new(_cfg: &config::RealGhl) -> Result<RealGhl, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ghl-bridge-devhost/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(RealGhl { client })
    }

    /// Sends one rendered request; `Err` is a network-level failure. The body is read up to
    /// `max_body` bytes plus one, so an oversized answer is still detected as such.
    pub async fn send(&self, req: &UpstreamRequest, max_body: usize) -> Result<UpstreamResponse, String> {
        let mut url = format!("https://{GHL_HOST}{}", req.path);
        if !req.query.is_empty() {
            let q: Vec<String> = req
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", crate::template::encode_component(k), crate::template::encode_component(v)))
                .collect();
            url.push('?');
            url.push_str(&q.join("&"));
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| e.to_string())?;
        let mut rb = self.client.request(method, url);
        for (k, v) in &req.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        if let Some(b) = &req.body {
            rb = rb.body(b.clone());
        }
        let mut resp = rb.send().await.map_err(|e| format!("network error: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().iter().filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string()))).collect();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| format!("network error: {e}"))? {
            body.extend_from_slice(&chunk);
            if body.len() > max_body {
                break;
            }
        }
        Ok(UpstreamResponse { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
    }
}

#[cfg(not(feature = "real-ghl"))]
impl RealGhl {
    /// Always fails: devhost was built without the `real-ghl` feature.
    pub fn new(_cfg: &config::RealGhl) -> Result<RealGhl, String> {
        Err("devhost was built without the real-ghl feature; GHL stays simulated".into())
    }

    /// Never called (no instance can exist).
    pub async fn send(&self, _req: &UpstreamRequest, _max_body: usize) -> Result<UpstreamResponse, String> {
        Err("real GHL unavailable".into())
    }
}
