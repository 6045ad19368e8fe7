//! Builds the server: connect, migrate, bind. The socket is bound before [`Application::run`],
//! so callers (and tests, on port 0) know the real address at once.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::middleware::{Compress, NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::api;
use crate::auth::AuthService;
use crate::auth::forwarded::TrustedProxies;
use crate::auth::setup::SetupCode;
use crate::config::Config;
use crate::library::service::Library;
use crate::library::uploads::Uploads;
use crate::media::artwork::Artwork;
use crate::media::transcode::Transcoder;
use crate::metrics::Metrics;
use crate::search::Search;
use crate::storage::Storage;
use crate::telemetry::RequestSpan;

/// Why the server could not start. Configuration problems exit with 2, the rest with 1.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("database: {0}")]
    Storage(#[from] crate::storage::StorageError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Secret(#[from] crate::auth::secret::SecretError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Account(String),
    #[error(transparent)]
    Backup(crate::backup::BackupError),
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    #[error("server failed: {0}")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    Instance(#[from] crate::instance::InstanceError),
    #[error("cannot write the setup code: {0}")]
    SetupCode(#[source] std::io::Error),
}

/// Opens the database named by the configuration and brings its schema up to date.
pub async fn open_storage(config: &Config) -> Result<Storage, StartError> {
    config.prepare_data_dir()?;
    let storage = Storage::open(&config.database_url()?, config.storage.max_connections).await?;
    storage.migrate().await?;
    Ok(storage)
}

pub struct Application {
    server: Server,
    addr: SocketAddr,
    storage: Storage,
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartError> {
        Self::build_fresh(config, false).await
    }

    /// As [`Application::build`]; `fresh` allows an empty database beside a data folder
    /// another database with accounts used (`juke serve --fresh`).
    pub async fn build_fresh(config: Config, fresh: bool) -> Result<Application, StartError> {
        let storage = open_storage(&config)
            .await?
            .with_cache(config.cache.max_entries);
        crate::instance::check(&storage, &config.data_dir, fresh).await?;
        crate::instance::remember(storage.clone(), config.data_dir.clone());
        let auth = web::Data::new(AuthService::new(&config)?);
        let import_slots = web::Data::new(api::ImportSlots::default());
        let setup = web::Data::new(SetupCode::new(&config.data_dir, &config.auth.setup_code));
        if storage.count_users().await? == 0 {
            setup.announce().map_err(StartError::SetupCode)?;
        }
        let library = Library::start(storage.clone(), &config);
        let uploads = web::Data::from(Uploads::start(storage.clone(), &config));
        let artwork = web::Data::new(Artwork::new(&config.data_dir));
        let transcoder = std::sync::Arc::new(Transcoder::new(&config.transcoding));
        let metrics = web::Data::new(Metrics::new(&storage, library.clone(), transcoder.clone()));
        let library = web::Data::from(library);
        let transcoder = web::Data::from(transcoder);
        let (search, search_state) = Search::open(&config, storage.clone()).await?;
        // Subscribed before the server answers, so no catalog write goes unseen.
        search.start(search_state);
        let search = web::Data::new(search);
        let now_playing = web::Data::new(crate::subsonic::NowPlaying::default());
        let song_roots = web::Data::new(crate::subsonic::song_roots(&config));
        // Validated with the rest of the configuration.
        let proxies = web::Data::new(TrustedProxies::new(
            config.server.trusted_proxy_nets().unwrap_or_default(),
        ));
        let bind = config.server.bind;
        let listener =
            TcpListener::bind(bind).map_err(|source| StartError::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr: bind, source })?;
        let data = web::Data::new(storage.clone());
        let config = web::Data::new(config);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(Compress::default())
                .wrap(from_fn(crate::metrics::record))
                .wrap(NormalizePath::new(TrailingSlash::Trim))
                .wrap(TracingLogger::<RequestSpan>::new())
                .app_data(data.clone())
                .app_data(auth.clone())
                .app_data(setup.clone())
                .app_data(import_slots.clone())
                .app_data(library.clone())
                .app_data(uploads.clone())
                .app_data(artwork.clone())
                .app_data(transcoder.clone())
                .app_data(metrics.clone())
                .app_data(search.clone())
                .app_data(now_playing.clone())
                .app_data(song_roots.clone())
                .app_data(proxies.clone())
                .app_data(config.clone())
                .configure(api::configure)
                .configure(crate::subsonic::routes)
                .configure(crate::web::routes)
                .default_service(web::to(crate::web::fallback))
        })
        // Responses are written whole and flushed: Nagle's algorithm would hold each write's
        // last partial segment until the client's delayed ACK, tens of milliseconds later.
        .on_connect(|connection, _| {
            if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .workers(worker_count())
        .shutdown_timeout(30)
        .listen(listener)
        .map_err(|source| StartError::Bind { addr: bind, source })?
        .run();
        tracing::info!(
            %addr,
            database = storage.engine().name(),
            "juke listening on http://{addr}"
        );
        Ok(Application {
            server,
            addr,
            storage,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server from elsewhere (tests; a future admin "restart").
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish (up to 30 s)
    /// and closes the database.
    pub async fn run(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.storage.close().await;
        tracing::info!("juke stopped");
        result
    }
}

/// A NAS has few cores and many idle hours: a couple of workers serve a family.
fn worker_count() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4))
}
