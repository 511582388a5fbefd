//! State that several instances behind one load balancer must share: a
//! revoked key or a suspended supplier stops working on every instance
//! within the key cache's bound, and failed logins count on every
//! instance (per username across addresses, per address across usernames).

use std::time::{Duration, Instant};

use custody::auth::key_cache::KEY_CACHE_TTL;
use serde_json::json;

use crate::common::{PASSWORD, Peer};

/// Asks `peer` until the key is refused; how long that took.
async fn refused_within(peer: &Peer, key: &str, bound: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let (s, _) = peer.get("/api/v1/skus", key).await;
        if s == 401 || s == 403 {
            return started.elapsed();
        }
        assert!(started.elapsed() < bound, "still answered {s} after {bound:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_revoked_key_and_a_suspended_supplier_stop_working_on_every_instance_within_the_cache_bound() {
    let app = crate::common::spawn_app().await;
    let peer = app.peer();
    let (_, revoked) = app.supplier("ACME");
    let (suspended_id, suspended) = app.supplier("BOLT");
    // Both instances know both keys (and keep them in their caches).
    for key in [&revoked, &suspended] {
        assert_eq!(app.get("/api/v1/skus", key).await.0, 200);
        assert_eq!(peer.get("/api/v1/skus", key).await.0, 200);
    }
    // Revoked from the command line (neither instance hears of it), and a
    // supplier suspended through the first instance, at the same moment.
    let prefix = revoked[..16].to_owned();
    app.tx(|tx| custody::auth::service::revoke_api_key(tx, &prefix));
    let admin = app.staff("ada", "admin");
    let (s, _) = app
        .post(&format!("/api/v1/suppliers/{suspended_id}/status"), &admin, &json!({"status": "suspended"}))
        .await;
    assert_eq!(s, 200);
    let (s, _) = app.get("/api/v1/skus", &suspended).await;
    assert!(s == 401 || s == 403, "the instance that suspended it refuses at once: {s}");
    // The other instance: within the key cache's bound, both.
    let bound = KEY_CACHE_TTL + Duration::from_secs(2);
    let (revoked_after, suspended_after) =
        tokio::join!(refused_within(&peer, &revoked, bound), refused_within(&peer, &suspended, bound));
    eprintln!(
        "the other instance refused the revoked key after {} ms, the suspended supplier after {} ms",
        revoked_after.as_millis(),
        suspended_after.as_millis()
    );
    assert_eq!(app.get("/api/v1/skus", &revoked).await.0, 401);
}

/// A console sign-in attempt through `base`, from a browser of its own:
/// where it was sent back to.
async fn sign_in(base: &str, username: &str, password: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let r = client.get(format!("{base}/console/login")).send().await.unwrap();
    let status = r.status();
    let form = r.text().await.unwrap();
    let token = form
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the login form's token: {status} {form}"))
        .to_owned();
    let r = client
        .post(format!("{base}/console/login"))
        .form(&[("username", username), ("password", password), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[actix_web::test]
async fn failed_logins_count_on_every_instance_per_username_and_per_address() {
    let app = crate::common::spawn_app_with(|c| {
        c.login_max_failures = 3;
        c.login_max_failures_per_address = 6;
    })
    .await;
    let peer = app.peer();
    app.staff("ana", "picker");
    app.staff("bo", "picker");
    let instances = [app.base.clone(), peer.base.clone()];
    // Three wrong passwords for ana, spread over both instances...
    for i in 0..3 {
        let to = sign_in(&instances[i % 2], "ana", "wrong password").await;
        assert!(to.contains("e=wrong"), "{to}");
    }
    // ...lock her out on both, even with the right one.
    for base in &instances {
        let to = sign_in(base, "ana", PASSWORD).await;
        assert!(to.contains("e=locked"), "{base}: {to}");
    }
    // Bo signs in as ever; a success forgives his own earlier failure.
    assert!(sign_in(&instances[1], "bo", "wrong").await.contains("e=wrong"));
    assert!(!sign_in(&instances[0], "bo", PASSWORD).await.contains("e="), "bo is in");
    // One address trying many usernames: locked after six failures in all
    // (ana's three and three more; bo's was forgiven), whoever it tries next.
    for name in ["cy", "di", "ed"] {
        assert!(sign_in(&instances[1], name, "guess").await.contains("e=wrong"));
    }
    let to = sign_in(&instances[0], "bo", PASSWORD).await;
    assert!(to.contains("e=locked"), "the address is locked for every username: {to}");
    // The window passes (CUSTODY_LOGIN_LOCKOUT_SECS, 900 s by default, on
    // the clock both instances read): everyone may try again.
    app.clock.advance(chrono::Duration::seconds(901));
    assert!(!sign_in(&instances[1], "ana", PASSWORD).await.contains("e="), "ana is in again");
}
