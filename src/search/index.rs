//! The tantivy index in `<data_dir>/index`: one document per searchable track, album and
//! artist, and the queries that rank them.
//!
//! Ranking is by tier, then popularity, then name. Every word must match, each in its best
//! way: exactly (4 points), as the prefix of a longer word when it is the last one, still being
//! typed (2), or within one typo when it has 4+ letters (1); each word's options are a
//! disjunction-max, so each word counts once, at its best. With n words, "every word exact" is
//! 4n, "the last one a prefix" 4n − 2, "one typo" at most 4n − 3. On top, a phrase in the name
//! adds 8 and the name being exactly the query adds 16 more; a phrase has every word exact, so
//! the tiers order strictly: exact name › phrase › every word › prefix › typo. Popularity adds
//! less than one, so it orders within a tier only; ties go by name.
//!
//! One pass answers all three kinds: the query runs once and one collector per kind keeps its
//! best (the kind is a fast field), so each word's automaton is walked once per search.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term};

use super::collect;
use super::text::{self, FUZZY_MIN_CHARS, Word};
use super::{Hits, SearchError, SearchRequest};
use crate::storage::{Id, SearchEntity, SearchKind};

/// Bumped whenever the fields or the word rules change: an index of another version is
/// rebuilt at start.
pub const SCHEMA_VERSION: u32 = 7;
/// Prefixes up to this long are indexed as words of their own (`starts`).
const SHORT_PREFIX_CHARS: usize = 2;

/// What each commit records: the schema it was written with and how far the catalog was in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub schema: u32,
    /// Every catalog change before this moment is in the index.
    pub caught_up: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    kind: Field,
    /// Plays × 4 + kind: see `collect`.
    rank: Field,
    name: Field,
    all: Field,
    name_key: Field,
    /// The first one and two characters of every word: a short prefix being typed is one
    /// posting list here instead of a union over every word it begins.
    starts: Field,
    /// The folded name's first 16 bytes, big-endian in two numbers: its alphabetical place.
    name_a: Field,
    name_b: Field,
    summary: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // Words are cut by `search::text`, handed over pre-tokenized; the tokenizer named here is
    // never used.
    let with_positions = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let words_only = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        id: builder.add_text_field("id", STRING),
        kind: builder.add_text_field("kind", STRING),
        rank: builder.add_u64_field(collect::RANK_FIELD, FAST),
        name: builder.add_text_field("name", with_positions),
        all: builder.add_text_field("all", words_only.clone()),
        starts: builder.add_text_field("starts", words_only),
        name_key: builder.add_text_field("name_key", STRING),
        name_a: builder.add_u64_field(collect::NAME_A_FIELD, FAST),
        name_b: builder.add_u64_field(collect::NAME_B_FIELD, FAST),
        // Text, not bytes: the store reads a string in one copy, bytes one by one.
        summary: builder.add_text_field("summary", STORED),
    };
    (builder.build(), fields)
}

pub struct TantivyIndex {
    /// Held (locked) while this index is open; see [`take_lock`].
    _lock: Arc<File>,
    /// Set when a search panicked inside tantivy; cleared by the next full commit.
    damaged: AtomicBool,
    reader: IndexReader,
    /// Made for a batch of writes and let go after its commit (once merges finish): an idle
    /// server keeps no indexing threads or buffers.
    writer: Mutex<Option<IndexWriter>>,
    writer_memory: usize,
    index: Index,
    fields: Fields,
    path: PathBuf,
}

/// How an existing index was found when opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// Readable, of this schema, caught up to its checkpoint.
    Current(Checkpoint),
    /// Missing, unreadable or of another schema: created empty, to be filled.
    Fresh(&'static str),
}

impl TantivyIndex {
    /// Opens the index in `path`, or makes a new empty one there when it is missing, corrupt
    /// or of another schema version (the old files are removed: the database has everything).
    pub fn open(
        path: &Path,
        writer_memory: usize,
    ) -> Result<(Arc<TantivyIndex>, Opened), SearchError> {
        // Ours before anything in the folder is looked at, let alone removed: a running server
        // holds it for as long as it runs.
        let lock = Arc::new(take_lock(path)?);
        // tantivy trusts its own files: a damaged one can panic rather than fail. Either way
        // the index is rebuilt from the database, which has everything.
        let existing = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Self::open_existing(path, writer_memory, &lock)
        }));
        match existing {
            Ok(Ok(Some(found))) => return Ok(found),
            Ok(Ok(None)) => {}
            // In use, not broken: never remove what a running server is using.
            Ok(Err(err @ SearchError::Locked(_))) => return Err(err),
            Ok(Err(err)) => {
                tracing::warn!(path = %path.display(), error = %err, "search index unreadable; rebuilding it");
            }
            Err(_) => {
                tracing::warn!(path = %path.display(), "search index damaged; rebuilding it");
            }
        }
        let why = if path.join("meta.json").exists() {
            "unreadable or of an older version"
        } else {
            "missing"
        };
        if path.exists() {
            std::fs::remove_dir_all(path)?;
        }
        crate::private_fs::create_dir_all(path)?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(path, schema)?;
        let opened = Self::finish(index, fields, path, writer_memory, &lock)?;
        Ok((Arc::new(opened), Opened::Fresh(why)))
    }

    fn open_existing(
        path: &Path,
        writer_memory: usize,
        lock: &Arc<File>,
    ) -> Result<Option<(Arc<TantivyIndex>, Opened)>, SearchError> {
        if !path.join("meta.json").exists() {
            return Ok(None);
        }
        let index = Index::open_in_dir(path)?;
        let checkpoint = index
            .load_metas()?
            .payload
            .and_then(|payload| serde_json::from_str::<Checkpoint>(&payload).ok());
        let Some(checkpoint) = checkpoint.filter(|c| c.schema == SCHEMA_VERSION) else {
            return Ok(None);
        };
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Ok(None);
        }
        let opened = Self::finish(index, fields, path, writer_memory, lock)?;
        // Opening a reader reads every segment's files: a damaged one fails here, not later.
        opened.count(SearchKind::Track)?;
        Ok(Some((Arc::new(opened), Opened::Current(checkpoint))))
    }

    fn finish(
        index: Index,
        fields: Fields,
        path: &Path,
        writer_memory: usize,
        lock: &Arc<File>,
    ) -> Result<TantivyIndex, SearchError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(TantivyIndex {
            damaged: AtomicBool::new(false),
            reader,
            writer: Mutex::new(None),
            writer_memory,
            index,
            fields,
            path: path.to_path_buf(),
            _lock: Arc::clone(lock),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the index's folder is gone from under it (removed by hand while running):
    /// searches still answer from open files, but nothing can be written to it again.
    pub fn is_gone(&self) -> bool {
        !self.path.join("meta.json").exists()
    }

    /// A new empty index in this one's place, under the same lock, to be rebuilt.
    pub fn recreate(&self) -> Result<Arc<TantivyIndex>, SearchError> {
        if self.path.exists() {
            std::fs::remove_dir_all(&self.path)?;
        }
        std::fs::create_dir_all(&self.path)?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(&self.path, schema)?;
        let fresh = Self::finish(index, fields, &self.path, self.writer_memory, &self._lock)?;
        Ok(Arc::new(fresh))
    }

    fn id_term(&self, id: Id) -> Term {
        Term::from_field_text(self.fields.id, &id.to_string())
    }

    /// Queues documents (replacing any of the same id) and removals; [`TantivyIndex::commit`]
    /// makes them visible.
    pub fn write(&self, upserts: &[SearchEntity], removals: &[Id]) -> Result<(), SearchError> {
        let mut slot = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let writer = self.writer_in(&mut slot)?;
        for id in removals {
            writer.delete_term(self.id_term(*id));
        }
        for entity in upserts {
            writer.delete_term(self.id_term(entity.id));
            writer.add_document(self.document(entity))?;
        }
        Ok(())
    }

    /// Empties the index (seen at the next commit: searches answer from the old one until then).
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut slot = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        self.writer_in(&mut slot)?.delete_all_documents()?;
        // Every segment, a damaged one included, goes at the next commit.
        self.damaged.store(false, Ordering::Release);
        Ok(())
    }

    /// Makes everything written so far durable and searchable, recording the checkpoint.
    pub fn commit(&self, checkpoint: &Checkpoint) -> Result<(), SearchError> {
        let payload =
            serde_json::to_string(checkpoint).map_err(|err| SearchError::Index(err.to_string()))?;
        {
            let mut slot = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
            let writer = self.writer_in(&mut slot)?;
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
            if let Some(writer) = slot.take() {
                // The merges this commit started finish before the writer goes: segments
                // would pile up otherwise.
                writer.wait_merging_threads()?;
            }
        }
        self.reader.reload()?;
        Ok(())
    }

    fn writer_in<'a>(
        &self,
        slot: &'a mut Option<IndexWriter>,
    ) -> Result<&'a mut IndexWriter, SearchError> {
        if slot.is_none() {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
            let memory = self.writer_memory.max(threads * 16_000_000);
            *slot = Some(self.index.writer_with_num_threads(threads, memory)?);
        }
        slot.as_mut()
            .ok_or_else(|| SearchError::Index("no index writer".into()))
    }

    /// Searchable documents of a kind.
    pub fn count(&self, kind: SearchKind) -> Result<u64, SearchError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.kind, kind.as_str()),
            IndexRecordOption::Basic,
        );
        Ok(query.count(&searcher)? as u64)
    }

    fn document(&self, entity: &SearchEntity) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, entity.id.to_string());
        doc.add_text(f.kind, entity.kind.as_str());
        doc.add_u64(
            f.rank,
            collect::rank(kind_code(entity.kind), entity.popularity),
        );
        let mut all = text::index_words(&entity.name);
        doc.add_pre_tokenized_text(f.name, pre_tokenized(&entity.name, all.clone()));
        for context in &entity.context {
            // A gap between fields keeps a phrase from running across two names.
            let base = all.last().map_or(0, |w| w.position + 2);
            all.extend(text::index_words(context).into_iter().map(|w| Word {
                text: w.text,
                position: w.position + base,
            }));
        }
        let mut starts: Vec<&str> = Vec::with_capacity(all.len() * 2);
        for word in &all {
            let text = word.text.as_str();
            let mut ends = text.char_indices().map(|(at, _)| at).skip(1);
            let one = ends.next().unwrap_or(text.len());
            let two = ends.next().unwrap_or(text.len());
            starts.push(&text[..one]);
            if two != one {
                starts.push(&text[..two]);
            }
        }
        starts.sort_unstable();
        starts.dedup();
        let starts: Vec<Word> = starts
            .into_iter()
            .map(|text| Word {
                text: text.to_owned(),
                position: 0,
            })
            .collect();
        doc.add_pre_tokenized_text(f.starts, pre_tokenized("", starts));
        doc.add_pre_tokenized_text(f.all, pre_tokenized("", all));
        doc.add_text(f.name_key, text::name_key(&entity.name));
        let (a, b) = name_order(&entity.name);
        doc.add_u64(f.name_a, a);
        doc.add_u64(f.name_b, b);
        doc.add_text(f.summary, String::from_utf8_lossy(&entity.summary));
        doc
    }

    /// The best documents of each asked kind. A panic inside tantivy (files damaged while
    /// open) is an error for this request, not a dead worker.
    pub fn search(&self, request: &SearchRequest) -> Result<Hits, SearchError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.search_unguarded(request)
        }))
        .unwrap_or_else(|_| {
            self.damaged.store(true, Ordering::Release);
            Err(SearchError::Index(
                "the search index is damaged; it is being rebuilt".into(),
            ))
        })
    }

    pub fn is_damaged(&self) -> bool {
        self.damaged.load(Ordering::Acquire)
    }

    fn search_unguarded(&self, request: &SearchRequest) -> Result<Hits, SearchError> {
        let mut hits = Hits::default();
        let words = text::query_words(&request.text);
        if words.is_empty() {
            return Ok(hits);
        }
        let kinds: Vec<SearchKind> = request.kinds().collect();
        let key = text::name_key(&request.text);
        let searcher = self.reader.searcher();
        let keep = collect::BestPerKind {
            keep: request.limit,
        };
        // Without typos first: a typo-only match scores below every match without one, so when
        // each asked kind already has enough, the typo automata need not run at all.
        let strict = searcher.search(&self.ranked_query(&words, &key, &kinds, false), &keep)?;
        let enough = kinds.iter().all(|k| {
            strict
                .get(kind_code(*k) as usize)
                .is_some_and(|list| list.len() >= keep.keep)
        });
        let best = if enough {
            strict
        } else {
            searcher.search(&self.ranked_query(&words, &key, &kinds, true), &keep)?
        };
        let mut best = best.into_iter();
        let (tracks, albums, artists) = (
            best.next().unwrap_or_default(),
            best.next().unwrap_or_default(),
            best.next().unwrap_or_default(),
        );
        for (kind, top) in [
            (SearchKind::Track, tracks),
            (SearchKind::Album, albums),
            (SearchKind::Artist, artists),
        ] {
            if kinds.contains(&kind) {
                *hits.of_mut(kind) = self.best(&searcher, top)?;
            }
        }
        Ok(hits)
    }

    /// The `limit` best of these candidates by score, then name; their summaries.
    /// The summaries of these hits, in their order.
    fn best(
        &self,
        searcher: &tantivy::Searcher,
        top: Vec<collect::Hit>,
    ) -> Result<Vec<Bytes>, SearchError> {
        let mut out = Vec::with_capacity(top.len());
        for hit in top {
            let doc: TantivyDocument = searcher.doc(hit.address)?;
            if let Some(summary) = doc.get_first(self.fields.summary).and_then(|v| v.as_str()) {
                out.push(Bytes::copy_from_slice(summary.as_bytes()));
            }
        }
        Ok(out)
    }

    fn ranked_query(
        &self,
        words: &[Word],
        key: &str,
        kinds: &[SearchKind],
        typos: bool,
    ) -> BooleanQuery {
        let f = &self.fields;
        let all = |w: &Word| Term::from_field_text(f.all, &w.text);
        let term =
            |t: Term| -> Box<dyn Query> { Box::new(TermQuery::new(t, IndexRecordOption::Basic)) };
        let scored = |q: Box<dyn Query>, score: Score| -> Box<dyn Query> {
            Box::new(ConstScoreQuery::new(q, score))
        };
        let last = words.len() - 1;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let mut ways: Vec<Box<dyn Query>> = vec![scored(term(all(w)), 4.0)];
            if i == last {
                let prefix: Box<dyn Query> = if w.text.chars().count() <= SHORT_PREFIX_CHARS {
                    term(Term::from_field_text(f.starts, &w.text))
                } else {
                    Box::new(FuzzyTermQuery::new_prefix(all(w), 0, true))
                };
                ways.push(scored(prefix, 2.0));
            }
            if typos && w.text.chars().count() >= FUZZY_MIN_CHARS {
                let typo = if i == last {
                    FuzzyTermQuery::new_prefix(all(w), 1, true)
                } else {
                    FuzzyTermQuery::new(all(w), 1, true)
                };
                ways.push(scored(Box::new(typo), 1.0));
            }
            clauses.push((Occur::Must, Box::new(DisjunctionMaxQuery::new(ways))));
        }
        let phrase: Box<dyn Query> = if words.len() == 1 {
            term(Term::from_field_text(f.name, &words[0].text))
        } else {
            let first = words[0].position as usize;
            Box::new(PhraseQuery::new_with_offset(
                words
                    .iter()
                    .map(|w| {
                        let offset = w.position as usize - first;
                        (offset, Term::from_field_text(f.name, &w.text))
                    })
                    .collect(),
            ))
        };
        clauses.push((Occur::Should, scored(phrase, 8.0)));
        clauses.push((
            Occur::Should,
            scored(term(Term::from_field_text(f.name_key, key)), 16.0),
        ));
        if kinds.len() < SearchKind::ALL.len() {
            let wanted = kinds
                .iter()
                .map(|k| {
                    (
                        Occur::Should,
                        term(Term::from_field_text(f.kind, k.as_str())),
                    )
                })
                .collect();
            clauses.push((
                Occur::Must,
                scored(Box::new(BooleanQuery::new(wanted)), 0.0),
            ));
        }
        BooleanQuery::new(clauses)
    }
}

/// A name's alphabetical place: its folded form's first 16 bytes as two big-endian numbers
/// (names alike that far tie, and keep their index order).
fn name_order(name: &str) -> (u64, u64) {
    let folded = text::fold(name);
    let mut bytes = [0u8; 16];
    for (slot, byte) in bytes.iter_mut().zip(folded.bytes()) {
        *slot = byte;
    }
    let (a, b) = bytes.split_at(8);
    let number = |half: &[u8]| {
        half.iter()
            .fold(0u64, |n, byte| (n << 8) | u64::from(*byte))
    };
    (number(a), number(b))
}

fn kind_code(kind: SearchKind) -> u64 {
    match kind {
        SearchKind::Track => 0,
        SearchKind::Album => 1,
        SearchKind::Artist => 2,
    }
}

/// An exclusive lock on `<index>.lock`, beside the folder (inside it, removing the folder would
/// remove the lock too). Another process holding it means the index is in use.
fn take_lock(path: &Path) -> Result<File, SearchError> {
    if let Some(parent) = path.parent() {
        crate::private_fs::create_dir_all(parent)?;
    }
    let file = std::fs::OpenOptions::new()
        .mode(crate::private_fs::FILE_MODE)
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.with_extension("lock"))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(SearchError::Locked(format!(
            "{} is locked",
            path.with_extension("lock").display()
        ))),
        Err(std::fs::TryLockError::Error(err)) => Err(err.into()),
    }
}

fn pre_tokenized(text: &str, words: Vec<Word>) -> PreTokenizedString {
    PreTokenizedString {
        text: text.to_owned(),
        tokens: words
            .into_iter()
            .map(|w| Token {
                offset_from: 0,
                offset_to: 0,
                position: w.position as usize,
                text: w.text,
                position_length: 1,
            })
            .collect(),
    }
}
