//! The server under test, in this process: started as `custody serve`
//! starts it (with the in-process relay if the configuration asks for it),
//! on 127.0.0.1 and a port of the system's choosing, on a thread of its own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use custody::config::Config;
use custody::db::Pool;
use custody::events::relay;
use custody::http::{self, AppState};
use custody::outbound::intake::queue::GroupStats;

pub struct Server {
    pub addr: SocketAddr,
    /// The intake's group counters.
    pub intake: Arc<GroupStats>,
    server: http::ServerThread,
    state: web::Data<AppState>,
    relay: Option<relay::RelayHandle>,
}

impl Server {
    pub fn start(pool: Pool, config: Config) -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (status, relay) = relay::start_in_process(pool.clone(), &config);
        let state = web::Data::new(AppState::with_relay(pool, config, status));
        let intake = state.intake.stats.clone();
        let server = http::ServerThread::start(listener, state.clone())?;
        Ok(Self { addr, intake, server, state, relay })
    }

    /// Stops the server (requests in flight finish), lets go of its state
    /// (the intake writers end, its connections close) and stops the relay.
    pub fn stop(self) -> anyhow::Result<()> {
        self.server.stop(true)?;
        if !http::let_go(self.state, Duration::from_secs(15)) {
            eprintln!("warning: the server's workers still held its state 15 s after it stopped");
        }
        if let Some(r) = self.relay {
            r.stop();
        }
        Ok(())
    }
}
