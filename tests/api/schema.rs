//! The schema's only source is the migrations: both folders must build the
//! same tables and columns, every migration must go up, down and up again,
//! and `src/db/schema.rs` must describe exactly what they build.

use std::collections::{BTreeMap, BTreeSet};

use custody::db::{self, DbConn};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::common::FreshDb;

/// table -> {(column, nullable)}
type Shape = BTreeMap<String, BTreeSet<(String, bool)>>;

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

fn shape(conn: &mut DbConn) -> Shape {
    let mut out = Shape::new();
    match conn {
        DbConn::Pg(c) => {
            let cols: Vec<PgColumn> = diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text AS is_nullable \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap();
            for col in cols {
                out.entry(col.table_name).or_default().insert((col.column_name, col.is_nullable == "YES"));
            }
        }
        DbConn::Sqlite(c) => {
            let cols: Vec<SqliteColumn> = diesel::sql_query(
                "SELECT m.name AS tbl, p.name AS name, p.\"notnull\" AS \"notnull\", p.pk AS pk \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap();
            for col in cols {
                // SQLite reports primary-key columns as nullable; they are not.
                out.entry(col.tbl).or_default().insert((col.name, col.notnull == 0 && col.pk == 0));
            }
        }
    }
    out
}

fn migrated(db: &FreshDb) -> DbConn {
    let pool = db::connect(&db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    db::migrate::run_pending(&mut conn).unwrap();
    // Own the connection: the pool would keep the database busy.
    let url = db.url.clone();
    drop(conn);
    drop(pool);
    match db::DatabaseUrl::parse(&url).unwrap() {
        db::DatabaseUrl::Postgres(u) => DbConn::Pg(diesel::PgConnection::establish(&u).unwrap()),
        db::DatabaseUrl::Sqlite(p) => {
            DbConn::Sqlite(diesel::SqliteConnection::establish(p.to_str().unwrap()).unwrap())
        }
    }
}

fn pg_admin_url() -> String {
    std::env::var("CUSTODY_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

#[test]
fn both_migration_folders_build_the_same_tables_and_columns() {
    let pg = FreshDb::empty_postgres(&pg_admin_url());
    let lite = FreshDb::empty_sqlite();
    let pg_shape = shape(&mut migrated(&pg));
    let lite_shape = shape(&mut migrated(&lite));
    assert!(!pg_shape.is_empty());
    assert_eq!(pg_shape, lite_shape);
}

#[test]
fn every_migration_runs_up_down_and_up_again() {
    for db in [FreshDb::empty_postgres(&pg_admin_url()), FreshDb::empty_sqlite()] {
        let mut conn = migrated(&db);
        let before = shape(&mut conn);
        let reverted = db::migrate::revert_all(&mut conn).unwrap();
        assert!(!reverted.is_empty());
        assert!(shape(&mut conn).is_empty(), "down removes everything up made ({})", db.url);
        db::migrate::run_pending(&mut conn).unwrap();
        assert_eq!(shape(&mut conn), before);
    }
}

/// Column names of each diesel table, read from the SQL diesel generates.
macro_rules! diesel_columns {
    ($($table:ident),* $(,)?) => {{
        let mut out = BTreeMap::new();
        $(
            let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(
                &custody::db::schema::$table::table.select(custody::db::schema::$table::all_columns),
            )
            .to_string();
            let list = sql.trim_start_matches("SELECT ").split(" FROM ").next().unwrap();
            let cols: BTreeSet<String> = list
                .split(", ")
                .map(|c| c.rsplit('.').next().unwrap().trim_matches('`').to_owned())
                .collect();
            out.insert(stringify!($table).to_owned(), cols);
        )*
        out
    }};
}

#[test]
fn schema_rs_matches_what_the_migrations_build() {
    let declared: BTreeMap<String, BTreeSet<String>> = custody::all_tables!(diesel_columns);
    let lite = FreshDb::empty_sqlite();
    let built: BTreeMap<String, BTreeSet<String>> = shape(&mut migrated(&lite))
        .into_iter()
        .map(|(t, cols)| (t, cols.into_iter().map(|(c, _)| c).collect()))
        .collect();
    assert_eq!(declared, built);
}
