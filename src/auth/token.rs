//! Bearer tokens: a signed JWT whose `sid` names a `user_sessions` row. The row stores only a
//! SHA-256 of the token, so a database leak reveals no usable token.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::storage::Id;

const ISSUER: &str = "juke";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Id,
    sid: Id,
    iat: i64,
    exp: i64,
    iss: String,
}

/// What a valid signature vouches for; the session row still has to exist.
#[derive(Debug, Clone, Copy)]
pub struct TokenClaims {
    pub user_id: Id,
    pub session_id: Id,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue(
        &self,
        user_id: Id,
        session_id: Id,
        issued: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: user_id,
            sid: session_id,
            iat: issued.timestamp(),
            exp: expires.timestamp(),
            iss: ISSUER.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Checks the signature, the algorithm, the issuer and the expiry.
    pub fn verify(&self, token: &str) -> Option<TokenClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        Some(TokenClaims {
            user_id: data.claims.sub,
            session_id: data.claims.sid,
        })
    }
}

/// A media token: lets `<audio src>` and `<img src>` (which cannot send headers) fetch one
/// track's media for one user until it expires. Not tied to a session: it is short-lived.
#[derive(Debug, Serialize, Deserialize)]
struct MediaClaims {
    sub: Id,
    tid: Id,
    exp: i64,
    iss: String,
    aud: String,
}

const MEDIA_AUDIENCE: &str = "media";

impl TokenKeys {
    pub fn issue_media(
        &self,
        user_id: Id,
        track_id: Id,
        expires: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = MediaClaims {
            sub: user_id,
            tid: track_id,
            exp: expires.timestamp(),
            iss: ISSUER.into(),
            aud: MEDIA_AUDIENCE.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The user a media token was issued to, if it is valid for this track.
    pub fn verify_media(&self, token: &str, track_id: Id) -> Option<Id> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[MEDIA_AUDIENCE]);
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<MediaClaims>(token, &self.decoding, &validation).ok()?;
        (data.claims.tid == track_id).then_some(data.claims.sub)
    }
}

/// What the session row stores instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering_and_expiry() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let (user, session) = (Id::new(), Id::new());
        let now = Utc::now();
        let token = keys
            .issue(user, session, now, now + chrono::Duration::hours(1))
            .unwrap();
        let claims = keys.verify(&token).expect("valid");
        assert_eq!((claims.user_id, claims.session_id), (user, session));

        let other = TokenKeys::new(b"another secret of thirty-two bytes!");
        assert!(other.verify(&token).is_none(), "wrong key");
        let mut tampered = token.clone();
        tampered.pop();
        assert!(keys.verify(&tampered).is_none(), "bad signature");
        let expired = keys
            .issue(
                user,
                session,
                now - chrono::Duration::hours(2),
                now - chrono::Duration::hours(1),
            )
            .unwrap();
        assert!(keys.verify(&expired).is_none(), "expired");
        assert_eq!(token_hash(&token).len(), 64);

        // Media tokens name one track, and are not bearer tokens (nor the reverse).
        let track = Id::new();
        let media = keys
            .issue_media(user, track, now + chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(keys.verify_media(&media, track), Some(user));
        assert_eq!(keys.verify_media(&media, Id::new()), None, "another track");
        assert!(keys.verify(&media).is_none(), "not a session token");
        assert_eq!(
            keys.verify_media(&token, track),
            None,
            "a session token is not a media token"
        );
        let old = keys
            .issue_media(user, track, now - chrono::Duration::seconds(5))
            .unwrap();
        assert_eq!(keys.verify_media(&old, track), None, "expired");
        assert_ne!(token_hash(&token), token_hash(&tampered));
    }
}
