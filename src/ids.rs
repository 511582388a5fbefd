//! Typed ids of every aggregate. Each is a UUID v7 (time-ordered, so id order
//! is creation order and cursors are ids).

crate::typed_id!(
    /// A supplier (货主).
    SupplierId
);
crate::typed_id!(
    /// A staff account.
    UserId
);
crate::typed_id!(
    /// An API key.
    ApiKeyId
);
crate::typed_id!(
    /// A SKU.
    SkuId
);
crate::typed_id!(
    /// A warehouse zone.
    ZoneId
);
crate::typed_id!(
    /// A bin location.
    BinId
);
crate::typed_id!(
    /// An event in the outbox; the CloudEvents `id` and the AMQP `message_id`.
    EventId
);
crate::typed_id!(
    /// The id of whatever document an event is about (a SKU, an ASN, an order...).
    AggregateId
);
