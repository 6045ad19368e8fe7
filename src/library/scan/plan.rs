//! What a scan of one folder has to do, decided before any file is read from what the database
//! knows of the folder and what the walk found there. No I/O: the rules of an incremental
//! scan (unchanged, changed, new, reappeared, moved, missing) are tested here without a
//! database.

use std::collections::{HashMap, HashSet};

use super::walk::WalkedFile;
use crate::storage::{Id, KnownFile};

/// A folder's scan, planned.
#[derive(Debug)]
pub struct ScanPlan {
    /// Files whose size and modification time match their track's: not read again.
    pub unchanged: u64,
    /// Tracks of unchanged files that were marked unavailable: their files are back.
    pub reappeared: Vec<Id>,
    /// Files to read, in walk order: new ones, and changed ones with their track.
    pub to_read: Vec<FileToRead>,
    /// Where a new file's content may have come from, and what is missing unless it did.
    pub moves: Moves,
}

#[derive(Debug)]
pub struct FileToRead {
    pub file: WalkedFile,
    /// The track already at this path; `None` for a new file (which may still turn out to be
    /// a moved one, by its content).
    pub track: Option<KnownTrack>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownTrack {
    pub id: Id,
    pub was_unavailable: bool,
}

impl ScanPlan {
    /// Files no track has yet.
    pub fn new_files(&self) -> impl Iterator<Item = &WalkedFile> {
        self.to_read
            .iter()
            .filter(|f| f.track.is_none())
            .map(|f| &f.file)
    }

    /// Files whose track is read again.
    pub fn changed_files(&self) -> impl Iterator<Item = (&WalkedFile, KnownTrack)> {
        self.to_read
            .iter()
            .filter_map(|f| Some((&f.file, f.track?)))
    }
}

/// Plans the scan of one folder. `known` are the tracks whose files lie in it, `walked` the
/// audio files found there (in walk order), `unavailable` the content hashes of every track
/// marked unavailable, anywhere. `full` reads every file again, changed or not.
pub fn plan(
    known: Vec<KnownFile>,
    walked: Vec<WalkedFile>,
    unavailable: Vec<(String, Id)>,
    full: bool,
) -> ScanPlan {
    let known: HashMap<String, KnownFile> = known
        .into_iter()
        .map(|k| (k.file_path.clone(), k))
        .collect();
    let seen: HashSet<String> = walked.iter().map(WalkedFile::key).collect();
    let gone: Vec<&KnownFile> = known
        .values()
        .filter(|k| !seen.contains(&k.file_path))
        .collect();
    let moves = Moves {
        vanished: gone
            .iter()
            .filter_map(|k| Some((k.content_hash.clone()?, k.id)))
            .collect(),
        unavailable: unavailable.into_iter().collect(),
        gone_available: gone
            .iter()
            .filter(|k| k.is_available)
            .map(|k| k.id)
            .collect(),
        moved_here: HashSet::new(),
    };

    let mut unchanged = 0;
    let mut reappeared = Vec::new();
    let mut to_read = Vec::new();
    for file in walked {
        match known.get(&file.key()) {
            Some(k) if !full && k.file_size == Some(file.size) && k.file_mtime == file.mtime => {
                if !k.is_available {
                    reappeared.push(k.id);
                }
                unchanged += 1;
            }
            Some(k) => to_read.push(FileToRead {
                file,
                track: Some(KnownTrack {
                    id: k.id,
                    was_unavailable: !k.is_available,
                }),
            }),
            None => to_read.push(FileToRead { file, track: None }),
        }
    }
    ScanPlan {
        unchanged,
        reappeared,
        to_read,
        moves,
    }
}

/// Tracks whose file is gone from where it was. A new file with the same content is the same
/// track, moved: first one of this folder's, else one unavailable anywhere (a file moved from
/// another folder, or back). The rest are missing.
#[derive(Debug)]
pub struct Moves {
    vanished: HashMap<String, Id>,
    unavailable: HashMap<String, Id>,
    gone_available: Vec<Id>,
    moved_here: HashSet<Id>,
}

impl Moves {
    /// The track a new file with this content continues, if any; each is given out once.
    pub fn claim(&mut self, content_hash: &str) -> Option<Id> {
        self.vanished
            .remove(content_hash)
            .or_else(|| self.unavailable.remove(content_hash))
    }

    /// Records that a track's file was found, and saved, at a new path in this folder.
    pub fn moved_here(&mut self, id: Id) {
        self.moved_here.insert(id);
    }

    /// Tracks to mark unavailable: gone from where they were, available until now, and not
    /// found elsewhere in this folder.
    pub fn missing(&self) -> Vec<Id> {
        self.gone_available
            .iter()
            .copied()
            .filter(|id| !self.moved_here.contains(id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use chrono::{DateTime, Utc};

    use super::*;

    fn at(seconds: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(seconds, 0)
    }

    fn walked(name: &str, size: i64, mtime: i64) -> WalkedFile {
        WalkedFile {
            path: PathBuf::from(format!("/music/{name}")),
            relative: PathBuf::from(name),
            size,
            mtime: at(mtime),
        }
    }

    fn known(name: &str, size: i64, mtime: i64, hash: &str, available: bool) -> KnownFile {
        KnownFile {
            id: Id::new(),
            file_path: format!("/music/{name}"),
            file_size: Some(size),
            file_mtime: at(mtime),
            content_hash: Some(hash.to_owned()),
            is_available: available,
        }
    }

    fn names<'a>(files: impl Iterator<Item = &'a WalkedFile>) -> Vec<String> {
        files.map(|f| f.relative.display().to_string()).collect()
    }

    #[test]
    fn unchanged_files_are_not_read_and_come_back_when_unavailable() {
        let same = known("a.mp3", 10, 1, "ha", true);
        let back = known("b.mp3", 20, 2, "hb", false);
        let back_id = back.id;
        let plan = plan(
            vec![same, back],
            vec![walked("a.mp3", 10, 1), walked("b.mp3", 20, 2)],
            vec![("hb".into(), back_id)],
            false,
        );
        assert_eq!(plan.unchanged, 2);
        assert_eq!(plan.reappeared, [back_id]);
        assert!(plan.to_read.is_empty());
        assert!(plan.moves.missing().is_empty());
    }

    #[test]
    fn changed_and_new_files_are_read_in_walk_order() {
        let sized = known("b.mp3", 10, 1, "hb", true);
        let touched = known("c.mp3", 10, 1, "hc", false);
        let (sized_id, touched_id) = (sized.id, touched.id);
        let plan = plan(
            vec![sized, touched],
            vec![
                walked("a.mp3", 5, 1),
                walked("b.mp3", 11, 1),
                walked("c.mp3", 10, 9),
                walked("d.mp3", 5, 1),
            ],
            Vec::new(),
            false,
        );
        assert_eq!(plan.unchanged, 0);
        let order: Vec<String> = plan
            .to_read
            .iter()
            .map(|f| f.file.relative.display().to_string())
            .collect();
        assert_eq!(order, ["a.mp3", "b.mp3", "c.mp3", "d.mp3"]);
        assert_eq!(names(plan.new_files()), ["a.mp3", "d.mp3"]);
        let changed: Vec<KnownTrack> = plan.changed_files().map(|(_, t)| t).collect();
        assert_eq!(
            changed,
            [
                KnownTrack {
                    id: sized_id,
                    was_unavailable: false
                },
                KnownTrack {
                    id: touched_id,
                    was_unavailable: true
                }
            ]
        );
    }

    #[test]
    fn a_full_scan_reads_unchanged_files_too() {
        let same = known("a.mp3", 10, 1, "ha", true);
        let plan = plan(vec![same], vec![walked("a.mp3", 10, 1)], Vec::new(), true);
        assert_eq!(plan.unchanged, 0);
        assert_eq!(plan.changed_files().count(), 1);
    }

    #[test]
    fn vanished_files_are_missing_unless_found_again() {
        let gone = known("old/a.mp3", 10, 1, "ha", true);
        let moved = known("old/b.mp3", 10, 1, "hb", true);
        let already = known("old/c.mp3", 10, 1, "hc", false);
        let (gone_id, moved_id, already_id) = (gone.id, moved.id, already.id);
        let mut plan = plan(
            vec![gone, moved, already],
            vec![walked("new/b.mp3", 10, 1)],
            vec![("hc".into(), already_id)],
            false,
        );
        assert_eq!(names(plan.new_files()), ["new/b.mp3"]);
        assert_eq!(plan.moves.claim("hb"), Some(moved_id));
        assert_eq!(plan.moves.claim("hb"), None, "a track moves to one place");
        plan.moves.moved_here(moved_id);
        assert_eq!(
            plan.moves.missing(),
            [gone_id],
            "already unavailable stays so"
        );
    }

    #[test]
    fn a_move_that_was_not_saved_leaves_the_track_missing() {
        let moved = known("old/b.mp3", 10, 1, "hb", true);
        let moved_id = moved.id;
        let mut plan = plan(
            vec![moved],
            vec![walked("new/b.mp3", 10, 1)],
            Vec::new(),
            false,
        );
        assert_eq!(plan.moves.claim("hb"), Some(moved_id));
        assert_eq!(plan.moves.missing(), [moved_id]);
    }

    #[test]
    fn moves_prefer_this_folder_then_any_unavailable_track() {
        let here = known("old/a.mp3", 10, 1, "same", true);
        let here_id = here.id;
        let (elsewhere, other) = (Id::new(), Id::new());
        let mut plan = plan(
            vec![here],
            vec![walked("a.mp3", 10, 1), walked("b.mp3", 10, 1)],
            vec![("same".into(), elsewhere), ("other".into(), other)],
            false,
        );
        assert_eq!(plan.moves.claim("same"), Some(here_id));
        assert_eq!(plan.moves.claim("same"), Some(elsewhere));
        assert_eq!(plan.moves.claim("same"), None);
        assert_eq!(plan.moves.claim("other"), Some(other));
        assert_eq!(plan.moves.claim("unknown"), None);
    }

    #[test]
    fn tracks_without_a_hash_cannot_be_moved_to() {
        let mut old = known("old/a.mp3", 10, 1, "", true);
        old.content_hash = None;
        let old_id = old.id;
        let mut plan = plan(vec![old], vec![walked("a.mp3", 10, 1)], Vec::new(), false);
        assert_eq!(plan.moves.claim(""), None);
        assert_eq!(plan.moves.missing(), [old_id]);
    }
}
