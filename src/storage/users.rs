//! Accounts and their sessions.

use chrono::{DateTime, Utc};

use super::Returned;
use super::{
    AdminUserPatch, CacheKind, Engine, Id, NewSession, NewUser, ProfilePatch, Session,
    SessionEntry, Storage, StorageError, StorageResult, Ts, User, with_pool,
};

pub(super) const USER_COLUMNS: &str = "id, username, email, first_name, last_name, avatar_url, bio, subscription, \
     is_active, email_verified, is_admin, created_at, updated_at, upload_quota_bytes";

const SESSION_COLUMNS: &str =
    "id, user_id, expires_at, created_at, last_used_at, ip_address, user_agent";

impl Storage {
    /// Creates an account (the first of an empty instance is an admin whatever `is_admin`
    /// says, as [`Storage::register_user`] decides).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_user(&self, new: &NewUser) -> StorageResult<User> {
        self.register_user(new, true)
            .await?
            .ok_or_else(|| StorageError::Invalid("account creation refused".into()))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
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
    #[tracing::instrument(level = "debug", skip_all)]
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

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_users(&self) -> StorageResult<i64> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, i64>("SELECT count(*) FROM users")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Creates an account under the registration rule: the first account of an empty instance
    /// is always created and is an admin; later ones only when `others_allowed`. `None` when
    /// refused. Serialised, so two first registrations cannot both become admin.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn register_user(
        &self,
        new: &NewUser,
        others_allowed: bool,
    ) -> StorageResult<Option<User>> {
        let sql = format!(
            "INSERT INTO users (id, username, email, password_hash, first_name, last_name, is_admin) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {USER_COLUMNS}"
        );
        let engine = self.engine();
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            serialize_accounts::<DB>(engine, &mut tx).await?;
            let existing = sqlx::query_scalar::<DB, i64>("SELECT count(*) FROM users")
                .fetch_one(&mut *tx)
                .await?;
            if existing > 0 && !others_allowed {
                return Ok(None);
            }
            let user = sqlx::query_as::<DB, User>(&sql)
                .bind(Id::new())
                .bind(&new.username)
                .bind(&new.email)
                .bind(&new.password_hash)
                .bind(&new.first_name)
                .bind(&new.last_name)
                .bind(new.is_admin || existing == 0)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(user))
        })
    }

    /// Accounts in username order, after the given (lowercased) username.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_users(&self, after: Option<&str>, limit: i64) -> StorageResult<Vec<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE ($1 IS NULL OR lower(username) > $1) \
             ORDER BY lower(username) LIMIT $2"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, User>(&sql)
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Changes the profile fields the patch names.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn update_profile(&self, id: Id, patch: &ProfilePatch) -> StorageResult<User> {
        let sql = format!(
            "UPDATE users SET \
             first_name = CASE WHEN $2 THEN $3 ELSE first_name END, \
             last_name = CASE WHEN $4 THEN $5 ELSE last_name END, \
             bio = CASE WHEN $6 THEN $7 ELSE bio END, \
             avatar_url = CASE WHEN $8 THEN $9 ELSE avatar_url END, \
             email = CASE WHEN $10 THEN $11 ELSE email END, \
             email_verified = CASE WHEN $10 AND email IS DISTINCT FROM $11 THEN FALSE ELSE email_verified END \
             WHERE id = $1 RETURNING {USER_COLUMNS}"
        );
        let field = |f: &Option<Option<String>>| (f.is_some(), f.clone().flatten());
        let (first, last, bio, avatar, email) = (
            field(&patch.first_name),
            field(&patch.last_name),
            field(&patch.bio),
            field(&patch.avatar_url),
            field(&patch.email),
        );
        let user = with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, User>(&sql)
                .bind(id)
                .bind(first.0)
                .bind(&first.1)
                .bind(last.0)
                .bind(&last.1)
                .bind(bio.0)
                .bind(&bio.1)
                .bind(avatar.0)
                .bind(&avatar.1)
                .bind(email.0)
                .bind(&email.1)
                .fetch_all(pool)
                .await?
                .returned_one()?
        });
        self.cache.forget_sessions();
        Ok(user)
    }

    /// An admin's change to an account. Deactivating revokes every session of the account.
    /// Refused with `Conflict("last_admin")` when it would leave no active admin.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn admin_update_user(&self, id: Id, patch: &AdminUserPatch) -> StorageResult<User> {
        let sql = format!(
            "UPDATE users SET \
             is_admin = COALESCE($2, is_admin), \
             is_active = COALESCE($3, is_active), \
             subscription = COALESCE($4, subscription), \
             email_verified = COALESCE($5, email_verified), \
             upload_quota_bytes = CASE WHEN $6 THEN $7 ELSE upload_quota_bytes END \
             WHERE id = $1 RETURNING {USER_COLUMNS}"
        );
        let engine = self.engine();
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            serialize_accounts::<DB>(engine, &mut tx).await?;
            let user = sqlx::query_as::<DB, User>(&sql)
                .bind(id)
                .bind(patch.is_admin)
                .bind(patch.is_active)
                .bind(&patch.subscription)
                .bind(patch.email_verified)
                .bind(patch.upload_quota_bytes.is_some())
                .bind(patch.upload_quota_bytes.flatten())
                .fetch_one(&mut *tx)
                .await?;
            let admins = sqlx::query_scalar::<DB, i64>(
                "SELECT count(*) FROM users WHERE is_admin AND is_active",
            )
            .fetch_one(&mut *tx)
            .await?;
            if admins == 0 {
                // Dropping the transaction rolls the change back.
                return Err(StorageError::Conflict("last_admin".into()));
            }
            if !user.is_active {
                sqlx::query::<DB>("DELETE FROM user_sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            self.cache.forget_sessions();
            Ok(user)
        })
    }

    /// The password hash of an account, to check a password against.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn password_hash(&self, id: Id) -> StorageResult<String> {
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, String>("SELECT password_hash FROM users WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Replaces the password hash and revokes every session but `keep`.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn set_password_hash(
        &self,
        id: Id,
        hash: &str,
        keep: Option<Id>,
    ) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query::<DB>("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(id)
                .bind(hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            found(changed)?;
            sqlx::query::<DB>(
                "DELETE FROM user_sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)",
            )
            .bind(id)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            self.cache.forget_sessions();
            Ok(())
        })
    }

    /// The session a bearer token names, with its account, if the session exists, its token
    /// hash matches and it has not expired. The caller checks the account is active. Served
    /// from the cache when it is on: every request authenticates.
    #[tracing::instrument(level = "debug", skip_all, fields(%session_id))]
    pub async fn authenticate(
        &self,
        session_id: Id,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<(User, Session)> {
        let entry = self
            .cache
            .get_or_load(CacheKind::Session, session_id, async {
                let session = self.live_session(session_id, token_hash, now).await?;
                let user = self.user(session.user_id).await?;
                Ok(SessionEntry {
                    user,
                    session,
                    token_hash: token_hash.to_owned(),
                })
            })
            .await?;
        // A cached session still has to match this token and be unexpired.
        if entry.token_hash != token_hash || entry.session.expires_at <= now {
            return Err(StorageError::NotFound);
        }
        Ok((entry.user.clone(), entry.session.clone()))
    }

    /// Records that a session was used now.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn touch_session(&self, id: Id, now: DateTime<Utc>) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("UPDATE user_sessions SET last_used_at = $2 WHERE id = $1")
                .bind(id)
                .bind(Ts(now))
                .execute(pool)
                .await?;
        });
        // Reloaded on next use with the new time, so it is not touched again for a while.
        self.cache.forget(CacheKind::Session, id);
        Ok(())
    }

    /// An account's unexpired sessions, most recently created first.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn sessions_of(
        &self,
        user_id: Id,
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM user_sessions WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY created_at DESC, id DESC"
        );
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Session>(&sql)
                .bind(user_id)
                .bind(Ts(now))
                .fetch_all(pool)
                .await?
        }))
    }

    /// Revokes one of an account's sessions. `NotFound` when it is not theirs.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id, %session_id))]
    pub async fn revoke_session(&self, user_id: Id, session_id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM user_sessions WHERE id = $1 AND user_id = $2")
                .bind(session_id)
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if affected > 0 {
            self.cache.forget(CacheKind::Session, session_id);
        }
        found(affected)
    }

    /// Erases an account and, by cascade, everything that is only theirs. Accounts are
    /// normally deactivated instead; this is for tests and explicit erasure.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_user(&self, id: Id) -> StorageResult<()> {
        let _write = self.cache.catalog_write();
        // Their plays and likes go with them: those tracks' counts drop by trigger.
        let counted = with_pool!(self, |pool, DB| {
            sqlx::query_scalar::<DB, Id>(
                "SELECT track_id FROM play_history WHERE user_id = $1 \
                 UNION SELECT track_id FROM user_favorites WHERE user_id = $1",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM users WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .map_err(StorageError::restrict_is_conflict)?
                .rows_affected()
        });
        self.cache.forget_sessions();
        self.tracks_changed(&counted);
        found(affected)
    }

    #[tracing::instrument(level = "debug", skip_all)]
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
                .fetch_all(pool)
                .await?
                .returned_one()?
        }))
    }

    /// The live session with this id and token hash, if it has not expired.
    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
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

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_session(&self, id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM user_sessions WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        self.cache.forget(CacheKind::Session, id);
        found(affected)
    }
}

/// Makes account changes that check a count (first user, last admin) run one at a time:
/// an advisory lock on PostgreSQL; on SQLite a write first, which takes the database's write
/// lock (and purges expired sessions while it is at it).
pub(super) async fn serialize_accounts<DB>(
    engine: Engine,
    tx: &mut sqlx::Transaction<'_, DB>,
) -> StorageResult<()>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> Ts: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let sql = match engine {
        Engine::Postgres => "SELECT pg_advisory_xact_lock(4533), $1 IS NULL",
        Engine::Sqlite => "DELETE FROM user_sessions WHERE expires_at < $1",
    };
    sqlx::query::<DB>(sql)
        .bind(Ts(Utc::now()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Turns "no row changed" into [`StorageError::NotFound`].
pub(super) fn found(rows_affected: u64) -> StorageResult<()> {
    if rows_affected == 0 {
        Err(StorageError::NotFound)
    } else {
        Ok(())
    }
}
