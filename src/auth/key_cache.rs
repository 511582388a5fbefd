//! API keys resolved in the last few seconds, so that an integration's
//! requests do not each read its key (and its supplier or user) again: at
//! peak the platform sends hundreds of orders a second with one key.
//!
//! An entry is trusted for [`KEY_CACHE_TTL`]. Revoking a key, or changing a
//! supplier's status or a staff user's, through this server forgets every
//! entry at once; the same change made elsewhere (the CLI, another
//! instance) takes effect here within the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::domain::Caller;

/// How long a resolved key is trusted without reading it again.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);

/// Entries kept at most; past this, expired ones are dropped first, then
/// all (a cache of live integrations never comes near it).
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
pub struct KeyCache {
    ttl: Duration,
    /// Key hash -> the caller it resolved to, and when.
    entries: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl KeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The caller a key hash resolved to less than the TTL ago.
    pub fn get(&self, hash: &str) -> Option<Caller> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(hash).filter(|(_, at)| at.elapsed() < self.ttl).map(|(caller, _)| caller.clone())
    }

    pub fn put(&self, hash: String, caller: Caller) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(hash, (caller, Instant::now()));
    }

    /// Forgets every key: after a revocation or a status change, the next
    /// request of each key is checked against the database again.
    pub fn forget_all(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Default for KeyCache {
    fn default() -> Self {
        Self::new(KEY_CACHE_TTL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ApiKeyId;

    fn platform() -> Caller {
        Caller::Platform { key_id: ApiKeyId::generate() }
    }

    #[test]
    fn an_entry_is_trusted_until_its_ttl_and_forgotten_on_demand() {
        let cache = KeyCache::new(Duration::from_secs(60));
        cache.put("a".into(), platform());
        assert!(cache.get("a").is_some());
        assert!(cache.get("b").is_none());
        cache.forget_all();
        assert!(cache.get("a").is_none(), "forgotten");
        // A TTL of zero: every entry is already too old.
        let expired = KeyCache::new(Duration::ZERO);
        expired.put("a".into(), platform());
        assert!(expired.get("a").is_none(), "expired");
    }

    #[test]
    fn a_full_cache_makes_room() {
        let cache = KeyCache::new(Duration::from_secs(60));
        for i in 0..MAX_ENTRIES {
            cache.put(i.to_string(), platform());
        }
        cache.put("new".into(), platform());
        assert!(cache.get("new").is_some());
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
