//! Newest-first lists paged by `(time, id)`: each binds its owner as `$1`, the previous page's
//! last `(time, id)` as `$2, $3` (both NULL for the first page) and the limit as `$4`.

use chrono::{DateTime, Utc};

use super::{Id, Ts};

/// The tail of such a statement: rows before the position, newest first, one page.
pub(super) fn newest_first(at: &str, id: &str) -> String {
    format!(
        "AND ($2 IS NULL OR {at} < $2 OR ({at} = $2 AND {id} < $3)) \
         ORDER BY {at} DESC, {id} DESC LIMIT $4"
    )
}

/// The `$2, $3` values for a position.
pub(super) fn position(after: Option<(DateTime<Utc>, Id)>) -> (Option<Ts>, Option<Id>) {
    after.map_or((None, None), |(at, id)| (Some(Ts(at)), Some(id)))
}
