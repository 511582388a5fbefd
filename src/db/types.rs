//! Column types that mean the same thing on both backends.
//!
//! * [`PortableUuid`]: native `uuid` on PostgreSQL, a 16-byte blob on SQLite.
//! * [`UtcInstant`]: `timestamptz` on PostgreSQL, RFC 3339 text with a fixed
//!   microsecond precision and a `Z` suffix on SQLite, so that text order is
//!   time order and comparisons in SQL stay correct.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::query_builder::QueryId;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::SqlType;
use diesel::sql_types::{Binary, HasSqlType, Text};
use diesel::sqlite::Sqlite;
use uuid::Uuid;

use super::MultiBackend;

#[derive(Debug, Clone, Copy, Default, SqlType, QueryId)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Binary"))]
pub struct PortableUuid;

#[derive(Debug, Clone, Copy, Default, SqlType, QueryId)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct UtcInstant;

// ---- PortableUuid ----

impl ToSql<PortableUuid, Pg> for Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Uuid as ToSql<diesel::sql_types::Uuid, Pg>>::to_sql(self, out)
    }
}

impl FromSql<PortableUuid, Pg> for Uuid {
    fn from_sql(bytes: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <Uuid as FromSql<diesel::sql_types::Uuid, Pg>>::from_sql(bytes)
    }
}

impl ToSql<PortableUuid, Sqlite> for Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <[u8] as ToSql<Binary, Sqlite>>::to_sql(self.as_bytes().as_slice(), out)
    }
}

impl FromSql<PortableUuid, Sqlite> for Uuid {
    fn from_sql(bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let raw = <Vec<u8> as FromSql<Binary, Sqlite>>::from_sql(bytes)?;
        Ok(Uuid::from_slice(&raw)?)
    }
}

impl HasSqlType<PortableUuid> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<PortableUuid>(lookup)
    }
}

impl ToSql<PortableUuid, MultiBackend> for Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((PortableUuid, self));
        Ok(IsNull::No)
    }
}

impl FromSql<PortableUuid, MultiBackend> for Uuid {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        bytes.from_sql::<Uuid, PortableUuid>()
    }
}

// ---- UtcInstant ----

/// The one text form of an instant on SQLite.
pub fn instant_to_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl ToSql<UtcInstant, Pg> for DateTime<Utc> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<diesel::sql_types::Timestamptz, Pg>>::to_sql(self, out)
    }
}

impl FromSql<UtcInstant, Pg> for DateTime<Utc> {
    fn from_sql(bytes: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<diesel::sql_types::Timestamptz, Pg>>::from_sql(bytes)
    }
}

impl ToSql<UtcInstant, Sqlite> for DateTime<Utc> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(instant_to_text(self));
        Ok(IsNull::No)
    }
}

impl FromSql<UtcInstant, Sqlite> for DateTime<Utc> {
    fn from_sql(bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
        Ok(DateTime::parse_from_rfc3339(&text)?.with_timezone(&Utc))
    }
}

impl HasSqlType<UtcInstant> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<UtcInstant>(lookup)
    }
}

impl ToSql<UtcInstant, MultiBackend> for DateTime<Utc> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((UtcInstant, self));
        Ok(IsNull::No)
    }
}

impl FromSql<UtcInstant, MultiBackend> for DateTime<Utc> {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        bytes.from_sql::<DateTime<Utc>, UtcInstant>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sqlite_instant_text_sorts_like_time() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let b = a + chrono::Duration::microseconds(1);
        let c = a + chrono::Duration::days(400);
        let (ta, tb, tc) = (instant_to_text(&a), instant_to_text(&b), instant_to_text(&c));
        assert_eq!(ta, "2026-01-02T03:04:05.000000Z");
        assert!(ta < tb && tb < tc);
    }
}

/// Declares a typed id: a UUID v7 newtype stored as [`PortableUuid`], so
/// that a `SkuId` can never be passed where a `BinId` is meant.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = $crate::db::types::PortableUuid)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }

        impl<DB> diesel::serialize::ToSql<$crate::db::types::PortableUuid, DB> for $name
        where
            DB: diesel::backend::Backend,
            uuid::Uuid: $crate::db::types::UuidToSql<DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <uuid::Uuid as $crate::db::types::UuidToSql<DB>>::write(&self.0, out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<$crate::db::types::PortableUuid, DB> for $name
        where
            DB: diesel::backend::Backend,
            uuid::Uuid: $crate::db::types::UuidToSql<DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                <uuid::Uuid as $crate::db::types::UuidToSql<DB>>::read(bytes).map(Self)
            }
        }
    };
}

/// How a UUID is written and read on each backend; the typed ids delegate here.
pub trait UuidToSql<DB: diesel::backend::Backend> {
    fn write<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result;
    fn read(bytes: DB::RawValue<'_>) -> deserialize::Result<Uuid>;
}

impl UuidToSql<Pg> for Uuid {
    fn write<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Uuid as ToSql<PortableUuid, Pg>>::to_sql(self, out)
    }
    fn read(bytes: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Uuid> {
        <Uuid as FromSql<PortableUuid, Pg>>::from_sql(bytes)
    }
}

impl UuidToSql<Sqlite> for Uuid {
    fn write<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <Uuid as ToSql<PortableUuid, Sqlite>>::to_sql(self, out)
    }
    fn read(bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Uuid> {
        <Uuid as FromSql<PortableUuid, Sqlite>>::from_sql(bytes)
    }
}

impl UuidToSql<MultiBackend> for Uuid {
    fn write<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        <Uuid as ToSql<PortableUuid, MultiBackend>>::to_sql(self, out)
    }
    fn read(bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Uuid> {
        <Uuid as FromSql<PortableUuid, MultiBackend>>::from_sql(bytes)
    }
}

/// A UTC instant as stored: `timestamptz` on PostgreSQL, RFC 3339 text on SQLite.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = UtcInstant)]
#[serde(transparent)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// Now, at the microsecond precision both backends store, so that a
    /// value reads back exactly as it was written.
    pub fn now() -> Self {
        Self::from(Utc::now())
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        use chrono::SubsecRound;
        Self(t.trunc_subsecs(6))
    }
}

impl std::ops::Add<chrono::Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, d: chrono::Duration) -> Timestamp {
        Timestamp(self.0 + d)
    }
}

impl std::ops::Sub<chrono::Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, d: chrono::Duration) -> Timestamp {
        Timestamp(self.0 - d)
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}
impl utoipa::ToSchema for Timestamp {}

macro_rules! timestamp_sql {
    ($db:ty) => {
        impl ToSql<UtcInstant, $db> for Timestamp {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, $db>) -> serialize::Result {
                <DateTime<Utc> as ToSql<UtcInstant, $db>>::to_sql(&self.0, out)
            }
        }
        impl FromSql<UtcInstant, $db> for Timestamp {
            fn from_sql(bytes: <$db as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                <DateTime<Utc> as FromSql<UtcInstant, $db>>::from_sql(bytes).map(Self)
            }
        }
    };
}
timestamp_sql!(Pg);
timestamp_sql!(Sqlite);
timestamp_sql!(MultiBackend);
