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
crate::typed_id!(
    /// A stock-up order (备货单).
    StockOrderId
);
crate::typed_id!(
    /// An inbound shipment / ASN (发货单).
    AsnId
);
crate::typed_id!(
    /// A recorded receiving exception.
    ExceptionId
);
crate::typed_id!(
    /// A quality-inspection lot.
    InspectionId
);
crate::typed_id!(
    /// One movement in the stock ledger.
    MovementId
);
crate::typed_id!(
    /// A cycle count of one bin.
    CycleCountId
);
crate::typed_id!(
    /// A penalty rule.
    PenaltyRuleId
);
crate::typed_id!(
    /// A penalty charged to a supplier.
    PenaltyId
);
crate::typed_id!(
    /// A consumer order from the platform.
    OrderId
);
crate::typed_id!(
    /// A wave of orders released for picking.
    WaveId
);
crate::typed_id!(
    /// One pick: units of an order line from one bin.
    PickTaskId
);
crate::typed_id!(
    /// A parcel: one order packed into one carton.
    ParcelId
);
crate::typed_id!(
    /// An outbound exception for a supervisor (short pick, weight hold, put back).
    OutboundExceptionId
);
crate::typed_id!(
    /// One read of a buyer's full data (the audit log).
    PiiReadId
);
crate::typed_id!(
    /// A shipping channel (渠道): a carrier service with its rules, versioned.
    ChannelId
);
crate::typed_id!(
    /// A range of tracking numbers a carrier pre-assigned to a channel.
    TrackingRangeId
);
crate::typed_id!(
    /// A bag (集包) of parcels of one channel and destination.
    BagId
);
crate::typed_id!(
    /// A carrier's tracking event (a milestone of a parcel).
    TrackingEventId
);
crate::typed_id!(
    /// A claim against the carrier for a lost or damaged parcel.
    ClaimId
);
crate::typed_id!(
    /// A manifest: the bags of one line-haul departure.
    ManifestId
);
crate::typed_id!(
    /// A bag scanned onto the truck at the dock.
    HandoverScanId
);
crate::typed_id!(
    /// A customs broker's answer on one parcel of a manifest.
    CustomsReceiptId
);
crate::typed_id!(
    /// A version of the return policy of a market.
    ReturnPolicyId
);
crate::typed_id!(
    /// A return request from the platform.
    ReturnId
);
crate::typed_id!(
    /// A cost of a return and who bears it.
    ReturnLiabilityId
);
crate::typed_id!(
    /// One returned unit at the returns desk.
    ReturnUnitId
);
crate::typed_id!(
    /// A return parcel that arrived with nothing to identify it.
    UnidentifiedReturnId
);
crate::typed_id!(
    /// A photo taken at the returns desk.
    ReturnPhotoId
);
crate::typed_id!(
    /// A failed console login (kept for the lockout window).
    LoginFailureId
);
