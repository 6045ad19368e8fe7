//! Accounts, sessions, app passwords and issued tokens.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::storage::{AppPassword, Id, Invite, Session, User};

/// An account as its owner and admins see it (never its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Id,
    pub username: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub avatar_url: Option<String>,
    pub bio: Option<String>,
    pub subscription: String,
    pub is_active: bool,
    pub email_verified: bool,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The account's own upload quota in bytes; `null`: the server's default.
    pub upload_quota_bytes: Option<i64>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView {
            id: user.id,
            username: user.username,
            email: user.email,
            first_name: user.first_name,
            last_name: user.last_name,
            avatar_url: user.avatar_url,
            bio: user.bio,
            subscription: user.subscription,
            is_active: user.is_active,
            email_verified: user.email_verified,
            is_admin: user.is_admin,
            created_at: user.created_at,
            updated_at: user.updated_at,
            upload_quota_bytes: user.upload_quota_bytes,
        }
    }
}

/// A new bearer token (log-in, registration) and whose it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedInView {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: Id,
    pub user_id: Id,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// The device as a person recognizes it ("Firefox on Android", "DSub 5.5.2").
    pub device: String,
    /// The session this request came with.
    pub current: bool,
}

impl SessionView {
    pub fn new(session: Session, current: Id) -> Self {
        SessionView {
            current: session.id == current,
            id: session.id,
            user_id: session.user_id,
            expires_at: session.expires_at,
            created_at: session.created_at,
            last_used_at: session.last_used_at,
            ip_address: session.ip_address,
            device: crate::auth::device::name(session.user_agent.as_deref()),
            user_agent: session.user_agent,
        }
    }
}

/// An app password as its owner sees it later: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppPasswordView {
    pub id: Id,
    pub user_id: Id,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<AppPassword> for AppPasswordView {
    fn from(row: AppPassword) -> Self {
        AppPasswordView {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// A new app password, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewAppPasswordView {
    #[serde(flatten)]
    pub app_password: AppPasswordView,
    pub password: String,
    /// What an app asks for, to type or copy: the server's address and the username.
    pub server_url: String,
    pub username: String,
    /// The three as text in a QR code, for a phone's camera (an SVG `data:` URL).
    pub qr: Option<String>,
}

/// An invite as admins list it (its link was shown once, when made).
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteView {
    pub id: Id,
    /// open | used | expired
    pub state: &'static str,
    /// Whether the account it makes is an admin.
    pub is_admin: bool,
    pub note: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    /// The username of the account it made.
    pub used_by: Option<String>,
    /// The admin who made it.
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl InviteView {
    pub fn new(invite: Invite, now: DateTime<Utc>) -> InviteView {
        let state = if invite.used_at.is_some() {
            "used"
        } else if invite.expires_at <= now {
            "expired"
        } else {
            "open"
        };
        InviteView {
            id: invite.id,
            state,
            is_admin: invite.is_admin,
            note: invite.note,
            expires_at: invite.expires_at,
            used_at: invite.used_at,
            used_by: invite.used_by_name,
            created_by: invite.created_by_name,
            created_at: invite.created_at,
        }
    }
}

/// A new invite: the link to send, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewInviteView {
    pub id: Id,
    /// The link's secret; `url` carries it.
    pub token: String,
    /// Opens the web player's sign-up form with the invite filled in.
    pub url: String,
    /// The link as a QR code for a phone's camera (an SVG `data:` URL).
    pub qr: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub invite: InviteView,
}

/// A one-use password reset link, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetLinkView {
    pub token: String,
    /// Opens the web player's "choose a new password" form.
    pub url: String,
    /// The link as a QR code (an SVG `data:` URL).
    pub qr: Option<String>,
    pub expires_at: DateTime<Utc>,
}
