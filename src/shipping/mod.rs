//! After the pack station: sorting parcels into bags (集包) per channel and
//! destination, closing a bag with its weight. Above outbound (it moves
//! parcels on from `packed`) and channels (a bag is of one channel).

pub mod api;
pub mod domain;
pub mod service;
mod store;
