//! Invites and password resets: one-use links an admin hands out. Each is spent in the same
//! transaction as what it does, so two people racing one link cannot both use it.

use chrono::{DateTime, Utc};

use super::id::Ts;
use super::users::{USER_COLUMNS, found, serialize_accounts};
use super::{Id, Invite, LinkRefusal, NewInvite, NewUser, Storage, StorageResult, User, with_pool};

/// Invites kept at most (used and expired ones included, until deleted).
pub const MAX_INVITES: i64 = 500;

const INVITE_SELECT: &str = "SELECT i.id, i.created_by, c.username AS created_by_name, \
     i.is_admin, i.note, i.expires_at, i.used_at, u.username AS used_by_name, i.created_at \
     FROM invites i LEFT JOIN users c ON c.id = i.created_by \
     LEFT JOIN users u ON u.id = i.used_by";

/// A one-use link's row as a redemption finds it.
#[derive(sqlx::FromRow)]
struct Redeemable {
    id: Id,
    used_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
}

impl Redeemable {
    fn refusal(found: Option<Redeemable>, now: DateTime<Utc>) -> Result<Id, LinkRefusal> {
        match found {
            None => Err(LinkRefusal::Unknown),
            Some(r) if r.used_at.is_some() => Err(LinkRefusal::Used),
            Some(r) if r.expires_at <= now => Err(LinkRefusal::Expired),
            Some(r) => Ok(r.id),
        }
    }
}

impl Storage {
    /// Every invite, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn invites(&self) -> StorageResult<Vec<Invite>> {
        let sql = format!("{INVITE_SELECT} ORDER BY i.created_at DESC, i.id LIMIT $1");
        Ok(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Invite>(&sql)
                .bind(MAX_INVITES)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Adds an invite unless [`MAX_INVITES`] exist (`Ok(None)`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_invite(&self, new: &NewInvite) -> StorageResult<Option<Invite>> {
        let id = Id::new();
        let inserted = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>(
                "INSERT INTO invites (id, token_hash, created_by, is_admin, note, expires_at) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT count(*) FROM invites) < $7",
            )
            .bind(id)
            .bind(&new.token_hash)
            .bind(new.created_by)
            .bind(new.is_admin)
            .bind(&new.note)
            .bind(Ts(new.expires_at))
            .bind(MAX_INVITES)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            return Ok(None);
        }
        let sql = format!("{INVITE_SELECT} WHERE i.id = $1");
        Ok(Some(with_pool!(self, |pool, DB| {
            sqlx::query_as::<DB, Invite>(&sql)
                .bind(id)
                .fetch_one(pool)
                .await?
        })))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(%id))]
    pub async fn delete_invite(&self, id: Id) -> StorageResult<()> {
        let affected = with_pool!(self, |pool, DB| {
            sqlx::query::<DB>("DELETE FROM invites WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        found(affected)
    }

    /// Creates the account an invite allows, spending the invite, in one transaction; the
    /// invite's admin role joins the account's. `Ok(Err(..))` says why the link did not work.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn register_with_invite(
        &self,
        new: &NewUser,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Result<User, LinkRefusal>> {
        let insert = format!(
            "INSERT INTO users (id, username, email, password_hash, first_name, last_name, is_admin) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {USER_COLUMNS}"
        );
        let engine = self.engine();
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            serialize_accounts::<DB>(engine, &mut tx).await?;
            let found = sqlx::query_as::<DB, Redeemable>(
                "SELECT id, used_at, expires_at FROM invites WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let invite = match Redeemable::refusal(found, now) {
                Ok(id) => id,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let is_admin = sqlx::query_scalar::<DB, bool>(
                "UPDATE invites SET used_at = $2 WHERE id = $1 AND used_at IS NULL \
                 RETURNING is_admin",
            )
            .bind(invite)
            .bind(Ts(now))
            .fetch_optional(&mut *tx)
            .await?;
            let Some(is_admin) = is_admin else {
                return Ok(Err(LinkRefusal::Used));
            };
            let user = sqlx::query_as::<DB, User>(&insert)
                .bind(Id::new())
                .bind(&new.username)
                .bind(&new.email)
                .bind(&new.password_hash)
                .bind(&new.first_name)
                .bind(&new.last_name)
                .bind(is_admin || new.is_admin)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query::<DB>("UPDATE invites SET used_by = $2 WHERE id = $1")
                .bind(invite)
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Ok(user))
        })
    }

    /// Makes a reset link for an account, replacing any unused one it had.
    #[tracing::instrument(level = "debug", skip_all, fields(%user_id))]
    pub async fn create_password_reset(
        &self,
        user_id: Id,
        token_hash: &str,
        created_by: Id,
        expires_at: DateTime<Utc>,
    ) -> StorageResult<()> {
        with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query::<DB>("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<DB>(
                "INSERT INTO password_resets (id, token_hash, user_id, created_by, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(Id::new())
            .bind(token_hash)
            .bind(user_id)
            .bind(created_by)
            .bind(Ts(expires_at))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Sets the password a reset link's holder chose, spending the link and ending the
    /// account's sessions, in one transaction. Returns whose password it was.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn redeem_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Result<Id, LinkRefusal>> {
        let result = with_pool!(self, |pool, DB| {
            let mut tx = pool.begin().await?;
            let found = sqlx::query_as::<DB, Redeemable>(
                "SELECT id, used_at, expires_at FROM password_resets WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let reset = match Redeemable::refusal(found, now) {
                Ok(id) => id,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let user = sqlx::query_scalar::<DB, Id>(
                "UPDATE password_resets SET used_at = $2 WHERE id = $1 AND used_at IS NULL \
                 RETURNING user_id",
            )
            .bind(reset)
            .bind(Ts(now))
            .fetch_optional(&mut *tx)
            .await?;
            let Some(user) = user else {
                return Ok(Err(LinkRefusal::Used));
            };
            sqlx::query::<DB>("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<DB>("DELETE FROM user_sessions WHERE user_id = $1")
                .bind(user)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, super::StorageError>(Ok(user))
        })?;
        if result.is_ok() {
            self.cache.forget_sessions();
        }
        Ok(result)
    }
}
