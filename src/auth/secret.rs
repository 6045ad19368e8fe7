//! Secrets kept in the data folder: the token-signing secret (from `auth.jwt_secret`, else
//! generated on first start into `<data_dir>/jwt_secret`) and the key that seals app passwords
//! (`<data_dir>/app_password_key`). Each is generated once (mode 0600) and reused, so tokens
//! and sealed secrets survive restarts.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rand::RngCore;

const FILE_NAME: &str = "jwt_secret";
const APP_PASSWORD_KEY: &str = "app_password_key";
/// The files above, which a backup carries (mode 0600).
pub const SECRET_FILES: [&str; 2] = [FILE_NAME, APP_PASSWORD_KEY];

#[derive(Debug, thiserror::Error)]
#[error("signing secret {path}: {source}")]
pub struct SecretError {
    path: String,
    #[source]
    source: std::io::Error,
}

/// The configured secret when there is one, else the one stored in `data_dir`.
pub fn signing_secret(configured: &str, data_dir: &Path) -> Result<Vec<u8>, SecretError> {
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    stored(data_dir, FILE_NAME, "token-signing secret")
}

/// The 32-byte key that seals app passwords.
pub fn app_password_key(data_dir: &Path) -> Result<[u8; 32], SecretError> {
    let text = stored(data_dir, APP_PASSWORD_KEY, "app password key")?;
    let path = data_dir.join(APP_PASSWORD_KEY);
    let mut key = [0u8; 32];
    // Generated as 96 hex digits; the first 64 are the key.
    hex::decode_to_slice(text.get(..64).unwrap_or_default(), &mut key).map_err(|_| {
        SecretError {
            path: path.display().to_string(),
            source: std::io::Error::new(
                ErrorKind::InvalidData,
                "not hex; delete it only if no app password exists",
            ),
        }
    })?;
    Ok(key)
}

/// The secret in `data_dir/file`, generated (48 random bytes, hex) when missing.
fn stored(data_dir: &Path, file: &str, what: &str) -> Result<Vec<u8>, SecretError> {
    let path = data_dir.join(file);
    let fail = |source| SecretError {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => {
            let mode = std::fs::metadata(&path).map_err(fail)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "{what} was readable by others; now 0600");
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .map_err(fail)?;
            }
            return Ok(text.trim().as_bytes().to_vec());
        }
        Ok(_) => {
            return Err(fail(std::io::Error::new(
                ErrorKind::InvalidData,
                "shorter than 32 characters; delete it to have a new one generated",
            )));
        }
        Err(err) if err.kind() == ErrorKind::NotFound => {}
        Err(err) => return Err(fail(err)),
    }
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    // create_new: if another instance wrote it first, use theirs.
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut file) => {
            file.write_all(secret.as_bytes()).map_err(fail)?;
            file.sync_all().map_err(fail)?;
            tracing::info!(path = %path.display(), "generated a new {what}");
            Ok(secret.into_bytes())
        }
        Err(err) if err.kind() == ErrorKind::AlreadyExists => stored(data_dir, file, what),
        Err(err) => Err(fail(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = signing_secret("", dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join(FILE_NAME))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(first.len() >= 64);
        assert_eq!(signing_secret("", dir.path()).unwrap(), first);
        assert_eq!(
            signing_secret("configured-secret", dir.path()).unwrap(),
            b"configured-secret"
        );
    }
}
