//! The server secret for keyed hashes (HMAC-SHA-256) of personal identifiers: 個人番号 in
//! qualification loads, persons in the access log. Kept in `DATA_DIR/person.key` (0600).

use std::path::Path;

use ring::hmac;

const KEY_FILE: &str = "person.key";

#[derive(Clone)]
pub struct PersonKey(hmac::Key);

impl std::fmt::Debug for PersonKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKey(***)")
    }
}

impl PersonKey {
    /// Loads the key from `data_dir`, creating it (and the directory) on first use.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        let path = data_dir.join(KEY_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)
                    .with_context(|| format!("creating {}", data_dir.display()))?;
                let mut bytes = vec![0u8; 32];
                ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
                    .map_err(|_| anyhow::anyhow!("no system randomness"))?;
                shikaku_pki::create_private(&path, &bytes)?;
                bytes
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        anyhow::ensure!(
            bytes.len() == 32,
            "{} is damaged: expected 32 bytes, found {}",
            path.display(),
            bytes.len()
        );
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, &bytes)))
    }

    /// A key from raw bytes (tests).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, bytes))
    }

    /// HMAC over a domain-separated list of parts.
    pub fn hash(&self, domain: &str, parts: &[&str]) -> Vec<u8> {
        let mut ctx = hmac::Context::with_key(&self.0);
        ctx.update(domain.as_bytes());
        for part in parts {
            ctx.update(&[0]);
            ctx.update(&(part.len() as u32).to_le_bytes());
            ctx.update(part.as_bytes());
        }
        ctx.sign().as_ref().to_vec()
    }

    /// The access log's hash of card numbers (lookups that found no one are logged under it,
    /// and the card's holder reads them by it).
    pub fn card(&self, c: &shikaku_domain::CardNumbers) -> Vec<u8> {
        self.hash(
            "card",
            &[
                c.insurer.as_str(),
                c.symbol_str(),
                c.number.as_str(),
                c.branch.as_str(),
            ],
        )
    }

    pub fn my_number(&self, number: &shikaku_domain::MyNumber) -> Vec<u8> {
        self.hash("my_number", &[number.expose()])
    }
}

/// A random name for this process among a cluster's nodes (16 hex digits), for leases and
/// for telling its own stored events from the other nodes'.
pub fn process_id() -> String {
    use ring::rand::SecureRandom;
    let mut id = [0u8; 8];
    let _ = ring::rand::SystemRandom::new().fill(&mut id);
    hex::encode(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_private_and_stable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = PersonKey::load_or_create(dir.path()).expect("create");
        let b = PersonKey::load_or_create(dir.path()).expect("load");
        assert_eq!(a.hash("x", &["1"]), b.hash("x", &["1"]));
        assert_ne!(a.hash("x", &["1"]), a.hash("y", &["1"]));
        assert_ne!(a.hash("x", &["1", "2"]), a.hash("x", &["12"]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
