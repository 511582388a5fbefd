//! Relay and deployment tests that are about PostgreSQL itself (leases
//! between processes, a silent transaction ended by the server, the
//! several-instance topology): they run on PostgreSQL whatever the suite's
//! backend, so CI runs them once, in its PostgreSQL pass (`--skip
//! on_postgres::` in the SQLite pass).

use super::*;

/// A process frozen inside a PostgreSQL transaction holding the lease's row
/// (its renewal) would stop every standby for as long as it stays frozen:
/// the server ends a transaction whose client went silent, and the row is
/// free again.
#[test]
fn a_silent_transaction_on_postgres_is_ended_and_its_locks_freed() {
    use diesel::connection::SimpleConnection;
    let db = FreshDb::postgres(&pg_admin_url());
    let pool = migrated_pool(&db);
    let mut frozen = pool.get().unwrap();
    frozen.batch_execute("BEGIN; UPDATE relay_lease SET holder = 'frozen' WHERE id = 1").unwrap();
    // Says nothing more, as a stopped process would.
    let mut standby = pool.get().unwrap();
    // Without the bound this would wait for ever; a minute fails it instead.
    standby.batch_execute("SET statement_timeout = '60s'").unwrap();
    let started = Instant::now();
    standby
        .batch_execute("UPDATE relay_lease SET holder = 'standby' WHERE id = 1")
        .expect("the frozen transaction was ended and the row freed");
    eprintln!("the row was free after {} ms", started.elapsed().as_millis());
    assert!(frozen.batch_execute("COMMIT").is_err(), "the frozen session was ended by the server");
    assert_eq!(lease(&pool).0, "standby", "the frozen transaction's write was rolled back");
}

#[actix_web::test]
async fn two_relays_on_one_postgres_publish_one_at_a_time_and_fail_over() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = FreshDb::postgres(&pg_admin_url());
    let pool = migrated_pool(&db);
    let aggregates: Vec<AggregateId> = (0..40).map(|_| AggregateId::generate()).collect();
    record_events(&pool, &aggregates, 50, 500); // 2,000 events
    let want = written_ids(&pool);
    let exchange = test_exchange();
    let mut queue = TestQueue::bind(&exchange, "#").await;
    let batch = 50;
    let (mut a, a_log) = spawn_relay(&db.url, &exchange, batch);
    let (mut b, b_log) = spawn_relay(&db.url, &exchange, batch);

    let mut holders = BTreeMap::new();
    published_at_least(&pool, 600, || {
        // Before either relay has started, nobody holds the lease (epoch
        // 0): that is no leader, and a slow start must not count as one.
        let now = lease(&pool);
        if now.1 > 0 {
            *holders.entry(now).or_insert(0) += 1;
        }
    })
    .await;
    let active =
        |log: &Arc<Mutex<Vec<String>>>| log.lock().unwrap().iter().any(|l| l.contains("now the active one"));
    let (leader, standby_log) = match (active(&a_log), active(&b_log)) {
        (true, false) => (&mut a, b_log.clone()),
        (false, true) => (&mut b, a_log.clone()),
        other => panic!("exactly one relay must lead, got {other:?}"),
    };
    let (_, epoch_before) = lease(&pool);
    leader.kill().unwrap(); // SIGKILL
    let killed = Instant::now();
    leader.wait().unwrap();
    let mut takeover = None;
    while takeover.is_none() && killed.elapsed() < Duration::from_secs(30) {
        if lease(&pool).1 > epoch_before {
            takeover = Some(killed.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let takeover = takeover.expect("the standby took the lease");
    eprintln!("the standby took over {} ms after the leader was killed", takeover.as_millis());
    let mut seen = Seen::default();
    drain(&mut queue, &mut seen, &want, Duration::from_secs(60)).await;
    while let Some(d) = queue.next(Duration::from_millis(700)).await {
        seen.push(&d);
    }
    a.kill().ok();
    b.kill().ok();
    let _ = (a.wait(), b.wait());
    assert!(active(&standby_log), "the standby took over");
    assert!(takeover < Duration::from_secs(5), "takeover within 5 s: {takeover:?}");
    assert_eq!(holders.len(), 1, "one leader while both ran: {holders:?}");
    assert_eq!(lease(&pool).1, epoch_before + 1, "the lease changed hands once");
    assert_eq!(want.difference(&seen.distinct()).count(), 0, "none lost");
    assert!(seen.duplicates() <= batch, "{} duplicates", seen.duplicates());
    seen.assert_order(50);
    queue.delete().await;
}

/// A leader frozen (SIGSTOP: alive, connections open) loses the lease: a
/// standby takes over within seconds, and the old leader, woken, sends
/// nothing more.
#[actix_web::test]
async fn a_frozen_leader_is_replaced_and_sends_nothing_when_it_wakes() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Several relays are a PostgreSQL deployment; on SQLite a second one is
    // refused (see below).
    let db = FreshDb::postgres(&pg_admin_url());
    let pool = migrated_pool(&db);
    let aggregates: Vec<AggregateId> = (0..40).map(|_| AggregateId::generate()).collect();
    record_events(&pool, &aggregates, 50, 1000); // 2,000 events: the freeze comes after 800
    let want = written_ids(&pool);
    let exchange = test_exchange();
    let mut queue = TestQueue::bind(&exchange, "#").await;
    let batch = 60;
    let (mut a, a_log) = spawn_relay(&db.url, &exchange, batch);
    let (mut b, b_log) = spawn_relay(&db.url, &exchange, batch);
    published_at_least(&pool, 800, || {}).await;
    let active =
        |log: &Arc<Mutex<Vec<String>>>| log.lock().unwrap().iter().any(|l| l.contains("now the active one"));
    let (leader, leader_log, standby_log) = match (active(&a_log), active(&b_log)) {
        (true, false) => (&mut a, a_log.clone(), b_log.clone()),
        (false, true) => (&mut b, b_log.clone(), a_log.clone()),
        other => panic!("exactly one relay must lead, got {other:?}"),
    };
    let (_, epoch_before) = lease(&pool);
    signal(leader, "-STOP");
    let frozen = Instant::now();
    let mut takeover = None;
    while takeover.is_none() && frozen.elapsed() < Duration::from_secs(30) {
        if lease(&pool).1 > epoch_before {
            takeover = Some(frozen.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let takeover = takeover.expect("the standby took the lease from the frozen leader");
    eprintln!("the standby took over {} ms after the leader froze", takeover.as_millis());
    // Publishing goes on under the new leader; then the old one wakes.
    published_at_least(&pool, published(&pool) + 200, || {}).await;
    signal(leader, "-CONT");
    let mut seen = Seen::default();
    drain(&mut queue, &mut seen, &want, Duration::from_secs(60)).await;
    while let Some(d) = queue.next(Duration::from_millis(1500)).await {
        seen.push(&d);
    }
    let woke: Vec<String> =
        leader_log.lock().unwrap().iter().filter(|l| l.contains("lease")).cloned().collect();
    a.kill().ok();
    b.kill().ok();
    let _ = (a.wait(), b.wait());
    assert!(active(&standby_log), "the standby took over");
    // Within a few seconds of the lease running out; on PostgreSQL a leader
    // frozen inside its renewal holds the lease's row until the server ends
    // its silent transaction.
    let bound = Duration::from_secs(5) + db::IDLE_IN_TRANSACTION;
    assert!(takeover < bound, "takeover within {bound:?}: {takeover:?}");
    assert!(
        woke.iter().any(|l| l.contains("publishing stops") || l.contains("not sent")),
        "the woken leader stopped: {woke:?}"
    );
    assert_eq!(lease(&pool).1, epoch_before + 1, "the woken leader did not take the lease back");
    assert_eq!(want.difference(&seen.distinct()).count(), 0, "none lost");
    // At most the part in flight when it froze goes out twice.
    assert!(seen.duplicates() <= batch, "{} duplicates", seen.duplicates());
    seen.assert_order(50);
    queue.delete().await;
}

/// Three `custody serve` and two `custody relay` processes on one
/// PostgreSQL and RabbitMQ, behind HAProxy (health checks on /readyz), with
/// a mixed workload through the balancer; one instance and the active
/// relay are killed (SIGKILL) mid-run and started again. Nothing is lost,
/// each document's events stay in order, the ledger equals the balances,
/// one Idempotency-Key sent to all three instances at once makes one order,
/// and the only errors are the requests in flight on the killed instance.
#[actix_web::test]
async fn three_instances_and_two_relays_behind_haproxy_lose_nothing_when_killed() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = FreshDb::postgres(&pg_admin_url());
    let pool = migrated_pool(&db);
    let (_, supplier) = common::arrange::supplier(&pool, "ACME");
    let platform = common::arrange::platform_key(&pool);
    let supervisor = common::arrange::staff(&pool, "sam", "supervisor");
    common::arrange::bins(&pool, &["A-01-01-01", "A-01-01-02", "A-01-01-03", "A-01-01-04"]);
    common::arrange::qc_bin(&pool, "QC-01-01-01");
    common::arrange::channels(&pool);
    let crew = floor::Crew {
        supplier: supplier.clone(),
        platform: platform.clone(),
        carrier: common::arrange::carrier_key(&pool),
        supervisor: supervisor.clone(),
        receiver: common::arrange::staff(&pool, "rita", "receiver"),
        qc: common::arrange::staff(&pool, "quinn", "qc"),
        picker: common::arrange::staff(&pool, "pia", "picker"),
        packer: common::arrange::staff(&pool, "paco", "packer"),
        shipping: common::arrange::staff(&pool, "shiro", "shipping"),
        returns: common::arrange::staff(&pool, "remi", "returns"),
    };
    let exchange = test_exchange();
    let mut queue = TestQueue::bind_quorum(&exchange, "#").await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut procs = Procs(ports.iter().map(|p| spawn_serve(&db.url, *p)).collect());
    for p in &ports {
        wait_ready(&client, &format!("http://127.0.0.1:{p}")).await;
    }
    let lb_port = free_port();
    let cfg = std::env::temp_dir().join(format!("custody-haproxy-{lb_port}.cfg"));
    let servers: String = ports
        .iter()
        .enumerate()
        .map(|(i, p)| format!("  server s{i} 127.0.0.1:{p} check inter 300ms fall 2 rise 2\n"))
        .collect();
    std::fs::write(
        &cfg,
        format!(
            "defaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  timeout server 30s\n\
             frontend fe\n  bind 127.0.0.1:{lb_port}\n  default_backend custody\n\
             backend custody\n  balance roundrobin\n  option redispatch\n  retries 2\n  option httpchk GET /readyz\n  http-check expect status 200\n{servers}"
        ),
    )
    .unwrap();
    let haproxy = Command::new("haproxy")
        .args(["-db", "-f"])
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy runs (apt-get install -y haproxy)");
    procs.0.push(haproxy);
    let lb = format!("http://127.0.0.1:{lb_port}");
    wait_ready(&client, &lb).await;
    let batch = 200;
    let relay_ports = [free_port(), free_port()];
    let (r1, log1) = spawn_relay_on(&db.url, &exchange, batch, Some(relay_ports[0]));
    let (r2, log2) = spawn_relay_on(&db.url, &exchange, batch, Some(relay_ports[1]));
    procs.0.push(r1);
    procs.0.push(r2);

    // The catalogue and opening stock, through the balancer.
    let mut skus = Vec::new();
    let mut barcodes = Vec::new();
    for n in 1..=2 {
        let r = client.post(format!("{lb}/api/v1/skus")).bearer_auth(&supplier).json(&common::sku_body(n));
        let b: serde_json::Value = r.send().await.unwrap().json().await.unwrap();
        skus.push(b["id"].as_str().expect("a SKU").to_owned());
        barcodes.push(b["barcode"].as_str().expect("a barcode").to_owned());
    }
    for (sku, bin) in skus.iter().zip(["A-01-01-01", "A-01-01-02"]) {
        let body = serde_json::json!({"sku_id": sku, "bin": bin, "quantity": 100000, "reason": "found", "note": "opening"});
        let r = client.post(format!("{lb}/api/v1/stock/adjustments")).bearer_auth(&supervisor).json(&body);
        assert_eq!(r.send().await.unwrap().status().as_u16(), 200);
    }
    let order = |id: String, sku: &str| {
        serde_json::json!({
            "platform_order_id": id, "shop": "ACME Official", "market": "US", "destination_country": "US",
            "service_level": "standard", "ship_by": (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339(),
            "lines": [{"sku_id": sku, "quantity": 1, "unit_price": {"amount_minor": 4500, "currency": "USD"}}],
            "buyer": {"name": "Jane Doe", "phone": "+1 555 010 2034",
                      "address": {"line1": "1 Main St", "city": "Springfield", "region": "IL", "postal_code": "62701", "country": "US"}}
        })
    };

    // One Idempotency-Key sent to the three instances at once: one order.
    // Those that find it being processed elsewhere answer `409
    // idempotency_conflict` ("retry"); their retry answers the same order.
    let same = order("TOPO-IDEM".into(), &skus[0]);
    let send_until_done = |port: u16| {
        let (client, platform, same) = (client.clone(), platform.clone(), same.clone());
        async move {
            let mut conflicts = 0;
            loop {
                let r = client
                    .post(format!("http://127.0.0.1:{port}/api/v1/orders"))
                    .bearer_auth(&platform)
                    .header("idempotency-key", "topology-1")
                    .json(&same)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let b: serde_json::Value = r.json().await.unwrap();
                if status == 409 && b["code"] == "idempotency_conflict" && conflicts < 50 {
                    conflicts += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                assert!(status < 300, "{status} {b}");
                return (b["id"].as_str().unwrap().to_owned(), conflicts);
            }
        }
    };
    let answers = futures_util::future::join_all(ports.iter().map(|p| send_until_done(*p))).await;
    let ids: HashSet<&String> = answers.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 1, "one order for one key: {answers:?}");
    assert_eq!(pool_count(&pool, "orders WHERE platform_order_id = 'TOPO-IDEM'"), 1);
    let idem_conflicts: u32 = answers.iter().map(|(_, c)| c).sum();

    // The mixed workload: six clients for 12 s (orders, batches, waves,
    // stock adjustments, SKU registrations and catalogue reads). The faults
    // are over by then: an instance killed at 4 s, the active relay at 6 s,
    // the standby leading about 3 s later, and 3 s of work after that.
    let answers = Arc::new(Mutex::new(Answers::default()));
    let started = Instant::now();
    let run_for = Duration::from_secs(12);
    let client_loop = |c: usize| {
        let (client, lb, platform, supervisor, supplier, skus, answers) = (
            client.clone(),
            lb.clone(),
            platform.clone(),
            supervisor.clone(),
            supplier.clone(),
            skus.clone(),
            answers.clone(),
        );
        async move {
            let mut i = 0u64;
            while started.elapsed() < run_for {
                i += 1;
                let sku = &skus[(i % 2) as usize];
                let (req, orders) = match i % 10 {
                    0..=5 => (
                        client
                            .post(format!("{lb}/api/v1/orders"))
                            .bearer_auth(&platform)
                            .json(&order(format!("TOPO-{c}-{i}"), sku)),
                        1,
                    ),
                    6 => {
                        let batch: Vec<_> = (0..5).map(|k| order(format!("TOPO-{c}-{i}-{k}"), sku)).collect();
                        let body = serde_json::json!({"orders": batch});
                        (
                            client
                                .post(format!("{lb}/api/v1/orders/batch"))
                                .bearer_auth(&platform)
                                .json(&body),
                            5,
                        )
                    }
                    7 => (
                        client
                            .post(format!("{lb}/api/v1/waves"))
                            .bearer_auth(&supervisor)
                            .json(&serde_json::json!({})),
                        0,
                    ),
                    8 => {
                        let body = serde_json::json!({"sku_id": sku, "bin": "A-01-01-01", "quantity": 5, "reason": "found", "note": "receipt"});
                        (
                            client
                                .post(format!("{lb}/api/v1/stock/adjustments"))
                                .bearer_auth(&supervisor)
                                .json(&body),
                            0,
                        )
                    }
                    // Every other tenth request registers a SKU, the rest read the catalogue.
                    _ if (i / 10).is_multiple_of(2) => {
                        let n = 100 + c as u32 * 1000 + (i / 20) as u32;
                        (
                            client
                                .post(format!("{lb}/api/v1/skus"))
                                .bearer_auth(&supplier)
                                .json(&common::sku_body(n)),
                            0,
                        )
                    }
                    _ => (client.get(format!("{lb}/api/v1/skus")).bearer_auth(&supplier), 0),
                };
                let answer = req.send().await;
                let mut a = answers.lock().unwrap();
                match answer {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        *a.by_status.entry(s).or_default() += 1;
                        if s >= 500 {
                            a.failures.push((Instant::now(), format!("{s}")));
                        } else if s < 300 {
                            a.orders += orders;
                        }
                    }
                    Err(e) => a.failures.push((Instant::now(), e.to_string())),
                }
            }
        }
    };
    // The faults, on their own schedule.
    let faults = async {
        tokio::time::sleep(Duration::from_secs(4)).await;
        let killed_at = Instant::now();
        signal(&procs.0[1], "-KILL");
        tokio::time::sleep(Duration::from_secs(2)).await;
        let leads = |log: &Arc<Mutex<Vec<String>>>| {
            log.lock().unwrap().iter().any(|l| l.contains("now the active one"))
        };
        let leader = if leads(&log1) { 4 } else { 5 };
        assert!(leads(&log1) != leads(&log2), "exactly one relay leads");
        let (_, epoch) = lease(&pool);
        let relay_killed = Instant::now();
        signal(&procs.0[leader], "-KILL");
        let mut takeover = None;
        while takeover.is_none() && relay_killed.elapsed() < Duration::from_secs(15) {
            if lease(&pool).1 > epoch {
                takeover = Some(relay_killed.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        (killed_at, leader, takeover.expect("the standby took over the lease"))
    };
    // The floor: full cycles from the dock to the buyer and back, one after
    // another. A cycle the kill breaks is left where it stopped; the next
    // may trip over what it left (a task claimed, a parcel on the bench),
    // so one refusal right after a broken cycle is counted, not failed; the
    // one after that must go through, and cycles must complete after the kill.
    let floor = floor::Floor {
        client: client.clone(),
        lb: lb.clone(),
        crew,
        skus: skus.iter().cloned().zip(barcodes).collect(),
        answers: answers.clone(),
    };
    let floor_loop = async {
        let (mut done, mut after_break, mut refused) = (Vec::new(), 0u64, Vec::new());
        let mut broken = false;
        let mut k = 0;
        while started.elapsed() < run_for {
            k += 1;
            match floor.cycle(k).await {
                Ok(()) => (broken, _) = (false, done.push(Instant::now())),
                Err(floor::Broken::Unavailable) => broken = true,
                Err(floor::Broken::Refused(_, what)) if broken => {
                    (after_break, broken) = (after_break + 1, false);
                    eprintln!("floor cycle {k} after a broken one: {what}");
                }
                Err(floor::Broken::Refused(at, what)) => refused.push((at, what)),
            }
        }
        (done, after_break, refused)
    };
    let clients = futures_util::future::join_all((0..6).map(client_loop));
    let ((killed_at, leader, takeover), _, (floor_done, after_break, floor_refused)) =
        tokio::join!(faults, clients, floor_loop);
    let cycles = floor_done.len();
    // Both come back.
    let _ = procs.0[1].wait();
    procs.0[1] = spawn_serve(&db.url, ports[1]);
    let _ = procs.0[leader].wait();
    procs.0[leader] = spawn_relay_on(&db.url, &exchange, batch, Some(relay_ports[leader - 4])).0;
    wait_ready(&client, &format!("http://127.0.0.1:{}", ports[1])).await;

    // Every event of the outbox arrives, each document's in order.
    let want = written_ids(&pool);
    let mut seen = Seen::default();
    drain(&mut queue, &mut seen, &want, Duration::from_secs(90)).await;
    while let Some(d) = queue.next(Duration::from_millis(1500)).await {
        seen.push(&d);
    }
    let lost = want.difference(&seen.distinct()).count();
    let mut firsts: HashMap<&str, Vec<i64>> = HashMap::new();
    let mut once = HashSet::new();
    for (id, agg, seq) in &seen.deliveries {
        if once.insert(id) {
            firsts.entry(agg).or_default().push(*seq);
        }
    }
    let out_of_order = firsts.values().filter(|s| **s != (1..=s.len() as i64).collect::<Vec<_>>()).count();
    // Each relay's own port: alive, ready, and its counters; exactly one
    // is connected and publishing (the other waits as the standby).
    let mut relays_up = 0;
    let mut published_now = 0;
    for p in relay_ports {
        let base = format!("http://127.0.0.1:{p}");
        wait_ready(&client, &base).await;
        let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or_else(|| panic!("{name} on the relay's /metrics:\n{text}"))
        };
        relays_up += value("custody_relay_broker_up") as i64;
        published_now += value("custody_events_published_total") as i64;
        value("custody_events_backlog"); // the outbox, as the relay reads it
        assert!(!text.contains("custody_http_") && !text.contains("custody_intake_"), "{text}");
    }
    let verify = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["stock", "verify"])
        .env("CUSTODY_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    let a = answers.lock().unwrap();
    let window = Duration::from_secs(3);
    let outside: Vec<_> =
        a.failures.iter().filter(|(at, _)| *at < killed_at || *at > killed_at + window).collect();
    let figures = format!(
        "topology: 3 instances, 2 relays, HAProxy; {} s of 6 clients and the floor: {} answers {:?}, {} orders taken, \
         {} SKUs registered; \
         {} events written, {} lost, {} duplicates, {} documents, {} out of order; \
         {} failed requests within {} s of the kill, {} outside; relay takeover {} ms; stock verify: {}; \
         one Idempotency-Key on 3 instances at once: 1 order ({} answers were 409 retry first); \
         floor: {} full cycles ({}), {} after the kill, {} refused after a cycle the kill broke; \
         relays' own ports: {} connected, {} events published since their start",
        run_for.as_secs(),
        a.by_status.values().sum::<u64>(),
        a.by_status,
        a.orders,
        pool_count(&pool, "skus"),
        want.len(),
        lost,
        seen.duplicates(),
        firsts.len(),
        out_of_order,
        a.failures.len() - outside.len(),
        window.as_secs(),
        outside.len(),
        takeover.as_millis(),
        String::from_utf8_lossy(&verify.stdout).trim().lines().last().unwrap_or_default(),
        idem_conflicts,
        cycles,
        floor::STEPS,
        floor_done.iter().filter(|at| **at > killed_at + window).count(),
        after_break,
        relays_up,
        published_now,
    );
    eprintln!("{figures}");
    // CI prints the figures of every run (cargo test keeps a passing test's output to itself).
    if let Some(report) = std::env::var_os("CUSTODY_TEST_REPORT") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(report).unwrap();
        let pass =
            if std::env::var_os("CUSTODY_TEST_DATABASE_URL").is_some() { "PostgreSQL" } else { "SQLite" };
        writeln!(f, "suite on {pass} (this test always on PostgreSQL): {figures}").unwrap();
    }
    assert_eq!(lost, 0, "no event lost");
    assert_eq!(out_of_order, 0, "each document's events in order");
    assert!(seen.duplicates() <= batch, "{} duplicates: at most the killed relay's part", seen.duplicates());
    assert!(
        verify.status.success(),
        "the ledger equals the balances: {}",
        String::from_utf8_lossy(&verify.stdout)
    );
    assert_eq!(pool_count(&pool, "stock_balances WHERE quantity < 0"), 0, "no unit allocated twice");
    assert!(outside.is_empty(), "errors only from requests in flight on the killed instance: {outside:?}");
    assert!(a.orders > 100, "the workload ran: {} orders", a.orders);
    assert!(floor_refused.is_empty(), "the floor refused a step of a sound cycle: {floor_refused:?}");
    assert!(cycles >= 2, "the floor went round: {cycles} full cycles");
    assert!(
        floor_done.iter().any(|at| *at > killed_at + window),
        "the floor went round again after the kill: {floor_done:?}"
    );
    assert_eq!(relays_up, 1, "one relay connected and publishing, the other standing by");
    assert!(published_now > 0, "the publishing relay's counter");
    assert!(takeover < Duration::from_secs(5), "relay takeover under 5 s: {takeover:?}");
    drop(a);
    drop(procs);
    let _ = std::fs::remove_file(&cfg);
    queue.delete().await;
}
