//! Accounts and their sessions.

use chrono::{DateTime, Utc};

use super::{
    Id, NewSession, NewUser, Session, Storage, StorageError, StorageResult, Ts, User, with_pool,
};

const USER_COLUMNS: &str = "id, username, email, first_name, last_name, avatar_url, bio, subscription, \
     is_active, email_verified, is_admin, created_at, updated_at";

const SESSION_COLUMNS: &str =
    "id, user_id, expires_at, created_at, last_used_at, ip_address, user_agent";

impl Storage {
    pub async fn create_user(&self, new: &NewUser) -> StorageResult<User> {
        let sql = format!(
            "INSERT INTO users (id, username, email, password_hash, first_name, last_name, is_admin) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {USER_COLUMNS}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, User>(&sql)
                .bind(Id::new())
                .bind(&new.username)
                .bind(&new.email)
                .bind(&new.password_hash)
                .bind(&new.first_name)
                .bind(&new.last_name)
                .bind(new.is_admin)
                .fetch_one(pool)
                .await?
        }))
    }

    pub async fn user(&self, id: Id) -> StorageResult<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, User>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// The account and its password hash for a login name, matched against the username or
    /// the email, case-insensitively.
    pub async fn user_for_login(&self, login: &str) -> StorageResult<(User, String)> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users \
             WHERE lower(username) = lower($1) OR lower(email) = lower($1) \
             ORDER BY (lower(username) = lower($1)) DESC LIMIT 1"
        );
        with_pool!(self, |pool, DB| {
            let row = sqlx::query(&sql).bind(login).fetch_one(pool).await?;
            let user = <User as sqlx::FromRow<_>>::from_row(&row)?;
            let hash: String = sqlx::Row::try_get(&row, "password_hash")?;
            Ok((user, hash))
        })
    }

    pub async fn count_users(&self) -> StorageResult<i64> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>("SELECT count(*) FROM users")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Erases an account and, by cascade, everything that is only theirs. Accounts are
    /// normally deactivated instead; this is for tests and explicit erasure.
    pub async fn delete_user(&self, id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM users WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .map_err(StorageError::restrict_is_conflict)?
                .rows_affected()
        });
        found(affected)
    }

    pub async fn set_user_active(&self, id: Id, active: bool) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("UPDATE users SET is_active = $2 WHERE id = $1")
                .bind(id)
                .bind(active)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }

    pub async fn create_session(&self, new: &NewSession) -> StorageResult<Session> {
        let sql = format!(
            "INSERT INTO user_sessions (id, user_id, session_token, expires_at, ip_address, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {SESSION_COLUMNS}"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Session>(&sql)
                .bind(new.id)
                .bind(new.user_id)
                .bind(&new.token_hash)
                .bind(Ts(new.expires_at))
                .bind(&new.ip_address)
                .bind(&new.user_agent)
                .fetch_one(pool)
                .await?
        }))
    }

    /// The live session with this id and token hash, if it has not expired.
    pub async fn live_session(
        &self,
        id: Id,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Session> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM user_sessions \
             WHERE id = $1 AND session_token = $2 AND expires_at > $3"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Session>(&sql)
                .bind(id)
                .bind(token_hash)
                .bind(Ts(now))
                .fetch_one(pool)
                .await?
        }))
    }

    pub async fn delete_session(&self, id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM user_sessions WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }
}

/// Turns "no row changed" into [`StorageError::NotFound`].
pub(super) fn found(rows_affected: u64) -> StorageResult<()> {
    if rows_affected == 0 {
        Err(StorageError::NotFound)
    } else {
        Ok(())
    }
}
