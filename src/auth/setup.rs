//! The one-time setup code. Until an admin exists, the first registration makes one, and any
//! device that reaches the server could be first: it must present a code that only someone
//! with the server's console, log or data folder can read.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rand::RngCore;
use subtle::ConstantTimeEq;

/// The file beside the database the code is written to, for a headless NAS.
pub const FILE_NAME: &str = "setup-code";

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "this server has no admin yet: give the setup code shown in its log at start (also in <data_dir>/setup-code)"
    )]
    Missing,
    #[error(
        "wrong setup code: it is shown in the server's log at start (also in <data_dir>/setup-code)"
    )]
    Wrong,
}

pub struct SetupCode {
    file: PathBuf,
    preset: Option<String>,
    /// The code while no admin exists; `None` once one does.
    current: Mutex<Option<String>>,
}

impl SetupCode {
    pub fn new(data_dir: &Path, preset: &str) -> SetupCode {
        let preset = Some(preset.trim().to_owned()).filter(|code| !code.is_empty());
        SetupCode {
            file: data_dir.join(FILE_NAME),
            preset,
            current: Mutex::new(None),
        }
    }

    /// Makes the code (or takes the configured one), writes it 0600 to the data folder, logs it
    /// and prints it on stderr. Called at start while no account exists.
    pub fn announce(&self) -> std::io::Result<()> {
        let code = match &self.preset {
            Some(code) => code.clone(),
            None => {
                let mut bytes = [0u8; 9];
                rand::rng().fill_bytes(&mut bytes);
                // Twelve characters a person can type from a log line.
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
            }
        };
        let _ = std::fs::remove_file(&self.file);
        crate::private_fs::write(&self.file, format!("{code}\n").as_bytes())?;
        tracing::info!(
            setup_code = %code,
            file = %self.file.display(),
            "no admin yet: the first account registered becomes admin and must give this setup code"
        );
        eprintln!(
            "\nJuke has no admin yet. Create the admin account in the web player with this setup code:\n\n    {code}\n\n(also in {})\n",
            self.file.display()
        );
        if let Ok(mut current) = self.current.lock() {
            *current = Some(code);
        }
        Ok(())
    }

    /// Checks a code offered with the registration that will make the admin, in constant time.
    pub fn check(&self, offered: Option<&str>) -> Result<(), SetupError> {
        let expected = self.current.lock().ok().and_then(|current| current.clone());
        let Some(offered) = offered.map(str::trim).filter(|code| !code.is_empty()) else {
            return Err(SetupError::Missing);
        };
        match expected {
            Some(expected) if bool::from(offered.as_bytes().ct_eq(expected.as_bytes())) => Ok(()),
            // No code while no admin exists (another instance on the same PostgreSQL made
            // the accounts disappear, say): nothing to match, so nothing is accepted.
            _ => Err(SetupError::Wrong),
        }
    }

    /// The admin exists: the code is spent.
    pub fn finish(&self) {
        if let Ok(mut current) = self.current.lock() {
            *current = None;
        }
        if let Err(err) = std::fs::remove_file(&self.file)
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %err, file = %self.file.display(), "cannot remove the used setup code");
        }
    }
}
