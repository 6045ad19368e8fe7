//! App passwords: sealed secrets for Subsonic clients, a few per account.

use chrono::{DateTime, Utc};

use super::Returned;
use super::users::found;
use super::{
    AppPassword, Id, NewAppPassword, SealedAppPassword, Storage, StorageResult, Ts, with_pool,
};

const COLUMNS: &str = "id, user_id, name, created_at, last_used_at";

impl Storage {
    /// Stores a new app password, unless the account already has `most` of them
    /// (`Ok(None)`): counted and inserted in one statement, so two at once cannot pass it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_app_password(
        &self,
        new: &NewAppPassword,
        most: i64,
    ) -> StorageResult<Option<AppPassword>> {
        let sql = format!(
            "INSERT INTO app_passwords (id, user_id, name, lookup_hash, sealed_secret) \
             SELECT $1, $2, $3, $4, $5 \
             WHERE (SELECT count(*) FROM app_passwords WHERE user_id = $2) < $6 \
             RETURNING {COLUMNS}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, AppPassword>(&sql)
                .bind(new.id)
                .bind(new.user_id)
                .bind(&new.name)
                .bind(&new.lookup_hash)
                .bind(&new.sealed_secret)
                .bind(most)
                .fetch_all(pool)
                .await?
                .returned_optional()
        }))
    }

    /// An account's app passwords, newest first (without their secrets).
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn app_passwords_of(&self, user_id: Id) -> StorageResult<Vec<AppPassword>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM app_passwords WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, AppPassword>(&sql)
                .bind(user_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Revokes one of an account's app passwords. `NotFound` when it is not theirs.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %id))]
    pub async fn delete_app_password(&self, user_id: Id, id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM app_passwords WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }

    /// The sealed secrets of the account with this username or email (case-insensitive):
    /// token authentication must try each.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sealed_app_passwords(&self, login: &str) -> StorageResult<Vec<SealedAppPassword>> {
        let sql = "SELECT a.id, a.user_id, a.sealed_secret FROM app_passwords a \
                   JOIN users u ON u.id = a.user_id \
                   WHERE lower(u.username) = lower($1) OR lower(u.email) = lower($1)";
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, SealedAppPassword>(sql)
                .bind(login)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The app password whose secret hashes to `lookup_hash` (an OpenSubsonic API key).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn app_password_by_hash(
        &self,
        lookup_hash: &str,
    ) -> StorageResult<SealedAppPassword> {
        let sql = "SELECT id, user_id, sealed_secret FROM app_passwords WHERE lookup_hash = $1";
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, SealedAppPassword>(sql)
                .bind(lookup_hash)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Records a use (at most once a minute per app password, like sessions).
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn touch_app_password(&self, id: Id, now: DateTime<Utc>) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "UPDATE app_passwords SET last_used_at = $2 \
                 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
            )
            .bind(id)
            .bind(Ts(now))
            .bind(Ts(now - chrono::Duration::seconds(60)))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }
}
