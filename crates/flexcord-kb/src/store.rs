//! The SQLite FTS5 index: schema, applying a scan, and bm25 search.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::config::KbDb;
use crate::error::KbError;
use crate::report::IndexReport;
use crate::scan::Scan;

/// Bumped whenever the schema or the way articles are parsed changes: an index written by
/// another version is dropped and rebuilt from the folder (it is only a cache of the files).
const SCHEMA_VERSION: i64 = 2;

/// bm25 column weights: a word in the title counts ten times a word in the body, a tag five.
const RANK: &str = "bm25(articles, 10.0, 1.0, 5.0)";

/// A search hit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    pub(crate) title: String,
    pub(crate) url: Option<String>,
    /// The plain-text body, for the excerpt.
    pub(crate) body: String,
    /// bm25 relevance, higher is better (FTS5's own rank is negated so it reads naturally).
    pub(crate) score: f64,
}

/// Opens the pool and makes sure the schema is current.
pub(crate) async fn open(db: &KbDb) -> Result<SqlitePool, KbError> {
    let pool = match db {
        KbDb::Memory => {
            // "sqlite::memory:" gives a uniquely named shared-cache database per options value.
            // One connection that never expires: the database lives exactly as long as it.
            let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?
        }
        KbDb::File(path) => {
            // WAL lets answers read while an index run writes.
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5));
            SqlitePoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?
        }
    };
    migrate(&pool).await?;
    Ok(pool)
}

async fn migrate(pool: &SqlitePool) -> Result<(), KbError> {
    let mut tx = pool.begin().await?;
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut *tx)
        .await?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    sqlx::query("DROP TABLE IF EXISTS articles")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DROP TABLE IF EXISTS kb_files")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "CREATE TABLE kb_files (
            id    INTEGER PRIMARY KEY,
            path  TEXT NOT NULL UNIQUE,
            hash  TEXT NOT NULL,
            title TEXT NOT NULL,
            url   TEXT,
            lang  TEXT
        )",
    )
    .execute(&mut *tx)
    .await?;
    // rowid = kb_files.id. Porter stemming so "crashes" finds "crash"; diacritics folded so
    // "café" finds "cafe".
    sqlx::query(
        "CREATE VIRTUAL TABLE articles USING fts5(
            title, body, tags,
            tokenize = 'porter unicode61 remove_diacritics 2'
        )",
    )
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.message().contains("fts5") => {
            KbError::Fts5Unavailable(db.message().to_owned())
        }
        _ => KbError::Db(e),
    })?;
    sqlx::query(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Path → content hash of every indexed file.
pub(crate) async fn known_hashes(pool: &SqlitePool) -> Result<HashMap<String, String>, KbError> {
    let rows = sqlx::query("SELECT path, hash FROM kb_files")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("path")?, row.try_get("hash")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(KbError::from)
}

/// Writes a scan in one transaction, so a search sees the old index or the new one, never half.
pub(crate) async fn apply(
    pool: &SqlitePool,
    known: &HashMap<String, String>,
    scan: Scan,
) -> Result<IndexReport, KbError> {
    let mut report = IndexReport {
        unchanged: scan.unchanged,
        skipped: scan.skipped,
        ..IndexReport::default()
    };
    let present: HashSet<&str> = scan
        .changed
        .iter()
        .map(|c| c.path.as_str())
        .chain(report.unchanged.iter().map(String::as_str))
        .collect();
    let mut removed: Vec<String> = known
        .keys()
        .filter(|p| !present.contains(p.as_str()))
        .cloned()
        .collect();
    removed.sort();

    let mut tx = pool.begin().await?;
    for path in &removed {
        let id: Option<i64> =
            sqlx::query_scalar("DELETE FROM kb_files WHERE path = ?1 RETURNING id")
                .bind(path)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = id {
            sqlx::query("DELETE FROM articles WHERE rowid = ?1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
    }
    for changed in scan.changed {
        let article = &changed.article;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO kb_files (path, hash, title, url, lang) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, title = excluded.title,
                                              url = excluded.url, lang = excluded.lang
             RETURNING id",
        )
        .bind(&changed.path)
        .bind(&changed.hash)
        .bind(&article.title)
        .bind(&article.url)
        .bind(&article.lang)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM articles WHERE rowid = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO articles (rowid, title, body, tags) VALUES (?1, ?2, ?3, ?4)")
            .bind(id)
            .bind(&article.title)
            .bind(&article.body)
            .bind(&article.tags)
            .execute(&mut *tx)
            .await?;
        if known.contains_key(&changed.path) {
            report.updated.push(changed.path);
        } else {
            report.added.push(changed.path);
        }
    }
    tx.commit().await?;
    report.removed = removed;
    Ok(report)
}

/// The best `limit` articles for an FTS5 `MATCH` expression, best first.
pub(crate) async fn search(
    pool: &SqlitePool,
    fts_query: &str,
    limit: usize,
    languages: Option<&[String]>,
) -> Result<Vec<Hit>, KbError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    // With languages: their articles and those for every language (no `lang`).
    let only = if languages.is_some() {
        "AND (f.lang IS NULL OR f.lang = ?3 OR f.lang = ?4)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT f.title, f.url, articles.body AS body, -{RANK} AS score
         FROM articles JOIN kb_files f ON f.id = articles.rowid
         WHERE articles MATCH ?1 {only}
         ORDER BY {RANK}, f.path
         LIMIT ?2"
    );
    let languages = languages.unwrap_or_default();
    let rows = sqlx::query(&sql)
        .bind(fts_query)
        .bind(limit)
        .bind(languages.first().cloned().unwrap_or_default())
        .bind(languages.get(1).cloned().unwrap_or_default())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Hit {
                title: row.try_get("title")?,
                url: row.try_get("url")?,
                body: row.try_get("body")?,
                score: row.try_get("score")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(KbError::from)
}

/// How many articles are indexed.
pub(crate) async fn count(pool: &SqlitePool) -> Result<u64, KbError> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM kb_files")
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_linked_sqlite_has_fts5_and_the_schema_is_versioned() {
        let pool = open(&KbDb::Memory).await.unwrap();
        let fts5: i64 = sqlx::query_scalar("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(fts5, 1);
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[tokio::test]
    async fn an_index_from_another_schema_version_is_rebuilt() {
        let tmp = tempfile::tempdir().unwrap();
        let db = KbDb::File(tmp.path().join("kb.sqlite"));
        let pool = open(&db).await.unwrap();
        sqlx::query("INSERT INTO kb_files (path, hash, title) VALUES ('a.md', 'h', 'A')")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("PRAGMA user_version = 999")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let pool = open(&db).await.unwrap();
        assert_eq!(count(&pool).await.unwrap(), 0);
    }
}
