//! `custody-bench relay`: the relay's throughput next to a raw lapin
//! publisher's on the same broker in the same run (so the ratio means
//! something on a noisy machine), and the end-to-end lag at a fixed rate.
//! A benchmark, not a test: it prints figures and asserts nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions, QueuePurgeOptions,
};
use lapin::types::FieldTable;

use custody::db::types::Timestamp;
use custody::db::{self, Pool};
use custody::events::relay::{self, BrokerState, RelayConfig, RelayStatus};
use custody::events::{NewEvent, OutboxRow};
use custody::ids::{AggregateId, EventId};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 50_000)]
    pub events: usize,
    /// CUSTODY_RELAY_BATCH for the run.
    #[arg(long, default_value_t = 1500)]
    pub batch: i64,
    #[arg(long, default_value_t = 1000)]
    pub lag_rate: u32,
    #[arg(long, default_value_t = 10)]
    pub lag_seconds: u64,
}

fn sample_event(agg: AggregateId) -> NewEvent {
    NewEvent {
        event_type: custody::events::catalog::SKU_MEASURED,
        aggregate_id: agg,
        document_no: "BENCH-SKU-0001".into(),
        owner: None,
        payload: serde_json::json!({"sku_id": agg, "sku_code": "BENCH-SKU-0001", "status": "active",
            "measured": {"weight_g": 262, "length_mm": 101, "width_mm": 80, "height_mm": 61}}),
    }
}

/// Publishes `n` copies of the row's message pipelined, at most 1,000
/// unconfirmed, each confirm awaited; returns messages per second.
async fn raw_publish(ch: &lapin::Channel, exchange: &str, row: &OutboxRow, n: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut window = std::collections::VecDeque::new();
    for _ in 0..n {
        let (key, props) = relay::message(row, "/custody/bench");
        let c = ch
            .basic_publish(
                exchange.into(),
                key.into(),
                BasicPublishOptions { mandatory: true, ..Default::default() },
                row.payload.as_bytes(),
                props,
            )
            .await?;
        window.push_back(c);
        if window.len() >= 1000 {
            anyhow::ensure!(window.pop_front().expect("non-empty").await?.is_ack(), "raw publish nacked");
        }
    }
    for c in window {
        anyhow::ensure!(c.await?.is_ack(), "raw publish nacked");
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn run(config: &custody::config::Config, pool: Pool, args: Args) -> anyhow::Result<()> {
    let url = config.amqp_url.clone().ok_or_else(|| anyhow::anyhow!("set CUSTODY_AMQP_URL"))?;
    let (backlog, _) = custody::events::backlog(&mut *pool.get()?)?;
    anyhow::ensure!(
        backlog == 0,
        "the outbox has {backlog} unpublished events: run the benchmark on a scratch database"
    );
    let exchange = format!("custody.bench.{}", uuid::Uuid::now_v7().simple());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let conn = lapin::Connection::connect(&url, lapin::ConnectionProperties::default()).await?;
        let ch = conn.create_channel().await?;
        relay::declare_topology(&ch, &exchange).await?;
        let queue = format!("{exchange}.q");
        ch.queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions { durable: true, ..Default::default() },
            FieldTable::default(),
        )
        .await?;
        ch.queue_bind(
            queue.as_str().into(),
            exchange.as_str().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;

        println!(
            "relay benchmark: {} events, relay batch {}, backend {}",
            args.events,
            args.batch,
            db::DatabaseUrl::parse(&config.database_url).map(|u| u.backend_name()).unwrap_or("?")
        );

        // 1. Raw lapin: the same messages, pipelined, at most 1,000 unconfirmed.
        let pub_ch = conn.create_channel().await?;
        pub_ch.confirm_select(ConfirmSelectOptions::default()).await?;
        let row = OutboxRow {
            id: EventId::generate(),
            position: Some(1),
            event_type: "sku.measured".into(),
            aggregate_kind: "sku".into(),
            aggregate_id: AggregateId::generate(),
            document_no: "BENCH-SKU-0001".into(),
            owner_id: None,
            sequence: 1,
            occurred_at: Timestamp::now(),
            payload: serde_json::to_string(&sample_event(AggregateId::generate()).payload)?,
            published_at: None,
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
            parked_at: None,
        };
        let raw_before = raw_publish(&pub_ch, &exchange, &row, args.events).await?;
        println!("raw lapin publisher:   {raw_before:>9.0} msg/s (before the relay)");
        ch.queue_purge(queue.as_str().into(), QueuePurgeOptions::default()).await?;

        // 2. The relay on a pre-filled outbox.
        let aggs: Vec<AggregateId> = (0..1000).map(|_| AggregateId::generate()).collect();
        let p = pool.clone();
        let n = args.events;
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut c = p.get()?;
            for start in (0..n).step_by(1000) {
                db::write_tx(&mut c, |tx| {
                    for i in start..(start + 1000).min(n) {
                        custody::events::record(tx, sample_event(aggs[i % aggs.len()]))?;
                    }
                    Ok::<_, custody::error::AppError>(())
                })
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            Ok(())
        })
        .await??;
        let mut rc = RelayConfig::from_config(config);
        rc.exchange = exchange.clone();
        rc.batch_size = args.batch;
        let status = Arc::new(RelayStatus::new(BrokerState::Down));
        let started = Instant::now();
        let handle = relay::spawn(pool.clone(), rc, status.clone());
        // The relay's own counter (events confirmed and marked) says when it
        // is done: polling the outbox would take database time from the relay.
        while status.published.load(Ordering::Relaxed) < args.events as u64 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let relay_rate = args.events as f64 / started.elapsed().as_secs_f64();
        let p = pool.clone();
        let (left, _) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            Ok(custody::events::backlog(&mut *p.get()?)?)
        })
        .await??;
        anyhow::ensure!(left == 0, "{left} events still unpublished after the relay counted them all");
        ch.queue_purge(queue.as_str().into(), QueuePurgeOptions::default()).await?;
        let raw_after = raw_publish(&pub_ch, &exchange, &row, args.events).await?;
        ch.queue_purge(queue.as_str().into(), QueuePurgeOptions::default()).await?;
        println!("raw lapin publisher:   {raw_after:>9.0} msg/s (after the relay)");
        // The faster raw run is the baseline: the ratio errs against the relay.
        let raw_rate = raw_before.max(raw_after);
        println!(
            "relay:                 {relay_rate:>9.0} events/s  ({:.0}% of the faster raw run)",
            100.0 * relay_rate / raw_rate
        );

        // 3. Lag from commit to delivery at a fixed write rate.
        let mut consumer = ch
            .basic_consume(
                queue.as_str().into(),
                "bench".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let stop = Arc::new(AtomicBool::new(false));
        let total = (args.lag_rate as u64 * args.lag_seconds) as usize;
        let writer = {
            let (p, stop, rate) = (pool.clone(), stop.clone(), args.lag_rate);
            std::thread::spawn(move || -> anyhow::Result<()> {
                let mut c = p.get()?;
                let agg = AggregateId::generate();
                let t0 = Instant::now();
                for i in 0..total {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let due = t0 + Duration::from_secs_f64(i as f64 / f64::from(rate));
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    db::write_tx(&mut c, |tx| custody::events::record(tx, sample_event(agg)).map(drop))
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                }
                Ok(())
            })
        };
        let mut lags = Vec::with_capacity(total);
        let deadline = Instant::now() + Duration::from_secs(args.lag_seconds + 30);
        while lags.len() < total && Instant::now() < deadline {
            let Ok(Some(d)) = tokio::time::timeout(Duration::from_secs(5), consumer.next()).await else {
                break;
            };
            let d = d?;
            let now = chrono::Utc::now();
            let time = d
                .properties
                .headers()
                .as_ref()
                .and_then(|h| h.inner().get("cloudEvents_time").cloned())
                .and_then(|v| {
                    if let lapin::types::AMQPValue::LongString(s) = v { Some(s.to_string()) } else { None }
                })
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok());
            if let Some(t) = time {
                lags.push(
                    (now - t.with_timezone(&chrono::Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0,
                );
            }
            d.ack(BasicAckOptions::default()).await?;
        }
        stop.store(true, Ordering::Relaxed);
        writer.join().map_err(|_| anyhow::anyhow!("writer panicked"))??;
        lags.sort_by(|a, b| a.total_cmp(b));
        println!(
            "lag at {} events/s for {} s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} of {} delivered)",
            args.lag_rate,
            args.lag_seconds,
            percentile(&lags, 0.5),
            percentile(&lags, 0.99),
            lags.last().copied().unwrap_or(f64::NAN),
            lags.len(),
            total
        );
        handle.stop();
        ch.queue_delete(queue.as_str().into(), QueueDeleteOptions::default()).await?;
        let unrouted = format!("{exchange}.unrouted");
        ch.queue_delete(unrouted.as_str().into(), QueueDeleteOptions::default()).await?;
        ch.exchange_delete(exchange.as_str().into(), Default::default()).await?;
        ch.exchange_delete(unrouted.as_str().into(), Default::default()).await?;
        Ok(())
    })
}
