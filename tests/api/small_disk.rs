//! A small tmpfs the tests can fill, to make a full disk happen for real.
//!
//! Mounting needs root (or CAP_SYS_ADMIN). Where it cannot be mounted the test that asked
//! says so loudly on stderr and returns; CI runs as root, so there it always runs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

pub struct SmallDisk {
    dir: TempDir,
}

impl SmallDisk {
    /// A tmpfs of `megabytes`, its root owned by `owner` (a user name) when given.
    pub fn mount(megabytes: u32, owner: Option<&str>) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut options = format!("size={megabytes}m,mode=0755");
        if let Some(owner) = owner {
            let uid = Command::new("id").args(["-u", owner]).output().ok()?;
            let gid = Command::new("id").args(["-g", owner]).output().ok()?;
            if !uid.status.success() || !gid.status.success() {
                eprintln!("SKIPPED: no user {owner} to own the small disk");
                return None;
            }
            options.push_str(&format!(
                ",uid={},gid={}",
                String::from_utf8_lossy(&uid.stdout).trim(),
                String::from_utf8_lossy(&gid.stdout).trim()
            ));
        }
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(out) if out.status.success() => Some(SmallDisk { dir }),
            Ok(out) => {
                eprintln!(
                    "\n*** SKIPPED: cannot mount a tmpfs to fill ({}); this disk-full test needs \
                     root or CAP_SYS_ADMIN ***\n",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            Err(err) => {
                eprintln!("\n*** SKIPPED: cannot run mount ({err}); disk-full test not run ***\n");
                None
            }
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a filler file until the disk refuses another byte.
    pub fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).expect("create filler");
        let block = vec![0xa5u8; 64 * 1024];
        loop {
            match file.write(&block) {
                Ok(0) => break,
                Ok(_) => {}
                Err(err) if err.kind() == std::io::ErrorKind::StorageFull => break,
                Err(err) => panic!("filling the small disk: {err}"),
            }
        }
        // The last partial block: byte by byte until nothing fits.
        while let Ok(1) = file.write(&block[..1]) {}
        filler
    }

    /// Frees the space [`SmallDisk::fill`] took.
    pub fn free(&self) {
        let _ = std::fs::remove_file(self.path().join("filler"));
    }

    pub fn free_bytes(&self) -> u64 {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(self.path())
            .output()
            .expect("run df");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|line| line.trim().parse().ok())
            .expect("df prints the free bytes")
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}
