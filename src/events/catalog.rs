//! Every event type Custody emits. `docs/EVENTS.md` documents each one; a
//! test checks that the two agree.

use std::fmt;

/// An event type: the aggregate it belongs to and what happened to it.
/// Routing key `<aggregate>.<action>`, CloudEvents type
/// `com.custody.<aggregate>.<action>.v<version>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventType {
    pub aggregate: &'static str,
    pub action: &'static str,
    pub version: u32,
}

impl EventType {
    const fn new(aggregate: &'static str, action: &'static str) -> Self {
        Self { aggregate, action, version: 1 }
    }

    pub fn routing_key(&self) -> String {
        format!("{}.{}", self.aggregate, self.action)
    }

    pub fn cloudevents_type(&self) -> String {
        format!("com.custody.{}.{}.v{}", self.aggregate, self.action, self.version)
    }

    pub fn parse(routing_key: &str) -> Option<Self> {
        ALL.iter().copied().find(|t| t.routing_key() == routing_key)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.aggregate, self.action)
    }
}

pub const SUPPLIER_REGISTERED: EventType = EventType::new("supplier", "registered");
pub const SUPPLIER_STATUS_CHANGED: EventType = EventType::new("supplier", "status_changed");
pub const SKU_REGISTERED: EventType = EventType::new("sku", "registered");
pub const SKU_STATUS_CHANGED: EventType = EventType::new("sku", "status_changed");
pub const SKU_MEASURED: EventType = EventType::new("sku", "measured");

pub const ALL: &[EventType] =
    &[SUPPLIER_REGISTERED, SUPPLIER_STATUS_CHANGED, SKU_REGISTERED, SKU_STATUS_CHANGED, SKU_MEASURED];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_keys_and_types_follow_the_naming_rule() {
        assert_eq!(SKU_REGISTERED.routing_key(), "sku.registered");
        assert_eq!(SKU_REGISTERED.cloudevents_type(), "com.custody.sku.registered.v1");
        assert_eq!(EventType::parse("sku.measured"), Some(SKU_MEASURED));
        let keys: std::collections::HashSet<_> = ALL.iter().map(|t| t.routing_key()).collect();
        assert_eq!(keys.len(), ALL.len(), "no two types share a routing key");
    }
}
