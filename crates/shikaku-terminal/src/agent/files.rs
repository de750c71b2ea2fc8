//! The agent's own files, safe against what others plant in the shared folder: results and
//! markers created fresh (`O_EXCL`, 0600), claims read without following links, and the
//! key that signs the "answered" markers.

use super::*;

/// Writes a file through a temporary name in the same folder, fsyncs it and the folder.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.part"));
    {
        let mut file = create_private(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, dir.join(name))?;
    std::fs::File::open(dir)?.sync_all()
}

/// Creates (or truncates) a file readable by the owner only, without following a symlink
/// planted at its name.
pub(super) fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Whatever is at the name (a stale temporary file, or a link someone planted to make the
    // agent overwrite a file elsewhere) is removed, not followed; `create_new` (O_EXCL) then
    // fails rather than follow a link created in between.
    if let Ok(meta) = path.symlink_metadata() {
        if !meta.is_file() {
            tracing::warn!(file = %path.display(), "removed a link or non-file planted where the agent writes");
        }
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Reads a claimed request: never through a link, only a regular file, and made readable by
/// the agent's user only (it holds personal data and is archived in `req/done/`).
pub(super) fn read_claimed(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the request is not a regular file",
        ));
    }
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The text of an answered marker: a MAC of the claim's name under the agent's own key
/// (`DIR/agent.key`, 0600), so a marker planted by someone else is told apart and refused.
pub(super) fn marker_text(key: &ring::hmac::Key, work: &Path) -> String {
    let name = work
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    hex::encode(ring::hmac::sign(key, format!("answered:{name}").as_bytes()))
}

/// True when the marker at `marker` was written by this agent for `work`.
pub(super) fn marker_is_ours(key: &ring::hmac::Key, work: &Path, marker: &Path) -> bool {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut text = String::new();
    let read = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(marker)
        .and_then(|f| f.take(200).read_to_string(&mut text));
    let Ok(_) = read else { return false };
    let name = work
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    hex::decode(text.trim()).is_ok_and(|tag| {
        ring::hmac::verify(key, format!("answered:{name}").as_bytes(), &tag).is_ok()
    })
}

/// The agent's marker key, created (32 random bytes, 0600) on first start.
pub fn marker_key(dir: &Path) -> anyhow::Result<ring::hmac::Key> {
    use std::io::Read;
    let path = dir.join("agent.key");
    let mut bytes = Vec::new();
    match std::fs::File::open(&path) {
        Ok(f) => {
            f.take(64).read_to_end(&mut bytes)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut fresh = [0u8; 32];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut fresh)
                .map_err(|_| anyhow::anyhow!("no random numbers for the agent key"))?;
            let tmp = dir.join(".agent.key.part");
            let mut f = create_private(&tmp)?;
            f.write_all(&fresh)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            bytes = fresh.to_vec();
        }
        Err(e) => return Err(anyhow::anyhow!("reading {}: {e}", path.display())),
    }
    anyhow::ensure!(
        bytes.len() == 32,
        "{} is not an agent key (32 bytes); remove it to make a new one",
        path.display()
    );
    Ok(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes))
}

pub(super) fn answered_marker(work: &Path) -> PathBuf {
    work.with_extension("answered")
}

pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}
