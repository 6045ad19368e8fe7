//! What `GET /metrics` reports. Requests are counted and timed by [`record`] as their
//! responses leave; the rest (scan progress, transcodes, cache, connection pool) is read from
//! its owner at scrape time, so nothing on the request path pays for it.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use bytes::Bytes;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::library::service::Library;
use crate::media::transcode::Transcoder;
use crate::storage::{CacheStats, Storage};

/// Upper bounds of the latency buckets, in seconds: from a cached page (sub-millisecond) to a
/// slow upload.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The routes whose responses are audio: a response in flight there is a listener.
const STREAM_ROUTES: [&str; 2] = ["/api/v1/tracks/{id}/stream", "/api/v1/tracks/{id}/download"];
const SUBSONIC_STREAMS: [&str; 4] = [
    "/rest/stream",
    "/rest/stream.view",
    "/rest/download",
    "/rest/download.view",
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    /// The route's pattern (`/api/v1/tracks/{id}`), never the raw path: ids would make one
    /// series per track, and media links carry tokens.
    route: std::sync::Arc<str>,
    status: u16,
}

type LatencyFamily = Family<HttpLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<HttpLabels, Counter>,
    latency: LatencyFamily,
    streams: Gauge,
}

impl Metrics {
    pub fn new(storage: &Storage, library: Arc<Library>, transcoder: Arc<Transcoder>) -> Metrics {
        let requests = Family::<HttpLabels, Counter>::default();
        let latency: LatencyFamily =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        let streams = Gauge::default();
        let mut registry = Registry::with_prefix("juke");
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response's head, by method, route pattern and status",
            latency.clone(),
        );
        registry.register(
            "streams_active",
            "Audio responses (stream, download) being sent now",
            streams.clone(),
        );
        registry.register_collector(Box::new(CacheCollector(storage.clone())));
        registry.register_collector(Box::new(PoolCollector(storage.clone())));
        registry.register_collector(Box::new(ScanCollector(library)));
        registry.register_collector(Box::new(TranscodeCollector(transcoder)));
        Metrics {
            registry,
            requests,
            latency,
            streams,
        }
    }

    /// The whole exposition: the registry, then the upload queue (which the caller read from
    /// the database, as a collector cannot wait for it).
    pub fn render(&self, uploads: &[(String, i64)]) -> Result<String, std::fmt::Error> {
        let mut body = String::with_capacity(16 * 1024);
        prometheus_client::encoding::text::encode_registry(&mut body, &self.registry)?;
        let mut scrape = Registry::with_prefix("juke");
        scrape.register_collector(Box::new(UploadCollector(uploads.to_vec())));
        prometheus_client::encoding::text::encode_registry(&mut body, &scrape)?;
        prometheus_client::encoding::text::encode_eof(&mut body)?;
        Ok(body)
    }

    fn observe(&self, labels: HttpLabels, seconds: f64) {
        self.latency.get_or_create(&labels).observe(seconds);
        self.requests.get_or_create(&labels).inc();
    }
}

/// The middleware: counts and times every response, and keeps `streams_active` while an
/// audio body is being sent.
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, Tracked>>, actix_web::Error> {
    let Some(metrics) = request.app_data::<web::Data<Metrics>>().cloned() else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = crate::telemetry::RoutePattern::of(&request).0;
    let is_stream =
        STREAM_ROUTES.contains(&route.as_ref()) || SUBSONIC_STREAMS.contains(&request.path());
    let outcome = next.call(request).await;
    let status = match &outcome {
        Ok(response) => response.status().as_u16(),
        Err(error) => error.as_response_error().status_code().as_u16(),
    };
    metrics.observe(
        HttpLabels {
            method,
            route,
            status,
        },
        started.elapsed().as_secs_f64(),
    );
    let response = outcome?;
    if is_stream && response.status().is_success() {
        let guard = StreamGuard::new(metrics.streams.clone());
        Ok(response.map_body(|_, body| {
            EitherBody::right(Tracked {
                body: body.boxed(),
                _guard: guard,
            })
        }))
    } else {
        Ok(response.map_into_left_body())
    }
}

/// Counts one stream from its response's start until its body is finished or dropped (the
/// listener went away).
struct StreamGuard(Gauge);

impl StreamGuard {
    fn new(gauge: Gauge) -> StreamGuard {
        gauge.inc();
        StreamGuard(gauge)
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// An audio body, counted in `streams_active` while it lives.
pub struct Tracked {
    body: BoxBody,
    _guard: StreamGuard,
}

impl MessageBody for Tracked {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_next(cx)
    }
}

#[derive(Debug)]
struct CacheCollector(Storage);

/// A counter family: its name, its help, and how to read one kind's value.
type CacheFamily = (&'static str, &'static str, fn(&CacheStats) -> u64);

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.0.cache_stats();
        let families: [CacheFamily; 2] = [
            (
                "cache_hits",
                "Reads served from the hot-read cache, by kind of row",
                |s| s.hits,
            ),
            (
                "cache_misses",
                "Reads the hot-read cache passed to the database, by kind of row",
                |s| s.misses,
            ),
        ];
        for (name, help, value) in families {
            let counter = ConstCounter::new(0u64);
            let mut metric = encoder.encode_descriptor(name, help, None, counter.metric_type())?;
            for stat in &stats {
                let labels = [("kind", stat.kind.name())];
                let family = metric.encode_family(&labels)?;
                ConstCounter::new(value(stat)).encode(family)?;
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
struct PoolCollector(Storage);

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let pool = self.0.pool_stats();
        let gauge = ConstGauge::new(0i64);
        let mut metric = encoder.encode_descriptor(
            "db_connections",
            "Database connections open, by state (busy: running a statement or in a transaction)",
            None,
            gauge.metric_type(),
        )?;
        let busy = pool.open.saturating_sub(pool.idle);
        for (state, count) in [("idle", pool.idle), ("busy", busy)] {
            let labels = [("state", state)];
            let family = metric.encode_family(&labels)?;
            ConstGauge::new(i64::from(count)).encode(family)?;
        }
        gauge_value(
            &mut encoder,
            "db_connections_max",
            "The most connections the pool opens",
            i64::from(pool.max),
        )?;
        gauge_value(
            &mut encoder,
            "database_up",
            "0 while the database is known to be unreachable (requests are answered 503)",
            i64::from(!self.0.database_down()),
        )
    }
}

struct ScanCollector(Arc<Library>);

impl std::fmt::Debug for ScanCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScanCollector")
    }
}

impl Collector for ScanCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let status = self.0.status();
        gauge_value(
            &mut encoder,
            "scan_running",
            "1 while a library scan runs",
            i64::from(status.running),
        )?;
        gauge_value(
            &mut encoder,
            "scan_files_found",
            "Audio files the running (or last) scan found",
            i64::try_from(status.found).unwrap_or(i64::MAX),
        )?;
        gauge_value(
            &mut encoder,
            "scan_files_processed",
            "Audio files the running (or last) scan has dealt with",
            i64::try_from(status.processed).unwrap_or(i64::MAX),
        )
    }
}

struct TranscodeCollector(Arc<Transcoder>);

impl std::fmt::Debug for TranscodeCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TranscodeCollector")
    }
}

impl Collector for TranscodeCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        gauge_value(
            &mut encoder,
            "transcodes_active",
            "ffmpeg transcodes running now",
            i64::try_from(self.0.active()).unwrap_or(i64::MAX),
        )?;
        let counter = ConstCounter::new(self.0.started());
        let metric = encoder.encode_descriptor(
            "transcodes",
            "ffmpeg transcodes started",
            None,
            counter.metric_type(),
        )?;
        counter.encode(metric)
    }
}

#[derive(Debug)]
struct UploadCollector(Vec<(String, i64)>);

impl Collector for UploadCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let gauge = ConstGauge::new(0i64);
        let mut metric = encoder.encode_descriptor(
            "upload_queue",
            "Rows of the upload queue, by status",
            None,
            gauge.metric_type(),
        )?;
        // Every status is reported, zero included, so a dashboard's series never vanish.
        for status in ["pending", "processing", "completed", "failed"] {
            let count = self
                .0
                .iter()
                .find(|(name, _)| name == status)
                .map_or(0, |(_, count)| *count);
            let labels = [("status", status)];
            let family = metric.encode_family(&labels)?;
            ConstGauge::new(count).encode(family)?;
        }
        Ok(())
    }
}

fn gauge_value(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: i64,
) -> Result<(), std::fmt::Error> {
    let gauge = ConstGauge::new(value);
    let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
    gauge.encode(metric)
}
