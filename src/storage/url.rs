//! A database URL, read once: which engine it names, and (SQLite) which file. Everything that
//! needs to know takes a [`DatabaseUrl`] instead of classifying the text again. Its `Debug` and
//! `Display` hide a password.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;

use super::Engine;

#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    engine: Engine,
}

/// Why a text is not a database URL Juke can open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(String);

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, UrlError> {
        let engine = url
            .split_once(':')
            .and_then(|(scheme, _)| match scheme {
                "sqlite" => Some(Engine::Sqlite),
                "postgres" | "postgresql" => Some(Engine::Postgres),
                _ => None,
            })
            .ok_or_else(|| {
                UrlError(format!(
                    "unknown database engine in {:?}: use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB",
                    redact(url)
                ))
            })?;
        match engine {
            Engine::Postgres => {
                let parsed = url::Url::parse(url)
                    .map_err(|err| UrlError(format!("not a valid URL: {err}")))?;
                if parsed.host_str().is_none_or(str::is_empty)
                    && !parsed.query_pairs().any(|(k, _)| k == "host")
                {
                    return Err(UrlError("names no host".into()));
                }
            }
            Engine::Sqlite => {
                let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
                if path.split('?').next().is_none_or(str::is_empty) {
                    return Err(UrlError("names no database file".into()));
                }
            }
        }
        Ok(DatabaseUrl {
            url: url.to_owned(),
            engine,
        })
    }

    /// The URL of the SQLite file at `path`.
    pub fn sqlite(path: &std::path::Path) -> DatabaseUrl {
        DatabaseUrl {
            url: format!("sqlite://{}", path.display()),
            engine: Engine::Sqlite,
        }
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The whole URL, password included: for connecting, never for showing.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// The file a SQLite URL names, as SQLite itself reads the URL; `None` for PostgreSQL.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match self.engine {
            Engine::Sqlite => SqliteConnectOptions::from_str(&self.url)
                .ok()
                .map(|options| options.get_filename().to_path_buf()),
            Engine::Postgres => None,
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = UrlError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        DatabaseUrl::parse(url)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.url))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// `url` with its password (if any) replaced by `***`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // set_password only fails for URLs that cannot have one, which this one has.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_engine_once() {
        let sqlite = DatabaseUrl::parse("sqlite:///var/lib/juke/juke.db?mode=rwc").unwrap();
        assert_eq!(sqlite.engine(), Engine::Sqlite);
        assert_eq!(
            sqlite.sqlite_file(),
            Some(PathBuf::from("/var/lib/juke/juke.db"))
        );
        let pg = DatabaseUrl::parse("postgresql://juke:s3cret@db.lan/juke").unwrap();
        assert_eq!(pg.engine(), Engine::Postgres);
        assert_eq!(pg.sqlite_file(), None);
        assert_eq!(pg.expose(), "postgresql://juke:s3cret@db.lan/juke");
        assert!(!pg.to_string().contains("s3cret"));
        assert!(!format!("{pg:?}").contains("s3cret"));
        assert!(
            DatabaseUrl::parse("postgres:///juke?host=/run/postgresql").is_ok(),
            "a socket directory is a host"
        );
    }

    #[test]
    fn bad_urls_say_why() {
        let err = DatabaseUrl::parse("mysql://u:pw@h/d")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown database engine"), "{err}");
        assert!(!err.contains("pw"), "{err}");
        assert_eq!(
            DatabaseUrl::parse("postgres:///juke")
                .unwrap_err()
                .to_string(),
            "names no host"
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://").unwrap_err().to_string(),
            "names no database file"
        );
        assert!(DatabaseUrl::parse("juke.db").is_err());
    }
}
