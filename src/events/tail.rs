//! `custody events tail --bind 'asn.#'`: the reference consumer. It binds a
//! private, auto-deleted queue to the exchange, prints each event as it
//! arrives and acknowledges it after printing.

use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};

pub async fn run(amqp_url: &str, exchange: &str, patterns: &[String]) -> anyhow::Result<()> {
    let conn = lapin::Connection::connect(
        amqp_url,
        lapin::ConnectionProperties::default().with_connection_name("custody-events-tail".into()),
    )
    .await?;
    let channel = conn.create_channel().await?;
    super::relay::declare_topology(&channel, exchange).await?;
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() },
            FieldTable::default(),
        )
        .await?;
    for p in patterns {
        channel
            .queue_bind(
                queue.name().clone(),
                exchange.into(),
                p.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    eprintln!("listening on {exchange} for {}", patterns.join(", "));
    let mut consumer = channel
        .basic_consume(
            queue.name().clone(),
            "custody-tail".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    while let Some(delivery) = consumer.next().await {
        let delivery = delivery?;
        let header = |k: &str| -> String {
            delivery
                .properties
                .headers()
                .as_ref()
                .and_then(|h| h.inner().get(k))
                .map(|v| match v {
                    AMQPValue::LongString(s) => s.to_string(),
                    AMQPValue::LongLongInt(n) => n.to_string(),
                    other => format!("{other:?}"),
                })
                .unwrap_or_default()
        };
        println!(
            "{} {} {} seq={} id={} {}",
            header("cloudEvents_time"),
            delivery.routing_key,
            header("cloudEvents_subject"),
            header("cloudEvents_sequence"),
            header("cloudEvents_id"),
            String::from_utf8_lossy(&delivery.data)
        );
        delivery.ack(BasicAckOptions::default()).await?;
    }
    Ok(())
}
