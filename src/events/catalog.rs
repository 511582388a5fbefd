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

pub const STOCK_ORDER_CREATED: EventType = EventType::new("stock_order", "created");
pub const STOCK_ORDER_ACCEPTED: EventType = EventType::new("stock_order", "accepted");
pub const STOCK_ORDER_DECLINED: EventType = EventType::new("stock_order", "declined");
pub const STOCK_ORDER_CANCELLED: EventType = EventType::new("stock_order", "cancelled");
pub const STOCK_ORDER_TIMED_OUT: EventType = EventType::new("stock_order", "timed_out");
pub const STOCK_ORDER_STATUS_CHANGED: EventType = EventType::new("stock_order", "status_changed");
pub const ASN_CREATED: EventType = EventType::new("asn", "created");
pub const ASN_SUBMITTED: EventType = EventType::new("asn", "submitted");
pub const ASN_CANCELLED: EventType = EventType::new("asn", "cancelled");
pub const ASN_ARRIVED: EventType = EventType::new("asn", "arrived");
pub const ASN_REJECTED: EventType = EventType::new("asn", "rejected");
pub const ASN_RECEIVING_STARTED: EventType = EventType::new("asn", "receiving_started");
pub const ASN_RECEIVED: EventType = EventType::new("asn", "received");
pub const ASN_INSPECTING: EventType = EventType::new("asn", "inspecting");
pub const ASN_INSPECTED: EventType = EventType::new("asn", "inspected");
pub const ASN_RETURNED: EventType = EventType::new("asn", "returned");
pub const ASN_COMPLETED: EventType = EventType::new("asn", "completed");
pub const QC_COMPLETED: EventType = EventType::new("qc", "completed");
pub const STOCK_PUT_AWAY: EventType = EventType::new("stock", "put_away");
pub const STOCK_MOVED: EventType = EventType::new("stock", "moved");
pub const STOCK_ADJUSTED: EventType = EventType::new("stock", "adjusted");
pub const STOCK_HELD: EventType = EventType::new("stock", "held");
pub const STOCK_RELEASED: EventType = EventType::new("stock", "released");
pub const STOCK_COUNTED: EventType = EventType::new("stock", "counted");
pub const INVENTORY_AVAILABLE_CHANGED: EventType = EventType::new("inventory", "available_changed");
pub const PENALTY_RECORDED: EventType = EventType::new("penalty", "recorded");
pub const ORDER_RECEIVED: EventType = EventType::new("order", "received");
pub const ORDER_ALLOCATED: EventType = EventType::new("order", "allocated");
pub const ORDER_BACKORDERED: EventType = EventType::new("order", "backordered");
pub const ORDER_CANCELLED: EventType = EventType::new("order", "cancelled");
pub const ORDER_LINE_CANCELLED: EventType = EventType::new("order", "line_cancelled");
pub const ORDER_PICKED: EventType = EventType::new("order", "picked");
pub const WAVE_RELEASED: EventType = EventType::new("wave", "released");
pub const PICK_SHORT: EventType = EventType::new("pick", "short");
pub const ORDER_PACKED: EventType = EventType::new("order", "packed");
pub const PARCEL_WEIGHT_HELD: EventType = EventType::new("parcel", "weight_held");
pub const EXCEPTION_RESOLVED: EventType = EventType::new("exception", "resolved");

pub const ALL: &[EventType] = &[
    SUPPLIER_REGISTERED,
    SUPPLIER_STATUS_CHANGED,
    SKU_REGISTERED,
    SKU_STATUS_CHANGED,
    SKU_MEASURED,
    STOCK_ORDER_CREATED,
    STOCK_ORDER_ACCEPTED,
    STOCK_ORDER_DECLINED,
    STOCK_ORDER_CANCELLED,
    STOCK_ORDER_TIMED_OUT,
    STOCK_ORDER_STATUS_CHANGED,
    ASN_CREATED,
    ASN_SUBMITTED,
    ASN_CANCELLED,
    ASN_ARRIVED,
    ASN_REJECTED,
    ASN_RECEIVING_STARTED,
    ASN_RECEIVED,
    ASN_INSPECTING,
    ASN_INSPECTED,
    ASN_RETURNED,
    ASN_COMPLETED,
    QC_COMPLETED,
    STOCK_PUT_AWAY,
    STOCK_MOVED,
    STOCK_ADJUSTED,
    STOCK_HELD,
    STOCK_RELEASED,
    STOCK_COUNTED,
    INVENTORY_AVAILABLE_CHANGED,
    PENALTY_RECORDED,
    ORDER_RECEIVED,
    ORDER_ALLOCATED,
    ORDER_BACKORDERED,
    ORDER_CANCELLED,
    ORDER_LINE_CANCELLED,
    ORDER_PICKED,
    PICK_SHORT,
    ORDER_PACKED,
    PARCEL_WEIGHT_HELD,
    EXCEPTION_RESOLVED,
    WAVE_RELEASED,
];

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
