//! `GET /metrics`: Prometheus text format (OpenMetrics). Counters are read from their owners
//! at scrape time, so nothing on the request path pays for them.

use actix_web::{HttpResponse, get, web};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::registry::Registry;

use super::ApiError;
use crate::storage::{CacheStats, Storage};

/// The registry `/metrics` encodes.
pub fn registry(storage: &Storage) -> Registry {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(CacheCollector(storage.clone())));
    registry
}

#[derive(Debug)]
struct CacheCollector(Storage);

/// A counter family: its name, its help, and how to read one kind's value.
type Family = (&'static str, &'static str, fn(&CacheStats) -> u64);

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.0.cache_stats();
        let families: [Family; 2] = [
            (
                "juke_cache_hits",
                "Reads served from the hot-read cache, by kind of row",
                |s| s.hits,
            ),
            (
                "juke_cache_misses",
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

#[get("/metrics")]
pub async fn metrics(registry: web::Data<Registry>) -> Result<HttpResponse, ApiError> {
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &registry).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(body))
}
