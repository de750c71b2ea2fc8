//! The SQLite store's access log is made durable in an append-only journal first
//! (`x.access-log.journal`), and indexed into the log database (`x.access-log.db`) in large
//! batches afterwards.
//!
//! Why: a lookup may be answered only once its log entry is on disk. Inserting each group
//! commit's handful of entries into the indexed table wrote a WAL frame for every B-tree page
//! it touched (one random page of the person index per entry), synced it, and copied it again
//! at the next checkpoint: about a quarter of a lookup's server time in the profile of
//! bench/RESULTS.md. Appending the entries' bytes to a file and syncing it is all a lookup
//! waits for now; the indexer inserts thousands of entries per transaction, without a sync
//! per transaction (synchronous=NORMAL), because the journal still holds them.
//!
//! Invariants:
//! - A record is `len: u32 LE | crc32(payload): u32 LE | payload`; the file starts with
//!   `MAGIC` and a generation number. Reading stops at the first record that is incomplete or
//!   fails its checksum: the tail a crashed writer left.
//! - Writers (any process: the server, a CLI command) append under an exclusive `flock`,
//!   at the file's current end, and sync before unlocking; so under a shared lock everything
//!   in the file is synced. A torn tail found by a writer is moved to a side file
//!   (`….journal.torn-NANOS`) and cut off before appending.
//! - The log database records `(generation, offset)`: the journal position indexed so far,
//!   committed in the same transaction as the rows. Indexing reads from there under a shared
//!   lock, so entries are never indexed twice nor skipped, across processes and crashes.
//! - The journal is emptied (a new generation) only when everything in it is indexed and the
//!   log database has been checkpointed (synced); a journal with a newer generation than the
//!   recorded one was started after that, so it is indexed from its start.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;

use time::OffsetDateTime;

use crate::AccessLogEntry;

const MAGIC: &[u8; 8] = b"SHKAKLJ1";
/// Bytes before the first record: magic and generation.
pub const HEADER: u64 = 16;
/// The journal is started afresh once this much is indexed.
pub(crate) const ROTATE_AT: u64 = 64 << 20;
/// Bytes of records read per indexing transaction at most (bounds memory when catching up
/// after a crash).
const INDEX_CHUNK: u64 = 8 << 20;

/// The journal file beside the log database: `x.access-log.db` → `x.access-log.journal`.
pub fn journal_path(log_db: &str) -> PathBuf {
    let stem = log_db.strip_suffix(".db").unwrap_or(log_db);
    PathBuf::from(format!("{stem}.journal"))
}

/// Appends the records of `entries` to `out`.
pub fn encode(entries: &[AccessLogEntry], out: &mut Vec<u8>) {
    for e in entries {
        let start = out.len();
        out.extend_from_slice(&[0; 8]);
        let nanos = i64::try_from(e.at.unix_timestamp_nanos()).unwrap_or(i64::MAX);
        out.extend_from_slice(&nanos.to_le_bytes());
        for field in [
            e.facility_code.as_bytes(),
            e.terminal_name.as_bytes(),
            e.cert_serial.as_bytes(),
            e.kind.as_bytes(),
            e.status.as_bytes(),
            &e.person_hash,
        ] {
            // Whole fields, never cut: a cut inside a UTF-8 character would make the record
            // unreadable, and every record after it with it.
            out.extend_from_slice(&(field.len() as u32).to_le_bytes());
            out.extend_from_slice(field);
        }
        let payload = &out[start + 8..];
        let len = payload.len() as u32;
        let crc = crc32fast::hash(payload);
        out[start..start + 4].copy_from_slice(&len.to_le_bytes());
        out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Decodes complete, intact records from the start of `bytes`; returns them and the number
/// of bytes they take (the rest is a torn or foreign tail).
pub fn decode(bytes: &[u8]) -> (Vec<AccessLogEntry>, usize) {
    let mut entries = Vec::new();
    let mut at = 0;
    while let Some((entry, used)) = decode_one(&bytes[at..]) {
        entries.push(entry);
        at += used;
    }
    (entries, at)
}

/// The number of bytes the complete, intact records at the start of `bytes` take: what
/// [`decode`] would read, without building the entries.
fn intact_len(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some((_, used)) = parse_one(&bytes[at..]) {
        at += used;
    }
    at
}

fn decode_one(bytes: &[u8]) -> Option<(AccessLogEntry, usize)> {
    let (r, used) = parse_one(bytes)?;
    let entry = AccessLogEntry {
        at: r.at,
        facility_code: r.facility_code.to_owned(),
        terminal_name: r.terminal_name.to_owned(),
        cert_serial: r.cert_serial.to_owned(),
        kind: r.kind.to_owned(),
        status: r.status.to_owned(),
        person_hash: r.person_hash.to_vec(),
    };
    Some((entry, used))
}

/// One record's fields, borrowed from the bytes read.
struct RawEntry<'a> {
    at: OffsetDateTime,
    facility_code: &'a str,
    terminal_name: &'a str,
    cert_serial: &'a str,
    kind: &'a str,
    status: &'a str,
    person_hash: &'a [u8],
}

/// The record at the start of `bytes` and its length, if it is complete and intact.
fn parse_one(bytes: &[u8]) -> Option<(RawEntry<'_>, usize)> {
    let len = u32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    let payload = bytes.get(8..8 + len)?;
    if crc32fast::hash(payload) != crc {
        return None;
    }
    let nanos = i64::from_le_bytes(payload.get(0..8)?.try_into().ok()?);
    let mut rest = &payload[8..];
    let mut field = || -> Option<&[u8]> {
        let n = u32::from_le_bytes(rest.get(0..4)?.try_into().ok()?) as usize;
        let value = rest.get(4..4 + n)?;
        rest = &rest[4 + n..];
        Some(value)
    };
    fn text(b: &[u8]) -> Option<&str> {
        std::str::from_utf8(b).ok()
    }
    let entry = RawEntry {
        at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos)).ok()?,
        facility_code: text(field()?)?,
        terminal_name: text(field()?)?,
        cert_serial: text(field()?)?,
        kind: text(field()?)?,
        status: text(field()?)?,
        person_hash: field()?,
    };
    Some((entry, 8 + len))
}

/// The journal file of one store (shared by every process that opens the store).
pub(crate) struct Journal {
    file: File,
    path: PathBuf,
    /// The generation and position where this process's last append ended. Its lock is
    /// held around every use of the file lock ([`Journal::locked`]): `flock` excludes other
    /// open files, not other threads using this one (a second `flock` converts the first).
    known_end: std::sync::Mutex<(u64, u64)>,
}

fn header(generation: u64) -> [u8; HEADER as usize] {
    let mut h = [0; HEADER as usize];
    h[..8].copy_from_slice(MAGIC);
    h[8..].copy_from_slice(&generation.to_le_bytes());
    h
}

impl Journal {
    /// Opens (or creates) the journal; `generation` is the log database's recorded one, used
    /// to number a journal created here.
    pub(crate) fn open(path: PathBuf, recorded_generation: u64) -> std::io::Result<Self> {
        let file = OpenOptions::new()
            .mode(0o600)
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        let journal = Self {
            file,
            path,
            known_end: std::sync::Mutex::new((0, 0)),
        };
        journal.locked(Lock::Exclusive, |_| {
            if journal.file.metadata()?.len() < HEADER {
                journal.restart(recorded_generation + 1)?;
            }
            Ok(())
        })?;
        Ok(journal)
    }

    /// Runs `work` holding the in-process lock and then the file lock (released after, also
    /// when `work` fails); `work` gets this process's last append position.
    fn locked<T>(
        &self,
        lock: Lock,
        work: impl FnOnce(&mut (u64, u64)) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        let mut known = self.known_end.lock().map_err(|_| poisoned())?;
        match lock {
            Lock::Shared => self.file.lock_shared()?,
            Lock::Exclusive => self.file.lock()?,
        }
        let result = work(&mut known);
        let unlocked = self.file.unlock();
        let value = result?;
        unlocked?;
        Ok(value)
    }

    /// The generation in the header (read under a lock).
    fn generation_unlocked(&self) -> std::io::Result<u64> {
        let mut h = [0; HEADER as usize];
        self.file.read_exact_at(&mut h, 0)?;
        if &h[..8] != MAGIC {
            return Err(std::io::Error::other(format!(
                "{} is not an access-log journal",
                self.path.display()
            )));
        }
        Ok(u64::from_le_bytes(h[8..].try_into().unwrap_or_default()))
    }

    /// Empties the file and starts `generation` (call with the exclusive lock held).
    fn restart(&self, generation: u64) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.write_all_at(&header(generation), 0)?;
        self.file.sync_all()?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // The file's entry in its directory, when it was just created.
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    /// Reads about `chunk` bytes from `from` into `bytes` (at least one whole record when
    /// the file holds it; a record longer than the chunk is read whole, or reading would
    /// stop before it), never past `len`. Call with a lock held.
    fn read_chunk(
        &self,
        from: u64,
        len: u64,
        chunk: u64,
        bytes: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        let available = len.saturating_sub(from);
        let mut head = [0u8; 4];
        let first = match available {
            4.. => {
                self.file.read_exact_at(&mut head, from)?;
                8 + u64::from(u32::from_le_bytes(head))
            }
            _ => 0,
        };
        let want = available.min(chunk.max(first));
        bytes.clear();
        bytes.resize(want as usize, 0);
        self.file.read_exact_at(bytes, from)
    }

    /// Where the intact records from `from` end, at most `len`: read `chunk` bytes at a time
    /// and checked without building entries, so a process's first append after a long
    /// journal neither holds the whole file in memory nor decodes every entry in it.
    fn intact_end(&self, mut from: u64, len: u64, chunk: u64) -> std::io::Result<u64> {
        let mut bytes = Vec::new();
        while from < len {
            self.read_chunk(from, len, chunk, &mut bytes)?;
            let used = intact_len(&bytes);
            if used == 0 {
                break;
            }
            from += used as u64;
        }
        Ok(from)
    }

    /// Appends `bytes` (whole records) and syncs them; returns when they are durable.
    pub(crate) fn append(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.locked(Lock::Exclusive, |known| self.append_locked(bytes, known))
    }

    fn append_locked(&self, bytes: &[u8], known: &mut (u64, u64)) -> std::io::Result<()> {
        let len = self.file.metadata()?.len();
        let generation = self.generation_unlocked()?;
        // Usually nobody else appended since this process did: the end is the file's length.
        // Otherwise only what was appended since needs checking (all of it when another
        // process restarted the journal meanwhile).
        let from = match *known {
            (g, end) if g == generation && (HEADER..=len).contains(&end) => end,
            _ => HEADER,
        };
        let end = self.intact_end(from, len, INDEX_CHUNK)?;
        if end < len {
            self.set_aside_tail(end, len)?;
        }
        self.file.write_all_at(bytes, end)?;
        self.file.sync_data()?;
        *known = (generation, end + bytes.len() as u64);
        Ok(())
    }

    /// Moves bytes `from..to` to a side file for inspection and cuts them off.
    fn set_aside_tail(&self, from: u64, to: u64) -> std::io::Result<()> {
        let mut tail = vec![0; (to - from) as usize];
        self.file.read_exact_at(&mut tail, from)?;
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        let side = PathBuf::from(format!("{}.torn-{nanos}", self.path.display()));
        write_side_file(&side, |out| {
            out.write_all(&tail)?;
            out.sync_all()
        })?;
        tracing::warn!(
            bytes = tail.len(),
            file = %side.display(),
            "incomplete access-log journal tail set aside"
        );
        self.file.set_len(from)?;
        self.file.sync_all()
    }

    /// Reads the records after `offset` of `generation` (about `INDEX_CHUNK` bytes, at least
    /// one whole record) under a shared lock: what a crashed writer left half-written is not
    /// returned. When the file holds a newer generation, reading starts at its beginning; the
    /// returned position says where the records end, with the file's generation.
    pub(crate) fn read_after(
        &self,
        generation: u64,
        offset: u64,
    ) -> std::io::Result<(u64, u64, Vec<AccessLogEntry>)> {
        self.locked(Lock::Shared, |_| {
            let file_generation = self.generation_unlocked()?;
            let from = match file_generation.cmp(&generation) {
                std::cmp::Ordering::Equal => offset,
                std::cmp::Ordering::Greater => HEADER,
                std::cmp::Ordering::Less => {
                    return Err(std::io::Error::other(format!(
                        "{}: generation {file_generation} is older than the indexed {generation}",
                        self.path.display()
                    )));
                }
            };
            let len = self.file.metadata()?.len();
            let mut bytes = Vec::new();
            self.read_chunk(from, len, INDEX_CHUNK, &mut bytes)?;
            let (entries, used) = decode(&bytes);
            Ok((file_generation, from + used as u64, entries))
        })
    }

    /// Starts a new generation if everything up to `indexed` of `generation` is all the file
    /// holds and the file has grown past `rotate_at` ([`ROTATE_AT`]). `make_durable` must make
    /// the index durable (a checkpoint); it runs with the exclusive lock held, so nothing is
    /// appended in between. Returns the new generation when it rotated.
    pub(crate) fn rotate_if_done(
        &self,
        generation: u64,
        indexed: u64,
        rotate_at: u64,
        make_durable: impl FnOnce() -> std::io::Result<()>,
    ) -> std::io::Result<Option<u64>> {
        if indexed < rotate_at {
            return Ok(None);
        }
        self.locked(Lock::Exclusive, |_| {
            if self.generation_unlocked()? != generation || self.file.metadata()?.len() != indexed {
                return Ok(None);
            }
            make_durable()?;
            self.restart(generation + 1)?;
            Ok(Some(generation + 1))
        })
    }
}

/// Which `flock` to take.
enum Lock {
    /// Readers: everything in the file is synced while no writer holds the exclusive one.
    Shared,
    Exclusive,
}

fn poisoned() -> std::io::Error {
    std::io::Error::other("access-log journal lock poisoned by a panic")
}

/// Creates `side` (0600, new) and fills it with `write`; when filling fails (a full disk),
/// the file is removed again, so a failed attempt leaves nothing behind (issue 21, Low).
fn write_side_file(
    side: &std::path::Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(side)?;
    if let Err(e) = write(&mut out) {
        drop(out);
        let _ = std::fs::remove_file(side);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_side_file_that_cannot_be_written_is_removed() {
        let dir = tempfile::tempdir().expect("dir");
        let side = dir.path().join("log.journal.torn-1");
        let e = super::write_side_file(&side, |_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "no space left on device",
            ))
        })
        .expect_err("full");
        assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
        assert!(!side.exists(), "no empty file left behind");
        super::write_side_file(&side, |f| {
            use std::io::Write;
            f.write_all(b"tail")
        })
        .expect("written");
        assert_eq!(std::fs::read(&side).expect("read"), b"tail");
    }

    use super::*;

    fn entry(i: u8) -> AccessLogEntry {
        AccessLogEntry {
            at: OffsetDateTime::from_unix_timestamp_nanos(
                1_764_000_000_123_456_789 + i128::from(i),
            )
            .expect("time"),
            facility_code: "1311234566".into(),
            terminal_name: format!("受付{i}"),
            cert_serial: "0a1b".into(),
            kind: "card_numbers".into(),
            status: "valid".into(),
            person_hash: vec![i; 32],
        }
    }

    #[test]
    fn records_round_trip_and_a_torn_tail_is_not_read() {
        let entries: Vec<_> = (0..3).map(entry).collect();
        let mut bytes = Vec::new();
        encode(&entries, &mut bytes);
        let (back, used) = decode(&bytes);
        assert_eq!(back, entries);
        assert_eq!(used, bytes.len());
        // Cut inside the last record, or flip a byte of it: only the first two are read.
        let whole = bytes.len();
        let (two, used) = decode(&bytes[..whole - 5]);
        assert_eq!(two, entries[..2]);
        let mut flipped = bytes.clone();
        flipped[whole - 3] ^= 0x40;
        let (two_again, used_again) = decode(&flipped);
        assert_eq!((two_again, used_again), (entries[..2].to_vec(), used));
        // Long fields are kept whole (a cut inside a character would lose the record).
        let mut long = entry(9);
        long.terminal_name = "受付".repeat(20_000);
        let mut bytes = Vec::new();
        encode(std::slice::from_ref(&long), &mut bytes);
        assert_eq!(decode(&bytes).0, vec![long]);
    }

    #[test]
    fn a_record_longer_than_the_read_chunk_is_read_whole() {
        let dir = tempfile::tempdir().expect("dir");
        let journal = Journal::open(dir.path().join("x.journal"), 0).expect("open");
        let mut long = entry(7);
        long.terminal_name = "x".repeat(INDEX_CHUNK as usize + 1);
        let mut bytes = Vec::new();
        encode(&[long.clone(), entry(8)], &mut bytes);
        journal.append(&bytes).expect("append");
        let (_, end, read) = journal.read_after(1, HEADER).expect("first");
        assert_eq!(read, vec![long]);
        let (_, _, read) = journal.read_after(1, end).expect("next");
        assert_eq!(read, vec![entry(8)]);
    }

    /// A process's first append checks the journal chunk by chunk: wherever the chunks cut
    /// the records, it finds the same end as decoding the whole file, and a torn tail left by
    /// another process is set aside before the new records.
    #[test]
    fn the_first_append_of_a_process_finds_the_intact_end_chunk_by_chunk() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("x.access-log.journal");
        let writer = Journal::open(path.clone(), 0).expect("open");
        let entries: Vec<_> = (0..40).map(entry).collect();
        let mut bytes = Vec::new();
        encode(&entries, &mut bytes);
        writer.append(&bytes).expect("append");
        let intact = HEADER + bytes.len() as u64;
        writer
            .file
            .write_all_at(&bytes[..30], intact)
            .expect("a crashed writer's half record");
        let len = intact + 30;
        for chunk in [1, 7, 50, 333, 4096, INDEX_CHUNK] {
            assert_eq!(
                writer.intact_end(HEADER, len, chunk).expect("scan"),
                intact,
                "chunk {chunk}"
            );
        }
        assert_eq!(intact_len(&bytes), decode(&bytes).1);
        // Another process (its own open file, nothing known of the journal) appends.
        let other = Journal::open(path.clone(), 0).expect("open again");
        let mut one = Vec::new();
        encode(&[entry(99)], &mut one);
        other.append(&one).expect("append after the tear");
        let (_, end, read) = other.read_after(1, HEADER).expect("read");
        assert_eq!(read.len(), 41);
        assert_eq!(read[40], entry(99));
        assert_eq!(end, std::fs::metadata(&path).expect("len").len());
    }

    #[test]
    fn a_writer_sets_a_torn_tail_aside_and_readers_follow_generations() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("x.access-log.journal");
        let journal = Journal::open(path.clone(), 0).expect("open");
        let mut bytes = Vec::new();
        encode(&[entry(1)], &mut bytes);
        journal.append(&bytes).expect("append");
        // A crashed writer's half record.
        journal
            .file
            .write_all_at(&bytes[..10], HEADER + bytes.len() as u64)
            .expect("tear");
        let (generation, end, read) = journal.read_after(1, HEADER).expect("read");
        assert_eq!(
            (generation, end, read.len()),
            (1, HEADER + bytes.len() as u64, 1)
        );
        journal.append(&bytes).expect("append after the tear");
        let (_, end, read) = journal.read_after(1, HEADER).expect("read");
        assert_eq!(read, vec![entry(1), entry(1)]);
        assert_eq!(end, std::fs::metadata(&path).expect("len").len());
        let side: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".torn-"))
            .collect();
        assert_eq!(side.len(), 1);
        assert_eq!(std::fs::read(side[0].path()).expect("side"), bytes[..10]);
        // A newer generation is read from its start; an older one is refused.
        journal.file.lock().expect("lock");
        journal.restart(2).expect("restart");
        journal.file.unlock().expect("unlock");
        journal.append(&bytes).expect("append");
        let (generation, _, read) = journal.read_after(1, end).expect("newer");
        assert_eq!((generation, read.len()), (2, 1));
        assert!(journal.read_after(3, HEADER).is_err());
        // Not everything indexed, or the index not made durable: kept. Else a new generation.
        let (_, end, _) = journal.read_after(2, HEADER).expect("read");
        assert_eq!(
            journal
                .rotate_if_done(2, end - 1, 0, || Ok(()))
                .expect("kept"),
            None
        );
        let failing = || Err(std::io::Error::other("checkpoint busy"));
        assert!(journal.rotate_if_done(2, end, 0, failing).is_err());
        assert_eq!(
            journal
                .rotate_if_done(2, end, u64::MAX, || Ok(()))
                .expect("small"),
            None
        );
        assert_eq!(
            journal
                .rotate_if_done(2, end, 0, || Ok(()))
                .expect("rotated"),
            Some(3)
        );
        assert_eq!(std::fs::metadata(&path).expect("len").len(), HEADER);
        let (generation, end, read) = journal.read_after(2, end).expect("after rotation");
        assert_eq!((generation, end, read.len()), (3, HEADER, 0));
    }
}
