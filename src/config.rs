//! Configuration: built-in defaults, then the TOML file, then `JUKE_…` environment variables
//! (`__` between levels). Defaults are declared once, in the `Default` impls below; the
//! repository's `config.toml` documents the same keys with the same values.

use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Value};
use figment::{Figment, Profile, Provider};
use serde::{Deserialize, Serialize};

use crate::storage::{DatabaseUrl, redact_url};

const ENV_PREFIX: &str = "JUKE_";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Database (SQLite), search index, secrets, uploads and cover cache live here.
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub library: LibraryConfig,
    pub auth: AuthConfig,
    pub uploads: UploadsConfig,
    pub transcoding: TranscodingConfig,
    pub search: SearchConfig,
    pub subsonic: SubsonicConfig,
    pub shares: SharesConfig,
    pub cache: CacheConfig,
    pub log: LogConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            server: ServerConfig::default(),
            storage: StorageConfig::default(),
            library: LibraryConfig::default(),
            auth: AuthConfig::default(),
            uploads: UploadsConfig::default(),
            transcoding: TranscodingConfig::default(),
            search: SearchConfig::default(),
            subsonic: SubsonicConfig::default(),
            shares: SharesConfig::default(),
            cache: CacheConfig::default(),
            log: LogConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client.
    pub trusted_proxies: Vec<String>,
    /// The address people reach Juke at from elsewhere (`https://music.example.org`), used in
    /// share links. Empty: the address the request that made the link came to.
    pub public_url: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([0, 0, 0, 0], 4533)),
            trusted_proxies: Vec::new(),
            public_url: String::new(),
        }
    }
}

impl ServerConfig {
    /// `trusted_proxies` as networks: a bare address is a network of one.
    pub fn trusted_proxy_nets(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("{entry:?} is not an IP address or a CIDR range"))
            })
            .collect()
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageConfig {
    /// Empty: `sqlite://<data_dir>/juke.db`. Holds a password for PostgreSQL, so its `Debug`
    /// and [`Config::redacted`] hide it.
    pub database_url: String,
    /// The connection pool's ceiling; 0: the engine's default (SQLite 8, PostgreSQL 16).
    pub max_connections: u32,
}

impl fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageConfig")
            .field("database_url", &redact_url(&self.database_url))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LibraryConfig {
    pub folders: Vec<PathBuf>,
    pub scan_on_start: bool,
    pub scan_interval_minutes: u64,
    pub watch: bool,
}

impl Default for LibraryConfig {
    fn default() -> Self {
        LibraryConfig {
            folders: Vec::new(),
            scan_on_start: true,
            scan_interval_minutes: 60,
            watch: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    Open,
    Closed,
    /// Closed, but the log-in page says an invite link is how to join.
    Invite,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthConfig {
    pub registration: Registration,
    pub token_ttl_hours: u64,
    /// Token-signing secret. Empty: generated on first start into `<data_dir>/jwt_secret`.
    pub jwt_secret: String,
    /// The code the first registration (which makes the admin) must present. Empty: a random
    /// one is made at each start while no account exists, logged, printed on stderr and
    /// written to `<data_dir>/setup-code` (0600).
    pub setup_code: String,
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("registration", &self.registration)
            .field("token_ttl_hours", &self.token_ttl_hours)
            .field(
                "jwt_secret",
                &if self.jwt_secret.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .field(
                "setup_code",
                &if self.setup_code.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .finish()
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            registration: Registration::Closed,
            token_ttl_hours: 720,
            jwt_secret: String::new(),
            setup_code: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct UploadsConfig {
    pub max_file_bytes: u64,
    /// What one account's uploads may take in all (0: no quota). Admins have none unless an
    /// admin sets one on their account.
    pub quota_bytes_per_user: u64,
    /// Uploads are refused (507) while the data folder's disk has less than this free.
    pub min_free_bytes: u64,
    /// The longest one upload request may take to send its body, in seconds.
    pub body_timeout_seconds: u64,
}

impl Default for UploadsConfig {
    fn default() -> Self {
        UploadsConfig {
            max_file_bytes: 2 * 1024 * 1024 * 1024,
            quota_bytes_per_user: 20 * 1024 * 1024 * 1024,
            min_free_bytes: 1024 * 1024 * 1024,
            body_timeout_seconds: 3600,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TranscodingConfig {
    /// The ffmpeg to run. Empty: `ffmpeg` found on the PATH, if any.
    pub ffmpeg_path: String,
    /// How many transcodes run at once; 0 turns transcoding off.
    pub max_concurrent: usize,
}

impl Default for TranscodingConfig {
    fn default() -> Self {
        TranscodingConfig {
            ffmpeg_path: String::new(),
            max_concurrent: 4,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchEngine {
    Tantivy,
    Database,
}

/// The Subsonic API (`/rest`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SubsonicConfig {
    /// Whether `/rest` also takes the login password (as `p=`), besides app passwords. Off:
    /// Subsonic sends passwords in URLs (plain or hex) and md5 tokens, so the argon2 login
    /// password should never travel there.
    pub allow_login_password: bool,
}

/// Public links to a track, album or playlist (the web player's "Share", Subsonic's shares).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SharesConfig {
    /// Off: no share can be made, and existing links stop playing (they work again when
    /// turned back on, until they expire).
    pub enabled: bool,
    /// How long a link works when its maker gives no expiry.
    pub default_days: u32,
    /// The longest a link may work.
    pub max_days: u32,
}

impl Default for SharesConfig {
    fn default() -> Self {
        SharesConfig {
            enabled: true,
            default_days: 30,
            max_days: 365,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchConfig {
    pub engine: SearchEngine,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            engine: SearchEngine::Tantivy,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CacheConfig {
    pub max_entries: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            max_entries: 100_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// Log each span's duration when it closes: requests, and (at debug level) every storage
    /// call, so a slow query shows with its time.
    pub timings: bool,
}

/// A configuration that cannot be used. Its message names the key and the problem; the
/// binary exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("{0}")]
    Parse(String),
    #[error("unknown key `{key}` in {file}")]
    UnknownKey { key: String, file: String },
    #[error("{key}: {problem}")]
    Invalid { key: &'static str, problem: String },
}

/// What loading found besides the configuration: things worth a warning, not a refusal.
#[derive(Debug, Default)]
pub struct LoadNotes {
    pub file: Option<PathBuf>,
    pub unknown_env: Vec<String>,
}

impl Config {
    /// Loads and validates the configuration: `explicit` is `--config`; without it
    /// `./config.toml` is read when present.
    pub fn load(explicit: Option<&Path>) -> Result<(Config, LoadNotes), ConfigError> {
        let file = match explicit {
            Some(path) if !path.is_file() => return Err(ConfigError::MissingFile(path.into())),
            Some(path) => Some(path.to_path_buf()),
            None => Some(PathBuf::from("config.toml")).filter(|p| p.is_file()),
        };
        let known = known_keys();
        let mut notes = LoadNotes {
            file: file.clone(),
            ..LoadNotes::default()
        };
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = &file {
            let toml = Toml::file_exact(path);
            for key in provider_keys(&toml)? {
                if !known.contains(&key) {
                    return Err(ConfigError::UnknownKey {
                        key,
                        file: path.display().to_string(),
                    });
                }
            }
            figment = figment.merge(toml);
        }
        let env = Env::prefixed(ENV_PREFIX).split("__");
        notes.unknown_env = provider_keys(&env)?
            .into_iter()
            .filter(|key| !known.contains(key))
            .map(|key| format!("{ENV_PREFIX}{}", key.to_uppercase().replace('.', "__")))
            .collect();
        let config: Config = figment
            .merge(env)
            .extract()
            .map_err(|err| ConfigError::Parse(describe_figment_error(err)))?;
        config.validate()?;
        Ok((config, notes))
    }

    /// Checks what serde cannot: the values' meaning. Does not touch the disk.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "must not be empty"));
        }
        let url = &self.storage.database_url;
        if !url.is_empty() {
            DatabaseUrl::parse(url)
                .map_err(|err| invalid("storage.database_url", err.to_string()))?;
        }
        if self.storage.max_connections > 1000 {
            return Err(invalid(
                "storage.max_connections",
                "must be between 0 (the engine's default) and 1000",
            ));
        }
        self.server
            .trusted_proxy_nets()
            .map_err(|message| invalid("server.trusted_proxies", message))?;
        let public_url = &self.server.public_url;
        if !public_url.is_empty()
            && crate::validate::web_url("server.public_url", Some(public_url)).is_err()
        {
            return Err(invalid(
                "server.public_url",
                "must be an http:// or https:// address (or empty)",
            ));
        }
        if self.shares.max_days == 0 || self.shares.max_days > 3650 {
            return Err(invalid(
                "shares.max_days",
                "must be between 1 and 3650 (ten years)",
            ));
        }
        if self.shares.default_days == 0 || self.shares.default_days > self.shares.max_days {
            return Err(invalid(
                "shares.default_days",
                "must be between 1 and shares.max_days",
            ));
        }
        if self.auth.token_ttl_hours == 0 || self.auth.token_ttl_hours > 24 * 365 * 10 {
            return Err(invalid(
                "auth.token_ttl_hours",
                "must be between 1 and 87600 (ten years)",
            ));
        }
        if !self.auth.setup_code.is_empty() && self.auth.setup_code.trim().len() < 8 {
            return Err(invalid(
                "auth.setup_code",
                "must be at least 8 characters (or empty: one is generated)",
            ));
        }
        if !self.auth.jwt_secret.is_empty() && self.auth.jwt_secret.len() < 32 {
            return Err(invalid(
                "auth.jwt_secret",
                "must be at least 32 characters (or empty to generate one)",
            ));
        }
        if self.uploads.max_file_bytes == 0 {
            return Err(invalid("uploads.max_file_bytes", "must be greater than 0"));
        }
        if self.uploads.body_timeout_seconds == 0 {
            return Err(invalid(
                "uploads.body_timeout_seconds",
                "must be greater than 0",
            ));
        }
        if self.transcoding.max_concurrent > 256 {
            return Err(invalid(
                "transcoding.max_concurrent",
                "must be between 0 (off) and 256",
            ));
        }
        Ok(())
    }

    /// The database URL in force: the configured one, or the SQLite file in `data_dir`.
    pub fn database_url(&self) -> Result<DatabaseUrl, ConfigError> {
        if self.storage.database_url.is_empty() {
            Ok(DatabaseUrl::sqlite(&self.data_dir.join("juke.db")))
        } else {
            DatabaseUrl::parse(&self.storage.database_url)
                .map_err(|err| invalid("storage.database_url", err.to_string()))
        }
    }

    /// Makes sure `data_dir` exists and is writable, before anything is written there.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        let dir = &self.data_dir;
        // Created private: it holds the database, password hashes and the signing secret.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|err| {
                invalid(
                    "data_dir",
                    format!("cannot create {}: {err}", dir.display()),
                )
            })?;
        let probe = dir.join(format!(".juke-write-test-{}", std::process::id()));
        std::fs::write(&probe, b"")
            .and_then(|()| std::fs::remove_file(&probe))
            .map_err(|err| {
                invalid(
                    "data_dir",
                    format!("{} is not writable: {err}", dir.display()),
                )
            })
    }

    /// The effective configuration as TOML, with every secret replaced.
    pub fn redacted(&self) -> String {
        let mut shown = self.clone();
        shown.storage.database_url = match self.database_url() {
            Ok(url) => url.to_string(),
            Err(_) => redact_url(&self.storage.database_url),
        };
        if !shown.auth.jwt_secret.is_empty() {
            shown.auth.jwt_secret = "***".into();
        }
        if !shown.auth.setup_code.is_empty() {
            shown.auth.setup_code = "***".into();
        }
        toml::to_string_pretty(&shown).unwrap_or_else(|err| format!("# cannot render: {err}\n"))
    }
}

fn invalid(key: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        problem: problem.into(),
    }
}

/// Every dotted key the configuration has, taken from the serialized defaults.
fn known_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    if let Ok(data) = Serialized::defaults(Config::default()).data() {
        for dict in data.values() {
            flatten("", dict, &mut keys, true);
        }
    }
    keys
}

/// The dotted keys one provider sets.
fn provider_keys(provider: &impl Provider) -> Result<BTreeSet<String>, ConfigError> {
    let data = provider
        .data()
        .map_err(|err| ConfigError::Parse(describe_figment_error(err)))?;
    let mut keys = BTreeSet::new();
    if let Some(dict) = data.get(&Profile::Default) {
        flatten("", dict, &mut keys, false);
    }
    Ok(keys)
}

/// Collects leaf keys; with `with_tables`, tables' own keys too (so `[server]` alone is known).
fn flatten(prefix: &str, dict: &Dict, keys: &mut BTreeSet<String>, with_tables: bool) {
    for (name, value) in dict {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            Value::Dict(_, inner) => {
                if with_tables {
                    keys.insert(key.clone());
                }
                flatten(&key, inner, keys, with_tables);
            }
            _ => {
                keys.insert(key);
            }
        }
    }
}

/// figment's messages name the key as `for key "server.bind"`; keep them, one line each.
fn describe_figment_error(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository's config.toml documents every key, each with its default value.
    #[test]
    fn shipped_config_file_lists_every_key_at_its_default() {
        let file = Toml::file_exact("config.toml");
        let in_file = provider_keys(&file).expect("config.toml parses");
        let leaves: BTreeSet<String> = {
            let mut keys = BTreeSet::new();
            let data = Serialized::defaults(Config::default()).data().unwrap();
            for dict in data.values() {
                flatten("", dict, &mut keys, false);
            }
            keys
        };
        assert_eq!(in_file, leaves);
        let parsed: Config = Figment::from(file).extract().expect("config.toml is valid");
        assert_eq!(
            toml::to_string(&parsed).unwrap(),
            toml::to_string(&Config::default()).unwrap()
        );
    }

    /// The configurations the packages install (Debian, Homebrew, the container) name the
    /// same keys as config.toml, and parse.
    #[test]
    fn packaged_config_files_name_every_key() {
        let root = provider_keys(&Toml::file_exact("config.toml")).unwrap();
        for packaged in [
            "packaging/debian/config.toml",
            "packaging/homebrew/config.toml",
            "packaging/container/config.toml",
        ] {
            let file = Toml::file_exact(packaged);
            assert_eq!(provider_keys(&file).unwrap(), root, "{packaged}");
            let parsed: Config = Figment::from(file).extract().expect(packaged);
            parsed.validate().expect(packaged);
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let mut config = Config::default();
        config.server.trusted_proxies = vec!["127.0.0.1".into(), "10.0.0.0/8".into(), "::1".into()];
        assert_eq!(config.server.trusted_proxy_nets().unwrap().len(), 3);
        config.validate().unwrap();
        config.server.trusted_proxies = vec!["nginx".into()];
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("server.trusted_proxies"), "{err}");
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://juke:s3cret@db:5432/juke"),
            "postgres://juke:***@db:5432/juke"
        );
        assert_eq!(
            redact_url("sqlite://./data/juke.db"),
            "sqlite://./data/juke.db"
        );
        let config = Config {
            storage: StorageConfig {
                database_url: "postgres://u:s3cret@h/d".into(),
                ..StorageConfig::default()
            },
            ..Config::default()
        };
        let config = Config {
            auth: AuthConfig {
                jwt_secret: "s3cret-signing-key-of-enough-length".into(),
                ..AuthConfig::default()
            },
            ..config
        };
        assert!(!format!("{config:?}").contains("s3cret"));
        assert!(!config.redacted().contains("s3cret"));
    }
}
