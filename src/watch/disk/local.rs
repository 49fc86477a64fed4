//! This machine's filesystems: the mount table (/proc/self/mountinfo), one entry per
//! device so bind mounts count once, `statvfs` for space and inodes, and a bounded walk
//! that names the largest directories under the configured paths.

use std::path::{Path, PathBuf};

use super::Fs;

/// One line of /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `major:minor`: the device, shared by bind mounts.
    pub dev: String,
    pub mount: String,
    pub fstype: String,
    pub source: String,
    pub readonly: bool,
}

/// Undoes the octal escapes of mountinfo (`\040` is a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses mountinfo text.
pub fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let l: Vec<&str> = left.split(' ').collect();
            let r: Vec<&str> = right.split(' ').collect();
            if l.len() < 6 || r.len() < 2 {
                return None;
            }
            let opts = l[5];
            Some(Mount {
                dev: l[2].to_string(),
                mount: unescape(l[4]),
                fstype: r[0].to_string(),
                source: unescape(r[1]),
                readonly: opts.split(',').any(|o| o == "ro"),
            })
        })
        .collect()
}

/// Which mounts to watch.
pub struct Selection<'a> {
    pub only: &'a [String],
    pub exclude_mounts: &'a [String],
    pub exclude_types: &'a [String],
    pub include_readonly: bool,
}

/// The mounts to watch, one per device (the shortest mount point of each).
pub fn select(mounts: Vec<Mount>, s: &Selection) -> Vec<Mount> {
    let wanted = |m: &Mount| {
        if !s.only.is_empty() {
            return s.only.iter().any(|o| {
                o.trim_end_matches('/') == m.mount.trim_end_matches('/')
                    || (o == "/" && m.mount == "/")
            });
        }
        if s.exclude_types
            .iter()
            .any(|t| glob::Pattern::new(t).is_ok_and(|p| p.matches(&m.fstype)))
        {
            return false;
        }
        if s.exclude_mounts
            .iter()
            .any(|x| glob::Pattern::new(x).is_ok_and(|p| p.matches(&m.mount)))
        {
            return false;
        }
        s.include_readonly || !m.readonly
    };
    let mut by_dev: Vec<Mount> = Vec::new();
    for m in mounts.into_iter().filter(wanted) {
        match by_dev.iter_mut().find(|x| x.dev == m.dev) {
            Some(x) if m.mount.len() < x.mount.len() => *x = m,
            Some(_) => {}
            None => by_dev.push(m),
        }
    }
    by_dev.sort_by(|a, b| a.mount.cmp(&b.mount));
    by_dev
}

/// This host's name.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// `statvfs` refused a mount point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("statvfs {mount}: {source}")]
pub struct StatError {
    pub mount: String,
    pub source: nix::errno::Errno,
}

/// Space and inodes of a mount.
pub fn stat(m: &Mount, host: &str) -> Result<Fs, StatError> {
    let v = nix::sys::statvfs::statvfs(Path::new(&m.mount)).map_err(|source| StatError {
        mount: m.mount.clone(),
        source,
    })?;
    let frag = v.fragment_size() as f64;
    // As df counts: space reserved for root is neither used nor available to others,
    // so the size is what is used plus what is available.
    let used = (v.blocks() - v.blocks_free()) as f64 * frag;
    let avail = v.blocks_available() as f64 * frag;
    let files_used = (v.files() - v.files_free()) as f64;
    let files_avail = v.files_available() as f64;
    Ok(Fs {
        host: host.to_string(),
        device: if m.source.starts_with('/') {
            m.source.clone()
        } else {
            format!("{}:{}", m.source, m.dev)
        },
        mount: m.mount.clone(),
        fstype: m.fstype.clone(),
        size: used + avail,
        avail,
        files: files_used + files_avail,
        files_free: files_avail,
        prometheus: false,
    })
}

/// The largest entries directly under `dir` (sizes summed recursively), staying on
/// `dev`'s filesystem and visiting at most `budget` entries. The flag says whether the
/// walk was cut short.
pub fn largest(dir: &Path, budget: usize) -> (Vec<(PathBuf, u64)>, bool) {
    use std::os::unix::fs::MetadataExt;
    let Ok(root_meta) = std::fs::symlink_metadata(dir) else {
        return (vec![], false);
    };
    let dev = root_meta.dev();
    let mut left = budget;
    let mut partial = false;
    fn walk(p: &Path, dev: u64, left: &mut usize, partial: &mut bool) -> u64 {
        use std::os::unix::fs::MetadataExt;
        if *left == 0 {
            *partial = true;
            return 0;
        }
        *left -= 1;
        let Ok(m) = std::fs::symlink_metadata(p) else {
            return 0;
        };
        if m.dev() != dev {
            return 0;
        }
        if m.is_dir() {
            let Ok(rd) = std::fs::read_dir(p) else {
                return 0;
            };
            rd.filter_map(Result::ok)
                .map(|e| walk(&e.path(), dev, left, partial))
                .sum()
        } else {
            m.blocks() * 512
        }
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return (vec![], false);
    };
    let mut sizes: Vec<(PathBuf, u64)> = rd
        .filter_map(Result::ok)
        .map(|e| {
            let p = e.path();
            let s = walk(&p, dev, &mut left, &mut partial);
            (p, s)
        })
        .collect();
    sizes.sort_by_key(|s| std::cmp::Reverse(s.1));
    sizes.truncate(5);
    (sizes.into_iter().filter(|(_, s)| *s > 0).collect(), partial)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw
30 27 254:1 /srv/data /data rw,relatime - ext4 /dev/vda1 rw
31 27 0:40 / /mnt/my\\040disk rw - xfs /dev/sdb1 rw
32 27 7:0 / /snap/core/1 ro,nodev - squashfs /dev/loop0 ro
33 27 0:50 / /run rw - tmpfs tmpfs rw
34 27 8:17 / /backup ro - ext4 /dev/sdc1 ro
";

    fn sel<'a>(only: &'a [String], types: &'a [String]) -> Selection<'a> {
        Selection {
            only,
            exclude_mounts: &[],
            exclude_types: types,
            include_readonly: false,
        }
    }

    #[test]
    fn parses_and_selects_real_filesystems_once_per_device() {
        let mounts = parse_mountinfo(MOUNTINFO);
        assert_eq!(mounts.len(), 7);
        assert_eq!(mounts[3].mount, "/mnt/my disk");
        assert!(mounts[4].readonly);
        let types: Vec<String> = ["proc", "tmpfs", "squashfs", "iso9660"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let chosen = select(mounts, &sel(&[], &types));
        let names: Vec<&str> = chosen.iter().map(|m| m.mount.as_str()).collect();
        assert_eq!(
            names,
            vec!["/", "/mnt/my disk"],
            "bind mount /data counted once; read-only and pseudo filesystems skipped"
        );
    }

    #[test]
    fn only_the_listed_mounts_when_given() {
        let only = vec!["/backup".to_string()];
        let chosen = select(
            parse_mountinfo(MOUNTINFO),
            &Selection {
                only: &only,
                exclude_mounts: &[],
                exclude_types: &[],
                include_readonly: true,
            },
        );
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].mount, "/backup");
    }

    #[test]
    fn statvfs_of_the_root() {
        let root = Mount {
            dev: "0:0".into(),
            mount: "/".into(),
            fstype: "x".into(),
            source: "/dev/root".into(),
            readonly: false,
        };
        let fs = stat(&root, "h").unwrap();
        assert!(fs.size > 0.0 && fs.avail <= fs.size);
    }

    #[test]
    fn largest_directories() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("big")).unwrap();
        std::fs::write(d.path().join("big/a.log"), vec![1u8; 200_000]).unwrap();
        std::fs::write(d.path().join("small.log"), vec![1u8; 10_000]).unwrap();
        let (top, partial) = largest(d.path(), 1000);
        assert!(!partial);
        assert_eq!(top[0].0.file_name().unwrap(), "big");
        let (_, partial) = largest(d.path(), 1);
        assert!(partial);
    }
}
