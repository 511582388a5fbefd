//! The relay: moves recorded events from the outbox to RabbitMQ.
//!
//! One relay is active per database: the holder of a lease with a deadline
//! (`relay_lease`), renewed every second; other relays stand by and take
//! the lease over once it has run out, whether its holder died or froze.
//! The holder stops publishing as soon as it cannot be sure it still holds
//! the lease (a frozen one, waking, sends nothing more). Beside its loop it gives new events their feed
//! positions; each cycle it claims the next part in order, publishes it
//! pipelined, waits for **each** publisher confirm under a timeout, and
//! moves its mark (`published_upto`) past the confirmed part. A crash
//! between publishing and marking re-sends at most one batch, with the
//! same message ids.
//!
//! It runs on its own thread and Tokio runtime; every database call goes to
//! that runtime's blocking pool. Reconnection is by hand, with capped,
//! jittered backoff (lapin's auto-recovery left confirms unresolved for
//! tens of seconds in the prototype).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, ExchangeKind};
use rand::Rng;

use super::store::{self, Claim, OutboxRow};
use crate::db::types::Timestamp;
use crate::db::{self, Pool};
use crate::ids::AggregateId;

/// What the relay needs to know.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    pub database_url: String,
    pub amqp_url: Option<String>,
    pub exchange: String,
    /// CloudEvents `source`, e.g. `/custody/CAN1`.
    pub source: String,
    pub batch_size: i64,
    pub confirm_timeout: Duration,
    pub idle_poll: Duration,
    pub retention: chrono::Duration,
    pub max_payload_bytes: usize,
}

impl RelayConfig {
    pub fn from_config(c: &crate::config::Config) -> Self {
        Self {
            database_url: c.database_url.clone(),
            amqp_url: c.amqp_url.clone(),
            exchange: c.amqp_exchange.clone(),
            source: format!("/custody/{}", c.warehouse_code),
            batch_size: c.relay_batch_size,
            confirm_timeout: Duration::from_secs(10),
            idle_poll: Duration::from_millis(50),
            retention: chrono::Duration::hours(c.events_retention_hours),
            max_payload_bytes: c.event_max_bytes,
        }
    }
}

/// The broker as the relay sees it, for `/readyz` and `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum BrokerState {
    /// No `CUSTODY_AMQP_URL`: events only accumulate (and feed).
    Disabled = 0,
    /// Configured but not connected (down, or reconnecting).
    Down = 1,
    Up = 2,
    /// Another instance is the active relay.
    Standby = 3,
    /// This process runs no relay (`CUSTODY_RELAY=false`).
    NotRunning = 4,
}

impl BrokerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::Down => "down",
            Self::Up => "up",
            Self::Standby => "standby",
            Self::NotRunning => "not_running",
        }
    }
}

const CONFIRM_BUCKETS: [f64; 9] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5];

/// Counters the relay keeps for `/metrics` (where the counters are read at
/// scrape time, and the confirm histogram is registered as it is).
#[derive(Debug)]
pub struct RelayStatus {
    state: AtomicU8,
    /// The relay's thread is running (set when it starts, cleared when it
    /// ends, a panic included): the relay's own `/healthz`.
    running: AtomicBool,
    pub published: AtomicU64,
    pub nacked: AtomicU64,
    /// Times the relay stopped sending because the broker refused events.
    pub refusal_pauses: AtomicU64,
    pub returned: AtomicU64,
    pub reconnects: AtomicU64,
    pub parked: AtomicU64,
    confirm: prometheus::Histogram,
}

impl RelayStatus {
    pub fn new(state: BrokerState) -> Self {
        Self {
            state: AtomicU8::new(state as u8),
            running: AtomicBool::new(false),
            published: AtomicU64::new(0),
            nacked: AtomicU64::new(0),
            refusal_pauses: AtomicU64::new(0),
            returned: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            parked: AtomicU64::new(0),
            confirm: prometheus::Histogram::with_opts(
                prometheus::HistogramOpts::new(
                    "custody_relay_confirm_seconds",
                    "Time from publish to the broker's confirm.",
                )
                .buckets(CONFIRM_BUCKETS.to_vec()),
            )
            .expect("valid histogram"),
        }
    }

    pub fn state(&self) -> BrokerState {
        match self.state.load(Ordering::Relaxed) {
            0 => BrokerState::Disabled,
            1 => BrokerState::Down,
            2 => BrokerState::Up,
            3 => BrokerState::Standby,
            _ => BrokerState::NotRunning,
        }
    }

    /// Whether the relay's thread is still running.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Relaxed)
    }

    fn set(&self, s: BrokerState) {
        self.state.store(s as u8, Ordering::Relaxed);
    }

    fn observe_confirm(&self, secs: f64) {
        self.confirm.observe(secs);
    }

    /// The time from publish to the broker's confirm, registered in each
    /// server's `/metrics` registry ([`crate::http::metrics`]).
    pub fn confirm_histogram(&self) -> &prometheus::Histogram {
        &self.confirm
    }
}

/// A running relay thread.
pub struct RelayHandle {
    pub status: Arc<RelayStatus>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RelayHandle {
    /// Asks the relay to stop after its current batch and waits for it.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RelayHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts the relay for this configuration; it reports `down` until it
/// reaches the broker, or `disabled` when none is configured.
pub fn start(pool: Pool, config: &crate::config::Config) -> RelayHandle {
    let state = if config.amqp_url.is_some() { BrokerState::Down } else { BrokerState::Disabled };
    spawn(pool, RelayConfig::from_config(config), Arc::new(RelayStatus::new(state)))
}

/// The relay `serve` runs beside the HTTP server, if the configuration asks
/// for one (`CUSTODY_RELAY`): its status (for `/readyz` and `/metrics`) and
/// its handle.
pub fn start_in_process(
    pool: Pool,
    config: &crate::config::Config,
) -> (Arc<RelayStatus>, Option<RelayHandle>) {
    if config.relay_in_process {
        let handle = start(pool, config);
        (handle.status.clone(), Some(handle))
    } else {
        (Arc::new(RelayStatus::new(BrokerState::NotRunning)), None)
    }
}

/// Starts the relay on its own thread and runtime.
pub fn spawn(pool: Pool, cfg: RelayConfig, status: Arc<RelayStatus>) -> RelayHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let (s, st) = (stop.clone(), status.clone());
    /// Clears `running` when the thread ends, however it ends.
    struct Running(Arc<RelayStatus>);
    impl Drop for Running {
        fn drop(&mut self) {
            self.0.running.store(false, Ordering::Relaxed);
        }
    }
    status.running.store(true, Ordering::Relaxed);
    let running = Running(status.clone());
    let thread = std::thread::Builder::new()
        .name("event-relay".into())
        .spawn(move || {
            let _running = running;
            let rt =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("relay runtime");
            rt.block_on(Relay::new(pool, cfg, st, s).run());
        })
        .expect("spawn relay thread");
    RelayHandle { status, stop, thread: Some(thread) }
}

/// Gives new events their feed positions (one statement, its own transaction).
fn sequence(c: &mut db::DbConn, limit: i64) -> anyhow::Result<usize> {
    Ok(db::write_tx(c, |tx| store::assign_positions(tx, limit))?)
}

/// Runs `f` with a pooled connection on the runtime's blocking pool.
async fn blocking<T: Send + 'static>(
    pool: &Pool,
    f: impl FnOnce(&mut db::DbConn) -> Result<T, anyhow::Error> + Send + 'static,
) -> anyhow::Result<T> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

struct Broker {
    connection: lapin::Connection,
    channel: Channel,
}

struct Relay {
    pool: Pool,
    cfg: RelayConfig,
    status: Arc<RelayStatus>,
    stop: Arc<AtomicBool>,
    broker: Option<Broker>,
    reconnect_failures: u32,
    next_connect: Instant,
    /// Who this relay is in the lease (`host/pid/uuid`).
    holder: String,
    /// Until when this relay may publish: the lease's deadline as this
    /// process's monotonic clock sees it, less a margin. A clock that went
    /// on while the process was frozen says at once that it may not.
    lease_ok_until: Option<Instant>,
    last_renewal: Option<Instant>,
    last_purge: Instant,
    /// Batches sent and not yet settled, oldest first (at most [`IN_FLIGHT`]).
    in_flight: VecDeque<InFlight>,
    /// The next part (with its claim number), claimed while the previous one
    /// was being published.
    prefetched: Option<(u64, Claim)>,
    /// Position of the last event sent; the next part starts after it.
    /// `None`: read the relay's mark (`published_upto`) first.
    cursor: Option<i64>,
    /// Documents with an event that failed, each with the number of the
    /// last claim that may have been read before that failure was written
    /// down: their later events in parts up to that claim are not marked
    /// published (they go out again, after the failed one). A claim made
    /// after the failure was recorded leaves the document's later events
    /// out by itself.
    broken: HashMap<(String, AggregateId), u64>,
    /// Number of the last claim started.
    claims: u64,
    /// Refusals (nacks) in a row, and when publishing may go on after the
    /// last: a broker that refuses (a full queue) is given time, not a flood.
    refusals: u32,
    paused_until: Option<Instant>,
    /// The sequencer at work beside the publishing loop, if it is: it gives
    /// a chunk of new events their feed positions and returns how many.
    sequencer: Option<tokio::task::JoinHandle<anyhow::Result<usize>>>,
}

/// Events given positions per sequencing transaction: twice a part at the
/// default batch, so that sequencing keeps ahead of publishing.
const SEQUENCE_CHUNK: i64 = 1000;
/// Events sequenced per statement when no broker is configured.
const NO_BROKER_CHUNK: i64 = 5000;

/// Parts of a batch published before the oldest one's confirms are awaited:
/// the database work of one part overlaps the broker's work on the other.
const IN_FLIGHT: usize = 2;

/// After a refusal, parts are this many times smaller until one goes out
/// whole.
const PROBE_DIVISOR: i64 = 10;

/// A batch on its way: the rows, and a task awaiting each row's confirm.
struct InFlight {
    /// The claim this part came from.
    no: u64,
    rows: Vec<OutboxRow>,
    too_large: Vec<crate::ids::EventId>,
    /// Held back at claim time (see [`Claim::held`]).
    held: Vec<crate::ids::EventId>,
    /// The highest position the part covers.
    upto: Option<i64>,
    started: Instant,
    confirms: tokio::task::JoinHandle<Vec<Outcome>>,
}

/// A row of a part being sent.
enum Pending {
    Sent(lapin::PublisherConfirm),
    TooLarge,
    HeldBack,
}

/// What became of one published row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Acked,
    Returned,
    Nacked,
    /// Too large: parked without being sent.
    Skipped,
    /// Not sent: an earlier event of its document in the part was skipped.
    HeldBack,
    /// No confirm (timeout, channel or connection gone, or never sent).
    Lost,
}

/// How long a lease lasts: a standby takes over at most this long after
/// the leader died or froze.
const LEASE: Duration = Duration::from_secs(3);
/// The leader renews this often.
const RENEW_EVERY: Duration = Duration::from_secs(1);
/// Stop publishing this much before the lease runs out (the renewal's own
/// round trip, clocks).
const LEASE_MARGIN: Duration = Duration::from_millis(700);
/// A standby asks this often whether the lease has run out.
const STANDBY_POLL: Duration = Duration::from_millis(500);

/// How long to wait after the broker refused events for the `n`th time in
/// a row: a quarter second, doubling, at most five seconds.
fn refusal_pause(n: u32) -> Duration {
    Duration::from_millis(250).saturating_mul(1 << n.saturating_sub(1).min(5)).min(Duration::from_secs(5))
}

fn backoff(failures: u32) -> Duration {
    let base = Duration::from_millis(200).saturating_mul(1 << failures.min(6)).min(Duration::from_secs(10));
    let jitter = rand::rng().random_range(0.5..1.5);
    base.mul_f64(jitter)
}

impl Relay {
    fn new(pool: Pool, cfg: RelayConfig, status: Arc<RelayStatus>, stop: Arc<AtomicBool>) -> Self {
        Self {
            pool,
            cfg,
            status,
            stop,
            broker: None,
            reconnect_failures: 0,
            next_connect: Instant::now(),
            holder: format!(
                "{}/{}/{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into()),
                std::process::id(),
                uuid::Uuid::now_v7().simple()
            ),
            lease_ok_until: None,
            last_renewal: None,
            last_purge: Instant::now(),
            in_flight: VecDeque::new(),
            prefetched: None,
            cursor: None,
            broken: HashMap::new(),
            claims: 0,
            refusals: 0,
            paused_until: None,
            sequencer: None,
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    async fn run(mut self) {
        tracing::info!(exchange = %self.cfg.exchange, broker = self.cfg.amqp_url.is_some(), "event relay started");
        while !self.stopping() {
            if !self.lead().await {
                self.status.set(BrokerState::Standby);
                self.abandon_in_flight();
                self.broker = None;
                self.sleep(STANDBY_POLL).await;
                continue;
            }
            match self.cycle().await {
                Ok(true) => {}
                Ok(false) => self.sleep(self.cfg.idle_poll).await,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "relay cycle failed");
                    self.sleep(Duration::from_millis(500)).await;
                }
            }
        }
        // A graceful stop settles what is in flight, so that a restart does
        // not send it again.
        self.prefetched = None;
        if let Some(s) = self.sequencer.take() {
            let _ = s.await;
        }
        while let Some(f) = self.in_flight.pop_front() {
            let settled = self.collect(f).await;
            if let Err(e) = self.settle_now(settled).await {
                tracing::warn!(error = %format!("{e:#}"), "could not settle the last batch");
            }
        }
        if let Some(b) = self.broker.take() {
            let _ = b.connection.close(200, "relay stopping".into()).await;
        }
        if self.lease_ok_until.is_some() {
            let holder = self.holder.clone();
            let released =
                blocking(&self.pool, move |c| Ok(db::write_tx(c, |tx| store::release_lease(tx, &holder))?))
                    .await;
            if let Err(e) = released {
                tracing::warn!(error = %format!("{e:#}"), "could not give the relay lease up");
            }
        }
        tracing::info!("event relay stopped");
    }

    async fn sleep(&self, d: Duration) {
        let until = Instant::now() + d;
        while Instant::now() < until && !self.stopping() {
            tokio::time::sleep(Duration::from_millis(25).min(until - Instant::now())).await;
        }
    }

    /// Whether this relay may publish now (it still holds the lease with
    /// time to spare).
    fn may_publish(&self) -> bool {
        self.lease_ok_until.is_some_and(|until| Instant::now() < until)
    }

    /// Whether this relay is the active one: renews its lease every second,
    /// or takes the lease over once it has run out. A leader that finds it
    /// no longer holds the lease (it was frozen too long, or its database
    /// was away) stops at once and stands by.
    async fn lead(&mut self) -> bool {
        let due = self.last_renewal.is_none_or(|t| t.elapsed() >= RENEW_EVERY);
        if self.may_publish() && !due {
            return true;
        }
        let was_leader = self.lease_ok_until.is_some();
        let asked = Instant::now();
        let holder = self.holder.clone();
        let lease = blocking(&self.pool, move |c| {
            let now = Timestamp::now();
            let until = now + chrono::Duration::from_std(LEASE).expect("a short duration");
            Ok(db::write_tx(c, |tx| store::take_lease(tx, &holder, now, until))?)
        })
        .await;
        match lease {
            Ok(store::Lease::Held { epoch, fresh }) => {
                // Counted from before the question: the answer may have taken a while.
                self.lease_ok_until = Some(asked + LEASE - LEASE_MARGIN);
                self.last_renewal = Some(asked);
                if fresh || !was_leader {
                    tracing::info!(epoch, "this relay is now the active one (holds the relay lease)");
                    // Whatever it thought before, it reads on from the mark.
                    self.abandon_in_flight();
                }
                true
            }
            Ok(store::Lease::NotHeld) => {
                if was_leader {
                    tracing::warn!("lost the relay lease to another relay; publishing stops");
                }
                self.lease_ok_until = None;
                false
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "cannot reach the database to renew the relay lease");
                // Still the leader until the lease runs out; not after.
                if was_leader && !self.may_publish() {
                    tracing::warn!("the relay lease ran out unrenewed; publishing stops");
                    self.lease_ok_until = None;
                }
                self.may_publish()
            }
        }
    }

    /// One pass. In steady state the relay keeps one part prefetched and
    /// up to [`IN_FLIGHT`] parts unconfirmed: it settles the oldest part's
    /// confirms, then publishes the prefetched part **while** one database
    /// round marks the settled part, sequences new events and claims the
    /// next part. Returns whether there was work (so the loop goes on
    /// without sleeping).
    async fn cycle(&mut self) -> anyhow::Result<bool> {
        if self.last_purge.elapsed() > Duration::from_secs(60) {
            self.last_purge = Instant::now();
            let cutoff = Timestamp::now() - self.cfg.retention;
            let configured = self.cfg.amqp_url.is_some();
            let purged = blocking(&self.pool, move |c| {
                let mut total = 0;
                loop {
                    let n = db::write_tx(c, |tx| store::purge(tx, cutoff, configured))?;
                    total += n;
                    if n < 5000 {
                        return Ok(total);
                    }
                }
            })
            .await?;
            if purged > 0 {
                tracing::info!(purged, "removed events past retention");
            }
        }
        if self.cfg.amqp_url.is_none() {
            // Only the feed to keep up: sequence what came in since the
            // last poll in one statement, and go on at once only while
            // there is a backlog (a statement per few events, in a tight
            // loop, cost order intake a tenth of its rate).
            self.status.set(BrokerState::Disabled);
            let sequenced = blocking(&self.pool, |c| sequence(c, NO_BROKER_CHUNK)).await?;
            return Ok(sequenced as i64 == NO_BROKER_CHUNK);
        }
        if !self.connected().await {
            self.abandon_in_flight();
            // The feed does not wait for the broker: what comes in is
            // numbered all the same, and published once the broker is back.
            self.sequence_beside();
            return Ok(false);
        }
        if self.paused_until.is_some_and(|until| Instant::now() < until) {
            // The broker refused events: wait before sending more (what is
            // in flight is confirmed meanwhile and collected after).
            return Ok(false);
        }
        let cursor = match self.cursor {
            Some(c) => c,
            None => {
                let upto = blocking(&self.pool, |c| Ok(store::published_upto(c)?)).await?;
                self.cursor = Some(upto);
                upto
            }
        };
        let window_full = self.in_flight.len() >= IN_FLIGHT;
        let draining = self.prefetched.is_none() && !self.in_flight.is_empty();
        let settled = if window_full || draining {
            let oldest = self.in_flight.pop_front().expect("non-empty");
            let t = Instant::now();
            let settled = self.collect(oldest).await;
            tracing::trace!(wait_ms = t.elapsed().as_secs_f64() * 1e3, "relay collected confirms");
            if settled.lost {
                self.settle_now(settled).await?;
                return Ok(false);
            }
            Some(settled)
        } else {
            None
        };
        let to_send = self.prefetched.take();
        let after = to_send.as_ref().and_then(|(_, c)| c.upto).unwrap_or(cursor).max(cursor);
        self.cursor = Some(after);
        // The configured batch is the most events ever sent and not yet
        // marked (what a crash can send twice): while one part is being
        // marked, IN_FLIGHT more may be out, so a part is a third of it.
        let limit = (self.cfg.batch_size / (IN_FLIGHT as i64 + 1)).max(1);
        // After a refusal, a small part probes the broker: should it refuse
        // again, the events it took after the refused ones (sent again in
        // order, after them) are few. A part the broker takes whole gives
        // back the full size.
        let limit = if self.refusals > 0 { (limit / PROBE_DIVISOR).max(1) } else { limit };
        let counts = settled.as_ref().map(|s| (s.published.len() as u64, s.too_large.len() as u64));
        let sequencing = self.sequence_beside();
        // Events on their way (sent, or being marked beside the claim) are
        // not claimed again, and their documents in recovery wait for them.
        let mut on_the_way = store::OnTheWay::default();
        for r in self
            .in_flight
            .iter()
            .flat_map(|f| f.rows.iter())
            .chain(to_send.iter().flat_map(|(_, c)| c.rows.iter()))
        {
            on_the_way.ids.insert(r.id);
            on_the_way.docs.insert((r.aggregate_kind.clone(), r.aggregate_id));
        }
        if let Some(s) = &settled {
            on_the_way.ids.extend(s.ids());
            on_the_way.docs.extend(s.docs.iter().cloned());
        }
        // Two connections at once: one marks the settled part, the other
        // claims the next part from what is already sequenced.
        let pool = self.pool.clone();
        let marking = blocking(&pool, move |c| {
            if let Some(s) = settled {
                db::write_tx(c, |tx| s.record(tx))?;
            }
            Ok(())
        });
        // This claim runs beside the marking of the settled part: it may not
        // see a failure that part brought (see `broken`).
        self.claims += 1;
        let claim_no = self.claims;
        let claiming = blocking(&pool, move |c| {
            let t = Instant::now();
            let r = store::claim_batch(c, after, limit, &on_the_way, Timestamp::now());
            tracing::trace!(claim_ms = t.elapsed().as_secs_f64() * 1e3, "relay claimed");
            Ok(r?)
        });
        let db_round = async {
            let t = Instant::now();
            let (marked, claimed) = tokio::join!(marking, claiming);
            tracing::trace!(db_ms = t.elapsed().as_secs_f64() * 1e3, "relay database round");
            marked?;
            claimed
        };
        let sending = to_send.is_some();
        let (_, db_result) = tokio::join!(
            async {
                if let Some((no, batch)) = to_send {
                    let t = Instant::now();
                    self.send(no, batch).await;
                    tracing::trace!(send_ms = t.elapsed().as_secs_f64() * 1e3, "relay sent a part");
                }
            },
            db_round
        );
        let next = db_result?;
        if let Some(c) = counts {
            self.count(c);
        }
        // A part may send nothing and still move the mark past held events;
        // one that would do neither is not worth a cycle.
        let fetched = !next.rows.is_empty() || !next.held.is_empty() || next.upto.is_some_and(|u| u > after);
        if fetched {
            self.prefetched = Some((claim_no, next));
        }
        if sending || fetched || !self.in_flight.is_empty() {
            return Ok(true);
        }
        if sequencing {
            // Nothing to claim yet, but the sequencer is giving positions.
            tokio::time::sleep(Duration::from_millis(2)).await;
            return Ok(true);
        }
        Ok(false)
    }

    /// Keeps the sequencer going beside the publishing loop, so that
    /// sequencing never holds up a part: starts it when it is not running
    /// (a chunk at a time). Returns whether it is at work or
    /// just sequenced something.
    fn sequence_beside(&mut self) -> bool {
        if let Some(s) = &self.sequencer {
            if !s.is_finished() {
                return true;
            }
            let done = self.sequencer.take().expect("checked");
            // A finished task's result is ready at once.
            let result = futures_util::FutureExt::now_or_never(done).unwrap_or(Ok(Ok(0)));
            match result {
                Ok(Ok(n)) if n > 0 => return self.start_sequencer(),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %format!("{e:#}"), "sequencing failed"),
                Err(e) => tracing::warn!(error = %e, "the sequencer panicked"),
            }
        }
        self.start_sequencer();
        false
    }

    /// One chunk per start: twice a part, so the sequencer keeps ahead of
    /// publishing, while the marks (on SQLite, the same single writer) get
    /// their turn between chunks.
    fn start_sequencer(&mut self) -> bool {
        let pool = self.pool.clone();
        self.sequencer = Some(tokio::task::spawn_blocking(move || {
            let mut c = pool.get()?;
            let t = Instant::now();
            let n = sequence(&mut c, SEQUENCE_CHUNK)?;
            tracing::trace!(n, seq_ms = t.elapsed().as_secs_f64() * 1e3, "relay sequenced");
            Ok(n)
        }));
        true
    }

    /// Reads on from the relay's mark next time (after a lost connection).
    fn rewind(&mut self) {
        self.cursor = None;
    }

    /// The connection is gone: nothing in flight will be confirmed. Those
    /// events stay unpublished and are read again from the start.
    fn abandon_in_flight(&mut self) {
        for f in self.in_flight.drain(..) {
            f.confirms.abort();
        }
        self.prefetched = None;
        self.broken.clear();
        self.paused_until = None;
        self.rewind();
    }

    async fn connected(&mut self) -> bool {
        if let Some(b) = &self.broker {
            if b.connection.status().connected() && b.channel.status().connected() {
                return true;
            }
            tracing::warn!("lost the broker connection");
            self.broker = None;
        }
        self.status.set(BrokerState::Down);
        if Instant::now() < self.next_connect {
            return false;
        }
        match self.connect().await {
            Ok(b) => {
                self.broker = Some(b);
                self.reconnect_failures = 0;
                self.status.reconnects.fetch_add(1, Ordering::Relaxed);
                self.status.set(BrokerState::Up);
                tracing::info!(exchange = %self.cfg.exchange, "relay connected to the broker");
                true
            }
            Err(e) => {
                self.reconnect_failures += 1;
                let wait = backoff(self.reconnect_failures);
                self.next_connect = Instant::now() + wait;
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "cannot reach the broker");
                false
            }
        }
    }

    async fn connect(&self) -> anyhow::Result<Broker> {
        let url = self.cfg.amqp_url.as_deref().expect("configured");
        let props = lapin::ConnectionProperties::default().with_connection_name("custody-relay".into());
        let connection =
            tokio::time::timeout(Duration::from_secs(10), lapin::Connection::connect(url, props)).await??;
        let channel = connection.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        declare_topology(&channel, &self.cfg.exchange).await?;
        Ok(Broker { connection, channel })
    }

    /// Publishes a part pipelined; a task awaits each confirm under the timeout.
    async fn send(&mut self, no: u64, claim: Claim) {
        let Claim { rows: batch, held, upto } = claim;
        let broker = self.broker.as_ref().expect("connected");
        let started = Instant::now();
        let mut confirms = Vec::with_capacity(batch.len());
        let mut too_large = Vec::new();
        // Documents with an event that cannot go out: their later events in
        // this part are not sent either, so they never overtake it.
        let mut stopped: HashSet<(&str, AggregateId)> = HashSet::new();
        for row in &batch {
            // Frozen in the middle of a part, and woken after another relay
            // took over: not one event more (the rest counts as not sent).
            if !self.may_publish() {
                tracing::warn!("the relay lease ran out while sending; the rest of the part is not sent");
                break;
            }
            let key = (row.aggregate_kind.as_str(), row.aggregate_id);
            if stopped.contains(&key) {
                confirms.push(Pending::HeldBack);
                continue;
            }
            if row.payload.len() > self.cfg.max_payload_bytes {
                too_large.push(row.id);
                stopped.insert(key);
                confirms.push(Pending::TooLarge);
                continue;
            }
            let (routing_key, props) = message(row, &self.cfg.source);
            let sent = broker
                .channel
                .basic_publish(
                    self.cfg.exchange.as_str().into(),
                    routing_key.into(),
                    BasicPublishOptions { mandatory: true, ..Default::default() },
                    row.payload.as_bytes(),
                    props,
                )
                .await;
            match sent {
                Ok(confirm) => confirms.push(Pending::Sent(confirm)),
                // The channel or connection failed mid-batch: what was sent
                // may still be confirmed; the rest stays unpublished.
                Err(e) => {
                    tracing::warn!(error = %e, "publish failed");
                    break;
                }
            }
        }
        let timeout = self.cfg.confirm_timeout;
        let n = batch.len();
        let confirms = tokio::spawn(async move {
            let waits = confirms.into_iter().map(|c| async move {
                match c {
                    Pending::TooLarge => Outcome::Skipped,
                    Pending::HeldBack => Outcome::HeldBack,
                    Pending::Sent(c) => match tokio::time::timeout(timeout, c).await {
                        Ok(Ok(Confirmation::Ack(None))) => Outcome::Acked,
                        Ok(Ok(Confirmation::Ack(Some(_)))) => Outcome::Returned,
                        Ok(Ok(Confirmation::Nack(_))) => Outcome::Nacked,
                        _ => Outcome::Lost,
                    },
                }
            });
            let mut out = futures_util::future::join_all(waits).await;
            out.resize(n, Outcome::Lost);
            out
        });
        self.in_flight.push_back(InFlight { no, rows: batch, too_large, held, upto, started, confirms });
    }

    /// Waits for a batch's confirms and sorts its events: confirmed ones
    /// are published; refused ones are retried later (and hold back their
    /// document's later events); lost confirms mean the connection is
    /// suspect, so the relay reconnects and reads those events again.
    async fn collect(&mut self, f: InFlight) -> Settled {
        let outcomes = match f.confirms.await {
            Ok(o) => o,
            Err(_) => vec![Outcome::Lost; f.rows.len()],
        };
        let elapsed = f.started.elapsed().as_secs_f64();
        let mut settled = Settled { too_large: f.too_large, held: f.held, ..Settled::default() };
        // A failure seen now is written by the marking that runs beside the
        // next claim: parts up to that claim may hold the document's later
        // events.
        let unsafe_upto = self.claims + 1;
        let mut refused = false;
        for (row, outcome) in f.rows.iter().zip(&outcomes) {
            let key = (row.aggregate_kind.clone(), row.aggregate_id);
            settled.docs.insert(key.clone());
            let behind_a_failure = self.broken.get(&key).is_some_and(|&upto| f.no <= upto);
            match outcome {
                Outcome::Acked if !behind_a_failure => {
                    settled.published.push((row.id, row.attempts > 0));
                    self.status.observe_confirm(elapsed);
                    continue;
                }
                // A document's later events wait behind an earlier one that
                // failed, even if the broker took them: at least once, in order.
                Outcome::Acked | Outcome::HeldBack => settled.held.push(row.id),
                Outcome::Skipped => {}
                Outcome::Returned => {
                    self.status.returned.fetch_add(1, Ordering::Relaxed);
                    settled.failed.push((row.id, Failure::Returned));
                }
                Outcome::Nacked => {
                    self.status.nacked.fetch_add(1, Ordering::Relaxed);
                    settled.failed.push((row.id, Failure::Refused));
                    refused = true;
                }
                Outcome::Lost => settled.lost = true,
            }
            let upto = self.broken.entry(key).or_insert(unsafe_upto);
            *upto = (*upto).max(unsafe_upto);
        }
        // Failures no part still to come can be behind.
        self.broken.retain(|_, upto| *upto > f.no);
        if refused {
            self.refusals += 1;
            self.status.refusal_pauses.fetch_add(1, Ordering::Relaxed);
            let pause = refusal_pause(self.refusals);
            tracing::warn!(
                pause_ms = pause.as_millis() as u64,
                "the broker refused events; waiting before sending more"
            );
            self.paused_until = Some(Instant::now() + pause);
        } else if settled.published.len() + settled.held.len() > 0 {
            self.refusals = 0;
        }
        // Everything up to this part is now published, failed (and found
        // through its index) or waiting behind a failed event of its document.
        if !settled.lost {
            settled.upto = f.upto;
        }
        settled
    }

    /// Records a settled batch, then reconnects if its confirms were lost.
    async fn settle_now(&mut self, settled: Settled) -> anyhow::Result<()> {
        let lost = settled.lost;
        let counts = (settled.published.len() as u64, settled.too_large.len() as u64);
        blocking(&self.pool, move |c| Ok(db::write_tx(c, |tx| settled.record(tx))?)).await?;
        self.count(counts);
        if lost {
            self.reconnect_after_loss().await;
        }
        Ok(())
    }

    fn count(&self, (published, parked): (u64, u64)) {
        self.status.published.fetch_add(published, Ordering::Relaxed);
        self.status.parked.fetch_add(parked, Ordering::Relaxed);
    }

    async fn reconnect_after_loss(&mut self) {
        tracing::warn!("confirms did not arrive; reconnecting");
        if let Some(b) = self.broker.take() {
            let _ = tokio::time::timeout(
                Duration::from_secs(2),
                b.connection.close(320, "relay reconnecting".into()),
            )
            .await;
        }
        self.abandon_in_flight();
        self.status.set(BrokerState::Down);
    }
}

/// The outcome of one batch, ready to be written.
/// Why the broker did not take an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Unroutable: retried a few times, then parked for an admin.
    Returned,
    /// Refused (nack), e.g. a full queue: retried with backoff for as long
    /// as it takes, never parked (nothing is wrong with the event).
    Refused,
}

#[derive(Default)]
struct Settled {
    /// Confirmed events, and whether each had failed before.
    published: Vec<(crate::ids::EventId, bool)>,
    failed: Vec<(crate::ids::EventId, Failure)>,
    too_large: Vec<crate::ids::EventId>,
    /// Waiting behind an earlier event of their document that failed.
    held: Vec<crate::ids::EventId>,
    /// The documents of the part's events.
    docs: HashSet<(String, AggregateId)>,
    lost: bool,
    /// The relay's mark may move up to here.
    upto: Option<i64>,
}

impl Settled {
    fn ids(&self) -> impl Iterator<Item = crate::ids::EventId> + '_ {
        let published = self.published.iter().map(|(id, _)| *id);
        let failed = self.failed.iter().map(|(id, _)| *id);
        published.chain(failed).chain(self.too_large.iter().copied()).chain(self.held.iter().copied())
    }

    /// In the usual case one row changes: the relay's mark moves past the
    /// part. Events are marked one by one only when they had failed before,
    /// failed now or wait behind one that did, or when the mark cannot move.
    fn record(&self, tx: &mut db::DbConn) -> diesel::QueryResult<()> {
        if self.failed.is_empty() && self.too_large.is_empty() && self.held.is_empty() {
            store::relax_commit(tx)?;
        }
        let now = Timestamp::now();
        let one_by_one: Vec<_> = self
            .published
            .iter()
            .filter(|(_, retried)| *retried || self.upto.is_none())
            .map(|(id, _)| *id)
            .collect();
        store::mark_published(tx, &one_by_one, now)?;
        store::mark_held(tx, &self.held)?;
        for (id, why) in &self.failed {
            match why {
                Failure::Returned => {
                    store::mark_failed(tx, *id, "returned by the broker as unroutable", now)?
                }
                Failure::Refused => store::mark_refused(tx, *id, "refused by the broker (nack)", now)?,
            };
        }
        for id in &self.too_large {
            store::park(tx, *id, "payload larger than CUSTODY_EVENT_MAX_BYTES", now)?;
        }
        if let Some(upto) = self.upto {
            store::advance_published_upto(tx, upto)?;
        }
        Ok(())
    }
}

/// Declares the durable topic exchange, its alternate exchange and the queue
/// that keeps unroutable events.
pub async fn declare_topology(channel: &Channel, exchange: &str) -> lapin::Result<()> {
    let unrouted = format!("{exchange}.unrouted");
    let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
    channel
        .exchange_declare(unrouted.as_str().into(), ExchangeKind::Fanout, durable, FieldTable::default())
        .await?;
    channel
        .queue_declare(
            unrouted.as_str().into(),
            QueueDeclareOptions { durable: true, ..Default::default() },
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            unrouted.as_str().into(),
            unrouted.as_str().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let mut args = FieldTable::default();
    args.insert("alternate-exchange".into(), AMQPValue::LongString(LongString::from(unrouted)));
    channel.exchange_declare(exchange.into(), ExchangeKind::Topic, durable, args).await
}

fn text(s: impl Into<String>) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s.into()))
}

/// The AMQP message of an event: CloudEvents 1.0 AMQP binding, binary mode.
pub fn message(row: &OutboxRow, source: &str) -> (String, BasicProperties) {
    let ce_type = super::EventType::parse(&row.event_type)
        .map(|t| t.cloudevents_type())
        .unwrap_or_else(|| format!("com.custody.{}.v1", row.event_type));
    let mut h = FieldTable::default();
    let mut put = |k: &str, v: AMQPValue| {
        h.insert(ShortString::from(k), v);
    };
    put("cloudEvents_specversion", text("1.0"));
    put("cloudEvents_id", text(row.id.to_string()));
    put("cloudEvents_source", text(source));
    put("cloudEvents_type", text(ce_type));
    put("cloudEvents_subject", text(row.document_no.clone()));
    put("cloudEvents_time", text(crate::db::types::instant_to_text(&row.occurred_at.0)));
    put("cloudEvents_datacontenttype", text("application/json"));
    put("cloudEvents_sequence", AMQPValue::LongLongInt(row.sequence));
    put("cloudEvents_aggregatekind", text(row.aggregate_kind.clone()));
    put("cloudEvents_aggregateid", text(row.aggregate_id.to_string()));
    if let Some(owner) = row.owner_id {
        put("cloudEvents_ownerid", text(owner.to_string()));
    }
    let props = BasicProperties::default()
        .with_message_id(row.id.to_string().into())
        .with_content_type("application/json".into())
        .with_delivery_mode(2)
        .with_timestamp(row.occurred_at.0.timestamp() as u64)
        .with_type(row.event_type.as_str().into())
        .with_headers(h);
    (row.event_type.clone(), props)
}
