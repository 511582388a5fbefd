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

pub const CHANNEL_VERSIONED: EventType = EventType::new("channel", "versioned");
pub const PARCEL_ROUTED: EventType = EventType::new("parcel", "routed");
pub const PARCEL_NO_ROUTE: EventType = EventType::new("parcel", "no_route");
pub const PARCEL_BAGGED: EventType = EventType::new("parcel", "bagged");
pub const BAG_CLOSED: EventType = EventType::new("bag", "closed");
pub const BAG_WEIGHT_HELD: EventType = EventType::new("bag", "weight_held");
pub const BAG_REOPENED: EventType = EventType::new("bag", "reopened");
pub const MANIFEST_CREATED: EventType = EventType::new("manifest", "created");
pub const MANIFEST_CLOSED: EventType = EventType::new("manifest", "closed");
pub const MANIFEST_HANDOVER_MISSING: EventType = EventType::new("manifest", "handover_missing");
pub const MANIFEST_HANDED_OVER: EventType = EventType::new("manifest", "handed_over");
pub const PARCEL_HANDED_OVER: EventType = EventType::new("parcel", "handed_over");
pub const ORDER_SHIPPED: EventType = EventType::new("order", "shipped");
pub const CUSTOMS_ACCEPTED: EventType = EventType::new("customs", "accepted");
pub const CUSTOMS_REJECTED: EventType = EventType::new("customs", "rejected");

pub const PARCEL_IN_TRANSIT: EventType = EventType::new("parcel", "in_transit");
pub const PARCEL_CUSTOMS_HOLD: EventType = EventType::new("parcel", "customs_hold");
pub const PARCEL_EXCEPTION: EventType = EventType::new("parcel", "exception");
pub const PARCEL_DELIVERED: EventType = EventType::new("parcel", "delivered");
pub const PARCEL_RETURNED_TO_SENDER: EventType = EventType::new("parcel", "returned_to_sender");
pub const PARCEL_LOST_SUSPECTED: EventType = EventType::new("parcel", "lost_suspected");
pub const ORDER_DELIVERED: EventType = EventType::new("order", "delivered");
pub const CLAIM_OPENED: EventType = EventType::new("claim", "opened");
pub const CLAIM_SETTLED: EventType = EventType::new("claim", "settled");
pub const CLAIM_REJECTED: EventType = EventType::new("claim", "rejected");
pub const RETURN_REQUESTED: EventType = EventType::new("return", "requested");
pub const RETURN_REFUNDED_WITHOUT_RETURN: EventType = EventType::new("return", "refunded_without_return");
pub const RETURN_POLICY_ADDED: EventType = EventType::new("return_policy", "added");
pub const RETURN_ARRIVED: EventType = EventType::new("return", "arrived");
pub const RETURN_UNIDENTIFIED: EventType = EventType::new("return", "unidentified");
pub const RETURN_GRADED: EventType = EventType::new("return", "graded");
pub const RETURN_DISPOSITIONED: EventType = EventType::new("return", "dispositioned");
pub const RETURN_CLOSED: EventType = EventType::new("return", "closed");
pub const RETURN_CANCELLED: EventType = EventType::new("return", "cancelled");

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
    CHANNEL_VERSIONED,
    PARCEL_ROUTED,
    PARCEL_NO_ROUTE,
    PARCEL_BAGGED,
    BAG_CLOSED,
    BAG_WEIGHT_HELD,
    BAG_REOPENED,
    PARCEL_IN_TRANSIT,
    PARCEL_CUSTOMS_HOLD,
    PARCEL_EXCEPTION,
    PARCEL_DELIVERED,
    PARCEL_RETURNED_TO_SENDER,
    PARCEL_LOST_SUSPECTED,
    ORDER_DELIVERED,
    CLAIM_OPENED,
    CLAIM_SETTLED,
    CLAIM_REJECTED,
    RETURN_REQUESTED,
    RETURN_REFUNDED_WITHOUT_RETURN,
    RETURN_POLICY_ADDED,
    RETURN_ARRIVED,
    RETURN_UNIDENTIFIED,
    RETURN_GRADED,
    RETURN_DISPOSITIONED,
    RETURN_CLOSED,
    RETURN_CANCELLED,
    MANIFEST_CREATED,
    MANIFEST_CLOSED,
    MANIFEST_HANDOVER_MISSING,
    MANIFEST_HANDED_OVER,
    PARCEL_HANDED_OVER,
    ORDER_SHIPPED,
    CUSTOMS_ACCEPTED,
    CUSTOMS_REJECTED,
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
