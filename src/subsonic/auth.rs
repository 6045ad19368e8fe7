//! Who is calling `/rest`: `u` + `p` (plain or `enc:` hex), `u` + `t` + `s`
//! (t = md5(password + salt)), or the OpenSubsonic `apiKey`. The passwords are app passwords;
//! the login password only when `subsonic.allow_login_password` says so. Failures are
//! throttled like the web log-in (per account from an address, and per address) but counted
//! apart from it: a brute force at the log-in form never slows an app.

use chrono::Utc;
use md5::{Digest, Md5};

use super::Params;
use super::error::SubsonicError;
use crate::auth::AuthService;
use crate::auth::app_passwords::AppPasswordVault;
use crate::auth::password::PasswordError;
use crate::auth::throttle::{Attempt, Door, Target};
use crate::storage::{SealedAppPassword, Storage, StorageError, User};

/// Longest credential parameter read (a secret, a token, a salt, a username).
const MAX_CREDENTIAL_BYTES: usize = 512;

pub struct Caller<'a> {
    pub storage: &'a Storage,
    pub auth: &'a AuthService,
    pub allow_login_password: bool,
    pub address: &'a str,
}

/// What a username and password came to.
enum Signed {
    In(User),
    Refused(SubsonicError),
}

enum Proof {
    Password(String),
    Token { token: String, salt: String },
}

impl Caller<'_> {
    pub async fn authenticate(&self, params: &Params) -> Result<User, SubsonicError> {
        let get = |key| {
            params
                .get(key)
                .filter(|v| !v.is_empty() && v.len() <= MAX_CREDENTIAL_BYTES)
        };
        let username = get("u");
        if let Some(key) = get("apiKey") {
            if username.is_some() || get("p").is_some() || get("t").is_some() {
                return Err(SubsonicError::ConflictingAuth);
            }
            return self.by_api_key(key).await;
        }
        let Some(username) = username else {
            return Err(SubsonicError::Missing("u"));
        };
        let proof = match (get("p"), get("t"), get("s")) {
            (Some(p), None, _) => Proof::Password(decode_password(p)?),
            (None, Some(t), Some(s)) => Proof::Token {
                token: t.to_ascii_lowercase(),
                salt: s.to_owned(),
            },
            (None, Some(_), None) => return Err(SubsonicError::Missing("s")),
            (None, None, _) => return Err(SubsonicError::Missing("p")),
            (Some(_), Some(_), _) => return Err(SubsonicError::ConflictingAuth),
        };
        let credential = digest(&[username.to_lowercase().as_bytes(), &proof.bytes()]);
        if let Some(user) = self.recalled(&credential).await? {
            return Ok(user);
        }
        let account = match self.storage.user_for_login(username).await {
            Ok(found) => Some(found),
            Err(StorageError::NotFound) => None,
            Err(err) => return Err(err.into()),
        };
        let target = match &account {
            Some((user, _)) => Target::Account(user.id),
            None => Target::Unknown(username),
        };
        let attempt = self.begin(target)?;
        match self
            .by_password(username, &proof, credential, account)
            .await?
        {
            Signed::In(user) => {
                attempt.succeeded();
                active(user)
            }
            Signed::Refused(err) => {
                attempt.failed();
                Err(err)
            }
        }
    }

    fn begin(&self, target: Target) -> Result<Attempt, SubsonicError> {
        self.auth
            .throttle
            .begin(Door::App, target, self.address)
            .map_err(|retry_after| SubsonicError::Throttled { retry_after })
    }

    /// The user of a credential verified in the last minute (checked again for being active).
    async fn recalled(&self, credential: &[u8; 32]) -> Result<Option<User>, SubsonicError> {
        match self.auth.app_passwords.recall(credential) {
            Some((user, _)) => Ok(Some(active(self.storage.user(user).await?)?)),
            None => Ok(None),
        }
    }

    /// `account`: the user `username` names, if any, with its password hash.
    async fn by_password(
        &self,
        username: &str,
        proof: &Proof,
        credential: [u8; 32],
        account: Option<(User, String)>,
    ) -> Result<Signed, SubsonicError> {
        let sealed = self.storage.sealed_app_passwords(username).await?;
        if let Some(found) = sealed
            .iter()
            .find(|app| matches(&self.auth.app_passwords, app, proof))
        {
            let _ = self.storage.touch_app_password(found.id, Utc::now()).await;
            self.auth
                .app_passwords
                .remember(credential, found.user_id, found.id);
            let user = match account {
                Some((user, _)) if user.id == found.user_id => user,
                _ => self.storage.user(found.user_id).await?,
            };
            return Ok(Signed::In(user));
        }
        let wrong = Signed::Refused(SubsonicError::WrongCredentials);
        let Proof::Password(password) = proof else {
            return Ok(wrong);
        };
        let internal = |err: PasswordError| SubsonicError::Internal(err.to_string());
        let Some((user, hash)) = account else {
            // The work a real account's check costs: how long a refusal takes tells nothing
            // about which names exist.
            self.auth
                .passwords
                .verify_nothing(password)
                .await
                .map_err(internal)?;
            return Ok(wrong);
        };
        let ok = self
            .auth
            .passwords
            .verify(password, &hash)
            .await
            .map_err(internal)?;
        Ok(match (ok, self.allow_login_password) {
            (true, true) => Signed::In(user),
            // The right password, of the wrong kind: say what to do instead.
            (true, false) => Signed::Refused(SubsonicError::LoginPasswordRefused),
            (false, _) => wrong,
        })
    }

    async fn by_api_key(&self, key: &str) -> Result<User, SubsonicError> {
        let credential = digest(&[b"apiKey", key.as_bytes()]);
        if let Some(user) = self.recalled(&credential).await? {
            return Ok(user);
        }
        // A key names no account: only the address's count applies.
        let attempt = self.begin(Target::Unnamed)?;
        let hash = AppPasswordVault::lookup_hash(key);
        match self.storage.app_password_by_hash(&hash).await {
            Ok(found) => {
                attempt.succeeded();
                let _ = self.storage.touch_app_password(found.id, Utc::now()).await;
                self.auth
                    .app_passwords
                    .remember(credential, found.user_id, found.id);
                active(self.storage.user(found.user_id).await?)
            }
            Err(StorageError::NotFound) => {
                attempt.failed();
                Err(SubsonicError::InvalidApiKey)
            }
            Err(err) => Err(err.into()),
        }
    }
}

/// A digest of a credential's parts (never kept in the clear, even in memory).
fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = sha2::Sha256::new();
    for part in parts {
        sha2::Digest::update(&mut hash, (part.len() as u64).to_le_bytes());
        sha2::Digest::update(&mut hash, part);
    }
    sha2::Digest::finalize(hash).into()
}

impl Proof {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Proof::Password(p) => [b"p:".as_slice(), p.as_bytes()].concat(),
            Proof::Token { token, salt } => {
                [b"t:".as_slice(), token.as_bytes(), b":", salt.as_bytes()].concat()
            }
        }
    }
}

fn active(user: User) -> Result<User, SubsonicError> {
    if user.is_active {
        Ok(user)
    } else {
        Err(SubsonicError::WrongCredentials)
    }
}

fn matches(vault: &AppPasswordVault, app: &SealedAppPassword, proof: &Proof) -> bool {
    let Some(secret) = vault.open(&app.sealed_secret) else {
        return false;
    };
    match proof {
        Proof::Password(password) => constant_time_eq(password.as_bytes(), secret.as_bytes()),
        Proof::Token { token, salt } => {
            let mut md5 = Md5::new();
            md5.update(secret.as_bytes());
            md5.update(salt.as_bytes());
            constant_time_eq(hex::encode(md5.finalize()).as_bytes(), token.as_bytes())
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `p` as sent: plain, or `enc:` followed by the password's bytes in hex.
fn decode_password(p: &str) -> Result<String, SubsonicError> {
    match p.strip_prefix("enc:") {
        Some(hexed) => hex::decode(hexed)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(SubsonicError::WrongCredentials),
        None => Ok(p.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_decode_and_tokens_match() {
        assert_eq!(decode_password("sesame").unwrap(), "sesame");
        assert_eq!(decode_password("enc:736573616d65").unwrap(), "sesame");
        assert!(decode_password("enc:zz").is_err());
        let vault = AppPasswordVault::new(&[1; 32]);
        let app = SealedAppPassword {
            id: crate::storage::Id::new(),
            user_id: crate::storage::Id::new(),
            sealed_secret: vault.seal("sesame").unwrap(),
        };
        // md5("sesame" + "c19b2d") from the Subsonic documentation's method.
        let token = hex::encode(Md5::digest(b"sesamec19b2d"));
        let proof = Proof::Token {
            token,
            salt: "c19b2d".into(),
        };
        assert!(matches(&vault, &app, &proof));
        let wrong = Proof::Token {
            token: "0".repeat(32),
            salt: "c19b2d".into(),
        };
        assert!(!matches(&vault, &app, &wrong));
        assert!(matches(&vault, &app, &Proof::Password("sesame".into())));
        assert!(!matches(&vault, &app, &Proof::Password("sesam".into())));
    }
}
