//! One place that sets up tracing: `RUST_LOG` first, else a quiet default; text or JSON lines,
//! on stderr so that stdout stays for command output (`juke config > file`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::LogFormat;

const DEFAULT_FILTER: &str = "info,sqlx=warn,actix_server=warn";

/// Installs the global subscriber. Calling it twice (as tests may) keeps the first. With
/// `timings`, every span's duration is logged when it closes (`RUST_LOG=info,juke::storage=debug`
/// adds one span per storage call).
pub fn init(format: LogFormat, timings: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(if timings {
            FmtSpan::CLOSE
        } else {
            FmtSpan::NONE
        })
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The pattern of the route a request matched (`/api/v1/tracks/{id}`), or `unmatched`; found
/// once per request and kept in its extensions.
#[derive(Debug, Clone)]
pub struct RoutePattern(pub std::sync::Arc<str>);

impl RoutePattern {
    /// The one in the request's extensions, else found now.
    pub fn of(request: &actix_web::dev::ServiceRequest) -> RoutePattern {
        use actix_web::HttpMessage;

        if let Some(known) = request.extensions().get::<RoutePattern>() {
            return known.clone();
        }
        let found = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        RoutePattern(found.into())
    }
}

/// Request spans named by the route pattern (`/api/v1/tracks/{id}/stream`), never the raw
/// URL: media links carry their token in the query string, and logs must not. `/healthz`, which
/// load balancers poll, is at debug level.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;

        let route = RoutePattern::of(request);
        // Kept for the metrics middleware: finding the pattern walks the whole route table.
        request.extensions_mut().insert(route.clone());
        let route = route.0;
        let method = request.method().clone();
        if &*route == "/healthz" {
            tracing::debug_span!("request", %method, %route, status = tracing::field::Empty)
        } else {
            tracing::info_span!("request", %method, %route, status = tracing::field::Empty)
        }
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, error) = match outcome {
            Ok(response) => (
                response.status(),
                response.response().error().map(ToString::to_string),
            ),
            Err(error) => (
                error.as_response_error().status_code(),
                Some(error.to_string()),
            ),
        };
        span.record("status", status.as_u16());
        // A client's mistake is no event for the operator (and any client could fill the
        // journal with them): debug. The server's failures are errors.
        let _entered = span.enter();
        if status.is_server_error() {
            tracing::error!(
                status = status.as_u16(),
                error = error.as_deref(),
                "request failed"
            );
        } else if status.is_client_error() {
            tracing::debug!(
                status = status.as_u16(),
                error = error.as_deref(),
                "request refused"
            );
        }
    }
}
