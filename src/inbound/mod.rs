//! Inbound: the supplier-to-shelf half of full custody.
//!
//! Map: [`domain`] (states and transitions, closed lists; pure),
//! [`sampling`] (ISO 2859-1 tables), [`stock_orders`] (备货单),
//! [`asn`] (发货单 with cartons) and [`labels`] (箱唛), [`receiving`] (dock
//! check-in, refusal, counting, the receipt), [`qc`] (抽检), [`putaway`]
//! (上架), [`performance`] (supplier figures and penalties), [`store`]
//! (rows), [`api`] (HTTP).

pub mod api;
pub mod asn;
pub mod domain;
pub mod labels;
pub mod performance;
pub mod putaway;
pub mod qc;
pub mod receiving;
pub mod sampling;
pub mod stock_orders;
mod store;
