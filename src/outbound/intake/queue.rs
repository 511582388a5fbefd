//! Group commit for order intake: requests that arrive while others are
//! being written wait in one queue, and a writer takes everything waiting
//! (up to [`GROUP_ORDERS`] orders) into **one transaction** of
//! [`take_in`](super::take_in).
//!
//! At peak the platform's order system sends many single orders at once.
//! Each in its own transaction paid the fixed costs of one: the round trips
//! (`BEGIN`, locks, two reads, the write, `COMMIT`), a plan of the write and
//! a flush of the write-ahead log at commit. A group pays them once for all
//! its orders. Nobody waits for a group to fill: a writer takes what is
//! there when it is free, so a lone request goes in alone and at once, and
//! groups grow only while the writers are busy.
//!
//! Every request still gets its own answer, as if it had been alone: orders
//! are allocated in the order they arrived, a refused order is refused on
//! its own, and a platform order id sent twice in one group is taken in
//! once (the second request finds the first's order, as it would have after
//! waiting for its lock). If a group's transaction fails as a whole (the
//! database, or an order that `take_in` cannot handle), nothing of it was
//! written, and each request of the group is run again alone, so that one
//! request's failure never becomes another's.
//!
//! The queue is bounded, in orders waiting and in time waiting
//! ([`Limits`]): beyond either, a request is answered at once with `503
//! overloaded` and `Retry-After`, and nothing of it is written. Memory
//! held by waiting orders is bounded with it, and a platform that sends
//! faster than the database writes learns so instead of timing out.
//!
//! The writers are plain threads (they block on the pool and the database,
//! never on the async executor), [`crate::http::INTAKE_WRITERS`] of them,
//! fewer if the pool leaves fewer connections to intake (see
//! [`crate::http::CONNECTIONS_KEPT_FROM_INTAKE`]). When the queue is
//! dropped they finish the group in hand and stop, and the drop waits for
//! them: once it returns, no writer holds a connection.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::Outcome;
use crate::db::{self, DbConn, Pool};
use crate::error::AppError;
use crate::outbound::orders::OrderInput;
use crate::outbound::pii::Keys;

/// A writer stops taking more requests into its group once it holds this
/// many orders (a group is at most this plus the last request taken: a
/// batch is never split). Two batches of 500 fit: transactions that share
/// SKUs run one after another, so one of 1,000 orders instead of two of 500
/// pays its commit and round trips once.
pub const GROUP_ORDERS: usize = 1000;

/// What a group's transaction does with the orders of all its requests.
type Run = dyn Fn(&mut DbConn, &[OrderInput]) -> Result<Vec<Outcome>, AppError> + Send + Sync;

struct Job {
    inputs: Vec<OrderInput>,
    reply: oneshot::Sender<Result<Vec<Outcome>, AppError>>,
    queued_at: Instant,
}

/// How much may wait for the writers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Orders waiting (not yet taken by a writer); a request that would go
    /// beyond is refused (one request alone is always taken).
    pub max_waiting_orders: usize,
    /// A request that waited longer than this is refused when a writer
    /// reaches it, unwritten.
    pub max_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_waiting_orders: 5000, max_wait: Duration::from_secs(5) }
    }
}

/// Orders waiting now, the most that ever waited, and requests refused.
#[derive(Debug, Default)]
pub struct Backlog {
    waiting: AtomicUsize,
    peak: AtomicUsize,
    refused: AtomicU64,
}

impl Backlog {
    /// (orders waiting, most that waited at once, requests refused) so far.
    pub fn read(&self) -> (usize, usize, u64) {
        (
            self.waiting.load(Ordering::Relaxed),
            self.peak.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
        )
    }
}

/// Groups and orders written so far (for `/metrics` and the benchmark).
#[derive(Debug, Default)]
pub struct GroupStats {
    groups: AtomicU64,
    requests: AtomicU64,
    orders: AtomicU64,
    /// Groups whose transaction failed and whose requests were run alone.
    split: AtomicU64,
    pub backlog: Backlog,
}

impl GroupStats {
    /// (transactions, requests, orders, split groups) so far.
    pub fn read(&self) -> (u64, u64, u64, u64) {
        (
            self.groups.load(Ordering::Relaxed),
            self.requests.load(Ordering::Relaxed),
            self.orders.load(Ordering::Relaxed),
            self.split.load(Ordering::Relaxed),
        )
    }
}

/// The queue in front of the intake writers.
pub struct IntakeQueue {
    /// `None` only while the queue is dropped.
    sender: Option<mpsc::Sender<Job>>,
    jobs: Arc<Mutex<mpsc::Receiver<Job>>>,
    writers: Mutex<Vec<std::thread::JoinHandle<()>>>,
    pub stats: Arc<GroupStats>,
    limits: Limits,
}

impl IntakeQueue {
    /// A queue with `writers` threads taking orders in with `take_in`.
    pub fn start(pool: Pool, keys: Keys, writers: usize, limits: Limits) -> Self {
        let run: Arc<Run> =
            Arc::new(move |tx: &mut DbConn, inputs: &[OrderInput]| super::take_in(tx, inputs, &keys));
        let queue = Self::idle(limits);
        for _ in 0..writers.max(1) {
            queue.add_writer(pool.clone(), run.clone());
        }
        queue
    }

    /// A queue with no writer yet: requests wait until one is added.
    fn idle(limits: Limits) -> Self {
        let (sender, receiver) = mpsc::channel();
        Self {
            sender: Some(sender),
            jobs: Arc::new(Mutex::new(receiver)),
            writers: Mutex::default(),
            stats: Arc::default(),
            limits,
        }
    }

    fn add_writer(&self, pool: Pool, run: Arc<Run>) {
        let limits = self.limits;
        let jobs = self.jobs.clone();
        let stats = self.stats.clone();
        let spawned = std::thread::Builder::new()
            .name("intake-writer".into())
            .spawn(move || writer(&pool, &jobs, &*run, &stats, limits));
        match spawned {
            Ok(writer) => self.writers.lock().unwrap_or_else(|p| p.into_inner()).push(writer),
            Err(e) => tracing::error!(error = %e, "could not start an intake writer"),
        }
    }

    /// Puts a request's orders in the queue; its outcomes (one per order,
    /// in order) come from [`Pending::outcomes`].
    /// Refused with `503 overloaded` when the queue is full.
    pub fn submit(&self, inputs: Vec<OrderInput>) -> Result<Pending, AppError> {
        let n = inputs.len();
        let backlog = &self.stats.backlog;
        let admitted = backlog.waiting.fetch_update(Ordering::AcqRel, Ordering::Acquire, |waiting| {
            (waiting == 0 || waiting + n <= self.limits.max_waiting_orders).then_some(waiting + n)
        });
        let Ok(before) = admitted else {
            backlog.refused.fetch_add(1, Ordering::Relaxed);
            return Err(AppError::Overloaded {
                detail: "More orders are waiting to be taken in than the warehouse queues.",
                retry_after_secs: 1,
            });
        };
        backlog.peak.fetch_max(before + n, Ordering::Relaxed);
        let (reply, answer) = oneshot::channel();
        let stopped = || AppError::internal(anyhow::anyhow!("the order intake writers have stopped"));
        let job = Job { inputs, reply, queued_at: Instant::now() };
        let sent = self.sender.as_ref().ok_or_else(stopped).and_then(|s| s.send(job).map_err(|_| stopped()));
        if let Err(e) = sent {
            backlog.waiting.fetch_sub(n, Ordering::AcqRel);
            return Err(e);
        }
        Ok(Pending(answer))
    }

    /// Submits and waits.
    pub async fn take_in(&self, inputs: Vec<OrderInput>) -> Result<Vec<Outcome>, AppError> {
        self.submit(inputs)?.outcomes().await
    }
}

impl Drop for IntakeQueue {
    /// Closes the queue (each writer's next wait ends) and waits for the
    /// writers to finish what they hold.
    fn drop(&mut self) {
        self.sender = None;
        let writers = std::mem::take(self.writers.get_mut().unwrap_or_else(|p| p.into_inner()));
        for writer in writers {
            if writer.join().is_err() {
                tracing::error!("an intake writer ended in a panic");
            }
        }
    }
}

/// A request in the queue.
pub struct Pending(oneshot::Receiver<Result<Vec<Outcome>, AppError>>);

impl Pending {
    pub async fn outcomes(self) -> Result<Vec<Outcome>, AppError> {
        self.0.await.map_err(|_| AppError::internal(anyhow::anyhow!("the order intake writer failed")))?
    }
}

/// One writer: takes what waits, writes it as one group, answers, again;
/// until the queue is dropped.
fn writer(pool: &Pool, jobs: &Mutex<mpsc::Receiver<Job>>, run: &Run, stats: &GroupStats, limits: Limits) {
    // Taken off the queue: no longer waiting; too old: refused, unwritten.
    let fresh = |job: Job| -> Option<Job> {
        stats.backlog.waiting.fetch_sub(job.inputs.len(), Ordering::AcqRel);
        if job.queued_at.elapsed() <= limits.max_wait {
            return Some(job);
        }
        stats.backlog.refused.fetch_add(1, Ordering::Relaxed);
        let _ = job.reply.send(Err(AppError::Overloaded {
            detail: "The order waited too long for the database.",
            retry_after_secs: 2,
        }));
        None
    };
    loop {
        let group = {
            // One writer at a time waits for the next request and takes
            // what else is waiting; the others wait for it to finish taking.
            let receiver = jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let Ok(first) = receiver.recv() else { return };
            let mut group: Vec<Job> = fresh(first).into_iter().collect();
            let mut orders = group.iter().map(|j| j.inputs.len()).sum::<usize>();
            while orders < GROUP_ORDERS {
                match receiver.try_recv() {
                    Ok(job) => {
                        if let Some(job) = fresh(job) {
                            orders += job.inputs.len();
                            group.push(job);
                        }
                    }
                    Err(_) => break,
                }
            }
            group
        };
        if group.is_empty() {
            continue;
        }
        // A panic drops the group's replies (each request gets an internal
        // error) but not the writer.
        let survived = std::panic::catch_unwind(AssertUnwindSafe(|| write_group(pool, run, stats, group)));
        if survived.is_err() {
            tracing::error!("an intake writer panicked; its requests were answered with an internal error");
        }
    }
}

/// Writes a group in one transaction and answers each request; if the
/// transaction fails, runs each request again alone.
fn write_group(pool: &Pool, run: &Run, stats: &GroupStats, group: Vec<Job>) {
    let sizes: Vec<usize> = group.iter().map(|j| j.inputs.len()).collect();
    let (inputs, mut replies): (Vec<Vec<OrderInput>>, Vec<_>) =
        group.into_iter().map(|j| (j.inputs, j.reply)).unzip();
    let all: Vec<OrderInput> = inputs.into_iter().flatten().collect();
    let span = tracing::info_span!("intake_group", requests = sizes.len(), orders = all.len());
    let _entered = span.enter();
    match transaction(pool, run, &all) {
        Ok(outcomes) => {
            count(stats, sizes.len(), all.len());
            let mut outcomes = outcomes.into_iter();
            for (size, reply) in sizes.iter().zip(replies) {
                let _ = reply.send(Ok(outcomes.by_ref().take(*size).collect()));
            }
        }
        // Alone, a request's failure is its own answer.
        Err(e) if replies.len() == 1 => {
            if let Some(reply) = replies.pop() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "an intake group failed; running its requests one by one");
            stats.split.fetch_add(1, Ordering::Relaxed);
            let mut all = all.into_iter();
            for (size, reply) in sizes.iter().zip(replies) {
                let alone: Vec<OrderInput> = all.by_ref().take(*size).collect();
                let result = transaction(pool, run, &alone);
                if result.is_ok() {
                    count(stats, 1, alone.len());
                }
                let _ = reply.send(result);
            }
        }
    }
}

fn transaction(pool: &Pool, run: &Run, inputs: &[OrderInput]) -> Result<Vec<Outcome>, AppError> {
    let mut conn = pool.get().map_err(AppError::pool)?;
    let outcomes = db::transact_blocking(&mut conn, |tx| run(tx, inputs))?;
    if outcomes.len() != inputs.len() {
        return Err(AppError::internal(anyhow::anyhow!(
            "intake gave {} outcomes for {} orders",
            outcomes.len(),
            inputs.len()
        )));
    }
    Ok(outcomes)
}

fn count(stats: &GroupStats, requests: usize, orders: usize) {
    stats.groups.fetch_add(1, Ordering::Relaxed);
    stats.requests.fetch_add(requests as u64, Ordering::Relaxed);
    stats.orders.fetch_add(orders as u64, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;

    /// A SQLite file of its own (the writers need real transactions; the
    /// stand-in for `take_in` below writes nothing).
    fn pool() -> (Pool, std::path::PathBuf) {
        let dir = std::env::temp_dir().join("custody-tests");
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(format!("queue_{}.db", uuid::Uuid::now_v7().simple()));
        let pool = db::connect(&format!("sqlite://{}", path.display()), 2).expect("pool");
        (pool, path)
    }

    fn order(platform_id: &str) -> OrderInput {
        serde_json::from_value(serde_json::json!({
            "platform_order_id": platform_id, "shop": "s", "market": "US", "destination_country": "US",
            "service_level": "standard", "ship_by": "2026-12-01T00:00:00Z",
            "lines": [], "buyer": {"name": "n", "phone": "1",
                "address": {"line1": "l", "city": "c", "postal_code": "1", "country": "US"}}
        }))
        .expect("order input")
    }

    /// Stands in for `take_in`: fails the whole call if any order is
    /// `poison`, else refuses every order naming its platform id; records
    /// the size of every call.
    fn stand_in(calls: Arc<Mutex<Vec<usize>>>) -> Arc<Run> {
        Arc::new(move |_tx: &mut DbConn, inputs: &[OrderInput]| {
            calls.lock().unwrap().push(inputs.len());
            if inputs.iter().any(|o| o.platform_order_id == "poison") {
                return Err(AppError::internal(anyhow::anyhow!("poisoned group")));
            }
            Ok(inputs
                .iter()
                .map(|o| {
                    Outcome::Invalid(vec![FieldError::new("platform_order_id", "seen", &o.platform_order_id)])
                })
                .collect())
        })
    }

    fn seen(outcomes: Vec<Outcome>) -> Vec<String> {
        outcomes
            .into_iter()
            .map(|o| match o {
                Outcome::Invalid(errors) => errors[0].message.clone(),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn waiting_requests_go_in_as_one_group_and_each_gets_its_own_outcomes() {
        let (pool, path) = pool();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let queue = IntakeQueue::idle(Limits::default());
        let a = queue.submit(vec![order("a1")]).unwrap();
        let b = queue.submit(vec![order("b1"), order("b2"), order("b3")]).unwrap();
        let c = queue.submit(vec![order("c1")]).unwrap();
        queue.add_writer(pool.clone(), stand_in(calls.clone()));
        assert_eq!(seen(a.outcomes().await.unwrap()), ["a1"]);
        assert_eq!(seen(b.outcomes().await.unwrap()), ["b1", "b2", "b3"]);
        assert_eq!(seen(c.outcomes().await.unwrap()), ["c1"]);
        assert_eq!(*calls.lock().unwrap(), [5], "one transaction for the three requests");
        assert_eq!(queue.stats.read(), (1, 3, 5, 0));
        // Alone, a request is its own group.
        assert_eq!(seen(queue.take_in(vec![order("d1")]).await.unwrap()), ["d1"]);
        assert_eq!(queue.stats.read(), (2, 4, 6, 0));
        drop(queue);
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn a_failed_group_is_run_again_request_by_request() {
        let (pool, path) = pool();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let queue = IntakeQueue::idle(Limits::default());
        let a = queue.submit(vec![order("a1"), order("a2")]).unwrap();
        let bad = queue.submit(vec![order("poison")]).unwrap();
        let c = queue.submit(vec![order("c1")]).unwrap();
        queue.add_writer(pool.clone(), stand_in(calls.clone()));
        assert_eq!(seen(a.outcomes().await.unwrap()), ["a1", "a2"]);
        let err = bad.outcomes().await.unwrap_err();
        assert!(matches!(&err, AppError::Internal(e) if e.to_string() == "poisoned group"), "{err:?}");
        assert_eq!(seen(c.outcomes().await.unwrap()), ["c1"]);
        assert_eq!(*calls.lock().unwrap(), [4, 2, 1, 1], "the group, then each request alone");
        assert_eq!(queue.stats.read(), (2, 2, 3, 1));
        drop(queue);
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn dropping_the_queue_waits_for_its_writers_to_let_go() {
        let (pool, path) = pool();
        let run = stand_in(Arc::default());
        let queue = IntakeQueue::idle(Limits::default());
        queue.add_writer(pool.clone(), run.clone());
        queue.add_writer(pool.clone(), run.clone());
        assert_eq!(seen(queue.take_in(vec![order("a1")]).await.unwrap()), ["a1"]);
        assert_eq!(Arc::strong_count(&run), 3, "each writer holds the run (and a pool)");
        drop(queue);
        assert_eq!(Arc::strong_count(&run), 1, "the writers are gone once the drop returns");
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn a_group_stops_growing_at_the_group_size() {
        let (pool, path) = pool();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let queue = IntakeQueue::idle(Limits::default());
        let batch = |p: &str| (0..400).map(|i| order(&format!("{p}{i}"))).collect::<Vec<_>>();
        let names = ["a", "b", "c", "d"];
        let pending: Vec<Pending> = names.iter().map(|p| queue.submit(batch(p)).unwrap()).collect();
        queue.add_writer(pool.clone(), stand_in(calls.clone()));
        for (p, pending) in names.iter().zip(pending) {
            let outcomes = seen(pending.outcomes().await.unwrap());
            assert_eq!(outcomes.len(), 400);
            assert_eq!(outcomes[399], format!("{p}399"));
        }
        // 400, 800: room for more; 1,200: full. The last batch goes alone.
        assert_eq!(*calls.lock().unwrap(), [1200, 400]);
        drop(queue);
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_takes_again_once_drained() {
        let (pool, path) = pool();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let queue = IntakeQueue::idle(Limits { max_waiting_orders: 5, max_wait: Duration::from_secs(60) });
        let batch = |p: &str, n: usize| (0..n).map(|i| order(&format!("{p}{i}"))).collect::<Vec<_>>();
        // One request alone is always taken, even beyond the bound.
        let big = queue.submit(batch("big", 7)).unwrap();
        let refused = queue.submit(batch("a", 1)).err().expect("the queue is full");
        assert!(matches!(refused, AppError::Overloaded { retry_after_secs: 1, .. }), "{refused:?}");
        queue.add_writer(pool.clone(), stand_in(calls.clone()));
        assert_eq!(big.outcomes().await.unwrap().len(), 7);
        // Drained, the queue takes requests again.
        let _ = queue.take_in(batch("b", 1)).await.unwrap();
        assert_eq!(queue.stats.backlog.waiting.load(Ordering::Relaxed), 0);
        assert_eq!(queue.stats.backlog.peak.load(Ordering::Relaxed), 7);
        assert_eq!(queue.stats.backlog.refused.load(Ordering::Relaxed), 1);
        assert_eq!(*calls.lock().unwrap(), [7, 1], "the refused request was never written");
        drop(queue);
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn a_request_that_waited_too_long_is_refused_unwritten() {
        let (pool, path) = pool();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let queue =
            IntakeQueue::idle(Limits { max_waiting_orders: 100, max_wait: Duration::from_millis(50) });
        let stale = queue.submit(vec![order("old")]).unwrap();
        std::thread::sleep(Duration::from_millis(80));
        queue.add_writer(pool.clone(), stand_in(calls.clone()));
        let err = stale.outcomes().await.unwrap_err();
        assert!(matches!(err, AppError::Overloaded { retry_after_secs: 2, .. }), "{err:?}");
        assert_eq!(seen(queue.take_in(vec![order("new")]).await.unwrap()), ["new"]);
        assert_eq!(*calls.lock().unwrap(), [1], "only the fresh request was written");
        drop(queue);
        let _ = std::fs::remove_file(path);
    }
}
