//! A small tmpfs a test mounts (as root) to fill a real filesystem, unmounted when
//! dropped; a bind mount of it too.

use std::process::Command;

use super::skip::{Need, skip};

/// A tmpfs mounted for the test, unmounted when dropped.
pub struct Tmpfs {
    dir: tempfile::TempDir,
    bind: bool,
}

impl Tmpfs {
    /// Mounts `mb` MiB, or None when this process may not mount: the test skips (see
    /// [`super::skip`]; a failure with WR_REQUIRE_ROOT=1).
    pub fn mount(mb: u32) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let mnt = dir.path().join("mnt");
        let bind = dir.path().join("bind");
        std::fs::create_dir(&mnt).unwrap();
        std::fs::create_dir(&bind).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m")])
            .arg("tmpfs")
            .arg(&mnt)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            skip(
                Need::Root,
                "cannot mount a tmpfs here (not root?); ./scripts/test runs as root",
            );
            return None;
        }
        let bind_ok = Command::new("mount")
            .arg("--bind")
            .arg(&mnt)
            .arg(&bind)
            .status()
            .is_ok_and(|s| s.success());
        Some(Tmpfs { dir, bind: bind_ok })
    }

    /// Where the same filesystem is bind-mounted.
    pub fn bind_path(&self) -> std::path::PathBuf {
        self.dir.path().join("bind")
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("mnt")
    }

    /// Makes `mb` MiB of files in a subdirectory.
    pub fn fill(&self, sub: &str, name: &str, mb: usize) {
        let d = self.path().join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), vec![7u8; mb * 1024 * 1024]).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if self.bind {
            let _ = Command::new("umount")
                .arg(self.dir.path().join("bind"))
                .status();
        }
        let _ = Command::new("umount").arg(self.path()).status();
    }
}
