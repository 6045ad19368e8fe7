//! `/api/v1/plays` and the listener's own `/me/history` and `/me/stats`.

use actix_web::{HttpResponse, get, post, web};
use chrono::{Duration, Utc};

use super::ApiError;
use super::body::Json;
use super::extract::AuthUser;
use super::page::{Page, PageQuery, time_position};
use super::views::{HistoryEntryView, PlayView, StatsPeriodView, StatsView};
use crate::listening::{self, PlayError, PlayRequest, STATS_PERIODS_DAYS, STATS_TOP};
use crate::storage::Storage;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(record).service(history).service(stats);
}

impl From<PlayError> for ApiError {
    fn from(err: PlayError) -> Self {
        match err {
            PlayError::Field { field, message } => ApiError::InvalidField { field, message },
            PlayError::BeforeEpoch => ApiError::Refused {
                code: "date_before_1970",
                message: PlayError::BeforeEpoch.to_string(),
            },
            PlayError::Storage(inner) => inner.into(),
        }
    }
}

/// 201 with the recorded play; 422 naming the field when the play cannot have happened.
#[post("/plays")]
async fn record(
    me: AuthUser,
    body: Json<PlayRequest>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let play = listening::record(&storage, me.user.id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(PlayView::from(play)))
}

#[get("/me/history")]
async fn history(
    me: AuthUser,
    query: web::Query<PageQuery>,
    storage: web::Data<Storage>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let after = query.time_position()?;
    let items = storage.history(me.user.id, after, limit).await?;
    let page = Page::new(items, limit, |e| time_position(e.played_at, e.id));
    Ok(HttpResponse::Ok().json(page.map(HistoryEntryView::from)))
}

/// Plays, listening time and top tracks, artists and genres over the last 7, 30 and 365 days.
#[get("/me/stats")]
async fn stats(me: AuthUser, storage: web::Data<Storage>) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let mut periods = Vec::with_capacity(STATS_PERIODS_DAYS.len());
    for &days in STATS_PERIODS_DAYS {
        let since = now - Duration::days(days);
        let stats = storage
            .listening_stats(me.user.id, since, STATS_TOP)
            .await?;
        periods.push(StatsPeriodView::new(days, since, stats));
    }
    Ok(HttpResponse::Ok().json(StatsView { periods }))
}
