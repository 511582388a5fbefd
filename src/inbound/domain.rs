//! The inbound documents' states and the rules of their transitions, plus
//! the closed lists (rejection reasons, exception kinds, defect codes).
//! Pure: no database here, so that the state machines can be tested on
//! every sequence of operations.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            pub fn from_db(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
            /// A value read from the database: one this build does not
            /// know is an error naming the row (`row()`), never a default.
            pub fn stored(s: &str, row: impl FnOnce() -> String) -> Result<Self, crate::error::AppError> {
                Self::from_db(s).ok_or_else(|| crate::error::AppError::unknown_stored(stringify!($name), &row(), s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use string_enum;

string_enum!(
    /// Where an inbound shipment is.
    AsnStatus {
        /// Being prepared by the supplier; may still be cancelled.
        Draft = "draft",
        /// Shipped: tracking number known, on its way.
        Submitted = "submitted",
        /// Checked in at the dock.
        Arrived = "arrived",
        /// Cartons being counted.
        Receiving = "receiving",
        /// Receipt closed, everything announced was there.
        Received = "received",
        /// Receipt closed with units short.
        PartlyReceived = "partly_received",
        /// Quality inspection under way.
        Inspecting = "inspecting",
        /// Inspection done, passed units waiting for putaway.
        Inspected = "inspected",
        /// Everything that passed is in a bin: sellable.
        Completed = "completed",
        /// Nothing passed: everything goes back to the supplier.
        Returned = "returned",
        /// Refused whole at the dock.
        RejectedAtDock = "rejected_at_dock",
        /// Withdrawn by the supplier before it arrived.
        Cancelled = "cancelled",
    }
);

/// What can happen to a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsnAction {
    Submit,
    Cancel,
    CheckIn,
    RejectAtDock,
    StartReceiving,
    /// Closing the receipt; `short` if fewer units came than announced.
    CloseReceipt {
        short: bool,
    },
    StartInspection,
    /// All lots decided; `any_passed` if some units are to be put away.
    FinishInspection {
        any_passed: bool,
    },
    FinishPutaway,
}

impl AsnAction {
    fn name(self) -> &'static str {
        match self {
            Self::Submit => "submitted",
            Self::Cancel => "cancelled",
            Self::CheckIn => "checked in",
            Self::RejectAtDock => "rejected at the dock",
            Self::StartReceiving => "received",
            Self::CloseReceipt { .. } => "closed for receiving",
            Self::StartInspection => "inspected",
            Self::FinishInspection { .. } => "finish inspection",
            Self::FinishPutaway => "completed",
        }
    }
}

impl AsnStatus {
    /// The state after `action`, or the 409 that says why not.
    pub fn next(self, action: AsnAction) -> Result<AsnStatus, AppError> {
        use AsnAction as A;
        use AsnStatus as S;
        let to = match (self, action) {
            (S::Draft, A::Submit) => S::Submitted,
            (S::Draft | S::Submitted, A::Cancel) => S::Cancelled,
            (S::Submitted, A::CheckIn) => S::Arrived,
            (S::Submitted | S::Arrived, A::RejectAtDock) => S::RejectedAtDock,
            (S::Arrived, A::StartReceiving) => S::Receiving,
            (S::Receiving, A::CloseReceipt { short: false }) => S::Received,
            (S::Receiving, A::CloseReceipt { short: true }) => S::PartlyReceived,
            (S::Received | S::PartlyReceived, A::StartInspection) => S::Inspecting,
            (S::Received | S::PartlyReceived | S::Inspecting, A::FinishInspection { any_passed: true }) => {
                S::Inspected
            }
            (S::Received | S::PartlyReceived | S::Inspecting, A::FinishInspection { any_passed: false }) => {
                S::Returned
            }
            (S::Inspected, A::FinishPutaway) => S::Completed,
            (from, action) => {
                let hint = match action {
                    A::Cancel => " A shipment can be cancelled only before it arrives.",
                    A::Submit => " Only a draft is submitted.",
                    A::CheckIn | A::RejectAtDock => {
                        " Only a submitted shipment is checked in or rejected at the dock."
                    }
                    _ => "",
                };
                return Err(AppError::conflict(
                    "illegal_transition",
                    format!("The shipment is {from}; it cannot be {}.{hint}", action.name()),
                ));
            }
        };
        Ok(to)
    }

    /// No action moves a shipment out of these.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Returned | Self::RejectedAtDock | Self::Cancelled)
    }

    /// Reached the warehouse (checked in or later, not refused).
    pub fn has_arrived(self) -> bool {
        !matches!(self, Self::Draft | Self::Submitted | Self::Cancelled | Self::RejectedAtDock)
    }
}

string_enum!(
    /// Where a stock-up order is. The progress states (delivered ... in
    /// stock) follow the shipments made against it.
    StockOrderStatus {
        AwaitingAcceptance = "awaiting_acceptance",
        Accepted = "accepted",
        Declined = "declined",
        /// Shipped: a shipment against it was submitted.
        Delivered = "delivered",
        /// A shipment against it arrived.
        Received = "received",
        /// Every shipment against it was refused at the dock.
        RejectedAtDock = "rejected_at_dock",
        /// Inspected; some units passed.
        Inspected = "inspected",
        /// Inspected; nothing passed, everything returned.
        InspectedAllReturned = "inspected_all_returned",
        /// Put away: sellable.
        InStock = "in_stock",
        /// Withdrawn by the platform after acceptance, before shipping.
        Void = "void",
        /// Not accepted before the deliver-by time.
        TimedOut = "timed_out",
        /// Withdrawn by the platform before acceptance.
        Cancelled = "cancelled",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockOrderAction {
    Accept,
    Decline,
    Cancel,
    TimeOut,
    /// A shipment may be made against it.
    Ship,
}

impl StockOrderStatus {
    pub fn next(self, action: StockOrderAction) -> Result<StockOrderStatus, AppError> {
        use StockOrderAction as A;
        use StockOrderStatus as S;
        match (self, action) {
            (S::AwaitingAcceptance, A::Accept) => Ok(S::Accepted),
            (S::AwaitingAcceptance, A::Decline) => Ok(S::Declined),
            (S::AwaitingAcceptance, A::TimeOut) => Ok(S::TimedOut),
            (S::AwaitingAcceptance, A::Cancel) => Ok(S::Cancelled),
            (S::Accepted, A::Cancel) => Ok(S::Void),
            (S::Accepted | S::Delivered | S::Received | S::Inspected, A::Ship) => Ok(self),
            (from, action) => Err(AppError::conflict(
                "illegal_transition",
                format!(
                    "The stock-up order is {from}; {}",
                    match action {
                        A::Accept | A::Decline =>
                            "only an order awaiting acceptance is accepted or declined.",
                        A::Cancel => "it can be withdrawn only before anything is shipped against it.",
                        A::TimeOut => "only an order awaiting acceptance times out.",
                        A::Ship => "shipments are made only against accepted orders.",
                    }
                ),
            )),
        }
    }

    /// The progress state implied by the shipments against an accepted
    /// order (their statuses, cancelled ones left out).
    pub fn from_shipments(shipments: &[AsnStatus]) -> StockOrderStatus {
        use AsnStatus as A;
        let live: Vec<AsnStatus> = shipments.iter().copied().filter(|s| *s != A::Cancelled).collect();
        let sent: Vec<AsnStatus> = live.iter().copied().filter(|s| *s != A::Draft).collect();
        if sent.is_empty() {
            return StockOrderStatus::Accepted;
        }
        if sent.iter().all(|s| *s == A::RejectedAtDock) {
            return StockOrderStatus::RejectedAtDock;
        }
        let kept: Vec<AsnStatus> = sent.into_iter().filter(|s| *s != A::RejectedAtDock).collect();
        if kept.iter().all(|s| *s == A::Returned) {
            StockOrderStatus::InspectedAllReturned
        } else if kept.iter().all(|s| matches!(s, A::Completed | A::Returned)) {
            StockOrderStatus::InStock
        } else if kept.iter().all(|s| matches!(s, A::Completed | A::Returned | A::Inspected)) {
            StockOrderStatus::Inspected
        } else if kept.iter().all(|s| s.has_arrived()) {
            StockOrderStatus::Received
        } else {
            StockOrderStatus::Delivered
        }
    }
}

string_enum!(
    /// Why a whole shipment is refused at the dock (拒收).
    DockRejectReason {
        DamagedPacking = "damaged_packing",
        UnreadableLabels = "unreadable_labels",
        ContentsNotMatching = "contents_not_matching",
        Late = "late",
        NotExpected = "not_expected",
        /// Any other reason: the note says which.
        Other = "other",
    }
);

impl DockRejectReason {
    /// Whether the reason needs a note to be understood.
    pub fn needs_note(self) -> bool {
        self == Self::Other
    }
}

string_enum!(
    /// Why a receipt is closed with units short, as the clerk says when
    /// confirming it.
    ShortReason {
        /// The supplier sent fewer units than the shipment lists.
        SupplierShort = "supplier_short",
        /// A whole carton never arrived.
        CartonMissing = "carton_missing",
        /// Lost or opened on the way (the carton arrived damaged or light).
        LostInTransit = "lost_in_transit",
        /// Any other reason: the note says which.
        Other = "other",
    }
);

string_enum!(
    /// A receiving exception.
    ExceptionKind {
        /// A carton at the dock that is on no shipment.
        UnknownCarton = "unknown_carton",
        /// A unit whose SKU is not on this shipment.
        UnitNotOnShipment = "unit_not_on_shipment",
        Damaged = "damaged",
        /// More units than the shipment lists (`carton_no` set: more than
        /// the carton's label says, raised as the units are counted).
        Over = "over",
        Short = "short",
        /// A QC lot rejected: all of it goes back to the supplier.
        LotRejected = "lot_rejected",
    }
);

string_enum!(
    /// What is wrong with an inspected unit.
    DefectCode {
        Damaged = "damaged",
        WrongItem = "wrong_item",
        WrongStyleOrSize = "wrong_style_or_size",
        CounterfeitOrInfringing = "counterfeit_or_infringing",
        BarcodeProblem = "barcode_problem",
        SpecNotMatching = "spec_not_matching",
        MissingParts = "missing_parts",
        EmptyBox = "empty_box",
        WeightFarFromDeclared = "weight_far_from_declared",
        /// Any other defect: the note says which.
        Other = "other",
    }
);

impl DefectCode {
    /// Critical defects are judged at AQL 0: any one rejects the lot.
    pub fn is_critical(self) -> bool {
        matches!(self, Self::CounterfeitOrInfringing | Self::EmptyBox)
    }
}

string_enum!(
    /// An inspection lot's state.
    InspectionStatus {
        /// Planned, no unit recorded yet.
        Pending = "pending",
        InProgress = "in_progress",
        Accepted = "accepted",
        Rejected = "rejected",
    }
);

/// The decision rule of single sampling with a critical class at AQL 0:
/// reject as soon as one critical defect or `reject_no` major defects are
/// seen; accept once the whole sample is seen without that. `None` while
/// undecided.
pub fn lot_decision(
    sample_size: i32,
    reject_no: i32,
    sampled: i32,
    major: i32,
    critical: i32,
) -> Option<InspectionStatus> {
    if critical > 0 || major >= reject_no {
        Some(InspectionStatus::Rejected)
    } else if sampled >= sample_size {
        Some(InspectionStatus::Accepted)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn action() -> impl Strategy<Value = AsnAction> {
        prop_oneof![
            Just(AsnAction::Submit),
            Just(AsnAction::Cancel),
            Just(AsnAction::CheckIn),
            Just(AsnAction::RejectAtDock),
            Just(AsnAction::StartReceiving),
            any::<bool>().prop_map(|short| AsnAction::CloseReceipt { short }),
            Just(AsnAction::StartInspection),
            any::<bool>().prop_map(|any_passed| AsnAction::FinishInspection { any_passed }),
            Just(AsnAction::FinishPutaway),
        ]
    }

    proptest! {
        /// Whatever is tried, in any order: final states stay final, a
        /// shipment is cancelled only before arrival, it is completed only
        /// after being received and inspected, and a refused action leaves
        /// the state alone (the function is pure; the caller keeps `s`).
        #[test]
        fn no_sequence_breaks_the_shipment_lifecycle(actions in prop::collection::vec(action(), 0..40)) {
            let mut s = AsnStatus::Draft;
            let mut history = vec![s];
            for a in actions {
                match s.next(a) {
                    Ok(to) => {
                        prop_assert!(!s.is_final(), "{s} is final but {a:?} moved it to {to}");
                        if to == AsnStatus::Cancelled {
                            prop_assert!(!s.has_arrived());
                        }
                        if to == AsnStatus::Completed {
                            prop_assert!(history.contains(&AsnStatus::Receiving));
                            prop_assert!(history.iter().any(|h| matches!(h, AsnStatus::Received | AsnStatus::PartlyReceived)));
                        }
                        if to.has_arrived() {
                            prop_assert!(history.contains(&AsnStatus::Submitted));
                        }
                        s = to;
                        history.push(s);
                    }
                    Err(e) => prop_assert_eq!(e.code(), "illegal_transition"),
                }
            }
        }

        #[test]
        fn stock_orders_end_where_they_should(actions in prop::collection::vec(
            prop_oneof![Just(StockOrderAction::Accept), Just(StockOrderAction::Decline),
                Just(StockOrderAction::Cancel), Just(StockOrderAction::TimeOut), Just(StockOrderAction::Ship)],
            0..20,
        )) {
            let mut s = StockOrderStatus::AwaitingAcceptance;
            for a in actions {
                if let Ok(to) = s.next(a) {
                    if a == StockOrderAction::Ship {
                        prop_assert_eq!(to, s);
                        prop_assert!(s != StockOrderStatus::AwaitingAcceptance);
                    }
                    if matches!(s, StockOrderStatus::Declined | StockOrderStatus::Cancelled
                        | StockOrderStatus::TimedOut | StockOrderStatus::Void) {
                        prop_assert!(false, "{s} is final but {a:?} moved it");
                    }
                    s = to;
                }
            }
        }

        #[test]
        fn a_lot_is_decided_by_the_plan(n in 1i32..300, re in 1i32..30, sampled in 0i32..300, major in 0i32..40, critical in 0i32..3) {
            let sampled = sampled.min(n);
            let major = major.min(sampled);
            let critical = critical.min(sampled - major);
            match lot_decision(n, re, sampled, major, critical) {
                Some(InspectionStatus::Rejected) => prop_assert!(critical > 0 || major >= re),
                Some(InspectionStatus::Accepted) => prop_assert!(sampled == n && major < re && critical == 0),
                None => prop_assert!(sampled < n && major < re && critical == 0),
                Some(other) => prop_assert!(false, "unexpected {other}"),
            }
        }
    }

    #[test]
    fn the_happy_path_and_its_exits() {
        use AsnAction as A;
        let mut s = AsnStatus::Draft;
        for a in [
            A::Submit,
            A::CheckIn,
            A::StartReceiving,
            A::CloseReceipt { short: true },
            A::StartInspection,
            A::FinishInspection { any_passed: true },
            A::FinishPutaway,
        ] {
            s = s.next(a).unwrap();
        }
        assert_eq!(s, AsnStatus::Completed);
        assert_eq!(AsnStatus::Arrived.next(A::Cancel).unwrap_err().code(), "illegal_transition");
        assert_eq!(AsnStatus::Submitted.next(A::RejectAtDock).unwrap(), AsnStatus::RejectedAtDock);
    }

    #[test]
    fn stock_order_progress_follows_its_shipments() {
        use AsnStatus as A;
        use StockOrderStatus as S;
        assert_eq!(S::from_shipments(&[]), S::Accepted);
        assert_eq!(S::from_shipments(&[A::Draft, A::Cancelled]), S::Accepted);
        assert_eq!(S::from_shipments(&[A::Submitted]), S::Delivered);
        assert_eq!(S::from_shipments(&[A::Arrived, A::Submitted]), S::Delivered);
        assert_eq!(S::from_shipments(&[A::Receiving, A::RejectedAtDock]), S::Received);
        assert_eq!(S::from_shipments(&[A::RejectedAtDock]), S::RejectedAtDock);
        assert_eq!(S::from_shipments(&[A::Inspected, A::Returned]), S::Inspected);
        assert_eq!(S::from_shipments(&[A::Returned]), S::InspectedAllReturned);
        assert_eq!(S::from_shipments(&[A::Completed, A::Returned]), S::InStock);
    }
}
