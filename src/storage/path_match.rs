//! Finding a track by the tail of its file path (a playlist import's line) through the file
//! name index (migration `track_file_names`), not by scanning every path.

use super::{Id, Storage, StorageResult, with_pool};

/// A file name shared by more tracks than this is matched among the first this many only: a
/// tail that long a list leaves ambiguous is not worth reading it all for.
const MAX_CANDIDATES: i64 = 1000;

/// Must be the indexed expression, character for character, for the index to be used.
const FILE_NAME: &str = "replace(file_path, rtrim(file_path, replace(file_path, '/', '')), '')";

impl Storage {
    /// Tracks whose file name (after the last `/`) is `name`, with their paths.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn tracks_by_file_name(&self, name: &str) -> StorageResult<Vec<(Id, String)>> {
        let sql = format!("SELECT id, file_path FROM tracks WHERE {FILE_NAME} = $1 LIMIT $2");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, (Id, String)>(&sql)
                .bind(name)
                .bind(MAX_CANDIDATES)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The track whose path ends with the longest of the last three parts of `location` that
    /// names exactly one track (as [`Storage::track_by_path_suffix`] asked three times).
    pub async fn track_by_path_tail(&self, location: &str) -> StorageResult<Option<Id>> {
        let normalized = location.replace('\\', "/");
        let parts: Vec<&str> = normalized.split('/').filter(|p| !p.is_empty()).collect();
        let Some(name) = parts.last() else {
            return Ok(None);
        };
        let candidates = self.tracks_by_file_name(name).await?;
        if candidates.is_empty() {
            return Ok(None);
        }
        Ok(best_tail_match(&parts, &candidates))
    }
}

/// The one candidate ending with `/` + the last three parts, else the last two, else the last
/// one; a tail that two candidates share matches nothing at that length.
fn best_tail_match(parts: &[&str], candidates: &[(Id, String)]) -> Option<Id> {
    for take in (1..=3.min(parts.len())).rev() {
        let tail = format!("/{}", parts[parts.len() - take..].join("/"));
        let mut matching = candidates.iter().filter(|(_, path)| path.ends_with(&tail));
        if let (Some((id, _)), None) = (matching.next(), matching.next()) {
            return Some(*id);
        }
    }
    None
}
