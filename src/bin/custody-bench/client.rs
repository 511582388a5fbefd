//! The benchmarks' HTTP client: reqwest, one connection pool for the run,
//! a caller per API key. Latency is measured from the request being sent to
//! the whole body read.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

/// Connections to the server under test, shared by every caller.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
}

impl Http {
    pub fn new(addr: SocketAddr) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            // The server closes idle keep-alive connections after a few
            // seconds: a connection idle for a second is not reused, so that
            // no request races the server closing it.
            .pool_idle_timeout(Duration::from_secs(1))
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(300))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { client, base: format!("http://{addr}") })
    }

    /// A caller with this API key.
    pub fn with_key(&self, key: &str) -> anyhow::Result<Caller> {
        Ok(Caller { http: self.clone(), auth: HeaderValue::from_str(&format!("Bearer {key}"))? })
    }
}

/// Requests with one API key.
#[derive(Clone)]
pub struct Caller {
    http: Http,
    auth: HeaderValue,
}

/// A response: status, body, and the milliseconds it took.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub ms: f64,
}

impl Answer {
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }
}

impl Caller {
    async fn send(&self, req: reqwest::RequestBuilder, what: &str, want: &[u16]) -> anyhow::Result<Answer> {
        let t = Instant::now();
        let resp = req.header(AUTHORIZATION, self.auth.clone()).send().await?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await?.to_vec();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if !want.contains(&status) {
            let text = String::from_utf8_lossy(&body[..body.len().min(600)]).into_owned();
            anyhow::bail!("{what}: HTTP {status}: {text}");
        }
        Ok(Answer { status, body, ms })
    }

    /// POSTs a JSON body and refuses any status but those in `want`.
    pub async fn post(&self, path: &str, body: &[u8], want: &[u16]) -> anyhow::Result<Answer> {
        let req = self
            .http
            .client
            .post(format!("{}{path}", self.http.base))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        self.send(req, &format!("POST {path}"), want).await
    }

    /// POSTs `value` as JSON.
    pub async fn post_json(
        &self,
        path: &str,
        value: &serde_json::Value,
        want: &[u16],
    ) -> anyhow::Result<Answer> {
        self.post(path, &serde_json::to_vec(value)?, want).await
    }

    /// GETs and refuses any status but those in `want`.
    pub async fn get(&self, path: &str, want: &[u16]) -> anyhow::Result<Answer> {
        let req = self.http.client.get(format!("{}{path}", self.http.base));
        self.send(req, &format!("GET {path}"), want).await
    }
}
